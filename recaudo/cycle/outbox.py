"""Sending (on top of communications, reports and compliance, run by the worker and `recaudo outbox`): the
outbox pipeline. Claim due messages atomically, render, re-check compliance, send, record the outcome.

Claiming is "a due-date column plus an atomic claim": in a short transaction a worker picks due rows (FOR UPDATE
SKIP LOCKED on PostgreSQL; SQLite serializes writers) and marks them `UPDATE ... SET status='sending',
claim_token=T WHERE id IN (...) AND status='queued' AND claim_token IS NULL`; only rows carrying its token are
its own, so two workers never send the same message. Sending happens after that commit, outside any transaction.
The outcome is written back only where the row still carries the token, and each message's outcome is
committed right after its provider call returns (its own short transaction), before the next call. A worker that
dies mid-batch leaves the rows it had not finished in 'sending'; after RECAUDO_OUTBOX_CLAIM_TIMEOUT seconds they
are released and retaken. At-least-once, with a window of one provider call: only the message whose call was in
flight (or whose provider accepted it just before the crash) may go twice. Where the provider takes an
idempotency key the message id goes with it (the generic webhook's Idempotency-Key header; Twilio's and WhatsApp
Cloud's send APIs take none). A letter batch is one provider call (one PDF).
"""

from __future__ import annotations

import inspect
import logging
import uuid
from collections import Counter, defaultdict
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.db import connection, transaction
from django.utils import timezone

from recaudo.banking.selectors import payment_references
from recaudo.communications.conf import claim_timeout, max_attempts
from recaudo.communications.contacts import consent_granted, contacts_for
from recaudo.communications.models import REQUESTED_SOURCES, Message
from recaudo.communications.rendering import (
    RenderError,
    message_language,
    overdue_obligations,
    template_lookup,
    template_render,
)
from recaudo.communications.rules import REPLY_SOURCE, retry_delay, whatsapp_session_open
from recaudo.communications.services import consent_revoke_for_contact, fallback_enqueue
from recaudo.communications.transports import Attachment, Outgoing, TransportError, transport_for
from recaudo.compliance.models import ComplianceDecision, ContactAttempt
from recaudo.compliance.rules import INBOUND, OUTBOUND, ComplianceError, ContactEvent, decide
from recaudo.compliance.services import HISTORY_DAYS, compliance_settings, debtor_timezone
from recaudo.portfolio.models import Consent
from recaudo.reports.render import render_statement_pdf, statement_filename, statement_language
from recaudo.reports.statements import statement_for
from recaudo.strategies.selectors import debtors_not_collectable

from . import wording

log = logging.getLogger(__name__)

OPT_OUT_CODES = {"twilio": {"21610"}, "whatsapp_cloud": {"131050"}}
CLEAR_CLAIM = {"claim_token": None, "claimed_by": "", "claimed_at": None}
UPDATE_FIELDS = ["status", "attempts", "next_attempt_at", "provider", "provider_id", "permanent", "last_error",
                 "sent_at", "contact", "to", "template", "template_version", "language", "subject", "body", "html",
                 "provider_payload", "rendered_at", "claim_token", "claimed_by", "claimed_at", "updated_at"]


def release_stale_claims(now: datetime) -> int:
    """Rows left in 'sending' by a worker that died: back to queued, nothing lost."""
    with transaction.atomic():
        return Message.objects.filter(status=Message.Status.SENDING, claimed_at__lt=now - claim_timeout()).update(
            status=Message.Status.QUEUED, updated_at=now, **CLEAR_CLAIM)


def claim_batch(*, now: datetime, limit: int, worker_id: str) -> tuple[str, list[Message]]:
    token = uuid.uuid4().hex
    with transaction.atomic():
        ids = list(Message.objects.select_for_update(skip_locked=True)
                   .filter(status=Message.Status.QUEUED, next_attempt_at__lte=now)
                   .order_by("next_attempt_at", "id").values_list("id", flat=True)[:limit])
        if not ids:
            return token, []
        Message.objects.filter(id__in=ids, status=Message.Status.QUEUED, claim_token__isnull=True).update(
            status=Message.Status.SENDING, claim_token=token, claimed_by=worker_id[:100], claimed_at=now,
            updated_at=now)
    messages = list(Message.objects.filter(claim_token=token).select_related("portfolio", "debtor", "contact")
                    .order_by("id"))
    return token, messages


