"""Portfolio writes: portfolios, debtors, contacts, consents, obligations. One transaction each, audited."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import holidays
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from recaudo.audit.services import audit_record, diff
from recaudo.core.errors import DomainError
from recaudo.core.money import UnknownCurrency, table_precision, validate_currency
from recaudo.portfolio.aging import BucketError, parse_buckets

from .models import LOGO_MAX_BYTES, Consent, Contact, Debtor, PaymentReference, Portfolio, tags_to_db
from .validation import (
    ValidationProblem,
    creditor_nit_check,
    logo_check,
    normalize_email,
    normalize_phone,
    search_text_for,
    validate_national_id,
)

CAPITAL_TZ = {"CO": "America/Bogota", "PE": "America/Lima", "MX": "America/Mexico_City",
              "CL": "America/Santiago", "US": "America/New_York", "EC": "America/Guayaquil"}


class PortfolioError(DomainError):
    pass


def validate_country(code: str) -> str:
    code = (code or "").strip().upper()
    if len(code) != 2 or code not in holidays.list_supported_countries():
        raise PortfolioError(f"unknown country code {code!r} (ISO 3166 alpha-2, e.g. CO, PE, MX, CL)")
    return code


def validate_timezone(name: str) -> str:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise PortfolioError(f"unknown time zone {name!r} (e.g. America/Bogota)")
    return name


def validate_buckets(buckets) -> list[list[int | None]]:

    try:
        parse_buckets(buckets)
    except BucketError as exc:
        raise PortfolioError(str(exc))
    return [list(b) for b in buckets]


@transaction.atomic
def portfolio_create(*, slug: str, name: str, country: str, currency: str, tz: str | None = None,
                     creditor: str = "", buckets=None, actor=None) -> Portfolio:
    if slugify(slug) != slug or not slug:
        raise PortfolioError(f"invalid slug {slug!r}: use lower-case letters, digits and hyphens")
    if Portfolio.objects.filter(slug=slug).exists():
        raise PortfolioError(f"a portfolio with slug {slug!r} already exists")
    country = validate_country(country)
    try:
        currency = validate_currency(currency)
    except UnknownCurrency as exc:
        raise PortfolioError(str(exc))
    tz = validate_timezone(tz or CAPITAL_TZ.get(country, "UTC"))
    if not name.strip():
        raise PortfolioError("a portfolio needs a name")
    portfolio = Portfolio.objects.create(
        slug=slug, name=name.strip(), country=country, currency=currency, money_exponent=table_precision(currency),
        timezone=tz, creditor=creditor, aging_buckets=validate_buckets(buckets) if buckets else None,
        allocation_order=["fee", "interest", "principal"],
    )
    audit_record(event_type="portfolio.created", subject=portfolio, actor=actor, portfolio=portfolio,
                 changes={"slug": slug, "name": name, "country": country, "currency": currency,
                          "money_exponent": portfolio.money_exponent, "timezone": tz})
    return portfolio


# The creditor's details and payment instructions a manager edits on the settings page: field -> max length.
CREDITOR_FIELDS = {"creditor": 200, "creditor_address": 300, "creditor_contact": 200, "payment_bank": 100,
                   "payment_account": 100, "payment_agreement": 40, "payment_notes": 300}


@transaction.atomic
def portfolio_creditor_set(*, portfolio: Portfolio, actor, logo: bytes | None = None, remove_logo: bool = False,
                           **values) -> Portfolio:
    """Change the creditor's details the statement of account carries (name, NIT with its check digit, address,
    contact, logo) and how a debtor pays (bank, account, convenio, which reference to quote, other ways). Text is
    trimmed and bounded; the NIT is checked with python-stdnum; the logo is a PNG or JPEG of at most
    LOGO_MAX_BYTES. Only the fields given change. Audited (the logo as its size, never its bytes)."""
    given = portfolio
    portfolio = Portfolio.objects.select_for_update().get(pk=given.pk)
    before = {name: getattr(portfolio, name) for name in (*CREDITOR_FIELDS, "creditor_nit", "payment_reference")}
    for name, value in values.items():
        if name in CREDITOR_FIELDS:
            value = " ".join(str(value or "").split())
            if len(value) > CREDITOR_FIELDS[name]:
                raise PortfolioError(_("At most %(max)d characters.") % {"max": CREDITOR_FIELDS[name]}, field=name)
        elif name == "creditor_nit":
            value = creditor_nit_check(value)
        elif name == "payment_reference":
            if value not in PaymentReference.values:
                raise PortfolioError(_("Choose which reference the debtor quotes."), field=name)
        else:
            raise TypeError(f"unknown creditor setting {name!r}")
        setattr(portfolio, name, value)
    logo_change = None
    if logo is not None:
        portfolio.creditor_logo_type = logo_check(logo, LOGO_MAX_BYTES)
        portfolio.creditor_logo = logo
        logo_change = f"{portfolio.creditor_logo_type}, {len(logo)} bytes"
    elif remove_logo and portfolio.creditor_logo_type:
        portfolio.creditor_logo, portfolio.creditor_logo_type = None, ""
        logo_change = "removed"
    after = {name: getattr(portfolio, name) for name in before}
    changes = diff(before, after)
    if logo_change:
        changes["logo"] = logo_change
    if not changes:
        return portfolio
    fields = [name for name in before if name in changes]
    if logo_change:
        fields += ["creditor_logo", "creditor_logo_type"]
    portfolio.save(update_fields=fields)
    for name in fields:  # the caller's instance shows the change too
        setattr(given, name, getattr(portfolio, name))
    audit_record(event_type="portfolio.creditor_settings", subject=portfolio, actor=actor, portfolio=portfolio,
                 changes=changes)
    return portfolio


DEBTOR_FIELDS = ("name", "kind", "id_type", "id_number", "customer_since", "tags", "language", "timezone")


def clean_debtor_fields(portfolio: Portfolio, data: dict) -> dict:
    """Validate and normalize debtor fields (raises ValidationProblem naming the field)."""
    clean = {}
    if "name" in data:
        if not (data["name"] or "").strip():
            raise ValidationProblem("name: required")
        clean["name"] = data["name"].strip()[:200]
    if "kind" in data and data["kind"]:
        kind = str(data["kind"]).strip().lower()
        kind = {"persona": "person", "natural": "person", "empresa": "company", "juridica": "company"}.get(kind, kind)
        if kind not in ("person", "company"):
            raise ValidationProblem(f"kind: {data['kind']!r} is not person or company")
        clean["kind"] = kind
    if "id_number" in data or "id_type" in data:
        try:
            clean["id_type"], clean["id_number"] = validate_national_id(
                portfolio.country, data.get("id_type", ""), data.get("id_number", "")
            )
        except ValidationProblem as exc:
            raise ValidationProblem(f"id_number: {exc}")
        if clean["id_type"] == "NIT" and "kind" not in clean:
            clean["kind"] = "company"
    if "customer_since" in data:
        clean["customer_since"] = data["customer_since"]
    if "tags" in data:
        tags = data["tags"]
        if isinstance(tags, str):
            tags = [t for t in tags.replace(";", ",").split(",")]
        clean["tags"] = tags_to_db(tags)
    if data.get("language"):
        lang = str(data["language"]).strip().lower()[:2]
        if lang not in ("es", "en", "pt"):
            raise ValidationProblem(f"language: {data['language']!r} is not es, en or pt")
        clean["language"] = lang
    if data.get("timezone"):
        try:
            clean["timezone"] = validate_timezone(data["timezone"])
        except PortfolioError as exc:
            raise ValidationProblem(f"timezone: {exc}")
    return clean


def refresh_search_text(debtor: Debtor) -> None:
    """Rebuild the text the debtor search looks in from the debtor's current name, code, ID and contacts: called
    after every change of any of them, so an old value never finds the debtor (habeas data, docs/habeas-data.md).
    An anonymized debtor has no search text."""
    if debtor.anonymized_at is not None:
        Debtor.objects.filter(pk=debtor.pk).update(search_text="")
        return
    values = list(debtor.contacts.exclude(channel=Contact.Channel.ADDRESS).values_list("value", flat=True))
    text = search_text_for(debtor.name, debtor.code, debtor.id_number, *values)
    Debtor.objects.filter(pk=debtor.pk).update(search_text=text)


@transaction.atomic
def debtor_upsert(*, portfolio: Portfolio, code: str, data: dict, actor=None) -> tuple[Debtor, str]:
    """Create or update a debtor by its customer code. Returns (debtor, 'created'|'updated'|'unchanged')."""
    code = (code or "").strip()
    if not code:
        raise ValidationProblem("code: required")
    clean = clean_debtor_fields(portfolio, data)
    debtor = Debtor.objects.filter(portfolio=portfolio, code=code).first()
    if debtor is None:
        if "name" not in clean:
            raise ValidationProblem("name: required for a new debtor")
        debtor = Debtor.objects.create(portfolio=portfolio, code=code, **clean)
        refresh_search_text(debtor)
        audit_record(event_type="debtor.created", subject=debtor, actor=actor, debtor=debtor,
                     changes={"code": code, **clean})
        return debtor, "created"
    old = {f: getattr(debtor, f) for f in clean}
    changes = diff(old, clean)
    if not changes:
        return debtor, "unchanged"
    for field, value in clean.items():
        setattr(debtor, field, value)
    debtor.save(update_fields=[*clean.keys(), "updated_at"])
    refresh_search_text(debtor)
    audit_record(event_type="debtor.updated", subject=debtor, actor=actor, debtor=debtor, changes=changes)
    return debtor, "updated"


def normalize_contact(portfolio: Portfolio, channel: str, value: str) -> str:
    if channel in (Contact.Channel.PHONE, Contact.Channel.WHATSAPP):
        return normalize_phone(value, portfolio.country)
    if channel == Contact.Channel.EMAIL:
        return normalize_email(value)
    value = " ".join((value or "").split())
    if not value:
        raise ValidationProblem("address: empty")
    return value[:300]


CHANNEL_CONSENTS = {
    Contact.Channel.PHONE: [Consent.Channel.CALL, Consent.Channel.SMS],
    Contact.Channel.WHATSAPP: [Consent.Channel.WHATSAPP],
    Contact.Channel.EMAIL: [Consent.Channel.EMAIL],
    Contact.Channel.ADDRESS: [Consent.Channel.LETTER],
}


@transaction.atomic
def contact_add(*, debtor: Debtor, channel: str, value: str, role: str = "debtor", holder_name: str = "",
                city: str = "", consent: str | None = None, consent_source: str = "", actor=None,
                now: datetime | None = None) -> tuple[Contact, bool]:
    """Add a contact (idempotent on debtor+channel+normalized value). `consent`: granted/revoked/None."""
    channel = Contact.Channel(channel)
    role = Contact.Role(role)
    normalized = normalize_contact(debtor.portfolio, channel, value)
    contact, created = Contact.objects.get_or_create(
        debtor=debtor, channel=channel, value=normalized,
        defaults={"role": role, "holder_name": holder_name[:200], "city": city[:100],
                  "is_primary": not debtor.contacts.filter(channel=channel).exists()},
    )
    if created:
        refresh_search_text(debtor)
        audit_record(event_type="contact.added", subject=contact, actor=actor, portfolio=debtor.portfolio,
                     debtor=debtor, changes={"channel": channel, "value": normalized, "role": role})
    if consent and role != Contact.Role.REFERENCE:
        for consent_channel in CHANNEL_CONSENTS[channel]:
            consent_set(contact=contact, channel=consent_channel, status=consent, source=consent_source,
                        actor=actor, now=now)
    return contact, created


@transaction.atomic
def contact_update(*, contact: Contact, value: str | None = None, holder_name: str | None = None,
                   city: str | None = None, actor=None) -> Contact:
    """Correct a contact (Ley 1581 de 2012, art. 8 (a): the data subject may update and rectify their data). The
    debtor's search text is rebuilt, so the old value no longer finds the debtor."""
    debtor = contact.debtor
    new = {}
    if value is not None:
        new["value"] = normalize_contact(debtor.portfolio, contact.channel, value)
        if new["value"] != contact.value and Contact.objects.filter(
                debtor=debtor, channel=contact.channel, value=new["value"]).exists():
            raise ValidationProblem(f"value: the debtor already has {new['value']}")
    if holder_name is not None:
        new["holder_name"] = holder_name.strip()[:200]
    if city is not None:
        new["city"] = city.strip()[:100]
    changes = diff({k: getattr(contact, k) for k in new}, new)
    if not changes:
        return contact
    for field, field_value in new.items():
        setattr(contact, field, field_value)
    contact.save(update_fields=list(new))
    refresh_search_text(debtor)
    audit_record(event_type="contact.updated", subject=contact, actor=actor, portfolio=debtor.portfolio,
                 debtor=debtor, changes={"channel": contact.channel, **changes})
    return contact


