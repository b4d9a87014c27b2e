"""Promises to pay: recording (one pending per debtor; reminders pause), cancelling, and the daily evaluation
(kept or broken, from the payments). A lump-sum offer behind a promise that is cancelled, replaced or broken
lapses here (its discount is normally not booked yet; what an older acceptance booked is reversed)."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext

from recaudo.audit.models import AuditEvent
from recaudo.audit.services import audit_record
from recaudo.core.money import format_number, from_minor, precision
from recaudo.ledger.models import Payment
from recaudo.ledger.services import entry_reverse
from recaudo.portfolio.models import Debtor, Portfolio
from recaudo.strategies.models import Hold
from recaudo.strategies.services import hold_create, hold_release

from .. import rules
from ..models import Offer, Promise
from ..rules import BROKEN, KEPT
from .common import AgreementError, acting_user, agreement_settings, money_minor, promise_obligations


@transaction.atomic
def promise_record(*, portfolio: Portfolio, debtor: Debtor, amount, due_date: date, channel: str = "",
                   source: str = "agent", actor=None, obligations=None, now: datetime | None = None,
                   notes: str = "", offer: Offer | None = None) -> Promise:
    """Record a promise to pay; reminders pause (Hold "promise") until the date plus the grace days.

    A debtor has one pending promise at a time: a new one cancels the previous (its hold is released; a lump-sum
    offer behind it lapses, and a discount it had booked is reversed)."""
    now = now or timezone.now()
    today = portfolio.today(now)
    if debtor.portfolio_id != portfolio.pk:
        raise AgreementError(gettext("debtor: belongs to another portfolio"))
    if source not in Promise.Source.values:
        raise AgreementError(f"source: must be one of {', '.join(Promise.Source.values)}")
    minor = money_minor(amount, portfolio.currency, "amount")
    if minor <= 0:
        raise AgreementError(gettext("amount: must be positive"))
    owed = Debtor.objects.get(pk=debtor.pk).balance_minor  # as the ledger has it now, not as the page read it
    problem = rules.promise_problem(amount_minor=minor, due_date=due_date, today=today, owed_minor=owed)
    if problem is not None:
        field, code = problem
        texts = {"past": gettext("due date: %(date)s is in the past"),
                 "too_late": gettext("due date: at the latest %(latest)s (a year ahead); a longer term is a payment "
                                     "agreement"),
                 "too_large": gettext("amount: more than the debtor owes (%(owed)s %(currency)s)")}
        raise AgreementError(texts[code] % {
            "date": date_format(due_date, "SHORT_DATE_FORMAT"),
            "latest": date_format(today + timedelta(days=rules.PROMISE_MAX_DAYS), "SHORT_DATE_FORMAT"),
            "owed": format_number(from_minor(owed, portfolio.currency), precision(portfolio.currency)),
            "currency": portfolio.currency}, field=field)
    obligations = promise_obligations(debtor, obligations)
    conf = agreement_settings(portfolio)
    for old in Promise.objects.select_for_update().filter(debtor=debtor, status=Promise.Status.PENDING):
        old.status, old.evaluated_on = Promise.Status.CANCELLED, today
        old.save(update_fields=["status", "evaluated_on"])
        if old.hold_id and old.hold.released_at is None:
            hold_release(hold=old.hold, actor=actor, now=now)
        audit_record(event_type="promise.cancelled", subject=old, actor=actor, portfolio=portfolio, debtor=debtor,
                     changes={"reason": "replaced by a new promise"})
        if old.offer_id and old.offer.earned_by_id is None:  # a superseded lump-sum offer lapses (issue 12)
            _offer_discount_cancel(old.offer, today, "superseded by a new promise")
    hold = hold_create(debtor=debtor, reason="promise", until=due_date + timedelta(days=conf.promise_grace_days),
                       notes=f"promise to pay {from_minor(minor, portfolio.currency)} by {due_date.isoformat()}",
                       actor=actor)
    promise = Promise.objects.create(
        portfolio=portfolio, debtor=debtor, amount_minor=minor, currency=portfolio.currency, promised_on=today,
        due_date=due_date, channel=channel[:20], source=source, tolerance_pct=conf.promise_tolerance_pct,
        grace_days=conf.promise_grace_days, hold=hold, offer=offer, notes=notes[:500], created_by=acting_user(actor),
        created_at=now,
    )
    if obligations:
        promise.obligations.set(obligations)
    audit_record(event_type="promise.recorded", subject=promise, actor=actor, portfolio=portfolio, debtor=debtor,
                 changes={"amount": from_minor(minor, portfolio.currency), "due_date": due_date, "channel": channel,
                          "source": source, "obligations": [o.number for o in obligations]})
    return promise


@transaction.atomic
def promise_cancel(*, promise: Promise, actor=None, reason: str = "", now: datetime | None = None) -> Promise:
    now = now or timezone.now()
    if not rules.promise_may_cancel(promise.status):
        raise AgreementError(gettext("only a pending promise can be cancelled"))
    promise.status, promise.evaluated_on = Promise.Status.CANCELLED, promise.portfolio.today(now)
    promise.save(update_fields=["status", "evaluated_on"])
    if promise.hold_id and promise.hold.released_at is None:
        hold_release(hold=promise.hold, actor=actor, now=now)
    audit_record(event_type="promise.cancelled", subject=promise, actor=actor, debtor=promise.debtor,
                 changes={"reason": reason})
    if promise.offer_id and promise.offer.earned_by_id is None:  # its lump-sum offer lapses (issue 12)
        _offer_discount_cancel(promise.offer, promise.evaluated_on, f"promise cancelled: {reason}".strip(": "))
    return promise


@transaction.atomic
def promises_evaluate(*, portfolio: Portfolio, today: date, now: datetime | None = None) -> dict:
    """Decide every pending promise of the portfolio from the payments (set-based: a few queries in all).

    Kept or broken: status and paid amount set, the hold released, an audit event per promise ("promise.kept",
    "promise.broken": the strategy reads recent broken promises through selectors.broken_promise_debtors).
    A broken promise that came from a lump-sum discount offer loses the discount (its entries are reversed)."""
    now = now or timezone.now()
    pending = list(Promise.objects.filter(portfolio=portfolio, status=Promise.Status.PENDING, promised_on__lte=today))
    if not pending:
        return {"kept": 0, "broken": 0, "pending": 0}
    since = min(p.promised_on for p in pending)
    payments: dict[int, list[tuple[date, int]]] = defaultdict(list)
    for debtor_id, day, amount in Payment.objects.filter(
            portfolio=portfolio, debtor_id__in={p.debtor_id for p in pending}, reversed_at__isnull=True,
            date__gte=since, date__lte=today).values_list("debtor_id", "date", "amount_minor"):
        payments[debtor_id].append((day, amount))
    decided: dict[str, list[Promise]] = {KEPT: [], BROKEN: []}
    for promise in pending:
        outcome = rules.promise_outcome(promise, payments[promise.debtor_id], today, promise.tolerance_pct,
                                        promise.grace_days)
        if outcome in decided:
            last = promise.due_date + timedelta(days=promise.grace_days)
            promise.paid_minor = sum(a for d, a in payments[promise.debtor_id]
                                     if promise.promised_on <= d <= min(last, today))
            decided[outcome].append(promise)
    for outcome, promises in decided.items():
        for promise in promises:
            promise.status, promise.evaluated_on = outcome, today
        Promise.objects.bulk_update(promises, ["status", "evaluated_on", "paid_minor"])
    done = decided[KEPT] + decided[BROKEN]
    Hold.objects.filter(pk__in=[p.hold_id for p in done if p.hold_id], released_at__isnull=True).update(
        released_at=now)
    AuditEvent.objects.bulk_create([
        AuditEvent(at=now, actor=None, actor_label=f"cycle {today.isoformat()}", portfolio=portfolio,
                   debtor_id=p.debtor_id, subject_type="promise", subject_id=p.pk, subject_label=str(p)[:200],
                   event_type=f"promise.{p.status}",
                   changes={"amount": str(from_minor(p.amount_minor, p.currency)), "due_date": p.due_date.isoformat(),
                            "paid": str(from_minor(p.paid_minor, p.currency)), "hold_released": bool(p.hold_id)})
        for p in done
    ])
    for promise in decided[BROKEN]:
        if promise.offer_id:
            _offer_discount_cancel(promise.offer, today, f"lump-sum payment not made by {promise.due_date}")
    return {"kept": len(decided[KEPT]), "broken": len(decided[BROKEN]), "pending": len(pending) - len(done)}


def _offer_discount_cancel(offer: Offer, today: date, why: str) -> None:
    """The lump sum was not paid in time: the discount lapses. Normally nothing was booked (the discount is booked
    when the payment that earns it arrives); what an offer accepted before that rule booked is reversed."""
    reversed_ = 0
    for entry in offer.entries.filter(reversed_by__isnull=True):
        entry_reverse(entry=entry, value_date=today, reason=f"Offer OF-{offer.pk} discount cancelled: {why}")
        reversed_ += 1
    audit_record(event_type="offer.discount_cancelled", subject=offer, debtor=offer.debtor,
                 changes={"why": why, "entries_reversed": reversed_})