def outbox_process(*, now: datetime | None = None, limit: int = 500, worker_id: str, batch_size: int = 100) -> dict:
    """Send up to `limit` due messages in batches. Returns counts: claimed, sent, retried, failed, rescheduled,
    fallbacks, released, cancelled (cycle messages of debtors who paid or went on hold meanwhile)."""
    now = now or timezone.now()
    stats: Counter = Counter()
    stats["released"] += release_stale_claims(now)
    remaining = limit
    while remaining > 0:
        token, batch = claim_batch(now=now, limit=min(batch_size, remaining), worker_id=worker_id)
        if not batch:
            break
        remaining -= len(batch)
        stats["claimed"] += len(batch)
        _process(token, batch, now, stats)
    return {key: stats.get(key, 0) for key in
            ("claimed", "sent", "retried", "failed", "rescheduled", "fallbacks", "released", "cancelled")}


# ------------------------------------------------------------------------------------------------ one batch

class _Batch:
    def __init__(self, messages: list[Message], now: datetime):
        self.now = now
        self.alive: list[Message] = list(messages)
        self.outcome: dict[int, tuple] = {}  # pk -> (kind, ...)

    def fail(self, message: Message, error: str, *, permanent: bool = True, attempted: bool = False):
        self.outcome[message.pk] = ("fail", error, permanent, attempted)
        if message in self.alive:
            self.alive.remove(message)


def _collectable(batch: _Batch) -> None:
    """A cycle message may wait hours for its send time: before it goes, re-check in bulk (a fixed number of
    queries per batch) that the debtor still owes a collectable balance and is not on an active hold; if not, the
    message is cancelled with the reason ("paid", "on hold: promise"), by recaudo.strategies'
    `debtors_not_collectable`."""
    cycle = [m for m in batch.alive if m.cycle_run_id is not None or m.source == "cycle"]
    if not cycle:
        return
    today = {m.debtor_id: batch.now.astimezone(ZoneInfo(m.portfolio.timezone)).date() for m in cycle}
    allow: dict[int, set[str]] = defaultdict(set)
    for m in cycle:
        allow[m.debtor_id].update((m.context or {}).get("allow_holds") or ())
    stop = debtors_not_collectable(list(today), today, allow_holds=allow)
    for m in cycle:
        if m.debtor_id in stop:
            batch.outcome[m.pk] = ("cancel", stop[m.debtor_id])
            batch.alive.remove(m)


def _choose_contacts(batch: _Batch) -> None:
    missing = defaultdict(list)
    for m in batch.alive:
        if m.contact_id is None:
            missing[m.channel].append(m)
    for channel, messages in missing.items():
        found = contacts_for(sorted({m.debtor_id for m in messages}), channel)
        for m in messages:
            contact = found.get(m.debtor_id)
            if contact is None:
                batch.fail(m, f"no collectable contact with consent for {channel}")
            else:
                m.contact, m.to = contact, contact.value
    by_channel = defaultdict(list)
    for m in batch.alive:
        by_channel[m.channel].append(m)
    for channel, messages in by_channel.items():
        granted = consent_granted([m.contact_id for m in messages], channel)
        for m in messages:
            if m.contact_id not in granted:
                batch.fail(m, f"consent for {channel} is not granted (revoked?) for {m.to}")


def _render(batch: _Batch) -> None:
    pending = [m for m in batch.alive if m.rendered_at is None]
    if not pending:
        return
    obligations = overdue_obligations(sorted({m.debtor_id for m in pending}), {})
    debtors_by_portfolio: dict = defaultdict(set)
    portfolios = {}
    for m in pending:
        debtors_by_portfolio[m.portfolio_id].add(m.debtor_id)
        portfolios[m.portfolio_id] = m.portfolio
    references = {pk: payment_references(portfolios[pk], ids) for pk, ids in debtors_by_portfolio.items()}
    cache: dict = {}
    for m in pending:
        language = message_language(m.debtor)
        template = template_lookup(portfolio=m.portfolio_id, code=m.template_code, channel=m.channel,
                                   language=language, cache=cache)
        if template is None:
            batch.fail(m, f"no active template {m.template_code!r} for {m.channel} in {language} (or es)")
            continue
        m.debtor.portfolio = m.portfolio
        try:
            rendered = template_render(template=template, debtor=m.debtor, now=batch.now, context=m.context,
                                       obligations=obligations.get(m.debtor_id, []),
                                       references=references[m.portfolio_id])
        except RenderError as exc:
            batch.fail(m, f"render: {exc}")
            continue
        m.template, m.template_version, m.language = template, template.version, template.language
        m.subject, m.body, m.html = rendered.subject[:300], rendered.body, rendered.html
        m.provider_payload = {"whatsapp_template": rendered.whatsapp_template_name,
                              "whatsapp_params": rendered.whatsapp_params, "text": rendered.text}
        m.rendered_at = batch.now


