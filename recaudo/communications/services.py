"""Communications writes: enqueue messages (idempotent), save templates, apply provider callbacks and opt-outs.

Sending is on top, in recaudo.cycle.outbox (the worker's pipeline): it runs outside any transaction, after the
rows it sends were claimed and committed.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext

from recaudo.accounts.selectors import role_in
from recaudo.audit.services import actor_label_for, audit_record
from recaudo.compliance.rules import ComplianceError
from recaudo.compliance.services import contact_schedule
from recaudo.core.errors import DomainError, NotAllowed
from recaudo.portfolio.models import Consent, Contact, Debtor, Portfolio
from recaudo.portfolio.services import consent_set

from .conf import max_attempts
from .contacts import consent_granted, contacts_for
from .models import CHANNEL_CODES, REQUESTED_SOURCES, Message, Template, TemplateRevision
from .rendering import RenderedMessage, RenderError, message_language, template_lookup, template_validate
from .rendering import template_render as _template_render
from .rules import FALLBACK_ORDER, retry_delay, template_can_decide, template_edit_needs_approval
from .status import MOVE, RANK, RECORD, status_step

log = logging.getLogger(__name__)

TWILIO_STATUS = {"sent": "sent", "delivered": "delivered", "read": "delivered", "undelivered": "failed",
                 "failed": "failed"}


class CommunicationsError(DomainError):
    pass


class TemplateInvalid(CommunicationsError):
    pass


class TemplateNotAllowed(CommunicationsError, NotAllowed):
    pass


def template_render(*, template: Template, debtor: Debtor, now: datetime, context: dict | None = None
                    ) -> RenderedMessage:
    """Render a (possibly unsaved) template for a real debtor: the preview. Raises RenderError."""
    return _template_render(template=template, debtor=debtor, now=now, context=context)


# ------------------------------------------------------------------------------------------------ enqueue

def _blocked(*, portfolio, debtor, channel, dedupe_key, reason, actor=None) -> None:
    with transaction.atomic():
        audit_record(event_type="message.blocked", subject=debtor, actor=actor, portfolio=portfolio, debtor=debtor,
                     changes={"channel": channel, "dedupe_key": dedupe_key, "reason": reason})


def message_enqueue_with_reason(*, portfolio: Portfolio, debtor: Debtor, channel: str, template_code: str,
                                dedupe_key: str, now: datetime, attach_statement: bool = False,
                                context: dict | None = None, source: str = "cycle", cycle_run_id: int | None = None,
                                actor=None, fallback_of: Message | None = None, contact: Contact | None = None,
                                direction: str = "outbound", payload: dict | None = None
                                ) -> tuple[Message | None, str]:
    """message_enqueue, also returning why no message was queued ("" when one was). `contact`: this contact (it
    must have the channel's consent) rather than the debtor's primary one; `direction` "inbound": an answer the
    debtor asked for (compliance.rules.decide); `payload`: added to the message's provider payload."""
    if channel not in CHANNEL_CODES:
        raise CommunicationsError(f"unknown channel {channel!r}; one of {', '.join(CHANNEL_CODES)}")
    if debtor.portfolio_id != portfolio.pk:
        raise CommunicationsError(gettext("the debtor belongs to another portfolio"))
    existing = Message.objects.filter(portfolio=portfolio, dedupe_key=dedupe_key).first()
    if existing is not None:
        return existing, ""
    if contact is not None and (contact.debtor_id != debtor.pk or not consent_granted([contact.pk], channel)):
        contact = None
    elif contact is None:
        contact = contacts_for([debtor.pk], channel).get(debtor.pk)
    if contact is None:
        reason = f"no collectable contact with consent for {channel}"
        _blocked(portfolio=portfolio, debtor=debtor, channel=channel, dedupe_key=dedupe_key, reason=reason,
                 actor=actor)
        return None, reason
    language = message_language(debtor)
    template = template_lookup(portfolio=portfolio, code=template_code, channel=channel, language=language)
    if template is None:
        reason = f"no active template {template_code!r} for {channel} in {language} (or es)"
        _blocked(portfolio=portfolio, debtor=debtor, channel=channel, dedupe_key=dedupe_key, reason=reason,
                 actor=actor)
        return None, reason
    try:
        decision = contact_schedule(debtor=debtor, channel=channel, requested_at=now, contact=contact, actor=actor,
                                    direction=direction)
    except ComplianceError as exc:
        decision, reason = None, f"compliance check failed: {exc}"
    else:
        reason = "; ".join(str(r) for r in decision.reasons)
    if decision is None or decision.send_at is None:
        _blocked(portfolio=portfolio, debtor=debtor, channel=channel, dedupe_key=dedupe_key,
                 reason=f"never allowed: {reason}", actor=actor)
        return None, f"never allowed: {reason}"
    message = Message(
        portfolio=portfolio, debtor=debtor, contact=contact, channel=channel, to=contact.value, template=template,
        template_code=template_code, template_version=template.version, language=template.language,
        attach_statement=attach_statement, context=context or {}, source=source[:20], cycle_run_id=cycle_run_id,
        dedupe_key=dedupe_key[:200], fallback_of=fallback_of, scheduled_for=now, next_attempt_at=decision.send_at,
    )
    try:
        rendered = _template_render(template=template, debtor=debtor, now=now, context=context)
    except RenderError as exc:
        message.status, message.permanent, message.last_error = Message.Status.FAILED, True, f"render: {exc}"[:1000]
    else:
        message.subject, message.body, message.html = rendered.subject[:300], rendered.body, rendered.html
        message.provider_payload = {"whatsapp_template": rendered.whatsapp_template_name,
                                    "whatsapp_params": rendered.whatsapp_params, "text": rendered.text,
                                    **(payload or {})}
        message.rendered_at = now
    if not decision.allowed:
        message.last_error = (f"outside the compliance window until {decision.send_at.isoformat()}: {reason}"
                              )[:1000] if not message.last_error else message.last_error
    try:
        with transaction.atomic():
            message.save()
            if actor is not None:
                audit_record(event_type="message.queued", subject=message, actor=actor, portfolio=portfolio,
                             debtor=debtor, changes={"channel": channel, "template": template_code,
                                                     "next_attempt_at": message.next_attempt_at})
    except IntegrityError:  # a concurrent enqueue with the same key won
        return Message.objects.get(portfolio=portfolio, dedupe_key=dedupe_key), ""
    return message, ""


def message_enqueue(*, portfolio: Portfolio, debtor: Debtor, channel: str, template_code: str, dedupe_key: str,
                    now: datetime, attach_statement: bool = False, context: dict | None = None,
                    source: str = "cycle", cycle_run_id: int | None = None, actor=None) -> Message | None:
    """Queue one consolidated message to a debtor (all overdue obligations in one message). Idempotent on
    (portfolio, dedupe_key). None when no collectable contact has consent for the channel, no template exists or
    the compliance rules never allow it: the reason is recorded as a `message.blocked` audit event (and returned
    by message_enqueue_with_reason). Outside the allowed hours the message is due at the next allowed time."""
    message, _ = message_enqueue_with_reason(
        portfolio=portfolio, debtor=debtor, channel=channel, template_code=template_code, dedupe_key=dedupe_key,
        now=now, attach_statement=attach_statement, context=context, source=source, cycle_run_id=cycle_run_id,
        actor=actor)
    return message


def message_enqueue_requested(*, portfolio: Portfolio, debtor: Debtor, contact: Contact, channel: str,
                              template_code: str, dedupe_key: str, now: datetime, context: dict,
                              source: str = "portal", actor=None) -> Message:
    """Queue a message the debtor asked for (the portal's one-time code) to `contact`, due now: no compliance
    window (it is no collection contact: REQUESTED_SOURCES), rendered now with `context`. The contact must have
    consent for the channel. Raises CommunicationsError when it cannot be queued."""
    if source not in REQUESTED_SOURCES:
        raise CommunicationsError(f"source {source!r} is not one of {REQUESTED_SOURCES}")
    if channel not in CHANNEL_CODES or contact.debtor_id != debtor.pk or debtor.portfolio_id != portfolio.pk:
        raise CommunicationsError("the contact is not the debtor's, or the channel is unknown")
    language = message_language(debtor)
    template = template_lookup(portfolio=portfolio, code=template_code, channel=channel, language=language)
    if template is None:
        raise CommunicationsError(f"no active template {template_code!r} for {channel}")
    rendered = _template_render(template=template, debtor=debtor, now=now, context=context)
    with transaction.atomic():
        message = Message.objects.create(
            portfolio=portfolio, debtor=debtor, contact=contact, channel=channel, to=contact.value,
            template=template, template_code=template_code, template_version=template.version,
            language=template.language, context=context, source=source, dedupe_key=dedupe_key[:200],
            scheduled_for=now, next_attempt_at=now, subject=rendered.subject[:300], body=rendered.body,
            html=rendered.html, rendered_at=now,
            provider_payload={"whatsapp_template": rendered.whatsapp_template_name,
                              "whatsapp_params": rendered.whatsapp_params, "text": rendered.text})
        audit_record(event_type="message.queued", subject=message, actor=actor, portfolio=portfolio, debtor=debtor,
                     changes={"channel": channel, "template": template_code, "next_attempt_at": now})
    return message


def _id(value) -> int:
    return value if isinstance(value, int) else value.pk


def messages_enqueue_bulk(rows: Iterable[dict], *, now: datetime, batch_size: int = 1000) -> int:
    """Queue many messages at once (the daily cycle). Each row: portfolio (or portfolio_id), debtor (or debtor_id),
    channel, template_code, dedupe_key; optional attach_statement, context, source, cycle_run_id, next_attempt_at.
    Contact choice, rendering and the compliance check happen at send time. Rows whose dedupe key exists are
    skipped (ON CONFLICT DO NOTHING). Returns the number of rows inserted (by this call, barring races)."""
    objs: dict[tuple[int, str], Message] = {}
    for row in rows:
        portfolio_id = _id(row.get("portfolio_id") or row["portfolio"])
        channel = row["channel"]
        if channel not in CHANNEL_CODES:
            raise CommunicationsError(f"unknown channel {channel!r}")
        key = (portfolio_id, str(row["dedupe_key"])[:200])
        if key in objs:
            continue
        objs[key] = Message(
            portfolio_id=portfolio_id, debtor_id=_id(row.get("debtor_id") or row["debtor"]), channel=channel,
            template_code=row["template_code"], attach_statement=bool(row.get("attach_statement")),
            context=row.get("context") or {}, source=str(row.get("source") or "cycle")[:20],
            cycle_run_id=row.get("cycle_run_id"), dedupe_key=key[1], scheduled_for=row.get("next_attempt_at") or now,
            next_attempt_at=row.get("next_attempt_at") or now, created_at=now, updated_at=now,
        )
    if not objs:
        return 0
    existing: set[tuple[int, str]] = set()
    by_portfolio: dict[int, list[str]] = {}
    for portfolio_id, key in objs:
        by_portfolio.setdefault(portfolio_id, []).append(key)
    for portfolio_id, keys in by_portfolio.items():
        for start in range(0, len(keys), 900):
            chunk = keys[start:start + 900]
            existing.update((portfolio_id, k) for k in Message.objects.filter(
                portfolio_id=portfolio_id, dedupe_key__in=chunk).values_list("dedupe_key", flat=True))
    new = [m for key, m in objs.items() if key not in existing]
    with transaction.atomic():
        Message.objects.bulk_create(new, batch_size=batch_size, ignore_conflicts=True)
    return len(new)


@transaction.atomic
def message_cancel(*, message: Message, reason: str = "", actor=None) -> Message:
    updated = Message.objects.filter(pk=message.pk, status=Message.Status.QUEUED).update(
        status=Message.Status.CANCELLED, last_error=f"cancelled: {reason}"[:1000], updated_at=timezone.now())
    if not updated:
        raise CommunicationsError(gettext("message %(pk)s is %(status)s, only queued messages can be cancelled")
                                  % {"pk": message.pk, "status": message.get_status_display().lower()})
    message.refresh_from_db()
    audit_record(event_type="message.cancelled", subject=message, actor=actor, portfolio=message.portfolio,
                 debtor=message.debtor, changes={"reason": reason})
    return message


# ------------------------------------------------------------------------------------------------ templates

def _person(actor):
    return actor if actor is not None and not isinstance(actor, str) and getattr(actor, "pk", None) else None


def _check_template(*, channel: str, language: str, subject: str, body: str, whatsapp_template_name: str,
                    whatsapp_params: list[str] | None, active: bool, portfolio: Portfolio, now: datetime) -> None:
    if channel not in CHANNEL_CODES:
        raise TemplateInvalid(f"unknown channel {channel!r}")
    if language not in ("es", "en"):
        raise TemplateInvalid(f"unknown language {language!r}: es or en")
    if not body.strip():
        raise TemplateInvalid(gettext("the body is empty"))
    if channel == "whatsapp" and active and not whatsapp_template_name.strip():
        raise TemplateInvalid(gettext("WhatsApp messages need the name of an approved template"))
    try:
        template_validate(subject=subject, body=body, channel=channel, language=language, portfolio=portfolio,
                          now=now, whatsapp_params=whatsapp_params)
    except RenderError as exc:
        raise TemplateInvalid(str(exc))


@transaction.atomic
def template_save(*, portfolio: Portfolio, code: str, channel: str, language: str, subject: str, body: str,
                  whatsapp_template_name: str = "", whatsapp_params: list[str] | None = None, active: bool = True,
                  name: str = "", now: datetime | None = None, actor=None) -> Template | TemplateRevision:
    """Create or update the portfolio's own template (overriding the default). Validated by rendering it in the
    sandbox against a sample debtor: a syntax or render error raises TemplateInvalid.

    An agent's edit does not apply: it is saved as a pending TemplateRevision (returned instead of the template)
    and the approved text keeps being used until a supervisor or administrator approves it
    (template_revision_decide). Supervisors', administrators' and non-personal actors' edits apply at once."""
    now = now or timezone.now()
    _check_template(channel=channel, language=language, subject=subject, body=body,
                    whatsapp_template_name=whatsapp_template_name, whatsapp_params=whatsapp_params, active=active,
                    portfolio=portfolio, now=now)
    user = _person(actor)
    if user is not None and template_edit_needs_approval(role_in(user, portfolio)):
        return _template_submit(portfolio=portfolio, code=code, channel=channel, language=language, subject=subject,
                                body=body, whatsapp_template_name=whatsapp_template_name,
                                whatsapp_params=whatsapp_params, active=active, name=name, now=now, actor=user)
    return _template_apply(portfolio=portfolio, code=code, channel=channel, language=language, subject=subject,
                           body=body, whatsapp_template_name=whatsapp_template_name,
                           whatsapp_params=whatsapp_params, active=active, name=name, actor=actor)


def _template_apply(*, portfolio, code, channel, language, subject, body, whatsapp_template_name, whatsapp_params,
                    active, name, actor) -> Template:
    template = Template.objects.select_for_update().filter(portfolio=portfolio, code=code, channel=channel,
                                                           language=language).first()
    values = {"subject": subject.strip(), "body": body, "whatsapp_template_name": whatsapp_template_name.strip(),
              "whatsapp_params": list(whatsapp_params or []), "active": active}
    if name:
        values["name"] = name[:200]
    user = _person(actor)
    if template is None:
        default = Template.objects.filter(portfolio__isnull=True, code=code, channel=channel, language=language).first()
        template = Template.objects.create(portfolio=portfolio, code=code, channel=channel, language=language,
                                           name=values.pop("name", default.name if default else code),
                                           updated_by=user, **values)
        audit_record(event_type="template.created", subject=template, actor=actor, portfolio=portfolio,
                     changes={"code": code, "channel": channel, "language": language})
        return template
    changes = {k: [getattr(template, k), v] for k, v in values.items() if getattr(template, k) != v}
    if not changes:
        return template
    for key, value in values.items():
        setattr(template, key, value)
    template.version += 1
    template.updated_by = user
    template.save()
    audit_record(event_type="template.updated", subject=template, actor=actor, portfolio=portfolio,
                 changes={**changes, "version": template.version})
    return template


def _template_submit(*, portfolio, code, channel, language, subject, body, whatsapp_template_name, whatsapp_params,
                     active, name, now, actor) -> TemplateRevision:
    """Save an agent's edit as the pending revision of (portfolio, code, channel, language); an earlier pending
    revision of the same template is superseded by it."""
    current = Template.objects.filter(portfolio=portfolio, code=code, channel=channel, language=language).first()
    earlier = list(TemplateRevision.objects.select_for_update().filter(
        portfolio=portfolio, code=code, channel=channel, language=language, status=TemplateRevision.Status.PENDING))
    for old in earlier:
        old.status, old.decided_at, old.reason = TemplateRevision.Status.SUPERSEDED, now, "a newer edit was submitted"
        old.save(update_fields=["status", "decided_at", "reason"])
    revision = TemplateRevision.objects.create(
        portfolio=portfolio, code=code, channel=channel, language=language, name=name[:200], subject=subject.strip(),
        body=body, whatsapp_template_name=whatsapp_template_name.strip(), whatsapp_params=list(whatsapp_params or []),
        active=active, base_version=current.version if current else None, submitted_by=actor, submitted_at=now)
    audit_record(event_type="template.submitted", subject=revision, actor=actor, portfolio=portfolio,
                 changes={"code": code, "channel": channel, "language": language, "base_version": revision.base_version,
                          "body": body, "subject": revision.subject, "supersedes": [r.pk for r in earlier]})
    return revision


def template_can_approve(user, portfolio: Portfolio) -> bool:
    return _person(user) is not None and template_can_decide(role_in(user, portfolio))


@transaction.atomic
def template_revision_decide(*, revision: TemplateRevision, decision: str, actor, reason: str = "",
                             now: datetime | None = None) -> TemplateRevision:
    """approve | reject an agent's pending template edit. Only a supervisor or an administrator of the portfolio
    decides; a rejection needs a reason. Approving applies the text as the template's next version (validated
    again); it is refused when the template changed since the agent wrote the edit (reject it and ask again)."""
    now = now or timezone.now()
    revision = TemplateRevision.objects.select_for_update().select_related("portfolio").get(pk=revision.pk)
    portfolio = revision.portfolio
    if decision not in ("approve", "reject"):
        raise CommunicationsError(gettext("decision: approve or reject"))
    if not template_can_approve(actor, portfolio):
        raise TemplateNotAllowed(gettext("only a supervisor or an administrator approves template edits"))
    if revision.status != TemplateRevision.Status.PENDING:
        raise CommunicationsError(gettext("revision %(pk)s is not pending approval") % {"pk": revision.pk})
    reason = (reason or "").strip()
    if decision == "reject" and not reason:
        raise CommunicationsError(gettext("reason: required to reject"))
    if decision == "approve":
        current = Template.objects.select_for_update().filter(
            portfolio=portfolio, code=revision.code, channel=revision.channel, language=revision.language).first()
        version = current.version if current else None
        if version != revision.base_version:
            raise CommunicationsError(f"the template changed since this edit was submitted (version "
                                      f"{revision.base_version or 'default'} -> {version}); reject it and ask for a "
                                      f"new one")
        _check_template(channel=revision.channel, language=revision.language, subject=revision.subject,
                        body=revision.body, whatsapp_template_name=revision.whatsapp_template_name,
                        whatsapp_params=revision.whatsapp_params, active=revision.active, portfolio=portfolio,
                        now=now)
        revision.template = _template_apply(
            portfolio=portfolio, code=revision.code, channel=revision.channel, language=revision.language,
            subject=revision.subject, body=revision.body, whatsapp_template_name=revision.whatsapp_template_name,
            whatsapp_params=revision.whatsapp_params, active=revision.active, name=revision.name, actor=actor)
        revision.status = TemplateRevision.Status.APPROVED
    else:
        revision.status = TemplateRevision.Status.REJECTED
    revision.decided_by, revision.decided_at, revision.reason = _person(actor), now, reason[:500]
    revision.save(update_fields=["status", "decided_by", "decided_at", "reason", "template"])
    audit_record(event_type=f"template.{revision.status}", subject=revision, actor=actor, portfolio=portfolio,
                 changes={"code": revision.code, "channel": revision.channel, "language": revision.language,
                          "reason": reason, "submitted_by": actor_label_for(revision.submitted_by),
                          "version": revision.template.version if revision.template else None})
    return revision


# ------------------------------------------------------------------------------------------------ callbacks

def _apply_status(message: Message, status: str, *, at: datetime, error: str = "", permanent: bool = False,
                  retry: bool = False) -> bool:
    """Move a message forward (never backwards, see recaudo.communications.status); failed/bounced before it was
    delivered. A failure reported after delivery changes nothing: it is recorded as a `message.late_status`
    audit event on the message. Returns whether the status moved."""
    current = message.status
    step = status_step(current, status)
    if step == RECORD:
        with transaction.atomic():
            audit_record(event_type="message.late_status", subject=message, actor=message.provider or "provider",
                         portfolio=message.portfolio, debtor=message.debtor, at=at,
                         changes={"status": current, "reported": status, "error": error[:1000],
                                  "permanent": permanent, "provider_id": message.provider_id})
        return False
    if step != MOVE:
        return False
    fields = {"updated_at": at}
    if status in RANK:
        fields["status"] = status
        if status == "delivered":
            fields["delivered_at"] = at
    elif retry:
        if message.attempts < max_attempts():
            fields.update(status=Message.Status.QUEUED, next_attempt_at=at + retry_delay(message.attempts),
                          last_error=error[:1000], provider_id="", claim_token=None, claimed_by="",
                          claimed_at=None)
        else:
            fields.update(status=Message.Status.FAILED, last_error=error[:1000], permanent=False)
    else:
        fields.update(status=status, last_error=error[:1000], permanent=permanent)
    updated = Message.objects.filter(pk=message.pk, status=current).update(**fields)
    if updated:
        for key, value in fields.items():
            setattr(message, key, value)
    return bool(updated)


def message_status_update(*, provider: str, provider_id: str, status: str, at: datetime | None = None,
                          error: str = "", permanent: bool = False, opt_out: bool = False,
                          channel: str = "") -> Message | None:
    """A provider said what happened to a message (delivered, failed, bounced...). Unknown ids return None.
    `provider` "" matches any provider of `channel` (email bounces name only the Message-ID).
    A permanent failure queues the fallback channel; an opt-out also revokes the consent."""
    at = at or timezone.now()
    if not provider_id:
        return None
    lookup = {"provider": provider} if provider else {"channel": channel}
    message = (Message.objects.select_related("portfolio", "debtor", "contact")
               .filter(provider_id=provider_id, **lookup).first())
    if message is None:
        return None
    moved = _apply_status(message, status, at=at, error=error, permanent=permanent,
                          retry=status in ("failed", "bounced") and not permanent)
    if opt_out and message.contact is not None:
        consent_revoke_for_contact(contact=message.contact, channel=message.channel,
                                   source=f"{provider} opt-out", now=at)
    if moved and message.status in (Message.Status.FAILED, Message.Status.BOUNCED) and message.permanent:
        fallback_enqueue(message=message, now=at)
    return message


def consent_revoke_for_contact(*, contact: Contact, channel: str, source: str, now: datetime) -> bool:
    if contact.role == Contact.Role.REFERENCE:
        return False
    current = Consent.objects.filter(contact=contact, channel=channel).first()
    if current is not None and current.status == Consent.Status.REVOKED:
        return False
    consent_set(contact=contact, channel=channel, status=Consent.Status.REVOKED, source=source[:200],
                actor=source, now=now)
    Message.objects.filter(contact=contact, channel=channel, status=Message.Status.QUEUED).update(
        status=Message.Status.CANCELLED, last_error=f"cancelled: consent revoked ({source})"[:1000], updated_at=now)
    return True


def fallback_enqueue(*, message: Message, now: datetime) -> Message | None:
    """After a permanent failure, queue the same message on the next channel the debtor consented to (never a
    channel already tried in this chain). None for a message the debtor asked for (REQUESTED_SOURCES: a portal code
    is short-lived; the debtor asks again)."""
    if message.source in REQUESTED_SOURCES:
        return None
    tried, root = {message.channel}, message
    while root.fallback_of_id is not None:
        root = Message.objects.only("id", "channel", "fallback_of_id", "dedupe_key").get(pk=root.fallback_of_id)
        tried.add(root.channel)
    for channel in FALLBACK_ORDER.get(message.channel, ()):
        if channel in tried or not contacts_for([message.debtor_id], channel):
            continue
        fallback, _ = message_enqueue_with_reason(
            portfolio=message.portfolio, debtor=message.debtor, channel=channel, template_code=message.template_code,
            dedupe_key=f"{root.dedupe_key[:170]}~fallback:{channel}", now=now,
            attach_statement=message.attach_statement, context=message.context, source="fallback",
            cycle_run_id=message.cycle_run_id, fallback_of=message)
        if fallback is not None:
            return fallback
    return None
