"""Agent workspace writes. Each runs in one transaction and records audit events with the debtor set, so every
action shows in the debtor's timeline. Compliance is asked through recaudo.compliance.services; promises through
recaudo.agreements when that app provides them."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from recaudo.accounts.models import Membership, Role
from recaudo.agreements.services.promises import promise_record
from recaudo.audit.models import AuditEvent
from recaudo.audit.services import actor_label_for, audit_record
from recaudo.compliance.models import ContactAttempt
from recaudo.compliance.rules import Decision
from recaudo.compliance.services import compliance_check, contact_attempt_record
from recaudo.compliance.wording import blocked_reasons
from recaudo.core.amounts import AmountError, check_minor
from recaudo.core.money import from_minor, to_minor
from recaudo.ledger.services import obligation_set_dispute
from recaudo.portfolio.models import Contact, Debtor, Obligation, Portfolio
from recaudo.strategies.models import Segment
from recaudo.strategies.services import hold_create

from .models import (
    AgentTask,
    Assignment,
    CallScript,
    DailyTarget,
    Disposition,
    Interaction,
    MonthlyTarget,
    WorkspaceSettings,
)
from .rules import CallbackOutsideHours, WorkspaceError, month_start
from .selectors import (
    AGENT_ROLES,
    CALLBACK_PREFIX,
    queue_queryset,
    script_check,
)

SUPERVISOR_ROLES = (Role.SUPERVISOR, Role.ADMIN)
NEXT_SCAN = 40


def _bounded(minor: int, currency: str, field: str) -> int:
    """An amount within recaudo.core.amounts.MAX_MINOR (docs/amounts.md), else a WorkspaceError on the field."""
    try:
        return check_minor(minor, currency)
    except AmountError as exc:
        raise WorkspaceError(str(exc), field=field) from None


def _user(actor):
    return actor if actor is not None and not isinstance(actor, str) else None


def _check_agent(portfolio: Portfolio, agent) -> None:
    if not Membership.objects.filter(user=agent, portfolio=portfolio,
                                     role__in=[r.value for r in AGENT_ROLES]).exists() and not agent.is_superuser:
        raise WorkspaceError(_("%(user)s is not an agent of this portfolio") % {"user": agent.get_username()},
                             field="agent")


# ---------------------------------------------------------------------------------------------------------------
# Work queue and next debtor
# ---------------------------------------------------------------------------------------------------------------
@dataclass
class Skipped:
    debtor: Debtor
    next_allowed_at: datetime | None
    reasons: list[str]


@dataclass
class NextDebtor:
    debtor: Debtor | None
    decision: Decision | None = None
    skipped: list[Skipped] = field(default_factory=list)


@transaction.atomic
def next_debtor(*, agent, portfolio: Portfolio, now: datetime | None = None, scan: int = NEXT_SCAN) -> NextDebtor:
    """The first debtor of the agent's queue that may be called now (preview dialer). Debtors the compliance rules
    block now, or without a phone to call, are skipped and returned with when they may be called."""
    now = now or timezone.now()
    result = NextDebtor(debtor=None)
    for debtor in queue_queryset(agent=agent, portfolio=portfolio, now=now)[:scan]:
        if not debtor.has_phone:
            result.skipped.append(Skipped(debtor, None, [_("no phone to call (references never count)")]))
            continue
        decision = compliance_check(channel="call", at=now, debtor=debtor, record=False)
        if not decision.allowed:
            result.skipped.append(Skipped(debtor, decision.next_allowed_at, blocked_reasons(decision)))
            continue
        result.debtor, result.decision = debtor, decision
        break
    if result.debtor is not None:
        audit_record(event_type="agent.next_debtor", subject=result.debtor, actor=agent, portfolio=portfolio,
                     debtor=result.debtor,
                     changes={"priority": result.debtor.score, "skipped": [s.debtor.code for s in result.skipped]})
    return result


# ---------------------------------------------------------------------------------------------------------------
# Call outcome
# ---------------------------------------------------------------------------------------------------------------
def callback_check(*, debtor: Debtor, at: datetime) -> Decision:
    return compliance_check(channel="call", at=at, debtor=debtor, record=False)


def _promise(*, portfolio, debtor, amount: Decimal, due: date, agent, obligations, now):
    """Create the promise through recaudo.agreements (held like any promise: the cycle evaluates it)."""
    return promise_record(portfolio=portfolio, debtor=debtor, amount=amount, due_date=due, channel="call",
                          source="agent", actor=agent, obligations=obligations, now=now)


@transaction.atomic
def outcome_record(*, portfolio: Portfolio, debtor: Debtor, agent, disposition: Disposition | str, notes: str = "",
                   callback_at: datetime | None = None, contact: Contact | None = None,
                   promise_amount: Decimal | None = None, promise_due: date | None = None,
                   obligation: Obligation | None = None, now: datetime | None = None,
                   direction: str = Interaction.Direction.OUTBOUND,
                   channel: str = Interaction.Channel.CALL) -> Interaction:
    """Record what came of a call (or visit): the compliance contact attempt (effective when the disposition says so;
    refused when the rules block an outbound contact now), the promise, dispute, deceased hold or callback the
    disposition asks for. `direction` "inbound": the debtor called or came in, or asked for this call (e.g. on a
    Sunday evening): the hours and frequency rules govern only contacts the creditor starts, so it is not refused
    by them; it is recorded with its compliance decision as evidence and counts where the law counts it."""
    now = now or timezone.now()
    if direction not in Interaction.Direction.values:
        raise WorkspaceError(_("unknown direction"), field="direction")
    if channel not in Interaction.Channel.values:
        raise WorkspaceError(_("unknown channel"), field="channel")
    if debtor.portfolio_id != portfolio.pk:
        raise WorkspaceError(_("the debtor belongs to another portfolio"))
    if isinstance(disposition, str):
        disposition = Disposition.objects.filter(code=disposition, active=True).first()
        if disposition is None:
            raise WorkspaceError(_("unknown disposition"), field="disposition")
    if contact is not None and contact.debtor_id != debtor.pk:
        raise WorkspaceError(_("the contact belongs to another debtor"), field="contact")
    if contact is not None and not contact.collectable:
        raise WorkspaceError(_("references are never contacted for collection"), field="contact")
    if disposition.requires_callback and callback_at is None:
        raise WorkspaceError(_("this disposition needs a callback time"), field="callback_at")
    if callback_at is not None and callback_at <= now:
        raise WorkspaceError(_("the callback time must be in the future"), field="callback_at")
    promise_minor = None
    if disposition.creates_promise:
        if promise_amount is None or promise_amount <= 0:
            raise WorkspaceError(_("a promise needs a positive amount"), field="promise_amount")
        if promise_due is None or promise_due < portfolio.today(now):
            raise WorkspaceError(_("a promise needs a due date, today or later"), field="promise_due")
        promise_minor = _bounded(to_minor(promise_amount, portfolio.currency), portfolio.currency, "promise_amount")
    # The attempt goes first: the callback is then checked against a history that includes this call.
    attempt = contact_attempt_record(
        debtor=debtor, channel=channel, at=now, effective=disposition.effective_contact,
        outcome=ContactAttempt.Outcome(disposition.attempt_outcome), contact=contact, notes=notes[:500], actor=agent,
        direction=direction)
    if callback_at is not None:
        decision = callback_check(debtor=debtor, at=callback_at)
        if not decision.allowed:
            raise CallbackOutsideHours(decision)
    interaction = Interaction.objects.create(
        portfolio=portfolio, debtor=debtor, agent=agent, disposition=disposition, contact=contact, attempt=attempt,
        notes=notes, callback_at=callback_at, promise_amount_minor=promise_minor,
        promise_due=promise_due if promise_minor is not None else None,
        right_party_contact=disposition.right_party_contact, direction=direction, channel=channel, at=now)
    # Stored as codes and both labels: the timeline says it in the page's language (templatetags event_detail).
    changes = {"disposition": disposition.code, "label": disposition.label_es, "label_en": disposition.label_en,
               "notes": notes[:200], "effective": disposition.effective_contact, "direction": direction,
               "channel": channel}
    open_obligations = Obligation.objects.filter(debtor=debtor, status=Obligation.Status.OPEN, balance_minor__gt=0)
    if promise_minor is not None:
        promised = [obligation] if obligation is not None else None
        promise = _promise(portfolio=portfolio, debtor=debtor, amount=from_minor(promise_minor, portfolio.currency),
                           due=promise_due, agent=agent, obligations=promised, now=now)
        if promise is not None:
            interaction.promise_id = promise.pk
            interaction.save(update_fields=["promise_id"])
        changes.update({"amount": from_minor(promise_minor, portfolio.currency), "due_date": promise_due})
    if disposition.creates_dispute:
        targets = [obligation] if obligation is not None else list(
            open_obligations.filter(disputed=False).order_by("due_date", "number")[:1])
        if not targets:
            raise WorkspaceError(_("there is no open obligation to dispute"), field="obligation")
        for target in targets:
            obligation_set_dispute(obligation=target, disputed=True, actor=agent,
                                   reason=(notes.strip() or disposition.label_es)[:500])
        changes["obligations"] = [t.number for t in targets]
    if disposition.deceased:

        hold_create(debtor=debtor, reason="deceased", until=None, notes=f"agent: {notes}"[:500], actor=agent)
    # The call is made: the debtor's due call tasks are done; a callback becomes the agent's next call task.
    AgentTask.objects.filter(debtor=debtor, kind=AgentTask.Kind.CALL, status=AgentTask.Status.OPEN,
                             due_at__lte=now).update(status=AgentTask.Status.DONE, updated_at=now)
    if callback_at is not None:
        AgentTask.objects.create(portfolio=portfolio, debtor=debtor, kind=AgentTask.Kind.CALL, due_at=callback_at,
                                 assigned_to=agent, dedupe_key=f"{CALLBACK_PREFIX}{interaction.pk}",
                                 notes=f"callback ({disposition.code})")
        changes["callback_at"] = callback_at
    audit_record(event_type="agent.outcome", subject=interaction, actor=agent, portfolio=portfolio, debtor=debtor,
                 changes=changes)
    return interaction


# ---------------------------------------------------------------------------------------------------------------
# Supervisor: assignments, targets, commissions, scripts
# ---------------------------------------------------------------------------------------------------------------
def _assignment_events(portfolio, debtor_rows, agent, actor, now, event_type="agent.assigned"):
    label = actor_label_for(actor)
    return [
        AuditEvent(at=now, actor=_user(actor), actor_label=label, portfolio_id=portfolio.pk, debtor_id=pk,
                   subject_type="debtor", subject_id=pk, subject_label=f"{name} ({code})"[:200], event_type=event_type,
                   changes={"agent": agent.get_username() if agent is not None else None})
        for pk, code, name in debtor_rows
    ]


@transaction.atomic
def assign_debtors(*, portfolio: Portfolio, debtor_ids: Iterable[int], agent, actor=None,
                   now: datetime | None = None) -> int:
    """Assign (or reassign) debtors to an agent; agent None unassigns them. Set-based: one UPDATE for those already
    assigned, one bulk INSERT for the rest, one bulk insert of audit events. Returns how many debtors."""
    now = now or timezone.now()
    if agent is not None:
        _check_agent(portfolio, agent)
    rows = list(Debtor.objects.filter(portfolio=portfolio, pk__in=list(debtor_ids)).values_list("pk", "code", "name"))
    ids = [r[0] for r in rows]
    if not ids:
        return 0
    existing = Assignment.objects.filter(debtor_id__in=ids)
    if agent is None:
        existing.delete()
        AuditEvent.objects.bulk_create(_assignment_events(portfolio, rows, None, actor, now, "agent.unassigned"),
                                       batch_size=2000)
        return len(ids)
    already = set(existing.values_list("debtor_id", flat=True))
    existing.update(agent=agent, assigned_by=_user(actor), at=now)
    Assignment.objects.bulk_create(
        [Assignment(portfolio=portfolio, debtor_id=pk, agent=agent, assigned_by=_user(actor), at=now)
         for pk in ids if pk not in already], batch_size=2000)
    AuditEvent.objects.bulk_create(_assignment_events(portfolio, rows, agent, actor, now), batch_size=2000)
    return len(ids)


@transaction.atomic
def assign_segment(*, portfolio: Portfolio, segment: Segment, agent, actor=None, now: datetime | None = None) -> int:
    """Assign every debtor with a balance that the last cycle put in the segment."""
    if segment.portfolio_id != portfolio.pk:
        raise WorkspaceError(_("the segment belongs to another portfolio"), field="segment")
    ids = Debtor.objects.filter(portfolio=portfolio, balance_minor__gt=0, strategy_state__segment=segment).values_list(
        "pk", flat=True)
    count = assign_debtors(portfolio=portfolio, debtor_ids=list(ids), agent=agent, actor=actor, now=now)
    audit_record(event_type="agent.segment_assigned", subject=segment, actor=actor, portfolio=portfolio,
                 changes={"segment": segment.name, "agent": agent.get_username() if agent else None,
                          "debtors": count})
    return count


@transaction.atomic
def assignments_apply(*, portfolio: Portfolio, agent_id, codes: list[str] | None = None, segment_id=None,
                      actor=None, now: datetime | None = None) -> int:
    """The assignment page in one step, all or nothing: the debtors with `codes` and those the last cycle put in
    the segment `segment_id` go to the agent `agent_id` ("-": to nobody). Returns how many moved."""
    agent = None
    if agent_id != "-":
        agent = get_user_model().objects.filter(pk=agent_id).first() if str(agent_id or "").isdigit() else None
        if agent is None:
            raise WorkspaceError(_("Choose an agent."), field="agent")
    count = 0
    if codes:
        found = dict(Debtor.objects.filter(portfolio=portfolio, code__in=codes).values_list("code", "pk"))
        missing = list(dict.fromkeys(code for code in codes if code not in found))
        if missing:  # a typo is named, not skipped while the page says the others were assigned
            raise WorkspaceError(_("No debtor of this portfolio has the code %(codes)s; nothing was assigned.")
                                 % {"codes": ", ".join(missing[:20]) + (" …" if len(missing) > 20 else "")},
                                 field="debtor_codes")
        ids = list(found.values())
        count += assign_debtors(portfolio=portfolio, debtor_ids=ids, agent=agent, actor=actor, now=now)
    if segment_id:
        segment = Segment.objects.filter(portfolio=portfolio, pk=segment_id).first()
        if segment is None:
            raise WorkspaceError(_("the segment belongs to another portfolio"), field="segment")
        count += assign_segment(portfolio=portfolio, segment=segment, agent=agent, actor=actor, now=now)
    return count


TARGET_REACH_DAYS = 3653  # a target is for a day (or month) within ten years of the portfolio's today, either way


def _target_day(portfolio: Portfolio, day: date) -> None:
    """A target's day within TARGET_REACH_DAYS of today (0001-01-01 was saved and listed; a typo, never a plan)."""
    today = portfolio.today()
    if abs((day - today).days) > TARGET_REACH_DAYS:
        raise WorkspaceError(_("date: from %(first)s to %(last)s (ten years either side of today)") % {
            "first": date_format(today - timedelta(days=TARGET_REACH_DAYS), "SHORT_DATE_FORMAT"),
            "last": date_format(today + timedelta(days=TARGET_REACH_DAYS), "SHORT_DATE_FORMAT")}, field="date")


