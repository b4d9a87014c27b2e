"""Portfolio writes: portfolios, debtors, contacts, consents, obligations. One transaction each, audited."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date, datetime, time
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import holidays
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import formats, timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from recaudo.accounts.selectors import can, debtor_visible
from recaudo.audit.models import AuditEvent
from recaudo.audit.services import actor_label_for, audit_record, diff, require_portal_debtor
from recaudo.core.errors import DomainError, NotAllowed
from recaudo.core.exports import CsvDialect, write_csv, write_xlsx
from recaudo.core.money import UnknownCurrency, from_minor, precision, table_precision, validate_currency
from recaudo.portfolio.aging import BucketError, parse_buckets

from .masking import mask_id
from .models import (
    LOGO_MAX_BYTES,
    Consent,
    Contact,
    ContactPreference,
    Debtor,
    Document,
    DocumentContent,
    Note,
    Obligation,
    PaymentReference,
    Portfolio,
    SavedFilter,
    ServiceRating,
    tags_to_db,
)
from .rules import (
    DOCUMENT_MAX_BYTES,
    NOTE_MAX_CHARS,
    brand_color_check,
    portal_host_check,
    safe_filename,
    slug_problem,
    sniff_document_type,
)
from .selectors import (
    FILTER_QUERY_MAX,
    LIST_COLUMNS,
    DebtorFilters,
    debtor_aging,
    debtor_search,
    filter_query,
    portal_hosts_forget,
)
from .validation import (
    ValidationProblem,
    creditor_nit_check,
    display_id_number,
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
        raise PortfolioError(f"invalid slug {slug!r}: use lower-case letters, digits and hyphens", field="slug")
    if (problem := slug_problem(slug)) is not None:
        raise PortfolioError(problem, field="slug")
    if Portfolio.objects.filter(slug=slug).exists():
        raise PortfolioError(f"a portfolio with slug {slug!r} already exists")
    country = validate_country(country)
    try:
        currency = validate_currency(currency)
    except UnknownCurrency as exc:
        raise PortfolioError(str(exc))
    tz = validate_timezone(tz or CAPITAL_TZ.get(country, "UTC"))
    if not name.strip():
        raise PortfolioError(_("a portfolio needs a name"))
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
                   "payment_account": 100, "payment_agreement": 40, "payment_notes": 300, "legal_status": 300,
                   "legal_representative": 200, "legal_representative_id": 40, "certificate_city": 100}


@transaction.atomic
def portfolio_creditor_set(*, portfolio: Portfolio, actor, logo: bytes | None = None, remove_logo: bool = False,
                           **values) -> Portfolio:
    """Change the creditor's details the statement of account carries (name, NIT with its check digit, address,
    contact, logo) and how a debtor pays (bank, account, convenio, which reference to quote, other ways). Text is
    trimmed and bounded; the NIT is checked with python-stdnum; the logo is a PNG or JPEG of at most
    LOGO_MAX_BYTES. Only the fields given change. Audited (the logo as its size, never its bytes)."""
    given = portfolio
    portfolio = Portfolio.objects.select_for_update().get(pk=given.pk)
    before = {name: getattr(portfolio, name)
              for name in (*CREDITOR_FIELDS, "creditor_nit", "payment_reference", "brand_color", "portal_host")}
    for name, value in values.items():
        if name in CREDITOR_FIELDS:
            value = " ".join(str(value or "").split())
            if len(value) > CREDITOR_FIELDS[name]:
                raise PortfolioError(_("At most %(max)d characters.") % {"max": CREDITOR_FIELDS[name]}, field=name)
        elif name == "creditor_nit":
            value = creditor_nit_check(value)
        elif name == "brand_color":
            try:
                value = brand_color_check(value)
            except ValueError as exc:
                raise PortfolioError(
                    _("Write the colour as #RRGGBB, e.g. #0f766e.") if str(exc) == "format" else
                    _("White text on this colour is hard to read (contrast below 4.5:1): choose a darker one."),
                    field=name) from None
        elif name == "portal_host":
            try:
                value = portal_host_check(value)
            except ValueError:
                raise PortfolioError(_("Write a host name such as pagos.edificio.com (no https://, port or path)."),
                                     field=name) from None
            if value and Portfolio.objects.filter(portal_host=value).exclude(pk=portfolio.pk).exists():
                raise PortfolioError(_("Another portfolio already uses this host name."), field=name)
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
    if "portal_host" in changes:
        portal_hosts_forget()  # this process at once; the others within selectors.PORTAL_HOSTS_SECONDS
    return portfolio


DEBTOR_FIELDS = ("name", "kind", "id_type", "id_number", "customer_since", "tags", "language", "timezone")


def clean_debtor_fields(portfolio: Portfolio, data: dict) -> dict:
    """Validate and normalize debtor fields (raises ValidationProblem naming the field)."""
    clean = {}
    if "name" in data:
        if not (data["name"] or "").strip():
            raise ValidationProblem(_("required"), field="name")
        clean["name"] = data["name"].strip()[:200]
    if "kind" in data and data["kind"]:
        kind = str(data["kind"]).strip().lower()
        kind = {"persona": "person", "natural": "person", "empresa": "company", "juridica": "company"}.get(kind, kind)
        if kind not in ("person", "company"):
            raise ValidationProblem(_("%(value)s is not person or company") % {"value": repr(data["kind"])},
                                    field="kind")
        clean["kind"] = kind
    if "id_number" in data or "id_type" in data:
        try:
            clean["id_type"], clean["id_number"] = validate_national_id(
                portfolio.country, data.get("id_type", ""), data.get("id_number", "")
            )
        except ValidationProblem as exc:
            raise ValidationProblem(exc.message, field="id_number") from None
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
            raise ValidationProblem(_("%(value)s is not es, en or pt") % {"value": repr(data["language"])},
                                    field="language")
        clean["language"] = lang
    if data.get("timezone"):
        try:
            clean["timezone"] = validate_timezone(data["timezone"])
        except PortfolioError as exc:
            raise ValidationProblem(exc.message, field="timezone") from None
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
        raise ValidationProblem(_("required"), field="code")
    clean = clean_debtor_fields(portfolio, data)
    debtor = Debtor.objects.filter(portfolio=portfolio, code=code).first()
    if debtor is None:
        if "name" not in clean:
            raise ValidationProblem(_("required for a new debtor"), field="name")
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
        raise ValidationProblem(_("Write the address."), field="address")
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
            raise ValidationProblem(_("The debtor already has this contact: %(value)s.") % {"value": new["value"]},
                                    field="value")
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
        raise ValidationProblem(_("References are never contacted for collection; consent cannot be granted."),
                                field="status")
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
        raise ValidationProblem(_("Say how the consent was obtained (e.g. the contract clause)."), field="source")
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


# ---------------------------------------------------------------------------------------------------------------
# The debtor page's own records: notes, contacts and consents as a user edits them, documents. Agents, supervisors
# and administrators of the portfolio may write them (the "write" permission); viewers may not (RecordNotAllowed).
# ---------------------------------------------------------------------------------------------------------------
class RecordNotAllowed(PermissionDenied, NotAllowed):
    """The user may not change this debtor's records. A PermissionDenied too, so an uncaught one is a 403."""


