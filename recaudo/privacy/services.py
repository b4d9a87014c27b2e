"""Habeas data writes: the export of a debtor's data (audited), anonymization, retention and the portfolio's
privacy settings. One transaction each, audit row inside. Legal grounds in docs/habeas-data.md."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext

from recaudo.agents.models import AgentTask, Interaction
from recaudo.agreements.models import Acceptance, Agreement, Promise
from recaudo.audit.models import AuditEvent
from recaudo.audit.services import audit_record, diff
from recaudo.communications.models import Message
from recaudo.compliance.models import ContactAttempt
from recaudo.core.errors import DomainError
from recaudo.imports.models import ImportJob
from recaudo.imports.uploads import delete_stored, stored_exists
from recaudo.portfolio.models import Consent, Contact, Debtor, Document, Note, Portfolio

from .models import HabeasRequest
from .pdf import render_export_pdf
from .rules import anonymization_blockers, anonymized_label, retention_cutoff, scrub
from .selectors import debtor_export_data

FORMATS = ("json", "pdf")


class PrivacyError(DomainError):
    """A habeas data request that cannot be done as asked (the message says why and what to do)."""


# ---------------------------------------------------------------------------------------------------------------
# Export (Ley 1581 de 2012 art. 8 (a), art. 14; Ley 1266 de 2008 art. 6)
# ---------------------------------------------------------------------------------------------------------------
@dataclass
class Export:
    content: bytes
    content_type: str
    filename: str
    data: dict


@transaction.atomic
def debtor_export(*, debtor: Debtor, fmt: str, actor=None, masked: bool = False, language: str = "es",
                  now: datetime | None = None) -> Export:
    """Everything held about the debtor as JSON or PDF; records who exported it (audit 'debtor.exported', without
    the data itself)."""
    if fmt not in FORMATS:
        raise PrivacyError(f"format: {fmt!r} is not json or pdf")
    now = now or timezone.now()
    data = debtor_export_data(debtor, masked=masked, generated_at=now)
    code = "".join(c if c.isalnum() or c in "-_" else "_" for c in debtor.code)
    filename = f"datos-deudor-{code}-{now.date().isoformat()}.{fmt}"
    if fmt == "json":
        content = json.dumps(data, ensure_ascii=False, indent=2).encode("utf-8")
        content_type = "application/json"
    else:

        content = render_export_pdf(data, language)
        content_type = "application/pdf"
    audit_record(event_type="debtor.exported", subject=debtor, actor=actor, debtor=debtor,
                 changes={"format": fmt, "masked": masked,
                          "rows": {k: len(v) for k, v in data.items() if isinstance(v, list)}})
    return Export(content=content, content_type=content_type, filename=filename, data=data)


# ---------------------------------------------------------------------------------------------------------------
# Anonymization (Ley 1581 de 2012 art. 8 (e): deletion on request when no legal or contractual duty keeps it)
# ---------------------------------------------------------------------------------------------------------------
@dataclass
class AnonymizeResult:
    debtor: Debtor
    counts: dict = field(default_factory=dict)
    forced: bool = False


BLOCKER_TEXT = {
    "balance": "the debtor still owes money",
    "agreement": "the debtor has an open payment agreement",
    "promise": "the debtor has a pending promise to pay",
}


def _blockers(debtor: Debtor) -> list[str]:

    open_agreements = Agreement.objects.filter(debtor=debtor).exclude(
        status__in=[Agreement.Status.COMPLETED, Agreement.Status.CANCELLED, Agreement.Status.BROKEN]).count()
    pending = Promise.objects.filter(debtor=debtor, status=Promise.Status.PENDING).count()
    return anonymization_blockers(balance_minor=debtor.balance_minor, open_agreements=open_agreements,
                                  pending_promises=pending)


@transaction.atomic
def debtor_anonymize(*, debtor: Debtor, reason: str, actor=None, force: bool = False, is_admin: bool = True,
                     now: datetime | None = None) -> AnonymizeResult:
    """Remove the debtor's identity everywhere Recaudo keeps it, keep the ledger.

    Replaced by 'Anonimizado <debtor id>': name and search text; blanked: ID type and number, contact holders and
    cities; each contact's value becomes 'Anonimizado <contact id>' and its granted consents are revoked (nothing
    can be sent to it again); notes of calls, attempts, tasks and promises, message subjects, bodies, recipients
    and payloads, acceptance evidence (text and file); and in the audit trail of the debtor every occurrence of the
    old name, ID and contact values. The customer code is replaced too when it is the ID number. Kept unchanged:
    obligations, ledger entries, payments, agreements' amounts (aggregates and `ledger verify` stay the same).

    Refused while the debtor owes money or has an open agreement or pending promise (the creditor still has a
    legal purpose for the data) unless `force` (admins only, with the reason recorded)."""

    reason = (reason or "").strip()
    if not reason:
        raise PrivacyError(gettext("reason: say why the data is removed (e.g. the debtor's request of 2026-12-01)"))
    debtor = Debtor.objects.select_for_update().get(pk=debtor.pk)
    if debtor.anonymized_at is not None:
        raise PrivacyError(gettext("debtor %(code)s was already anonymized on %(date)s")
                           % {"code": debtor.code, "date": f"{debtor.anonymized_at:%Y-%m-%d}"})
    blockers = _blockers(debtor)
    if blockers and not force:
        raise PrivacyError("not anonymized: " + "; ".join(BLOCKER_TEXT[b] for b in blockers)
                           + " (an admin may force it, with the reason)")
    if force and not is_admin:
        raise PrivacyError(gettext("only an admin may force an anonymization"))
    now = now or timezone.now()
    placeholder = anonymized_label(debtor.pk)
    contacts = list(Contact.objects.filter(debtor=debtor))
    secrets = [debtor.name, debtor.id_number, *(c.value for c in contacts), *(c.holder_name for c in contacts)]
    if debtor.id_number:
        secrets.append(debtor.id_number.lstrip("0"))
    counts = {}
    code_is_id = bool(debtor.id_number) and debtor.code.replace(".", "").replace("-", "").upper().lstrip("0") == \
        debtor.id_number.upper().lstrip("0")
    new_code = f"ANON-{debtor.pk}" if code_is_id else debtor.code
    if code_is_id:
        secrets.append(debtor.code)
    Debtor.objects.filter(pk=debtor.pk).update(
        name=placeholder, id_type="", id_number="", code=new_code, search_text="", anonymized_at=now, updated_at=now)
    for contact in contacts:
        Contact.objects.filter(pk=contact.pk).update(value=anonymized_label(contact.pk), holder_name="", city="")
    counts["contacts"] = len(contacts)
    counts["consents_revoked"] = Consent.objects.filter(
        contact__debtor=debtor, status=Consent.Status.GRANTED).update(
        status=Consent.Status.REVOKED, at=now, source=f"{placeholder}: habeas data")
    counts["outcomes"] = Interaction.objects.filter(debtor=debtor).exclude(notes="").update(notes=placeholder)
    counts["attempts"] = ContactAttempt.objects.filter(debtor=debtor).exclude(notes="").update(notes=placeholder)
    counts["tasks"] = AgentTask.objects.filter(debtor=debtor).exclude(notes="").update(notes=placeholder)
    AgentTask.objects.filter(debtor=debtor, status=AgentTask.Status.OPEN).update(status=AgentTask.Status.CANCELLED)
    counts["promises"] = Promise.objects.filter(debtor=debtor).exclude(notes="").update(notes=placeholder)
    Message.objects.filter(debtor=debtor, status=Message.Status.QUEUED).update(status=Message.Status.CANCELLED)
    counts["messages"] = Message.objects.filter(debtor=debtor).update(
        body="", subject="", to=placeholder, provider_payload={}, context={})
    for acceptance in Acceptance.objects.filter(agreement__debtor=debtor):
        if acceptance.evidence_file:
            acceptance.evidence_file.delete(save=False)
        acceptance.evidence_text = placeholder if acceptance.evidence_text else ""
        acceptance.save(update_fields=["evidence_file", "evidence_text"])
    counts["notes"] = Note.objects.filter(debtor=debtor).update(text=placeholder)
    habeas = 0
    for request in HabeasRequest.objects.filter(debtor=debtor).only("pk", "text", "answer"):
        text, answer = scrub(request.text, secrets, placeholder), scrub(request.answer, secrets, placeholder)
        if (text, answer) != (request.text, request.answer):
            HabeasRequest.objects.filter(pk=request.pk).update(text=text, answer=answer)
            habeas += 1
    counts["habeas_requests"] = habeas
    documents = Document.objects.filter(debtor=debtor)
    counts["documents"] = documents.count()
    documents.delete()  # their bytes (DocumentContent) go with them
    scrubbed = 0
    for event in AuditEvent.objects.filter(debtor=debtor).only("pk", "event_type", "changes", "subject_label"):
        changes = scrub(event.changes, secrets, placeholder)
        if event.event_type == "debtor.note_added" and isinstance(changes, dict):
            changes = {**changes, "note": placeholder}  # a note's text is the user's own words about the person
        label = scrub(event.subject_label, secrets, placeholder)
        if changes != event.changes or label != event.subject_label:
            AuditEvent.objects.filter(pk=event.pk).update(changes=changes, subject_label=label)
            scrubbed += 1
    counts["audit_events"] = scrubbed
    debtor.refresh_from_db()
    audit_record(event_type="debtor.anonymized", subject=debtor, actor=actor, debtor=debtor, at=now,
                 changes={"reason": reason, "forced": bool(blockers), "blockers": blockers, "counts": counts})
    return AnonymizeResult(debtor=debtor, counts=counts, forced=bool(blockers))


# ---------------------------------------------------------------------------------------------------------------
# Retention (Ley 1581 de 2012 art. 4 (b) purpose and art. 11: kept only as long as the purpose needs it)
# ---------------------------------------------------------------------------------------------------------------
@dataclass
class RetentionResult:
    portfolio: str
    files_deleted: int = 0
    imports_cleared: int = 0
    messages_blanked: int = 0


FINAL_MESSAGE_STATUSES = ("sent", "delivered", "failed", "bounced", "cancelled")


def retention_run(*, portfolio: Portfolio | None = None, now: datetime | None = None, actor=None,
                  dry_run: bool = False) -> list[RetentionResult]:
    """Apply each portfolio's retention settings: delete the uploaded files (and rejected-rows files) of imports
    finished more than `retain_import_files_days` ago, keeping the import's report; blank the subject, body and
    provider payload of messages created more than `retain_message_bodies_days` ago that are no longer waiting to
    go out, keeping channel, recipient, dates and status. Idempotent: a second run finds nothing to do."""
    now = now or timezone.now()
    portfolios = [portfolio] if portfolio is not None else list(Portfolio.objects.order_by("slug"))
    return [_retention_one(p, now, actor, dry_run) for p in portfolios]


def _retention_one(portfolio: Portfolio, now: datetime, actor, dry_run: bool) -> RetentionResult:

    result = RetentionResult(portfolio=portfolio.slug)
    files_cutoff = retention_cutoff(now, portfolio.retain_import_files_days)
    bodies_cutoff = retention_cutoff(now, portfolio.retain_message_bodies_days)
    with transaction.atomic():
        if files_cutoff is not None:
            finished = Q(finished_at__lt=files_cutoff) | Q(finished_at__isnull=True, created_at__lt=files_cutoff)
            jobs = ImportJob.objects.filter(finished, portfolio=portfolio).exclude(
                stored_path="", rejected_path="").exclude(status__in=["pending", "running"])
            for job in jobs.select_for_update():
                for name in (job.stored_path, job.rejected_path):  # in the storage (or a legacy local path)
                    if stored_exists(name):
                        result.files_deleted += 1
                        if not dry_run:
                            delete_stored(name)
                result.imports_cleared += 1
                if not dry_run:
                    ImportJob.objects.filter(pk=job.pk).update(stored_path="", rejected_path="")
        if bodies_cutoff is not None:
            old = Message.objects.filter(portfolio=portfolio, created_at__lt=bodies_cutoff,
                                         status__in=FINAL_MESSAGE_STATUSES).filter(
                ~Q(body="") | ~Q(subject="") | ~Q(provider_payload={}) | ~Q(context={}))
            if dry_run:
                result.messages_blanked = old.count()
            else:
                result.messages_blanked = old.update(body="", subject="", provider_payload={}, context={},
                                                     updated_at=now)
        if not dry_run and (result.files_deleted or result.imports_cleared or result.messages_blanked):
            audit_record(event_type="retention.applied", subject=portfolio, actor=actor, portfolio=portfolio,
                         changes={"import_files_deleted": result.files_deleted,
                                  "imports_cleared": result.imports_cleared,
                                  "message_bodies_blanked": result.messages_blanked,
                                  "retain_import_files_days": portfolio.retain_import_files_days,
                                  "retain_message_bodies_days": portfolio.retain_message_bodies_days})
    return result


# ---------------------------------------------------------------------------------------------------------------
# Settings
# ---------------------------------------------------------------------------------------------------------------
_UNSET = object()


@transaction.atomic
def privacy_settings_set(*, portfolio: Portfolio, agents_see_assigned_only=_UNSET, retain_import_files_days=_UNSET,
                         retain_message_bodies_days=_UNSET, actor=None) -> Portfolio:
    """Change the portfolio's habeas data settings (None for a retention keeps the data forever)."""
    new = {}
    if agents_see_assigned_only is not _UNSET:
        new["agents_see_assigned_only"] = bool(agents_see_assigned_only)
    for name, value in (("retain_import_files_days", retain_import_files_days),
                        ("retain_message_bodies_days", retain_message_bodies_days)):
        if value is _UNSET:
            continue
        if value is not None and (not isinstance(value, int) or value < 1 or value > 36500):
            raise PrivacyError(f"{name}: {value!r} is not a number of days between 1 and 36500 (empty keeps all)")
        new[name] = value
    old = {k: getattr(portfolio, k) for k in new}
    changes = diff(old, new)
    if changes:
        for k, v in new.items():
            setattr(portfolio, k, v)
        portfolio.save(update_fields=list(new))
        audit_record(event_type="portfolio.privacy_settings", subject=portfolio, actor=actor, portfolio=portfolio,
                     changes=changes)
    return portfolio