@transaction.atomic
def target_set(*, portfolio: Portfolio, agent, day: date, contacts: int = 0, promises: int = 0,
               amount: Decimal = Decimal(0), actor=None) -> DailyTarget:
    _check_agent(portfolio, agent)
    _target_day(portfolio, day)
    if contacts < 0 or promises < 0 or amount < 0:
        raise WorkspaceError(_("targets cannot be negative"))
    _bounded(to_minor(amount, portfolio.currency), portfolio.currency, "amount")
    target, _created = DailyTarget.objects.update_or_create(
        portfolio=portfolio, agent=agent, date=day,
        defaults={"contacts": contacts, "promises": promises, "amount_minor": to_minor(amount, portfolio.currency),
                  "set_by": _user(actor)})
    audit_record(event_type="agent.target_set", subject=target, actor=actor, portfolio=portfolio,
                 changes={"agent": agent.get_username(), "date": day, "contacts": contacts, "promises": promises,
                          "amount": amount})
    return target


@transaction.atomic
def monthly_target_set(*, portfolio: Portfolio, agent, month: date, contacts: int = 0, promises: int = 0,
                       agreements: int = 0, amount: Decimal = Decimal(0), actor=None) -> MonthlyTarget:
    """An agent's target for the month of `month` (any day of it: stored as the first day)."""
    _check_agent(portfolio, agent)
    _target_day(portfolio, month)
    if contacts < 0 or promises < 0 or agreements < 0 or amount < 0:
        raise WorkspaceError(_("targets cannot be negative"))
    minor = _bounded(to_minor(amount, portfolio.currency), portfolio.currency, "amount")
    first = month_start(month)
    target, _created = MonthlyTarget.objects.update_or_create(
        portfolio=portfolio, agent=agent, month=first,
        defaults={"contacts": contacts, "promises": promises, "agreements": agreements, "amount_minor": minor,
                  "set_by": _user(actor)})
    audit_record(event_type="agent.monthly_target_set", subject=target, actor=actor, portfolio=portfolio,
                 changes={"agent": agent.get_username(), "month": first.strftime("%Y-%m"), "contacts": contacts,
                          "promises": promises, "agreements": agreements, "amount": amount})
    return target