def require_debtor_write(actor, debtor: Debtor) -> None:
    """A user (not a system label such as "cli") must hold the "write" permission in the debtor's portfolio and see
    the debtor (an agent limited to their assigned debtors sees only those)."""
    user = actor if actor is not None and not isinstance(actor, str) else None
    if user is None:
        return
    if not can(user, debtor.portfolio, "write") or not debtor_visible(user, debtor.portfolio, debtor.pk):
        raise RecordNotAllowed(_("Only agents, supervisors and administrators of the portfolio may change this "
                                 "debtor's records."))


@transaction.atomic
def debtor_note_add(*, debtor: Debtor, text: str, actor) -> Note:
    """A note on the debtor (at most NOTE_MAX_CHARS characters); the audit event carries its text, so the timeline
    shows it."""
    require_debtor_write(actor, debtor)
    text = (text or "").strip()
    if not text:
        raise ValidationProblem(_("Write the note."), field="text")
    if len(text) > NOTE_MAX_CHARS:
        raise ValidationProblem(_("A note has at most %(max)s characters (this one has %(n)s).")
                                % {"max": NOTE_MAX_CHARS, "n": len(text)}, field="text")
    note = Note.objects.create(debtor=debtor, text=text, author=actor_label_for(actor)[:150])
    audit_record(event_type="debtor.note_added", subject=note, actor=actor, portfolio=debtor.portfolio, debtor=debtor,
                 changes={"note": text})
    return note


