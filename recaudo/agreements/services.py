"""Writes for promises to pay, payment agreements and settlement offers. Keyword-only, one transaction each, with
audit events. The ledger is never edited: settling, reinstating, forgiving and cancelling are entries.

Ledger effects (sign convention of recaudo.ledger: negative lowers the debt):

- agreement_accept: each original obligation gets negative *adjustment* entries that bring every component to 0
  (memo "Settled into payment agreement AC-n") and the status "in_agreement"; each installment (and the down
  payment, number 00) becomes an obligation of kind installment for its principal. The debtor's balance does not
  change: after acceptance the debtor owes the plan's principal.
- installment_interest_post: an installment's interest is charged when it falls due (value date its due date),
  exactly once (AgreementInstallment.interest_entry), by the daily cycle, by a payment dated on or after the due
  date and by a breach (docs/decisions/0010-payments-go-to-what-is-due-first.md).
- breach, clause "revert": the settlement entries are reversed (the original debt is back), what was paid on the
  installments is credited to it (negative adjustments, oldest obligation first), and what is left on the unpaid
  installments is written off (memo: cancelled by the breach). Late interest on the original debt follows the
  portfolio's liquidation (recaudo.ledger.interest), not this service.
- breach, clause "accelerate": unearned interest of installments not yet due (only charged ahead by agreements
  accepted before decision 0010) is discounted, the rest of every
  unpaid installment moves (negative adjustment) to one new obligation AC-n-A due on the breach date.
- settlement offers: forgiven amounts are *discount* (or *write_off*, per the offer) entries via entry_post, on
  acceptance; a lump-sum discount only when the payment that earns it arrives (settlement_discounts_apply).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import replace
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Exists, OuterRef, Sum
from django.utils import timezone
from django.utils.translation import gettext

from recaudo.accounts.models import Role
from recaudo.accounts.selectors import can, role_in
from recaudo.audit.models import AuditEvent
from recaudo.audit.services import actor_label_for, audit_record
from recaudo.core.amounts import MAX_MINOR, check_minor, limit_text
from recaudo.core.errors import DomainError
from recaudo.core.money import from_minor, precision, to_minor
from recaudo.ledger.interest import MissingRate, RateAboveCap, RateTable
from recaudo.ledger.models import Component, Entry, EntryKind, Payment
from recaudo.ledger.posting import entry_post
from recaudo.ledger.rates import has_rate_table, rate_periods
from recaudo.ledger.services import (
    component_balances,
    entry_reverse,
    obligation_create,
    payment_record,
    payment_reverse,
)
from recaudo.portfolio.models import Debtor, Obligation, Portfolio
from recaudo.strategies.models import Hold
from recaudo.strategies.services import hold_create, hold_release

from . import rules
from .models import (
    Acceptance,
    Agreement,
    AgreementInstallment,
    AgreementObligation,
    AgreementSettings,
    AuthorityLimit,
    Offer,
    Promise,
)
from .rules import BROKEN, KEPT, Limits, OfferTerms, PlanError, check_plan_rate, needs_approval, simulate_plan


class AgreementError(DomainError):
    pass


class NotAllowed(PermissionDenied):
    """The actor may not do this (beyond their authority, or no role that decides)."""


def _user(actor):
    return actor if actor is not None and not isinstance(actor, str) else None


def _money(value, currency: str, field: str) -> int:
    try:
        amount = value if isinstance(value, Decimal) else Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise AgreementError(f"{field}: not a number: {value!r}")
    try:
        return check_minor(to_minor(amount, currency), currency)  # docs/amounts.md: at most MAX_MINOR
    except (ValueError, InvalidOperation) as exc:
        raise AgreementError(f"{field}: {exc}")


def agreement_settings(portfolio: Portfolio) -> AgreementSettings:
    """The portfolio's settings, or the defaults (unsaved) when none were set."""
    found = AgreementSettings.objects.filter(portfolio=portfolio).first()
    return found if found is not None else AgreementSettings(portfolio=portfolio)


def _today(portfolio: Portfolio, today: date | None, now: datetime | None) -> date:
    return today or portfolio.today(now)


# ---------------------------------------------------------------------------------------------------------------
# Promises
# ---------------------------------------------------------------------------------------------------------------
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
        raise AgreementError("debtor: belongs to another portfolio")
    if source not in Promise.Source.values:
        raise AgreementError(f"source: must be one of {', '.join(Promise.Source.values)}")
    minor = _money(amount, portfolio.currency, "amount")
    if minor <= 0:
        raise AgreementError("amount: must be positive")
    if due_date < today:
        raise AgreementError(f"due_date: {due_date} is in the past")
    obligations = list(obligations or [])
    if any(o.debtor_id != debtor.pk for o in obligations):
        raise AgreementError("obligations: one belongs to another debtor")
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
        grace_days=conf.promise_grace_days, hold=hold, offer=offer, notes=notes[:500], created_by=_user(actor),
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
    if promise.status != Promise.Status.PENDING:
        raise AgreementError("only a pending promise can be cancelled")
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


# ---------------------------------------------------------------------------------------------------------------
# Agreements
# ---------------------------------------------------------------------------------------------------------------
def legal_cap(country: str, day: date) -> tuple[Decimal | None, str]:
    """(usury rate E.A. in force on the day, its source) where the country has a rate table; (None, "") else."""
    if not has_rate_table(country):
        return None, ""
    try:
        period = RateTable(rate_periods(country, day, day)).at(day)
    except MissingRate as exc:
        raise AgreementError(f"rate: no legal rate for {country} in {exc.month}; load it in the admin")
    return period.usury_rate, f"{country} usury rate {period.month} {period.source}".strip()


def _open_obligations(debtor: Debtor, obligations) -> list[Obligation]:
    ids = [o.pk if isinstance(o, Obligation) else int(o) for o in obligations]
    if not ids:
        raise AgreementError("obligations: choose at least one")
    found = list(Obligation.objects.filter(pk__in=ids).order_by("due_date", "number"))
    if len(found) != len(set(ids)):
        raise AgreementError("obligations: not found")
    for o in found:
        if o.debtor_id != debtor.pk:
            raise AgreementError(f"obligations: {o.number} belongs to another debtor")
        if o.balance_minor <= 0:
            raise AgreementError(f"obligations: {o.number} has no balance")
        if o.disputed:
            raise AgreementError(f"obligations: {o.number} is disputed")
    busy = AgreementObligation.objects.filter(
        obligation__in=found, agreement__status__in=[Agreement.Status.ACCEPTED]).values_list(
        "obligation__number", flat=True).first()
    if busy:
        raise AgreementError(f"obligations: {busy} is already in an accepted agreement")
    return found


