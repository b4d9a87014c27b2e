"""Masking of personal data for roles that need only to recognise it, not to use it: pure functions of plain
values.

Masking follows Ley 1581 de 2012, art. 4 (f) and (g), principles of restricted access and security: personal data
is shown only to whom needs it. A viewer (read-only role) sees enough to recognise a contact, not to use it:
"+57 300 *** **67", "l***@dominio.co", "*****4567" (docs/habeas-data.md). Here, in portfolio, because the
portfolio's own reads (debtor 360, search, audit) mask; recaudo.privacy builds export, anonymization and
retention on top.
"""

from __future__ import annotations

import re

import phonenumbers

_DIGITS = re.compile(r"\D")


def mask_phone(value: str) -> str:
    """'+573001234567' -> '+57 300 *** **67': the country code, the first three digits of the national number
    (operator or area) and the last two; the rest as stars, grouped 3-3-rest."""
    value = (value or "").strip()
    if not value:
        return ""
    prefix, national = "", _DIGITS.sub("", value)
    if value.startswith("+"):
        try:
            parsed = phonenumbers.parse(value, None)
        except phonenumbers.NumberParseException:
            parsed = None
        if parsed is not None:
            prefix = f"+{parsed.country_code} "
            national = str(parsed.national_number)
    if len(national) <= 5:
        return prefix + "*" * max(len(national) - 2, 1) + national[-2:] if len(national) > 2 else prefix + "***"
    masked = national[:3] + "*" * (len(national) - 5) + national[-2:]
    return prefix + " ".join(part for part in (masked[:3], masked[3:6], masked[6:]) if part)


def mask_email(value: str) -> str:
    """'luisa@dominio.co' -> 'l***@dominio.co': the first letter of the mailbox, the whole domain."""
    value = (value or "").strip()
    if not value:
        return ""
    local, at, domain = value.rpartition("@")
    if not at:
        return mask_text(value)
    return f"{local[:1]}***@{domain}"


def mask_id(value: str) -> str:
    """'1234567' -> '*****4567': five stars whatever the length (the length is not shown), the last four
    characters when the number has more than four."""
    value = (value or "").strip()
    if not value:
        return ""
    compact = re.sub(r"[\s.\-]", "", value)
    return "*****" + (compact[-4:] if len(compact) > 4 else "")


def mask_text(value: str) -> str:
    """A postal address or any other free text: its first word and stars ('Calle 12 # 34-56' -> 'Calle ***')."""
    value = (value or "").strip()
    if not value:
        return ""
    return value.split()[0][:20] + " ***"


def mask_contact(channel: str, value: str) -> str:
    """A contact value by its channel (phone, whatsapp, email, address)."""
    if channel in ("phone", "whatsapp", "sms", "call"):
        return mask_phone(value)
    if channel == "email":
        return mask_email(value)
    return mask_text(value)


def mask_guess(value: str) -> str:
    """A value whose kind is not known (an audit change, a message recipient): an e-mail, a phone, an ID."""
    value = (value or "").strip()
    if "@" in value:
        return mask_email(value)
    digits = _DIGITS.sub("", value)
    if value.startswith("+") and len(digits) >= 7:
        return mask_phone(value)
    if digits and len(digits) >= len(value.replace(" ", "").replace("-", "").replace(".", "")) - 1:
        return mask_id(value)
    return mask_text(value)


_EMAIL_IN_TEXT = re.compile(r"[^\s@<>\"'(),;:]+@[^\s@<>\"'(),;:]+\.[A-Za-z]{2,}")
_NUMBER_IN_TEXT = re.compile(r"\+?\d[\d .\-]{5,}\d")
_DATE_IN_TEXT = re.compile(r"\d{4}-\d{2}-\d{2}")


def mask_free_text(value: str) -> str:
    """Free text that may quote a contact or an ID (a provider's error, a step's reason, acceptance evidence): each
    e-mail address and each run of 7 or more digits that is not a date masked ('Invalid To +573001234567' ->
    'Invalid To +57 300 *** **67')."""
    if not value:
        return value or ""

    def number(match):
        text = match.group(0)
        if len(_DIGITS.sub("", text)) < 7 or _DATE_IN_TEXT.fullmatch(text):
            return text
        return mask_phone(text) if text.startswith("+") else mask_id(text)

    return _NUMBER_IN_TEXT.sub(number, _EMAIL_IN_TEXT.sub(lambda m: mask_email(m.group(0)), value))


# Keys of audit "changes" that carry contact data or IDs, and how each is masked.
_CHANGE_MASKS = {
    "id_number": mask_id, "value": mask_guess, "to": mask_guess, "phone": mask_phone, "whatsapp": mask_phone,
    "email": mask_email, "address": mask_text, "holder_name": mask_text,
}


def mask_changes(changes):
    """An audit event's changes with the contact data and IDs masked, whatever their shape: {'value': x},
    {'id_number': [old, new]}, {'contacts_added': ['phone: +57...']}."""
    if not isinstance(changes, dict):
        return changes
    out = {}
    for key, value in changes.items():
        mask = _CHANGE_MASKS.get(key)
        if mask is not None:
            out[key] = [mask(v) if isinstance(v, str) else v for v in value] if isinstance(value, list) else (
                mask(value) if isinstance(value, str) else value)
        elif key == "contacts_added" and isinstance(value, list):
            out[key] = [_mask_labelled(v) for v in value]
        elif isinstance(value, dict):
            out[key] = mask_changes(value)
        else:
            out[key] = value
    return out


def _mask_labelled(text):
    if not isinstance(text, str):
        return text
    channel, sep, value = text.partition(": ")
    return f"{channel}: {mask_contact(channel, value)}" if sep else mask_guess(text)