def _contact_value(portfolio: Portfolio, channel: str, value: str) -> str:
    """normalize_contact with its problem said in the page's language, at the value field."""
    if not (value or "").strip():
        raise ValidationProblem(_("Write the phone number, e-mail or address."), field="value")
    try:
        normalized = normalize_contact(portfolio, channel, value)
    except ValidationProblem:
        if channel == Contact.Channel.EMAIL:
            raise ValidationProblem(_("This is not a valid e-mail address."), field="value") from None
        if channel in (Contact.Channel.PHONE, Contact.Channel.WHATSAPP):
            raise ValidationProblem(_("This is not a valid phone number for %(country)s.")
                                    % {"country": portfolio.country}, field="value") from None
        raise ValidationProblem(_("Write the address."), field="value") from None
    if len(value.strip()) > 300:
        raise ValidationProblem(_("At most 300 characters."), field="value")
    return normalized


@transaction.atomic
def contact_save(*, debtor: Debtor, actor, contact: Contact | None = None, channel: str = "", value: str,
                 role: str = Contact.Role.DEBTOR, holder_name: str = "", city: str = "") -> Contact:
    """Add a contact to the debtor (`contact` None) or correct one of theirs, as a user does from the debtor page:
    the value validated as the import does (E.164 phone, e-mail), one contact per channel and value."""
    require_debtor_write(actor, debtor)
    if contact is not None and contact.debtor_id != debtor.pk:
        raise ValidationProblem(_("This contact belongs to another debtor."), field="contact")
    if contact is None:
        if channel not in Contact.Channel.values:
            raise ValidationProblem(_("Choose a channel."), field="channel")
        if role not in Contact.Role.values:
            raise ValidationProblem(_("Choose a role."), field="role")
        normalized = _contact_value(debtor.portfolio, channel, value)
        if Contact.objects.filter(debtor=debtor, channel=channel, value=normalized).exists():
            raise ValidationProblem(_("The debtor already has this contact: %(value)s.") % {"value": normalized},
                                    field="value")
        created, _made = contact_add(debtor=debtor, channel=channel, value=normalized, role=role,
                                     holder_name=holder_name.strip(), city=city.strip(), actor=actor)
        return created
    normalized = _contact_value(debtor.portfolio, contact.channel, value)
    if normalized != contact.value and Contact.objects.filter(
            debtor=debtor, channel=contact.channel, value=normalized).exists():
        raise ValidationProblem(_("The debtor already has this contact: %(value)s.") % {"value": normalized},
                                field="value")
    return contact_update(contact=contact, value=normalized, holder_name=holder_name, city=city, actor=actor)


CONSENT_REACH_YEARS = 50  # a consent given (a contract's clause) at most this many years before today


@transaction.atomic
def consent_record(*, contact: Contact, channel: str, status: str, method: str, given_on: date | None,
                   detail: str = "", actor, today: date | None = None) -> Consent:
    """Record that the debtor gave (or withdrew) consent for one channel of a contact: how (`method`, required) and
    when (`given_on`, not after today; empty: today), with an optional detail (e.g. "cláusula 7 del contrato").
    Revoking needs no method. Compliance reads the latest state per channel."""
    debtor = contact.debtor
    require_debtor_write(actor, debtor)
    today = today or debtor.portfolio.today()
    if channel not in CHANNEL_CONSENTS.get(contact.channel, []):
        raise ValidationProblem(_("This contact cannot carry that channel."), field="channel")
    if status not in Consent.Status.values:
        raise ValidationProblem(_("Choose granted or revoked."), field="status")
    if status == Consent.Status.GRANTED and contact.role == Contact.Role.REFERENCE:
        raise ValidationProblem(_("References are never contacted for collection; consent cannot be granted."),
                                field="status")
    if method and method not in Consent.Method.values:
        raise ValidationProblem(_("Choose how the consent was given."), field="method")
    if status == Consent.Status.GRANTED and not method:
        raise ValidationProblem(_("Say how the consent was given."), field="method")
    given_on = given_on or today
    if given_on > today:
        raise ValidationProblem(_("The date cannot be after today (%(today)s).")
                                % {"today": today.strftime("%d/%m/%Y")}, field="given_on")
    earliest = today.replace(year=today.year - CONSENT_REACH_YEARS, day=min(today.day, 28))
    if given_on < earliest:  # 1800-01-01 was recorded: a typo, never a debtor's consent
        raise ValidationProblem(_("The date cannot be before %(first)s.")
                                % {"first": earliest.strftime("%d/%m/%Y")}, field="given_on")
    detail = (detail or "").strip()
    if len(detail) > 200:
        raise ValidationProblem(_("At most 200 characters."), field="detail")
    old = Consent.objects.filter(contact=contact, channel=channel).first()
    consent, _made = Consent.objects.update_or_create(
        contact=contact, channel=channel,
        defaults={"status": status, "at": timezone.now(), "source": detail, "method": method, "given_on": given_on})
    audit_record(event_type=f"consent.{status}", subject=contact, actor=actor, portfolio=debtor.portfolio,
                 debtor=debtor, changes={"channel": channel, "status": status, "method": method,
                                         "given_on": given_on, "source": detail,
                                         "previous": old.status if old else ""})
    return consent