@transaction.atomic
def contact_remove(*, contact: Contact, actor=None) -> None:
    """Remove a wrong or withdrawn contact (and its consents); the search text no longer holds it. Attempts and
    messages that used it keep their own record (their link is cleared)."""
    debtor = contact.debtor
    audit_record(event_type="contact.removed", subject=contact, actor=actor, portfolio=debtor.portfolio,
                 debtor=debtor, changes={"channel": contact.channel, "value": contact.value})
    contact.delete()
    refresh_search_text(debtor)


@transaction.atomic
def consent_set(*, contact: Contact, channel: str, status: str, source: str = "", actor=None,
                now: datetime | None = None) -> Consent:
    channel = Consent.Channel(channel)
    status = Consent.Status(status)
    if contact.role == Contact.Role.REFERENCE and status == Consent.Status.GRANTED:
        raise ValidationProblem("references are never contacted for collection; consent cannot be granted")
    current = Consent.objects.filter(contact=contact, channel=channel).first()
    if current and current.status == status:
        return current
    consent, _created = Consent.objects.update_or_create(
        contact=contact, channel=channel,
        defaults={"status": status, "at": now or timezone.now(), "source": source[:200]},
    )
    audit_record(event_type=f"consent.{status}", subject=contact, actor=actor, portfolio=contact.debtor.portfolio,
                 debtor=contact.debtor, changes={"channel": channel, "status": status, "source": source})
    return consent