@transaction.atomic
def agreement_create(*, portfolio: Portfolio, debtor: Debtor, obligations, installments: int, first_due: date,
                     frequency: str = "monthly", rate=0, rate_kind: str = "none", down_payment=0,
                     due_day: int | None = None, breach_installments: int | None = None,
                     breach_days: int | None = None, breach_clause: str | None = None, language: str | None = None,
                     actor=None, today: date | None = None, now: datetime | None = None) -> Agreement:
    """A draft agreement financing the balance of the obligations (less the down payment) in installments.

    The rate must be within the legal cap in force on the day it is made (Colombia: the usury rate)."""
    now = now or timezone.now()
    today = _today(portfolio, today, now)
    if debtor.portfolio_id != portfolio.pk:
        raise AgreementError("debtor: belongs to another portfolio")
    found = _open_obligations(debtor, obligations)
    if first_due < today:
        raise AgreementError(f"first_due: {first_due} is before today ({today})")
    conf = agreement_settings(portfolio)
    clause = breach_clause or conf.breach_clause
    if clause not in AgreementSettings.Clause.values:
        raise AgreementError("breach_clause: revert or accelerate")
    rate = Decimal(str(rate or 0))
    cap, cap_source = legal_cap(portfolio.country, today)
    try:
        rate_ea = check_plan_rate(rate, rate_kind, cap, cap_source)
    except RateAboveCap as exc:
        raise AgreementError(f"rate: {exc}")
    except PlanError as exc:
        raise AgreementError(str(exc))
    debt = sum(o.balance_minor for o in found)
    currency = portfolio.currency
    try:
        schedule = simulate_plan(amount=from_minor(debt, currency), installments=int(installments), rate=rate,
                                 rate_kind=rate_kind, start=first_due, frequency=frequency,
                                 down_payment=Decimal(str(down_payment or 0)), currency=currency, due_day=due_day)
    except PlanError as exc:
        raise AgreementError(str(exc))
    down = to_minor(Decimal(str(down_payment or 0)), currency)
    # each installment becomes an obligation on acceptance: at most MAX_MINOR, like any amount (docs/amounts.md)
    for number, minor in [(0, down), *((i.number, to_minor(i.installment, currency)) for i in schedule)]:
        if minor > MAX_MINOR:
            what = "down_payment" if number == 0 else f"installment {number}"
            raise AgreementError(f"{what}: too large: at most {limit_text(currency)}; use more installments")
    agreement = Agreement.objects.create(
        portfolio=portfolio, debtor=debtor, status=Agreement.Status.DRAFT, currency=currency, debt_minor=debt,
        down_payment_minor=down, financed_minor=debt - down,
        interest_minor=sum(to_minor(i.interest, currency) for i in schedule), installments=len(schedule),
        frequency=frequency, rate=rate, rate_kind=rate_kind, rate_ea=rate_ea, cap_ea=cap, cap_source=cap_source[:200],
        first_due=first_due, due_day=due_day,
        breach_installments=breach_installments if breach_installments is not None else conf.breach_installments,
        breach_days=breach_days if breach_days is not None else conf.breach_days, breach_clause=clause,
        language=(language or debtor.language or "es")[:2], made_on=today, created_by=_user(actor), created_at=now,
    )
    agreement.number = f"AC-{agreement.pk}"
    agreement.save(update_fields=["number"])
    AgreementObligation.objects.bulk_create(
        AgreementObligation(agreement=agreement, obligation=o, balance_minor=o.balance_minor) for o in found)
    rows = []
    if down:
        rows.append(AgreementInstallment(agreement=agreement, number=0, due_date=today, amount_minor=down,
                                         principal_minor=down, balance_after_minor=debt - down))
    for i in schedule:
        rows.append(AgreementInstallment(
            agreement=agreement, number=i.number, due_date=i.due_date, amount_minor=to_minor(i.installment, currency),
            interest_minor=to_minor(i.interest, currency), principal_minor=to_minor(i.principal, currency),
            balance_after_minor=to_minor(i.balance, currency)))
    AgreementInstallment.objects.bulk_create(rows)
    audit_record(event_type="agreement.created", subject=agreement, actor=actor, debtor=debtor, changes={
        "number": agreement.number, "obligations": [o.number for o in found], "debt": from_minor(debt, currency),
        "down_payment": from_minor(down, currency), "installments": len(schedule), "frequency": frequency,
        "rate": rate, "rate_kind": rate_kind, "first_due": first_due, "breach_clause": clause})
    return agreement


@transaction.atomic
def agreement_offer(*, agreement: Agreement, actor=None, now: datetime | None = None) -> Agreement:
    if agreement.status != Agreement.Status.DRAFT:
        raise AgreementError("only a draft can be offered")
    agreement.status, agreement.offered_at = Agreement.Status.OFFERED, now or timezone.now()
    agreement.save(update_fields=["status", "offered_at"])
    audit_record(event_type="agreement.offered", subject=agreement, actor=actor, debtor=agreement.debtor)
    return agreement


@transaction.atomic
def agreement_cancel(*, agreement: Agreement, actor=None, reason: str = "", now: datetime | None = None) -> Agreement:
    if agreement.status not in (Agreement.Status.DRAFT, Agreement.Status.OFFERED):
        raise AgreementError("only a draft or offered agreement can be cancelled")
    agreement.status, agreement.end_reason = Agreement.Status.CANCELLED, reason[:300]
    agreement.ended_on = agreement.portfolio.today(now)
    agreement.save(update_fields=["status", "end_reason", "ended_on"])
    audit_record(event_type="agreement.cancelled", subject=agreement, actor=actor, debtor=agreement.debtor,
                 changes={"reason": reason})
    return agreement


def _check_evidence(channel: str, evidence_file, evidence_text: str, checkbox: bool) -> None:
    if channel not in Acceptance.Channel.values:
        raise AgreementError(f"channel: one of {', '.join(Acceptance.Channel.values)}")
    if channel == Acceptance.Channel.SIGNED_UPLOAD and not evidence_file:
        raise AgreementError("evidence_file: upload the signed document")
    if channel == Acceptance.Channel.EMAIL_REPLY and not (evidence_text or "").strip():
        raise AgreementError("evidence_text: paste the debtor's email reply")
    if channel == Acceptance.Channel.PORTAL_CHECKBOX and not checkbox:
        raise AgreementError("checkbox: the debtor must tick the acceptance box")
    if channel == Acceptance.Channel.IN_PERSON and not (evidence_text or "").strip():
        raise AgreementError("evidence_text: note how and when the debtor accepted")