def _read_upload(upload) -> bytes:
    """At most DOCUMENT_MAX_BYTES + 1 bytes of an uploaded file (or bytes): enough to tell it is too large without
    reading a huge one whole."""
    if isinstance(upload, bytes | bytearray):
        return bytes(upload[:DOCUMENT_MAX_BYTES + 1])
    upload.seek(0)
    return upload.read(DOCUMENT_MAX_BYTES + 1)


@transaction.atomic
def document_attach(*, debtor: Debtor, upload, filename: str, kind: str = Document.Kind.OTHER,
                    obligation: Obligation | None = None, actor) -> Document:
    """Attach a file to the debtor or one of its obligations: PDF, JPEG or PNG told by its content (not its name),
    at most DOCUMENT_MAX_BYTES. The bytes are stored in the database (DocumentContent)."""
    require_debtor_write(actor, debtor)
    if kind not in Document.Kind.values:
        raise ValidationProblem(_("Choose what kind of document it is."), field="kind")
    if obligation is not None and obligation.debtor_id != debtor.pk:
        raise ValidationProblem(_("This obligation belongs to another debtor."), field="obligation")
    data = _read_upload(upload)
    if not data:
        raise ValidationProblem(_("The file is empty."), field="file")
    if len(data) > DOCUMENT_MAX_BYTES:
        raise ValidationProblem(_("The file is too large: at most %(mb)s MB.")
                                % {"mb": DOCUMENT_MAX_BYTES // (1024 * 1024)}, field="file")
    content_type = sniff_document_type(data[:16])
    if content_type is None:
        raise ValidationProblem(_("Only PDF, JPG or PNG files may be attached (this file is none of them, whatever "
                                  "its name says)."), field="file")
    name = safe_filename(filename, content_type)
    document = Document.objects.create(
        portfolio=debtor.portfolio, debtor=debtor, obligation=obligation, kind=kind, filename=name,
        content_type=content_type, size=len(data), sha256=hashlib.sha256(data).hexdigest(),
        uploaded_by=actor_label_for(actor)[:150])
    DocumentContent.objects.create(document=document, data=data)
    audit_record(event_type="document.attached", subject=document, actor=actor, portfolio=debtor.portfolio,
                 debtor=debtor, changes={"filename": name, "kind": kind, "size": len(data),
                                         "number": obligation.number if obligation else ""})
    return document


def document_bytes(*, document: Document, actor) -> bytes:
    """The document's bytes for a download by `actor` (who must be allowed to change the debtor's records: viewers
    see personal data masked, so they do not download copies)."""
    require_debtor_write(actor, document.debtor)
    return bytes(DocumentContent.objects.values_list("data", flat=True).get(document=document))
# The debtor list: export, tags on many debtors, saved filters
# ---------------------------------------------------------------------------------------------------------------
EXPORT_MAX = 50_000


@dataclass(frozen=True)
class ListExport:
    content: bytes
    content_type: str
    filename: str
    rows: int


def _export_header() -> list[str]:
    return [_("Code"), _("Name"), _("ID type"), _("ID number"), _("Open obligations"), _("Balance"),
            _("Oldest due date"), _("Days past due"), _("Bucket"), _("Tags"), _("Disputed"), _("Currency")]


@transaction.atomic
def debtor_list_export(*, portfolio: Portfolio, filters: DebtorFilters, as_of: date, fmt: str,
                       dialect: CsvDialect, assigned_to: int | None = None, masked: bool = False,
                       query: str = "", actor=None) -> ListExport:
    """Every debtor the list shows for `filters`, in its order (all its pages, not one), as CSV in `dialect` or
    XLSX: the list's columns with headers in the active language, the ID number as the list shows it (a NIT with
    its check digit; masked for viewers). At most EXPORT_MAX debtors, else a PortfolioError asking for a narrower
    filter. Recorded as one audit event (personal data leaves the system: docs/habeas-data.md)."""
    if fmt not in ("csv", "xlsx"):
        raise PortfolioError(_("Choose CSV or Excel (XLSX)."), field="format")
    limit = EXPORT_MAX
    qs = debtor_search(portfolio, filters, as_of, assigned_to).only(*LIST_COLUMNS)
    debtors = list(qs[: limit + 1])
    if len(debtors) > limit:
        raise PortfolioError(_("More than %(n)s debtors match: narrow the filter to export them.")
                             % {"n": formats.number_format(limit, force_grouping=True)}, field="format")
    currency = portfolio.currency
    yes, no = _("Yes"), _("No")
    rows = []
    for debtor in debtors:
        aging = debtor_aging(debtor, as_of, portfolio.buckets)
        number = mask_id(debtor.id_number) if masked else display_id_number(debtor.id_type, debtor.id_number)
        rows.append([
            debtor.code, debtor.name, debtor.id_type, number, debtor.open_count,
            from_minor(debtor.balance_minor, currency), debtor.oldest_due_date if debtor.balance_minor else None,
            aging.overdue_days if aging else None, aging.label if aging else "", ", ".join(debtor.tag_list),
            yes if debtor.disputed else no, str(currency),
        ])
    header = _export_header()
    stem = f"{portfolio.slug}-{_('debtors')}-{as_of.isoformat()}"
    if fmt == "xlsx":
        content = write_xlsx(rows, header, title=str(_("Debtors")), amount_decimals=precision(currency),
                             column_widths=[14, 36, 8, 18, 10, 18, 14, 10, 12, 24, 10, 8])
        export = ListExport(content, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                            f"{stem}.xlsx", len(rows))
    else:
        export = ListExport(write_csv(rows, header, dialect=dialect), "text/csv; charset=utf-8", f"{stem}.csv",
                            len(rows))
    audit_record(event_type="debtor_list.exported", subject=portfolio, actor=actor, portfolio=portfolio,
                 changes={"format": fmt, "rows": len(rows), "filter": query[:FILTER_QUERY_MAX], "masked": masked})
    return export


TAG_MAX = 60
_TAG_FORBIDDEN = set("|,;<>\"\\")


def parse_tags(text: str, field: str) -> list[str]:
    """Tags written by a person ("vip, llamar-tarde"): lower-case, each once, at most TAG_MAX characters, without
    the characters the stored form uses to separate them."""
    tags: list[str] = []
    for raw in (text or "").replace(";", ",").split(","):
        tag = " ".join(raw.split()).lower()
        if not tag:
            continue
        if len(tag) > TAG_MAX:
            raise PortfolioError(_("A tag has at most %(n)s characters.") % {"n": TAG_MAX}, field=field)
        if set(tag) & _TAG_FORBIDDEN:
            raise PortfolioError(_("A tag cannot contain | < > \" or \\."), field=field)
        if tag not in tags:
            tags.append(tag)
    if len(tags) > 20:
        raise PortfolioError(_("At most 20 tags at a time."), field=field)
    return tags


@transaction.atomic
def debtors_retag(*, portfolio: Portfolio, debtor_ids, add: list[str], remove: list[str], actor=None,
                  now: datetime | None = None) -> int:
    """Add and remove tags on many debtors at once (the debtor list's bulk action): one UPDATE per debtor whose tags
    change and one audit event each, all or nothing. Returns how many debtors changed."""
    add = parse_tags(",".join(add), "add_tags")
    remove = parse_tags(",".join(remove), "remove_tags")
    if not add and not remove:
        raise PortfolioError(_("Write the tags to add or to remove."), field="add_tags")
    now = now or timezone.now()
    label = actor_label_for(actor)
    user = actor if actor is not None and not isinstance(actor, str) else None
    changed: list[Debtor] = []
    events: list[AuditEvent] = []
    debtors = Debtor.objects.filter(portfolio=portfolio, pk__in=list(debtor_ids)).only("pk", "code", "name", "tags")
    for debtor in debtors.order_by("pk"):
        old = debtor.tag_list
        new_tags = tags_to_db([t for t in old if t not in remove] + add)
        if new_tags == debtor.tags:
            continue
        if len(new_tags) > Debtor._meta.get_field("tags").max_length:
            raise PortfolioError(_("Too many tags on %(debtor)s.") % {"debtor": str(debtor)}, field="add_tags")
        debtor.tags = new_tags
        changed.append(debtor)
        events.append(AuditEvent(at=now, actor=user, actor_label=label, portfolio_id=portfolio.pk,
                                 debtor_id=debtor.pk, subject_type="debtor", subject_id=debtor.pk,
                                 subject_label=str(debtor)[:200], event_type="debtor.updated",
                                 changes={"tags": [", ".join(old), ", ".join(debtor.tag_list)]}))
    Debtor.objects.bulk_update(changed, ["tags"], batch_size=500)
    AuditEvent.objects.bulk_create(events, batch_size=2000)
    return len(changed)


SAVED_FILTERS_MAX = 50


@transaction.atomic
def saved_filter_save(*, portfolio: Portfolio, owner, name: str, query: str, shared: bool = False,
                      actor=None) -> SavedFilter:
    """Save the debtor list's current filter under a name ("mis 31-60 más de 5M"), private to `owner` in the
    portfolio unless `shared`. The same name again replaces that filter. At most SAVED_FILTERS_MAX per user."""
    name = " ".join((name or "").split())
    if not name:
        raise PortfolioError(_("Give the filter a name."), field="name")
    if len(name) > 80:
        raise PortfolioError(_("A name has at most %(n)s characters.") % {"n": 80}, field="name")
    clean = filter_query(query or "")
    if len(clean) > FILTER_QUERY_MAX:
        raise PortfolioError(_("This filter is too long to save."), field="name")
    existing = SavedFilter.objects.filter(portfolio=portfolio, owner=owner, name=name).first()
    if existing is None and SavedFilter.objects.filter(portfolio=portfolio, owner=owner).count() >= SAVED_FILTERS_MAX:
        raise PortfolioError(_("You have %(n)s saved filters: delete one first.") % {"n": SAVED_FILTERS_MAX},
                             field="name")
    saved = existing or SavedFilter(portfolio=portfolio, owner=owner, name=name)
    saved.query, saved.shared = clean, bool(shared)
    saved.save()
    audit_record(event_type="saved_filter.saved", subject=saved, actor=actor or owner, portfolio=portfolio,
                 changes={"name": name, "filter": clean, "shared": saved.shared})
    return saved


class SavedFilterNotAllowed(PortfolioError, NotAllowed):
    pass


@transaction.atomic
def saved_filter_delete(*, saved_filter: SavedFilter, actor) -> None:
    """Delete a saved filter: only its owner may (a shared one too)."""
    if getattr(actor, "pk", None) != saved_filter.owner_id:
        raise SavedFilterNotAllowed(_("Only the user who saved a filter may delete it."))
    audit_record(event_type="saved_filter.deleted", subject=saved_filter, actor=actor,
                 portfolio=saved_filter.portfolio, changes={"name": saved_filter.name})
    saved_filter.delete()


# ---------------------------------------------------------------------------------------------------------------
# The debtor's own choices (the portal, issue 16 section 2): contact preferences (Ley 2300 de 2023), consent, rating
# ---------------------------------------------------------------------------------------------------------------
RATING_COMMENT_MAX = 500
RATING_ACTIONS = ("promise", "plan", "dispute", "receipt", "payment", "preferences", "other")


def _clock(value, field: str) -> time | None:
    """A wall-clock time from a time or "HH:MM" ("" or None: none)."""
    if value in (None, ""):
        return None
    if isinstance(value, time):
        return value.replace(second=0, microsecond=0)
    try:
        return time.fromisoformat(str(value).strip()).replace(second=0, microsecond=0)
    except ValueError:
        raise ValidationProblem(_("Not an hour (HH:MM)."), field=field) from None


def _hhmm(value: time | None) -> str | None:
    return value.strftime("%H:%M") if value is not None else None


@transaction.atomic
def contact_preferences_set(*, debtor: Debtor, channels, hours_from=None, hours_to=None, actor,
                            now: datetime | None = None) -> ContactPreference:
    """The channels (Consent.Channel values) and the daily hours (local time, hours_from < hours_to; both empty: no
    window) the debtor wants to be contacted on. The compliance decision honours them (rule kind
    "debtor_preferences": another channel or another hour is blocked). Empty channels: no choice (consents alone
    decide)."""
    require_portal_debtor(actor, debtor.pk)
    require_debtor_write(actor, debtor)
    now = now or timezone.now()
    chosen = []
    for channel in channels or []:
        if channel not in Consent.Channel.values:
            raise ValidationProblem(_("Choose channels among: %(channels)s.")
                                    % {"channels": ", ".join(Consent.Channel.values)}, field="channels")
        if channel not in chosen:
            chosen.append(channel)
    hours_from, hours_to = _clock(hours_from, "hours_from"), _clock(hours_to, "hours_to")
    if (hours_from is None) != (hours_to is None):
        raise ValidationProblem(_("Give both hours (from and until) or neither."), field="hours_from")
    if hours_from is not None and not hours_from < hours_to:
        raise ValidationProblem(_("The first hour must come before the second."), field="hours_to")
    old = ContactPreference.objects.filter(debtor=debtor).first()
    before = ({"channels": old.channels, "hours_from": _hhmm(old.hours_from), "hours_to": _hhmm(old.hours_to)}
              if old else {})
    pref, _created = ContactPreference.objects.update_or_create(debtor=debtor, defaults={
        "channels": chosen, "hours_from": hours_from, "hours_to": hours_to, "updated_at": now,
        "updated_by": actor_label_for(actor)[:150]})
    audit_record(event_type="contact_preferences.set", subject=debtor, actor=actor, portfolio=debtor.portfolio,
                 debtor=debtor, changes={"before": before, "channels": chosen, "hours_from": _hhmm(hours_from),
                                         "hours_to": _hhmm(hours_to)})
    return pref


@transaction.atomic
def debtor_consent_revoke(*, debtor: Debtor, actor, channel: str | None = None,
                          now: datetime | None = None) -> int:
    """The debtor withdraws consent: on one channel (opt out of it) or, `channel` None, on every channel of every
    contact of theirs. Each change is consent_set's (audited); returns how many consents were revoked. A channel
    with no consent recorded is recorded as revoked (an explicit opt-out)."""
    require_portal_debtor(actor, debtor.pk)
    require_debtor_write(actor, debtor)
    if channel is not None and channel not in Consent.Channel.values:
        raise ValidationProblem(_("Choose channels among: %(channels)s.")
                                % {"channels": ", ".join(Consent.Channel.values)}, field="channel")
    count = 0
    for contact in debtor.contacts.exclude(role=Contact.Role.REFERENCE):
        for consent_channel in CHANNEL_CONSENTS.get(contact.channel, []):
            if channel is not None and consent_channel != channel:
                continue
            current = Consent.objects.filter(contact=contact, channel=consent_channel).first()
            if current is not None and current.status == Consent.Status.REVOKED:
                continue
            consent_set(contact=contact, channel=consent_channel, status=Consent.Status.REVOKED,
                        source=actor_label_for(actor)[:200], actor=actor, now=now)
            count += 1
    audit_record(event_type="consent.revoked_by_debtor", subject=debtor, actor=actor, portfolio=debtor.portfolio,
                 debtor=debtor, changes={"channel": channel or "all", "revoked": count})
    return count


@transaction.atomic
def service_rating_add(*, debtor: Debtor, score, action: str, comment: str = "", actor,
                       now: datetime | None = None) -> ServiceRating:
    """The debtor rates the service after an action (RATING_ACTIONS): a whole score 1-5, a comment of at most
    RATING_COMMENT_MAX characters."""
    require_portal_debtor(actor, debtor.pk)
    try:
        score = int(str(score).strip())
    except (TypeError, ValueError):
        raise ValidationProblem(_("Choose a score from 1 to 5."), field="score") from None
    if not 1 <= score <= 5:
        raise ValidationProblem(_("Choose a score from 1 to 5."), field="score")
    if action not in RATING_ACTIONS:
        raise ValidationProblem(_("Unknown action."), field="action")
    comment = (comment or "").strip()
    if len(comment) > RATING_COMMENT_MAX:
        raise ValidationProblem(_("At most %(max)s characters.") % {"max": RATING_COMMENT_MAX}, field="comment")
    rating = ServiceRating.objects.create(portfolio=debtor.portfolio, debtor=debtor, action=action, score=score,
                                          comment=comment, created_at=now or timezone.now())
    audit_record(event_type="service.rated", subject=rating, actor=actor, portfolio=debtor.portfolio, debtor=debtor,
                 changes={"action": action, "score": score})
    return rating