@transaction.atomic
def commission_rule_set(*, portfolio: Portfolio, percent: Decimal, attribution_days: int | None = None,
                        allow_unassigned: bool | None = None, actor=None) -> WorkspaceSettings:
    """The commission percent of collections attributed to agents (and the attribution window, the unassigned
    switch)."""
    percent = Decimal(percent)
    if percent < 0 or percent > 100:
        raise WorkspaceError(_("the commission must be between 0 and 100 %"), field="commission_percent")
    settings, _created = WorkspaceSettings.objects.get_or_create(portfolio=portfolio)
    old = {"commission_percent": str(settings.commission_percent), "attribution_days": settings.attribution_days,
           "allow_unassigned": settings.allow_unassigned}
    settings.commission_percent = percent
    if attribution_days is not None:
        if attribution_days < 0 or attribution_days > 365:
            raise WorkspaceError(_("attribution window between 0 and 365 days"), field="attribution_days")
        settings.attribution_days = attribution_days
    if allow_unassigned is not None:
        settings.allow_unassigned = allow_unassigned
    settings.save()
    audit_record(event_type="agent.settings_changed", subject=settings, actor=actor, portfolio=portfolio,
                 changes={"old": old, "commission_percent": percent, "attribution_days": settings.attribution_days,
                          "allow_unassigned": settings.allow_unassigned})
    return settings


@transaction.atomic
def script_save(*, portfolio: Portfolio, body: str, segment: Segment | None = None, language: str = "es",
                actor=None) -> CallScript:
    """Create or change the call script of a segment (None: the default), checked in the sandbox first."""
    if segment is not None and segment.portfolio_id != portfolio.pk:
        raise WorkspaceError(_("the segment belongs to another portfolio"), field="segment")
    if not body.strip():
        raise WorkspaceError(_("the script is empty"), field="body")
    script_check(body, language, portfolio.country)  # a syntax error or an unknown variable: WorkspaceError
    script = CallScript.objects.filter(portfolio=portfolio, segment=segment, language=language).first()
    old = script.body if script else ""
    if script is None:
        script = CallScript(portfolio=portfolio, segment=segment, language=language)
    script.body = body
    script.updated_by = _user(actor)
    script.save()
    audit_record(event_type="agent.script_saved", subject=script, actor=actor, portfolio=portfolio,
                 changes={"segment": segment.name if segment else None, "language": language,
                          "body": [old[:500], body[:500]]})
    return script