@transaction.atomic
def agreement_accept(*, agreement: Agreement, channel: str, actor=None, evidence_file=None, evidence_text: str = "",
                     checkbox: bool = False, today: date | None = None, now: datetime | None = None,
                     approved_offer: Offer | None = None) -> Agreement:
    """Accept: record the evidence, settle the original obligations into the plan (adjustment entries to 0; they
    show "in agreement"), make each installment an obligation for its principal, and hold the debtor's ordinary
    collection (Hold "agreement"). A user accepts only a plan within their role's authority (installments, term,
    interest); beyond it, the plan goes through a settlement offer a supervisor approves (`approved_offer`)."""
    now = now or timezone.now()
    agreement = Agreement.objects.select_for_update().get(pk=agreement.pk)
    portfolio = agreement.portfolio
    today = _today(portfolio, today, now)
    if agreement.status not in (Agreement.Status.DRAFT, Agreement.Status.OFFERED):
        raise AgreementError(f"agreement {agreement.number} is {agreement.status}; it cannot be accepted")
    _check_evidence(channel, evidence_file, evidence_text, checkbox)
    if approved_offer is None and _user(actor) is not None:
        beyond, reasons = needs_approval(_plan_terms(agreement, today),
                                         limits_for(portfolio, role_in(actor, portfolio)))
        if beyond:
            raise NotAllowed("this plan is beyond your authority (" + "; ".join(reasons)
                             + "); make it a settlement offer for a supervisor's approval")
    included = list(agreement.included.select_related("obligation"))
    obligation_ids = [i.obligation_id for i in included]
    current = dict(Obligation.objects.filter(pk__in=obligation_ids).values_list("pk", "balance_minor"))
    changed = [i.obligation.number for i in included if current[i.obligation_id] != i.balance_minor]
    if changed:
        raise AgreementError(f"balances changed since the agreement was made ({', '.join(changed)}); make it again")
    currency = agreement.currency
    memo = f"Settled into payment agreement {agreement.number}"
    balances = component_balances(obligation_ids)
    for inc in included:
        entries = []
        for component in (Component.FEE, Component.INTEREST, Component.PRINCIPAL):
            owed = balances.get(inc.obligation_id, {}).get(component, 0)
            if owed > 0:
                entries.append(entry_post(obligation=inc.obligation, kind=EntryKind.ADJUSTMENT,
                                          amount=-from_minor(owed, currency), component=component, value_date=today,
                                          memo=memo, actor=actor))
        inc.settlement_entries.set(entries)
    Obligation.objects.filter(pk__in=obligation_ids, balance_minor=0).update(status=Obligation.Status.IN_AGREEMENT)
    for inst in agreement.schedule.all():
        obligation = obligation_create(
            portfolio=portfolio, debtor=agreement.debtor, number=f"{agreement.number}-{inst.number:02d}",
            amount=from_minor(inst.principal_minor, currency), issue_date=min(today, inst.due_date),
            due_date=inst.due_date, kind="installment",
            description=f"Acuerdo de pago {agreement.number}, {_installment_label(agreement, inst.number)}",
            actor=actor)
        inst.obligation = obligation
        inst.save(update_fields=["obligation"])
    last_due = max(agreement.schedule.values_list("due_date", flat=True))
    hold = hold_create(debtor=agreement.debtor, reason="agreement",
                       until=last_due + timedelta(days=agreement.breach_days),
                       notes=f"payment agreement {agreement.number}", actor=actor)
    Acceptance.objects.create(agreement=agreement, channel=channel, at=now, evidence_file=evidence_file or "",
                              evidence_text=evidence_text or "", checkbox=bool(checkbox), actor=_user(actor),
                              actor_label=actor_label_for(actor))
    agreement.status, agreement.accepted_on, agreement.hold = Agreement.Status.ACCEPTED, today, hold
    agreement.save(update_fields=["status", "accepted_on", "hold"])
    # Interest is charged as each installment falls due (installment_interest_post), never ahead: after acceptance
    # the debtor owes the plan's principal. An installment already due today is charged now.
    installment_interest_post(agreement=agreement, through=today, actor=actor)
    audit_record(event_type="agreement.accepted", subject=agreement, actor=actor, debtor=agreement.debtor, changes={
        "channel": channel, "settled": {i.obligation.number: from_minor(i.balance_minor, currency) for i in included},
        "installments": agreement.schedule.count(), "total": from_minor(agreement.total_minor, currency)})
    return agreement


def _installment_label(agreement: Agreement, number: int) -> str:
    return "cuota inicial" if number == 0 else f"cuota {number}/{agreement.installments}"


def _plan_terms(agreement: Agreement, today: date) -> OfferTerms:
    last_due = max(agreement.schedule.values_list("due_date", flat=True))
    return OfferTerms(installments=agreement.installments, term_months=rules.months_between(today, last_due),
                      interest_bearing=agreement.rate > 0)


def installment_interest_post(*, through: date, portfolio: Portfolio | None = None, debtor: Debtor | None = None,
                              agreement: Agreement | None = None, actor=None) -> int:
    """Charge the interest of every installment of an accepted agreement that has fallen due by `through` (due date
    on or before it) and is not charged yet: one interest entry per installment, value date its due date, linked to
    the installment so it is charged exactly once (the rows are locked first; a second run finds them linked).
    The daily cycle calls it for the portfolio, payment_receive for the debtor up to the payment date (so a payment
    on the due date pays the whole installment, interest first). Each installment is its own transaction (inside
    the caller's, if any). Returns how many were charged."""
    installments = AgreementInstallment.objects.filter(
        agreement__status=Agreement.Status.ACCEPTED, interest_minor__gt=0, interest_entry__isnull=True,
        obligation__isnull=False, due_date__lte=through)
    if portfolio is not None:
        installments = installments.filter(agreement__portfolio=portfolio)
    if debtor is not None:
        installments = installments.filter(agreement__debtor=debtor)
    if agreement is not None:
        installments = installments.filter(agreement=agreement)
    charged = 0
    for pk, debtor_id in list(installments.order_by("due_date", "pk").values_list("pk", "agreement__debtor_id")):
        with transaction.atomic():
            # The debtor's row first, then the installment's: payment_receive holds the debtor's lock when it calls
            # this, so both take the locks in the same order (no deadlock), and one of two runs charges it.
            Debtor.objects.select_for_update().filter(pk=debtor_id).first()
            inst = (AgreementInstallment.objects.select_for_update(of=("self",))
                    .select_related("agreement", "obligation")
                    .filter(pk=pk, interest_entry__isnull=True, agreement__status=Agreement.Status.ACCEPTED).first())
            if inst is None:
                continue
            a = inst.agreement
            entry = entry_post(obligation=inst.obligation, kind=EntryKind.INTEREST,
                               amount=from_minor(inst.interest_minor, a.currency), value_date=inst.due_date,
                               memo=f"{a.number} interés de la {_installment_label(a, inst.number)}",
                               actor=actor if actor is not None else f"cycle {through.isoformat()}")
            inst.interest_entry = entry
            inst.save(update_fields=["interest_entry"])
            charged += 1
    return charged


def _post_split(obligations: list[Obligation], total_minor: int, kind: str, memo: str, value_date: date, actor,
                order=(Component.FEE, Component.INTEREST, Component.PRINCIPAL)) -> list[Entry]:
    """Post `total_minor` as credit entries of `kind` over the obligations in order (oldest first), each component
    in `order`, never beyond what is owed. Returns the entries."""
    entries = []
    left = total_minor
    balances = component_balances([o.pk for o in obligations])
    for obligation in obligations:
        for component in order:
            if left <= 0:
                return entries
            take = min(left, balances.get(obligation.pk, {}).get(component, 0))
            if take > 0:
                entries.append(entry_post(obligation=obligation, kind=kind, component=component, memo=memo,
                                          amount=-from_minor(take, obligation.currency), value_date=value_date,
                                          actor=actor))
                left -= take
    return entries


