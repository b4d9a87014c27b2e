"""Communications rules: pure functions of plain data."""

from __future__ import annotations

from datetime import timedelta
from typing import NamedTuple

APPLYING_ROLES = frozenset({"supervisor", "admin"})


def template_edit_needs_approval(role: str | None) -> bool:
    """A portfolio's templates go to every debtor of the portfolio: an agent's edit waits for a supervisor's or an
    administrator's approval; theirs apply at once. `role` None is not a person (a command, the system): at once.

    >>> [template_edit_needs_approval(r) for r in ("agent", "supervisor", "admin", None)]
    [True, False, False, False]
    """
    return role is not None and role not in APPLYING_ROLES


def template_can_decide(role: str | None) -> bool:
    """Who approves or rejects an agent's edit: supervisors and administrators."""
    return role in APPLYING_ROLES


BACKOFF_BASE = timedelta(minutes=1)
BACKOFF_CAP = timedelta(hours=6)
# After a permanent failure, the next channels to try, in order (only those the debtor consented to).
FALLBACK_ORDER = {"email": ("whatsapp", "sms", "letter"), "sms": ("whatsapp", "email", "letter"),
                  "whatsapp": ("sms", "email", "letter"), "letter": ("email",)}


def retry_delay(attempts: int) -> timedelta:
    """Exponential backoff after the `attempts`-th failed try: 1, 2, 4, 8 ... minutes, at most 6 hours."""
    return min(BACKOFF_BASE * (2 ** max(attempts - 1, 0)), BACKOFF_CAP)


# ---------------------------------------------------------------------------------------------- how to address
def greeting_name(*, name: str, kind: str = "person", id_type: str = "") -> str:
    """The name a message greets the debtor by (`debtor.first_name`): a person's first word, a company's (a legal
    person: kind "company", or identified by a NIT) whole name. "Distribuciones El Sol S.A.S." is never
    "Distribuciones", and a natural person with a NIT is greeted by the full name, which is never wrong.

    >>> greeting_name(name="Luz Marina Restrepo")
    'Luz'
    >>> greeting_name(name="Distribuciones El Sol S.A.S.", kind="company")
    'Distribuciones El Sol S.A.S.'
    >>> greeting_name(name="Ferretería Gómez", id_type="NIT")
    'Ferretería Gómez'
    >>> greeting_name(name="   ")
    ''
    """
    words = name.split()
    if not words:
        return ""
    return " ".join(words) if is_company(kind=kind, id_type=id_type) else words[0]


def is_company(*, kind: str = "person", id_type: str = "") -> bool:
    """A legal person for the purpose of addressing it (`debtor.company`: "Señores ..."): kind "company", or a NIT.

    >>> is_company(kind="company"), is_company(id_type="nit"), is_company(id_type="CC"), is_company()
    (True, True, False, False)
    """
    return kind == "company" or (id_type or "").strip().upper() == "NIT"


# ------------------------------------------------------------------------------------------------- SMS segments
# GSM 03.38: the 7-bit default alphabet, and its extension table (each extension character takes two septets).
GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXTENSION = frozenset("^{}\\[~]|€\f")
GSM7_SINGLE, GSM7_PART = 160, 153  # septets in one SMS; per part of a concatenated one (a 7-septet header)
UCS2_SINGLE, UCS2_PART = 70, 67  # characters (UTF-16 code units) in one SMS; per part of a concatenated one
SMS_SPACES = str.maketrans({"\u00a0": " ", "\u202f": " ", "\u2009": " "})  # number formatting's thin spaces


class SmsSize(NamedTuple):
    encoding: str  # "GSM-7" or "UCS-2"
    length: int  # septets (GSM-7, extension characters count 2) or UTF-16 code units (UCS-2)
    segments: int  # messages the operator bills; 0 for an empty text
    per_segment: int  # the limit that applied: 160/153 (GSM-7) or 70/67 (UCS-2)
    non_gsm: str  # the characters that forced UCS-2, in order of appearance, each once


def sms_text(text: str) -> str:
    """The text as an SMS carries it: the no-break and thin spaces amounts are formatted with become plain spaces
    (a single one would make the whole message UCS-2)."""
    return text.translate(SMS_SPACES)


def sms_size(text: str) -> SmsSize:
    """How many SMS segments `text` takes. All characters in the GSM-7 alphabet: 160 septets in one message, 153
    per segment beyond (extension characters such as € [ ] { } count two). Any other character (á í ó ú, emoji):
    the whole message is UCS-2, 70 characters in one message, 67 per segment beyond.

    >>> sms_size("a" * 160)[:3], sms_size("a" * 161)[:3], sms_size("a" * 306)[:3], sms_size("a" * 307)[:3]
    (('GSM-7', 160, 1), ('GSM-7', 161, 2), ('GSM-7', 306, 2), ('GSM-7', 307, 3))
    >>> sms_size("€" * 80)[:3], sms_size("€" * 81)[:3]
    (('GSM-7', 160, 1), ('GSM-7', 162, 2))
    >>> sms_size("Señor Muñoz, ¿pagó?")  # ñ and ¿ are GSM-7, ó is not
    SmsSize(encoding='UCS-2', length=19, segments=1, per_segment=70, non_gsm='ó')
    >>> sms_size("í" * 70)[:3], sms_size("í" * 71)[:3], sms_size("í" * 134)[:3], sms_size("í" * 135)[:3]
    (('UCS-2', 70, 1), ('UCS-2', 71, 2), ('UCS-2', 134, 2), ('UCS-2', 135, 3))
    >>> sms_size("")
    SmsSize(encoding='GSM-7', length=0, segments=0, per_segment=160, non_gsm='')
    """
    non_gsm = "".join(dict.fromkeys(c for c in text if c not in GSM7_BASIC and c not in GSM7_EXTENSION))
    if non_gsm:
        length = len(text.encode("utf-16-le")) // 2  # an emoji is two code units
        single, part, encoding = UCS2_SINGLE, UCS2_PART, "UCS-2"
    else:
        length = sum(2 if c in GSM7_EXTENSION else 1 for c in text)
        single, part, encoding = GSM7_SINGLE, GSM7_PART, "GSM-7"
    if length == 0:
        segments = 0
    elif length <= single:
        segments = 1
    else:
        segments = -(-length // part)
    return SmsSize(encoding=encoding, length=length, segments=segments,
                   per_segment=single if segments <= 1 else part, non_gsm=non_gsm)