@transaction.atomic
def consents_grant_missing(*, portfolio: Portfolio, source: str, actor=None, now: datetime | None = None) -> int:
    """Grant consent on every channel of every collectable contact of a portfolio that has no consent recorded yet
    (e.g. a signed contract clause covering all the portfolio's customers). Never touches references or a consent
    already granted or revoked. One audit event for the batch. Returns how many consents were created."""
    if not source.strip():
        raise ValidationProblem("source: say how the consent was obtained (e.g. the contract clause)")
    now = now or timezone.now()
    contacts = Contact.objects.filter(debtor__portfolio=portfolio).exclude(role=Contact.Role.REFERENCE)
    existing = set(Consent.objects.filter(contact__in=contacts).values_list("contact_id", "channel"))
    rows = [
        Consent(contact_id=pk, channel=consent_channel, status=Consent.Status.GRANTED, at=now, source=source[:200])
        for pk, channel in contacts.values_list("pk", "channel").iterator(chunk_size=5000)
        for consent_channel in CHANNEL_CONSENTS[channel]
        if (pk, consent_channel) not in existing
    ]
    Consent.objects.bulk_create(rows, batch_size=2000)
    audit_record(event_type="consent.granted_bulk", subject=portfolio, actor=actor, portfolio=portfolio,
                 changes={"count": len(rows), "source": source})
    return len(rows)