def _direction(m: Message) -> str:
    """An answer the debtor asked for (an SMS/WhatsApp keyword, communications.services.inbound_receive) is an
    inbound contact for the compliance rules: the hours and frequency rules govern contacts the creditor starts
    (docs/channels.md, "Self-service"). Everything else is outbound."""
    return INBOUND if m.source == REPLY_SOURCE else OUTBOUND


def _compliance(batch: _Batch) -> dict[int, int]:
    """Re-check every message at send time (pure rules, one query each for history and consents); store the
    decisions as evidence. Returns message pk -> evidence id for the ones allowed now."""
    if not batch.alive:
        return {}
    now = batch.now
    settings = compliance_settings()
    history: dict[int, list[ContactEvent]] = defaultdict(list)
    for debtor_id, at, channel, effective in (
            ContactAttempt.objects.filter(debtor_id__in={m.debtor_id for m in batch.alive}, at__lte=now,
                                          at__gt=now - timedelta(days=HISTORY_DAYS))
            .order_by("at", "id").values_list("debtor_id", "at", "channel", "effective")):
        history[debtor_id].append(ContactEvent(at=at, channel=channel, effective=effective))
    consents: dict[int, dict[str, str]] = defaultdict(dict)
    for contact_id, channel, status in Consent.objects.filter(
            contact_id__in={m.contact_id for m in batch.alive}).values_list("contact_id", "channel", "status"):
        consents[contact_id][channel] = status
    rows, allowed_now = [], []
    for m in list(batch.alive):
        if m.source in REQUESTED_SOURCES:  # asked for by the debtor (a portal code): no collection contact
            continue
        country = m.portfolio.country
        tz = debtor_timezone(m.debtor, m.portfolio, country)
        events = history[m.debtor_id]
        try:
            decision = decide(country=country, channel=m.channel, at=now, tz=tz, history=events,
                              consents=consents[m.contact_id], contact_role=m.contact.role, settings=settings,
                              direction=_direction(m))
        except ComplianceError as exc:
            batch.fail(m, f"compliance: {exc}")
            continue
        rows.append((m, ComplianceDecision(
            portfolio_id=m.portfolio_id, debtor_id=m.debtor_id, country=country, action=m.channel, at=now, tz=tz,
            allowed=decision.allowed, reasons=[r.as_dict() for r in decision.reasons],
            next_allowed_at=decision.next_allowed_at, rule_version=decision.rule_version, actor_label="outbox",
            context={"history": [{"at": e.at.isoformat(), "channel": e.channel, "effective": e.effective}
                                 for e in events],
                     "consents": consents[m.contact_id], "contact_role": m.contact.role, "contact_id": m.contact_id,
                     "settings": decision.settings, "checked_at_local": decision.at.isoformat(),
                     "message_id": m.pk, "direction": _direction(m)})))
        if decision.allowed:
            allowed_now.append(m)
            events.append(ContactEvent(at=now, channel=m.channel, effective=False, direction=_direction(m)))
        elif decision.next_allowed_at is not None:
            batch.outcome[m.pk] = ("reschedule", decision.next_allowed_at,  # said on the pages by cycle.wording
                                   wording.encode("scheduled", rules=wording.rules_of(decision.reasons)))
            batch.alive.remove(m)
        else:
            batch.fail(m, wording.encode("blocked", rules=wording.rules_of(decision.reasons)))
    with transaction.atomic():
        ComplianceDecision.objects.bulk_create([row for _, row in rows])
    return {m.pk: row.pk for m, row in rows if m in allowed_now}


def _session_open(payload: dict, now: datetime) -> bool:
    """A WhatsApp answer to a debtor's message goes as free text while the 24 hours after that message last
    (`whatsapp_session_from`, set by communications.services.inbound_receive); later as its approved template."""
    try:
        since = datetime.fromisoformat(str(payload.get("whatsapp_session_from") or ""))
    except ValueError:
        return False
    return since.tzinfo is not None and whatsapp_session_open(since, now)