@transaction.atomic
def agreement_break(*, agreement: Agreement, today: date, actor=None, reason: str = "",
                    now: datetime | None = None) -> Agreement:
    """Break an accepted agreement and apply its clause (see the module docstring)."""
    now = now or timezone.now()
    agreement = Agreement.objects.select_for_update().get(pk=agreement.pk)
    if agreement.status != Agreement.Status.ACCEPTED:
        raise AgreementError(f"agreement {agreement.number} is {agreement.status}, not accepted")
    currency = agreement.currency
    installment_interest_post(agreement=agreement, through=today, actor=actor)  # what fell due is owed in full
    schedule = list(agreement.schedule.select_related("obligation").order_by("number"))
    balances = component_balances([i.obligation_id for i in schedule])
    unpaid = [i for i in schedule if i.obligation.balance_minor > 0]
    changes: dict = {"clause": agreement.breach_clause, "reason": reason}
    if agreement.breach_clause == AgreementSettings.Clause.REVERT:
        for inc in agreement.included.select_related("obligation"):
            for entry in inc.settlement_entries.all():
                entry_reverse(entry=entry, value_date=today, actor=actor,
                              reason=f"Agreement {agreement.number} broken: original debt reinstated")
        # Paid under the plan: the payments on its installments (less reversals). Not "amount - balance": an
        # installment not yet due owes no interest yet, so its balance is below its amount without any payment.
        paid = -(Entry.objects.filter(obligation_id__in=[i.obligation_id for i in schedule], payment__isnull=False)
                 .aggregate(s=Sum("amount_minor"))["s"] or 0)
        originals = [inc.obligation for inc in agreement.included.select_related("obligation")
                     .order_by("obligation__due_date", "obligation__number")]
        for o in originals:
            o.refresh_from_db()
        credited = _post_split(originals, paid, EntryKind.ADJUSTMENT,
                               f"Paid under agreement {agreement.number} (broken)", today, actor)
        for inst in unpaid:
            for component, owed in balances.get(inst.obligation_id, {}).items():
                if owed > 0:
                    entry_post(obligation=inst.obligation, kind=EntryKind.WRITE_OFF, component=component,
                               amount=-from_minor(owed, currency), value_date=today, actor=actor,
                               memo=f"Installment cancelled: agreement {agreement.number} broken, debt reverted")
        changes.update({"paid_under_plan": from_minor(paid, currency),
                        "credited": from_minor(-sum(e.amount_minor for e in credited), currency),
                        "cancelled_installments": [i.obligation.number for i in unpaid]})
    else:
        moved = {Component.PRINCIPAL: 0, Component.INTEREST: 0, Component.FEE: 0}
        for inst in unpaid:
            owed = dict(balances.get(inst.obligation_id, {}))
            if inst.due_date > today and owed.get(Component.INTEREST, 0) > 0:
                entry_post(obligation=inst.obligation, kind=EntryKind.DISCOUNT, component=Component.INTEREST,
                           amount=-from_minor(owed[Component.INTEREST], currency), value_date=today, actor=actor,
                           memo=f"Unearned interest cancelled: agreement {agreement.number} accelerated")
                owed[Component.INTEREST] = 0
            for component, value in owed.items():
                if value > 0:
                    entry_post(obligation=inst.obligation, kind=EntryKind.ADJUSTMENT, component=component,
                               amount=-from_minor(value, currency), value_date=today, actor=actor,
                               memo=f"Moved to {agreement.number}-A: agreement accelerated")
                    moved[component] += value
        if moved[Component.PRINCIPAL] > 0:
            accelerated = obligation_create(
                portfolio=agreement.portfolio, debtor=agreement.debtor, number=f"{agreement.number}-A",
                amount=from_minor(moved[Component.PRINCIPAL], currency), issue_date=today, due_date=today,
                kind="installment", description=f"Acuerdo de pago {agreement.number}: saldo acelerado", actor=actor)
            for kind, component in ((EntryKind.INTEREST, Component.INTEREST), (EntryKind.FEE, Component.FEE)):
                if moved[component] > 0:
                    entry_post(obligation=accelerated, kind=kind, amount=from_minor(moved[component], currency),
                               value_date=today, actor=actor, memo=f"{agreement.number} accelerated")
            agreement.accelerated_obligation = accelerated
        changes.update({"accelerated": from_minor(sum(moved.values()), currency),
                        "obligation": f"{agreement.number}-A" if moved[Component.PRINCIPAL] else None})
    if agreement.hold_id and agreement.hold.released_at is None:
        hold_release(hold=agreement.hold, actor=actor, now=now)
    agreement.status, agreement.ended_on, agreement.end_reason = Agreement.Status.BROKEN, today, reason[:300]
    agreement.save(update_fields=["status", "ended_on", "end_reason", "accelerated_obligation"])
    audit_record(event_type="agreement.broken", subject=agreement, actor=actor, debtor=agreement.debtor,
                 changes=changes)
    return agreement


@transaction.atomic
def agreements_check_breach(*, portfolio: Portfolio, today: date, now: datetime | None = None) -> dict:
    """Daily: break accepted agreements with N installments overdue more than D days (each its own N and D) and
    complete those whose installments are all paid. Reads are set-based; each break then writes its entries."""
    now = now or timezone.now()
    overdue: dict[int, list[date]] = defaultdict(list)
    for agreement_id, due in AgreementInstallment.objects.filter(
            agreement__portfolio=portfolio, agreement__status=Agreement.Status.ACCEPTED,
            obligation__balance_minor__gt=0, due_date__lt=today).values_list("agreement_id", "due_date"):
        overdue[agreement_id].append(due)
    broken = [a for a in Agreement.objects.filter(pk__in=list(overdue))
              if rules.agreement_breached(overdue[a.pk], today, a.breach_installments, a.breach_days)]
    for agreement in broken:
        agreement_break(agreement=agreement, today=today, actor=f"cycle {today.isoformat()}", now=now,
                        reason=f"{agreement.breach_installments} installments overdue more than "
                               f"{agreement.breach_days} days")
    unpaid = AgreementInstallment.objects.filter(agreement=OuterRef("pk"), obligation__balance_minor__gt=0)
    completed = list(Agreement.objects.filter(portfolio=portfolio, status=Agreement.Status.ACCEPTED)
                     .exclude(Exists(unpaid)).select_related("hold", "debtor"))
    for agreement in completed:
        agreement.status, agreement.ended_on = Agreement.Status.COMPLETED, today
        agreement.save(update_fields=["status", "ended_on"])
        Obligation.objects.filter(pk__in=agreement.included.values("obligation_id"), balance_minor=0,
                                  status=Obligation.Status.IN_AGREEMENT).update(status=Obligation.Status.PAID)
        if agreement.hold_id and agreement.hold.released_at is None:
            hold_release(hold=agreement.hold, actor=f"cycle {today.isoformat()}", now=now)
        audit_record(event_type="agreement.completed", subject=agreement, actor=f"cycle {today.isoformat()}",
                     debtor=agreement.debtor, changes={"installments": agreement.installments})
    return {"broken": len(broken), "completed": len(completed)}