def _outgoing(m: Message, now: datetime) -> Outgoing:
    payload = m.provider_payload or {}
    attachments = []
    if m.attach_statement and m.channel in ("email", "webhook"):
        attachments.append(_statement_attachment(m, now))
    return Outgoing(
        message_id=m.pk, channel=m.channel, to=m.to, subject=m.subject, body=m.body,
        text=payload.get("text") or m.body, html=m.html, language=m.language or "es", debtor_name=m.debtor.name,
        address_city=getattr(m.contact, "city", "") or "", whatsapp_template=payload.get("whatsapp_template", ""),
        whatsapp_params=list(payload.get("whatsapp_params") or []), attachments=attachments,
        metadata={"portfolio": m.portfolio.slug, "debtor_code": m.debtor.code, "template": m.template_code,
                  **({"whatsapp_session": True} if _session_open(payload, now) else {})},
    )


def _statement_attachment(m: Message, now: datetime) -> Attachment:
    m.debtor.portfolio = m.portfolio
    today = now.astimezone(ZoneInfo(m.portfolio.timezone)).date()
    statement = statement_for(debtor=m.debtor, today=today)
    pdf = render_statement_pdf(statement, statement_language(m.debtor))
    return Attachment(statement_filename(statement, "pdf"), pdf, "application/pdf")


def _send(batch: _Batch, on_outcome=None) -> None:
    """Send the batch's live messages, channel by channel. on_outcome(message) runs right after each message's
    provider call returned (its outcome is in batch.outcome), before the next call."""
    by_channel = defaultdict(list)
    for m in batch.alive:
        by_channel[m.channel].append(m)
    for channel, messages in by_channel.items():
        try:
            transport = transport_for(channel)
        except (TransportError, ValueError, ImportError) as exc:
            for m in messages:
                batch.fail(m, f"transport: {exc}", permanent=False)
            continue
        outgoing, ready = [], []
        for m in messages:
            try:
                outgoing.append(_outgoing(m, batch.now))
                ready.append(m)
            except Exception as exc:  # e.g. the statement PDF failed: retry later, never crash the batch
                log.exception("outbox: cannot build message %s", m.pk)
                batch.fail(m, f"build: {type(exc).__name__}: {exc}", permanent=False)
        kind = getattr(transport, "kind", transport.name)
        done: set[int] = set()

        def record(index: int, result, _ready=ready, _kind=kind, _done=done) -> None:
            m = _ready[index]
            m.provider = _kind
            if isinstance(result, TransportError):
                batch.fail(m, str(result), permanent=result.permanent, attempted=True)
                if result.code in OPT_OUT_CODES.get(_kind, ()):
                    batch.outcome[m.pk] = (*batch.outcome[m.pk], "opt_out")
            else:
                batch.outcome[m.pk] = ("sent", result)
            _done.add(index)
            if on_outcome is not None:
                on_outcome(m)

        try:
            if not outgoing:
                pass
            elif "on_result" in inspect.signature(transport.send_many).parameters:
                results = transport.send_many(outgoing, on_result=record)
                for index, result in enumerate(results[:len(ready)]):
                    if index not in done:  # a transport that returned a result without reporting it
                        record(index, result)
            else:  # a transport of another make: one message per call, so each is recorded before the next
                for index, message in enumerate(outgoing):
                    record(index, transport.send_many([message])[0])
        except Exception as exc:  # a transport bug must not lose the batch: what was not sent is retried
            log.exception("outbox: transport %s crashed", channel)
            for index in range(len(ready)):
                if index not in done:
                    record(index, TransportError(f"{type(exc).__name__}: {exc}", permanent=False))


def _apply(token: str, messages: list[Message], batch: _Batch, evidence: dict[int, int], stats: Counter
           ) -> list[Message]:
    if not messages:
        return []
    now = batch.now
    attempts, failed_permanent = [], []
    for m in messages:
        outcome = batch.outcome.get(m.pk)
        m.updated_at = now
        m.claim_token, m.claimed_by, m.claimed_at = None, "", None
        if outcome is None:  # not reached (should not happen): release it untouched
            m.status = Message.Status.QUEUED
            continue
        kind = outcome[0]
        if kind == "sent":
            m.status, m.provider_id, m.sent_at = Message.Status.SENT, str(outcome[1])[:200], now
            m.attempts += 1
            m.last_error, m.permanent = "", False
            stats["sent"] += 1
            if m.source not in REQUESTED_SOURCES:
                attempts.append(ContactAttempt(
                    portfolio_id=m.portfolio_id, debtor_id=m.debtor_id, contact_id=m.contact_id, channel=m.channel,
                    at=now, effective=False, outcome=ContactAttempt.Outcome.SENT, decision_id=evidence.get(m.pk),
                    direction=_direction(m), notes=f"outbox message {m.pk} ({m.template_code})"))
        elif kind == "cancel":
            m.status, m.last_error = Message.Status.CANCELLED, f"cancelled: {outcome[1]}"[:1000]
            stats["cancelled"] += 1
        elif kind == "reschedule":
            m.status, m.next_attempt_at, m.last_error = Message.Status.QUEUED, outcome[1], outcome[2][:1000]
            stats["rescheduled"] += 1
        else:
            _, error, permanent, attempted = outcome[:4]
            m.last_error = error[:1000]
            if attempted:
                m.attempts += 1
            if permanent:
                m.status, m.permanent = Message.Status.FAILED, True
                failed_permanent.append(m)
                stats["failed"] += 1
            elif m.attempts >= max_attempts():
                m.status, m.permanent = Message.Status.FAILED, False
                stats["failed"] += 1
            else:
                m.status, m.next_attempt_at = Message.Status.QUEUED, now + retry_delay(max(m.attempts, 1))
                stats["retried"] += 1
    with transaction.atomic():
        if connection.vendor == "postgresql":
            # the commit does not wait for its WAL flush: a worker that dies keeps what it committed; only a crash
            # of the database server in the next fraction of a second could lose it (and resend that message)
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL synchronous_commit = off")
        written = _write_outcomes(token, messages)
        ContactAttempt.objects.bulk_create(attempts)
    if written == len(messages):
        return failed_permanent
    # some claims expired and were retaken: fall back only where our failure is what the row says
    mine = set(Message.objects.filter(pk__in=[m.pk for m in failed_permanent], status=Message.Status.FAILED,
                                      permanent=True).values_list("pk", flat=True))
    return [m for m in failed_permanent if m.pk in mine]


def _write_outcomes(token: str, messages: list[Message]) -> int:
    """One parameterized UPDATE per row, sent with executemany, each guarded by the claim token (a row whose
    claim expired and was retaken by another worker is left alone). Much faster than bulk_update's CASE chains."""
    fields = [Message._meta.get_field(name) for name in UPDATE_FIELDS]
    quote = connection.ops.quote_name
    assignments = ", ".join(f"{quote(f.column)} = %s" for f in fields)
    sql = (f"UPDATE {quote(Message._meta.db_table)} SET {assignments} "
           f"WHERE {quote('id')} = %s AND {quote('claim_token')} = %s")
    params = [[f.get_db_prep_save(getattr(m, f.attname), connection) for f in fields] + [m.pk, token]
              for m in messages]
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.executemany(sql, params)
        written = cursor.rowcount
    if written != len(messages):
        log.warning("outbox: %s of %s outcomes not written (claim expired and retaken)", len(messages) - written,
                    len(messages))
    return written


def _process(token: str, messages: list[Message], now: datetime, stats: Counter) -> None:
    batch = _Batch(messages, now)
    evidence: dict[int, int] = {}
    written: set[int] = set()
    failed: list[Message] = []

    def write_one(m: Message) -> None:
        """Commit this message's outcome now, before the next provider call."""
        failed.extend(_apply(token, [m], batch, evidence, stats))
        written.add(m.pk)

    try:
        _collectable(batch)
        _choose_contacts(batch)
        _render(batch)
        evidence = _compliance(batch)
        _send(batch, write_one)
    except Exception as exc:  # a bug or a database error before sending: nothing sent twice, retry later
        log.exception("outbox: batch failed before sending")
        for m in list(batch.alive):
            if m.pk not in written and batch.outcome.get(m.pk, ("",))[0] != "sent":
                batch.fail(m, f"outbox: {type(exc).__name__}: {exc}", permanent=False)
    failed.extend(_apply(token, [m for m in messages if m.pk not in written], batch, evidence, stats))
    # after the commit: opt-outs revoke the consent, permanent failures try another consented channel
    for m in failed:
        if batch.outcome[m.pk][-1] == "opt_out" and m.contact is not None:
            consent_revoke_for_contact(contact=m.contact, channel=m.channel, source=f"{m.provider} opt-out", now=now)
        if fallback_enqueue(message=m, now=now) is not None:
            stats["fallbacks"] += 1