def agreements_daily(*, portfolio: Portfolio, today: date, now: datetime | None = None) -> dict:
    """What the daily cycle calls before planning steps: the interest of installments falling due, promises, then
    agreement breaches/completions."""
    charged = installment_interest_post(portfolio=portfolio, through=today, actor=f"cycle {today.isoformat()}")
    result = promises_evaluate(portfolio=portfolio, today=today, now=now)
    result["installment_interest"] = charged
    result.update(agreements_check_breach(portfolio=portfolio, today=today, now=now))
    return result


# ---------------------------------------------------------------------------------------------------------------
# Settlement offers
# ---------------------------------------------------------------------------------------------------------------
def limits_for(portfolio: Portfolio, role: str | None) -> Limits | None:
    """The role's AuthorityLimit row in the portfolio, or the safe default (rules.DEFAULT_LIMITS)."""
    if role is None:
        return None
    row = AuthorityLimit.objects.filter(portfolio=portfolio, role=role).first()
    if row is None:
        return rules.DEFAULT_LIMITS.get(role)
    return Limits(row.max_discount_pct, row.max_installments, row.max_term_months, row.interest_plans)


@transaction.atomic
def authority_limits_ensure(*, portfolio: Portfolio, limits: dict[str, Limits], actor=None) -> list[str]:
    """Configure the authority matrix of a portfolio where a role has no row yet (rows already there are kept).
    Returns the roles configured now."""
    created = []
    for role, lim in limits.items():
        if role not in Role.values:
            raise AgreementError(f"role: {role!r} is not one of {', '.join(Role.values)}")
        row, made = AuthorityLimit.objects.get_or_create(portfolio=portfolio, role=role, defaults={
            "max_discount_pct": lim.max_discount_pct, "max_installments": lim.max_installments,
            "max_term_months": lim.max_term_months, "interest_plans": lim.interest_plans})
        if made:
            created.append(role)
            audit_record(event_type="authority_limit.created", subject=row, actor=actor, portfolio=portfolio,
                         changes={"role": role, "max_discount_pct": lim.max_discount_pct,
                                  "max_installments": lim.max_installments, "max_term_months": lim.max_term_months,
                                  "interest_plans": lim.interest_plans})
    return created


def _date(value, field: str) -> date:
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except (TypeError, ValueError):
        raise AgreementError(f"{field}: not a date: {value!r}")


def _int(value, field: str, default: int | None = None) -> int:
    if value in (None, ""):
        if default is None:
            raise AgreementError(f"{field}: required")
        return default
    try:
        return int(value)
    except (TypeError, ValueError):
        raise AgreementError(f"{field}: not a whole number: {value!r}")


def _pct(value, field: str) -> Decimal:
    try:
        pct = Decimal(str(value if value not in (None, "") else 0))
    except InvalidOperation:
        raise AgreementError(f"{field}: not a number: {value!r}")
    if not 0 <= pct <= 100:
        raise AgreementError(f"{field}: must be between 0 and 100")
    return pct


PLAN_KINDS = (Offer.Kind.TERM_EXTENSION, Offer.Kind.RESTRUCTURING, Offer.Kind.CONSOLIDATION)


def offer_evaluate(*, portfolio: Portfolio, kind: str, obligations: list[Obligation], params: dict,
                   today: date) -> tuple[dict, int, int, OfferTerms]:
    """(clean params, debt, forgiven, terms) of an offer; AgreementError on bad parameters."""
    if kind not in Offer.Kind.values:
        raise AgreementError(f"kind: one of {', '.join(Offer.Kind.values)}")
    currency = portfolio.currency
    debt = sum(o.balance_minor for o in obligations)
    clean: dict = {}
    forgiven, installments, term = 0, 0, 0
    quantum = Decimal(10) ** -precision(currency)
    if kind in (Offer.Kind.LUMP_SUM_DISCOUNT, Offer.Kind.RESTRUCTURING):
        pct = _pct(params.get("discount_pct"), "discount_pct")
        clean["discount_pct"] = str(pct)
        forgiven = to_minor((from_minor(debt, currency) * pct / 100).quantize(quantum, rounding=ROUND_HALF_UP),
                            currency)
    if kind == Offer.Kind.LUMP_SUM_DISCOUNT:
        pay_by = _date(params.get("pay_by"), "pay_by")
        if pay_by < today:
            raise AgreementError("pay_by: in the past")
        clean["pay_by"] = pay_by.isoformat()
        term = rules.months_between(today, pay_by)
    elif kind == Offer.Kind.INTEREST_FEE_WAIVER:
        waive_interest = bool(params.get("waive_interest", True))
        waive_fees = bool(params.get("waive_fees", True))
        clean.update(waive_interest=waive_interest, waive_fees=waive_fees)
        balances = component_balances([o.pk for o in obligations])
        forgiven = sum((b.get(Component.INTEREST, 0) if waive_interest else 0)
                       + (b.get(Component.FEE, 0) if waive_fees else 0) for b in balances.values())
        if forgiven <= 0:
            raise AgreementError("nothing to waive: no interest or fees owed on these obligations")
    elif kind in PLAN_KINDS:
        if kind == Offer.Kind.TERM_EXTENSION:
            months = _int(params.get("months"), "months")
            if months < 1:
                raise AgreementError("months: at least 1")
            start = min(o.due_date for o in obligations)
            first_due = max(today, rules.due_dates(start, months + 1)[-1])
            clean.update(months=months, installments=1, frequency="monthly", first_due=first_due.isoformat(),
                         rate="0", rate_kind="none", down_payment="0")
        else:
            if kind == Offer.Kind.CONSOLIDATION and len(obligations) < 2:
                raise AgreementError("obligations: a consolidation joins at least two")
            clean.update(
                installments=_int(params.get("installments"), "installments", 1),
                frequency=params.get("frequency") or "monthly",
                first_due=_date(params.get("first_due") or today, "first_due").isoformat(),
                rate=str(params.get("rate") or "0"), rate_kind=params.get("rate_kind") or "none",
                down_payment=str(params.get("down_payment") or "0"),
            )
        try:
            schedule = simulate_plan(amount=from_minor(debt - forgiven, currency), installments=clean["installments"],
                                     rate=clean["rate"], rate_kind=clean["rate_kind"],
                                     start=date.fromisoformat(clean["first_due"]), frequency=clean["frequency"],
                                     down_payment=Decimal(clean["down_payment"]), currency=currency)
        except PlanError as exc:
            raise AgreementError(str(exc))
        installments = len(schedule)
        term = rules.months_between(today, schedule[-1].due_date)
        if kind == Offer.Kind.TERM_EXTENSION:
            term = clean["months"]
    booking = params.get("booking") or "discount"
    if booking not in ("discount", "write_off"):
        raise AgreementError("booking: discount or write_off")
    clean["booking"] = booking
    if forgiven >= debt:
        raise AgreementError("the offer forgives the whole debt; use a write-off instead")
    terms = OfferTerms(discount_pct=rules.discount_percent(forgiven, debt), installments=installments,
                       term_months=term, interest_bearing=_interest_bearing(kind, clean), forgives=forgiven > 0)
    return clean, debt, forgiven, terms


def _interest_bearing(kind: str, params: dict) -> bool:
    if kind not in PLAN_KINDS:
        return False
    try:
        return Decimal(str(params.get("rate") or 0)) > 0
    except InvalidOperation:
        return True


def _terms_of(offer: Offer) -> OfferTerms:
    return OfferTerms(discount_pct=offer.discount_pct, installments=offer.installments, term_months=offer.term_months,
                      interest_bearing=_interest_bearing(offer.kind, offer.params), forgives=offer.forgiven_minor > 0)


ROLE_RANK = {Role.VIEWER: 0, Role.AGENT: 1, Role.SUPERVISOR: 2, Role.ADMIN: 3}


def _lapsed(offer: Offer) -> bool:
    """An accepted lump-sum offer whose discount can no longer be earned and was never (or no longer is) booked:
    not earned, its promise cancelled or broken, no live entry. It forgave nothing."""
    return (offer.kind == Offer.Kind.LUMP_SUM_DISCOUNT and offer.status == Offer.Status.ACCEPTED
            and offer.earned_by_id is None
            and not offer.promises.filter(status__in=[Promise.Status.PENDING, Promise.Status.KEPT]).exists()
            and not offer.entries.filter(reversed_by__isnull=True).exists())


def open_lump_sum_offer(debtor: Debtor) -> Offer | None:
    """The debtor's accepted lump-sum offer still waiting for its payment (not earned, its promise pending)."""
    return (Offer.objects.filter(debtor=debtor, kind=Offer.Kind.LUMP_SUM_DISCOUNT, status=Offer.Status.ACCEPTED,
                                 earned_by__isnull=True, promises__status=Promise.Status.PENDING)
            .order_by("-pk").first())


def granted_without_approval(debtor: Debtor, role: str | None, *, today: date, now: datetime) -> int:
    """What offers granted to the debtor without a supervisor's decision (auto-approved for a role no higher than
    `role`) in the last rules.AUTHORITY_PERIOD_DAYS forgave or may still forgive: approved offers not expired and
    accepted ones, less lump-sum offers that lapsed unpaid (they forgave nothing)."""
    rank = ROLE_RANK.get(role, 0)
    roles = [r for r, k in ROLE_RANK.items() if k <= rank]
    candidates = Offer.objects.filter(
        debtor=debtor, forgiven_minor__gt=0, decided_at__isnull=True, requested_role__in=roles,
        status__in=[Offer.Status.APPROVED, Offer.Status.ACCEPTED],
        created_at__gte=now - timedelta(days=rules.AUTHORITY_PERIOD_DAYS))
    total = 0
    for offer in candidates:
        if offer.status == Offer.Status.APPROVED and offer.expires_on and offer.expires_on < today:
            continue
        if _lapsed(offer):
            continue
        total += offer.forgiven_minor
    return total


def _offer_build(*, portfolio, debtor, kind, obligations, params, actor, role, today, now, counter_of=None,
                 expires_on=None, reason="") -> Offer:
    if debtor.portfolio_id != portfolio.pk:
        raise AgreementError("debtor: belongs to another portfolio")
    # One offer at a time per debtor: the row lock serializes concurrent offers, so each sees the others' grants.
    debtor = Debtor.objects.select_for_update().get(pk=debtor.pk)
    if ROLE_RANK.get(role, 0) < ROLE_RANK[Role.SUPERVISOR]:
        open_offer = open_lump_sum_offer(debtor)
        if open_offer is not None:
            raise AgreementError(gettext(
                "The debtor has an open offer (OF-%(offer)s): the lump sum is due by %(date)s. Make a new offer once "
                "it is paid or has lapsed, or cancel its promise first; a supervisor may make one now.") % {
                "offer": open_offer.pk, "date": open_offer.params.get("pay_by", "")})
    found = _open_obligations(debtor, obligations)
    clean, debt, forgiven, terms = offer_evaluate(portfolio=portfolio, kind=kind, obligations=found, params=params,
                                                  today=today)
    if forgiven > 0:
        terms = replace(terms, debt_minor=debt, forgiven_minor=forgiven,
                        prior_forgiven_minor=granted_without_approval(debtor, role, today=today, now=now))
    beyond, reasons = needs_approval(terms, limits_for(portfolio, role))
    offer = Offer.objects.create(
        portfolio=portfolio, debtor=debtor, kind=kind, params=clean, debt_minor=debt, forgiven_minor=forgiven,
        discount_pct=terms.discount_pct, installments=terms.installments, term_months=terms.term_months,
        status=Offer.Status.PENDING if beyond else Offer.Status.APPROVED, approval_reasons=reasons,
        requested_by=_user(actor), requested_role=role or "", counter_of=counter_of, expires_on=expires_on,
        reason=reason[:500], created_at=now,
    )
    offer.obligations.set(found)
    audit_record(event_type="offer.created", subject=offer, actor=actor, debtor=debtor, changes={
        "kind": kind, "params": clean, "debt": from_minor(debt, portfolio.currency),
        "forgiven": from_minor(forgiven, portfolio.currency), "status": offer.status, "role": role,
        "approval_reasons": reasons, "counter_of": counter_of.pk if counter_of else None})
    return offer


@transaction.atomic
def offer_create(*, portfolio: Portfolio, debtor: Debtor, kind: str, obligations, params: dict, actor,
                 expires_on: date | None = None, reason: str = "", today: date | None = None,
                 now: datetime | None = None) -> Offer:
    """An offer: approved at once when within the creator's authority (AuthorityLimit of their role), else pending
    a supervisor's decision with the reasons."""
    now = now or timezone.now()
    today = _today(portfolio, today, now)
    role = role_in(actor, portfolio) if _user(actor) is not None else None
    if role is None or role == Role.VIEWER:
        raise NotAllowed("you may not make offers in this portfolio")
    return _offer_build(portfolio=portfolio, debtor=debtor, kind=kind, obligations=obligations, params=params,
                        actor=actor, role=role, today=today, now=now, expires_on=expires_on, reason=reason)


def can_approve(user, offer: Offer) -> bool:
    """Whether the user's authority covers the offer (supervisors and admins only)."""
    role = role_in(user, offer.portfolio) if getattr(user, "is_authenticated", False) else None
    if role not in (Role.SUPERVISOR, Role.ADMIN):
        return False
    beyond, _ = needs_approval(_terms_of(offer), limits_for(offer.portfolio, role))
    return not beyond


def can_decide(user, portfolio: Portfolio) -> bool:
    return getattr(user, "is_authenticated", False) and role_in(user, portfolio) in (Role.SUPERVISOR, Role.ADMIN)


@transaction.atomic
def offer_decide(*, offer: Offer, decision: str, reason: str, actor, counter_params: dict | None = None,
                 counter_kind: str | None = None, today: date | None = None, now: datetime | None = None) -> Offer:
    """approve | reject | counter a pending offer, with a reason. Only a supervisor or admin decides, and only an
    offer within their own authority may be approved (a counter beyond it waits for someone with more).
    Returns the offer decided (for a counter: the new counter-offer)."""
    now = now or timezone.now()
    offer = Offer.objects.select_for_update().get(pk=offer.pk)
    if decision not in ("approve", "reject", "counter"):
        raise AgreementError("decision: approve, reject or counter")
    if offer.status != Offer.Status.PENDING:
        raise AgreementError(f"offer {offer.pk} is {offer.status}, not pending approval")
    if not can_decide(actor, offer.portfolio):
        raise NotAllowed("only a supervisor or an administrator decides offers")
    reason = (reason or "").strip()
    if decision != "approve" and not reason:
        raise AgreementError("reason: required to reject or counter")
    if decision == "approve" and not can_approve(actor, offer):
        raise NotAllowed("this offer is beyond your authority: " + "; ".join(
            needs_approval(_terms_of(offer), limits_for(offer.portfolio, role_in(actor, offer.portfolio)))[1]))
    offer.decided_by, offer.decided_at, offer.reason = _user(actor), now, reason[:500]
    offer.status = {"approve": Offer.Status.APPROVED, "reject": Offer.Status.REJECTED,
                    "counter": Offer.Status.COUNTERED}[decision]
    offer.save(update_fields=["decided_by", "decided_at", "reason", "status"])
    audit_record(event_type=f"offer.{offer.status}", subject=offer, actor=actor, debtor=offer.debtor,
                 changes={"reason": reason, "requested_by": actor_label_for(offer.requested_by)})
    if decision != "counter":
        return offer
    params = dict(offer.params)
    params.update(counter_params or {})
    return _offer_build(portfolio=offer.portfolio, debtor=offer.debtor, kind=counter_kind or offer.kind,
                        obligations=list(offer.obligations.all()), params=params, actor=actor,
                        role=role_in(actor, offer.portfolio), today=_today(offer.portfolio, today, now), now=now,
                        counter_of=offer, expires_on=offer.expires_on, reason=reason)


def _offer_discount_cancel(offer: Offer, today: date, why: str) -> None:
    """The lump sum was not paid in time: the discount lapses. Normally nothing was booked (the discount is booked
    when the payment that earns it arrives); what an offer accepted before that rule booked is reversed."""
    reversed_ = 0
    for entry in offer.entries.filter(reversed_by__isnull=True):
        entry_reverse(entry=entry, value_date=today, reason=f"Offer OF-{offer.pk} discount cancelled: {why}")
        reversed_ += 1
    audit_record(event_type="offer.discount_cancelled", subject=offer, debtor=offer.debtor,
                 changes={"why": why, "entries_reversed": reversed_})


def _paid_toward(obligation_ids: list[int], start: date, end: date) -> int:
    """What payments (less their reversals) brought to these obligations with value dates in [start, end]."""
    total = Entry.objects.filter(obligation_id__in=obligation_ids, payment__isnull=False, value_date__gte=start,
                                 value_date__lte=end).aggregate(s=Sum("amount_minor"))["s"] or 0
    return -total


def settlement_discounts_apply(*, payment: Payment, actor=None) -> list[Offer]:
    """Book the discount of each accepted lump-sum offer of the payment's debtor that this payment earns: once what
    the payments brought to the offer's obligations inside the promise's window (from the acceptance to the pay-by
    date plus the grace days) reaches the agreed sum (debt less discount), the discount (or write-off, per the
    offer) is booked with the payment's date, never above what is still owed. Once per offer. Runs inside
    payment_receive's transaction (and after an import's payments)."""
    offers = list(Offer.objects.filter(debtor_id=payment.debtor_id, kind=Offer.Kind.LUMP_SUM_DISCOUNT,
                                       status=Offer.Status.ACCEPTED, forgiven_minor__gt=0)
                  .select_related("portfolio", "debtor"))
    earned = []
    for offer in offers:
        if offer.entries.filter(reversed_by__isnull=True).exists():
            continue  # booked already (once per offer)
        promise = offer.promises.filter(status__in=[Promise.Status.PENDING, Promise.Status.KEPT]).first()
        if promise is None:
            continue
        end = promise.due_date + timedelta(days=promise.grace_days)
        if not promise.promised_on <= payment.date <= end:
            continue
        obligations = list(offer.obligations.order_by("due_date", "number"))
        ids = [o.pk for o in obligations]
        if _paid_toward(ids, promise.promised_on, end) < offer.debt_minor - offer.forgiven_minor:
            continue
        owed = sum(Obligation.objects.filter(pk__in=ids).values_list("balance_minor", flat=True))
        amount = min(offer.forgiven_minor, owed)
        memo = f"Offer OF-{offer.pk} ({offer.get_kind_display()})"
        entries = _post_split(obligations, amount, offer.params.get("booking", "discount"), memo, payment.date, actor,
                              order=(Component.INTEREST, Component.FEE, Component.PRINCIPAL)) if amount > 0 else []
        offer.entries.add(*entries)
        offer.earned_by = payment
        offer.save(update_fields=["earned_by"])
        audit_record(event_type="offer.discount_booked", subject=offer, actor=actor, debtor=offer.debtor, changes={
            "payment": payment.pk, "date": payment.date,
            "booked": from_minor(-sum(e.amount_minor for e in entries), offer.portfolio.currency)})
        earned.append(offer)
    return earned


@transaction.atomic
def payment_receive(*, portfolio: Portfolio, debtor: Debtor, amount: Decimal, date: date, source: str = "manual",
                    source_ref: str = "", reference: str = "", method: str = "",
                    obligation: Obligation | None = None, actor=None, audit: bool = True) -> tuple[Payment, bool]:
    """Receive a payment, the way every entry point records one: ledger's payment_record, which first charges the
    interest of the debtor's agreement installments due on or before the payment date (once each, with the debtor
    locked) and then allocates the payment; then the lump-sum settlement discounts it earns are booked. Returns
    (payment, created); a payment already recorded (same source reference) changes nothing."""
    payment, created = payment_record(
        portfolio=portfolio, debtor=debtor, amount=amount, date=date, source=source, source_ref=source_ref,
        reference=reference, method=method, obligation=obligation, actor=actor, audit=audit,
        charge_due=installment_interest_post)
    if created:
        settlement_discounts_apply(payment=payment, actor=actor)
    return payment, created


@transaction.atomic
def payment_receipt_reverse(*, payment: Payment, reason: str, actor=None) -> Payment:
    """Reverse a received payment (ledger's payment_reverse); a settlement discount it earned goes with it."""
    payment = payment_reverse(payment=payment, reason=reason, actor=actor)
    settlement_discounts_revoke(payment=payment, actor=actor)
    return payment


def settlement_discounts_revoke(*, payment: Payment, actor=None) -> list[Offer]:
    """The payment that earned a lump-sum discount was reversed (bounced cheque): unless the other payments still
    reach the agreed sum, the discount's entries are reversed with the payment's date, and a later payment inside
    the window may earn it again. Runs inside payment_receipt_reverse's transaction."""
    revoked = []
    for offer in Offer.objects.filter(earned_by=payment).select_related("portfolio", "debtor"):
        promise = offer.promises.order_by("-pk").first()
        end = promise.due_date + timedelta(days=promise.grace_days) if promise else payment.date
        start = promise.promised_on if promise else payment.date
        ids = list(offer.obligations.values_list("pk", flat=True))
        if _paid_toward(ids, start, end) >= offer.debt_minor - offer.forgiven_minor:
            continue
        for entry in offer.entries.filter(reversed_by__isnull=True):
            entry_reverse(entry=entry, value_date=payment.date, actor=actor,
                          reason=f"Offer OF-{offer.pk} discount cancelled: the payment that earned it was reversed")
        offer.earned_by = None
        offer.save(update_fields=["earned_by"])
        audit_record(event_type="offer.discount_cancelled", subject=offer, actor=actor, debtor=offer.debtor,
                     changes={"why": "payment reversed", "payment": payment.pk})
        revoked.append(offer)
    return revoked


@transaction.atomic
def offer_accept(*, offer: Offer, actor, channel: str = Acceptance.Channel.IN_PERSON, evidence_file=None,
                 evidence_text: str = "", checkbox: bool = False, today: date | None = None,
                 now: datetime | None = None) -> Offer:
    """The debtor accepted an approved offer: book it. Forgiven amounts become discount (or write-off) entries,
    except a lump-sum discount: it records the promise of the rest by its date, and the discount is booked when the
    payment that earns it arrives (settlement_discounts_apply; not paid in time: it lapses);
    term extension, restructuring and consolidation become an accepted agreement (with its obligations)."""
    now = now or timezone.now()
    offer = Offer.objects.select_for_update().get(pk=offer.pk)
    portfolio = offer.portfolio
    today = _today(portfolio, today, now)
    if offer.status != Offer.Status.APPROVED:
        raise AgreementError(f"offer {offer.pk} is {offer.status}; only an approved offer can be accepted")
    if offer.expires_on and offer.expires_on < today:
        offer.status = Offer.Status.EXPIRED
        offer.save(update_fields=["status"])
        audit_record(event_type="offer.expired", subject=offer, actor=actor, debtor=offer.debtor)
        return offer
    if not can_write(actor, portfolio):
        raise NotAllowed("you may not accept offers in this portfolio")
    obligations = list(offer.obligations.order_by("due_date", "number"))
    current = sum(Obligation.objects.filter(pk__in=[o.pk for o in obligations]).values_list("balance_minor", flat=True))
    if current != offer.debt_minor:
        raise AgreementError("balances changed since the offer was made; make a new offer")
    params = offer.params
    booking = params.get("booking", "discount")
    memo = f"Offer OF-{offer.pk} ({offer.get_kind_display()})"
    entries: list[Entry] = []
    if offer.kind == Offer.Kind.INTEREST_FEE_WAIVER:
        order = [c for c, on in ((Component.INTEREST, params.get("waive_interest")),
                                 (Component.FEE, params.get("waive_fees"))) if on]
        entries = _post_split(obligations, offer.forgiven_minor, booking, memo, today, actor, order=order)
    elif offer.forgiven_minor and offer.kind != Offer.Kind.LUMP_SUM_DISCOUNT:
        entries = _post_split(obligations, offer.forgiven_minor, booking, memo, today, actor,
                              order=(Component.INTEREST, Component.FEE, Component.PRINCIPAL))
    # A lump-sum discount is earned by the payment, not by the acceptance: settlement_discounts_apply books it
    # when the payment that completes the agreed sum arrives.
    if offer.kind != Offer.Kind.LUMP_SUM_DISCOUNT and sum(-e.amount_minor for e in entries) != offer.forgiven_minor:
        raise AgreementError("could not book the whole forgiven amount")
    offer.entries.set(entries)
    if offer.kind == Offer.Kind.LUMP_SUM_DISCOUNT:
        promise_record(portfolio=portfolio, debtor=offer.debtor,
                       amount=from_minor(offer.debt_minor - offer.forgiven_minor, portfolio.currency),
                       due_date=date.fromisoformat(params["pay_by"]), channel=channel, source="agent", actor=actor,
                       obligations=obligations, now=now, offer=offer, notes=memo)
    elif offer.kind in PLAN_KINDS:
        agreement = agreement_create(
            portfolio=portfolio, debtor=offer.debtor, obligations=obligations, installments=params["installments"],
            first_due=max(today, date.fromisoformat(params["first_due"])), frequency=params["frequency"],
            rate=Decimal(params["rate"]), rate_kind=params["rate_kind"], down_payment=Decimal(params["down_payment"]),
            actor=actor, today=today, now=now)
        offer.agreement = agreement_accept(agreement=agreement, channel=channel, actor=actor, today=today, now=now,
                                           evidence_file=evidence_file, evidence_text=evidence_text or memo,
                                           checkbox=checkbox, approved_offer=offer)
    offer.status, offer.accepted_at = Offer.Status.ACCEPTED, now
    offer.save(update_fields=["status", "accepted_at", "agreement"])
    audit_record(event_type="offer.accepted", subject=offer, actor=actor, debtor=offer.debtor, changes={
        "kind": offer.kind, "forgiven": from_minor(offer.forgiven_minor, portfolio.currency), "booking": booking,
        "agreement": offer.agreement.number if offer.agreement_id else None})
    return offer


def can_write(user, portfolio: Portfolio) -> bool:

    return _user(user) is not None and can(user, portfolio, "write")


__all__ = [
    "AgreementError", "NotAllowed", "agreement_accept", "authority_limits_ensure", "installment_interest_post",
    "settlement_discounts_apply", "settlement_discounts_revoke", "agreement_break", "agreement_cancel",
    "agreement_create", "agreement_offer", "agreements_check_breach", "agreements_daily", "can_approve",
    "can_decide", "granted_without_approval", "legal_cap", "limits_for", "offer_accept", "offer_create",
    "offer_decide", "open_lump_sum_offer", "promise_cancel",
    "promise_record", "promises_evaluate",
]
