"""Settlement offers: evaluate the terms, create (approved at once within the creator's authority, else pending a
supervisor), decide (approve, reject, counter), accept (book it), and the lump-sum discount a payment earns or
loses.

Ledger effects: forgiven amounts are *discount* (or *write_off*, per the offer) entries via entry_post, on
acceptance; a lump-sum discount only when the payment that earns it arrives (settlement_discounts_apply).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext

from recaudo.accounts.models import Role
from recaudo.accounts.selectors import role_in
from recaudo.audit.services import actor_label_for, audit_record, portal_debtor_id
from recaudo.core.money import from_minor, precision, to_minor
from recaudo.ledger.models import Component, Entry, Payment
from recaudo.ledger.services import component_balances, entry_reverse
from recaudo.portfolio.models import Debtor, Obligation, Portfolio

from .. import rules
from ..models import Acceptance, Offer, Promise
from ..rules import OfferTerms, PlanError, needs_approval, simulate_plan
from ..wording import approval_reason_text
from .common import (
    AgreementError,
    NotAllowed,
    acting_user,
    credits_post,
    field_label,
    included_obligations,
    not_a,
    plan_problem,
    today_for,
)
from .permissions import (
    PLAN_KINDS,
    ROLE_RANK,
    can_approve,
    can_decide,
    can_write,
    interest_bearing,
    limits_for,
    offer_terms,
)
from .plans import agreement_accept, agreement_create
from .promises import promise_record


def _date(value, field: str) -> date:
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except (TypeError, ValueError):
        raise not_a("date", field, value)


def _int(value, field: str, default: int | None = None) -> int:
    if value in (None, ""):
        if default is None:
            raise AgreementError(gettext("%(field)s: required") % {"field": field_label(field)})
        return default
    try:
        return int(value)
    except (TypeError, ValueError):
        raise not_a("whole", field, value)


def _pct(value, field: str) -> Decimal:
    try:
        pct = Decimal(str(value if value not in (None, "") else 0))
    except InvalidOperation:
        raise not_a("number", field, value)
    if not 0 <= pct <= 100:
        raise AgreementError(gettext("%(field)s: must be between 0 and 100") % {"field": field_label(field)})
    return pct


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
            raise AgreementError(gettext("pay_by: in the past"))
        if pay_by > today + timedelta(days=rules.OFFER_MAX_DAYS):
            raise AgreementError(gettext("pay_by: at the latest %(latest)s (a year ahead)")
                                 % {"latest": date_format(today + timedelta(days=rules.OFFER_MAX_DAYS),
                                                          "SHORT_DATE_FORMAT")}, field="pay_by")
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
            raise AgreementError(gettext("nothing to waive: no interest or fees owed on these obligations"))
    elif kind in PLAN_KINDS:
        if kind == Offer.Kind.TERM_EXTENSION:
            months = _int(params.get("months"), "months")
            if months < 1:
                raise AgreementError(gettext("months: at least 1"))
            start = min(o.due_date for o in obligations)
            first_due = max(today, rules.due_dates(start, months + 1)[-1])
            clean.update(months=months, installments=1, frequency="monthly", first_due=first_due.isoformat(),
                         rate="0", rate_kind="none", down_payment="0")
        else:
            if kind == Offer.Kind.CONSOLIDATION and len(obligations) < 2:
                raise AgreementError(gettext("obligations: a consolidation joins at least two"))
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
            raise plan_problem(exc) from None
        installments = len(schedule)
        term = rules.months_between(today, schedule[-1].due_date)
        if kind == Offer.Kind.TERM_EXTENSION:
            term = clean["months"]
    booking = params.get("booking") or "discount"
    if booking not in ("discount", "write_off"):
        raise AgreementError(gettext("booking: discount or write_off"))
    clean["booking"] = booking
    if forgiven >= debt:
        raise AgreementError(gettext("the offer forgives the whole debt; use a write-off instead"))
    terms = OfferTerms(discount_pct=rules.discount_percent(forgiven, debt), installments=installments,
                       term_months=term, interest_bearing=interest_bearing(kind, clean), forgives=forgiven > 0)
    return clean, debt, forgiven, terms


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
        raise AgreementError(gettext("debtor: belongs to another portfolio"))
    if counter_of is None and expires_on is not None and not (
            today <= expires_on <= today + timedelta(days=rules.OFFER_MAX_DAYS)):  # a counter keeps its offer's
        raise AgreementError(gettext("valid until: from today to %(latest)s (a year ahead)")
                             % {"latest": date_format(today + timedelta(days=rules.OFFER_MAX_DAYS),
                                                      "SHORT_DATE_FORMAT")}, field="expires_on")
    # One offer at a time per debtor: the row lock serializes concurrent offers, so each sees the others' grants.
    debtor = Debtor.objects.select_for_update().get(pk=debtor.pk)
    if ROLE_RANK.get(role, 0) < ROLE_RANK[Role.SUPERVISOR]:
        open_offer = open_lump_sum_offer(debtor)
        if open_offer is not None:
            raise AgreementError(gettext(
                "The debtor has an open offer (OF-%(offer)s): the lump sum is due by %(date)s. Make a new offer once "
                "it is paid or has lapsed, or cancel its promise first; a supervisor may make one now.") % {
                "offer": open_offer.pk, "date": open_offer.params.get("pay_by", "")})
    found = included_obligations(debtor, obligations)
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
        requested_by=acting_user(actor), requested_role=role or "", counter_of=counter_of, expires_on=expires_on,
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
    today = today_for(portfolio, today, now)
    role = role_in(actor, portfolio) if acting_user(actor) is not None else None
    if role is None or role == Role.VIEWER:
        raise NotAllowed(gettext("you may not make offers in this portfolio"))
    return _offer_build(portfolio=portfolio, debtor=debtor, kind=kind, obligations=obligations, params=params,
                        actor=actor, role=role, today=today, now=now, expires_on=expires_on, reason=reason)


@transaction.atomic
def offer_decide(*, offer: Offer, decision: str, reason: str, actor, counter_params: dict | None = None,
                 counter_kind: str | None = None, today: date | None = None, now: datetime | None = None) -> Offer:
    """approve | reject | counter a pending offer, with a reason. Only a supervisor or admin decides, and only an
    offer within their own authority may be approved (a counter beyond it waits for someone with more).
    Returns the offer decided (for a counter: the new counter-offer)."""
    now = now or timezone.now()
    offer = Offer.objects.select_for_update().get(pk=offer.pk)
    if decision not in ("approve", "reject", "counter"):
        raise AgreementError(gettext("decision: approve, reject or counter"))
    if not rules.offer_may(offer.status, "decide"):
        raise AgreementError(gettext("offer %(offer)s is %(status)s, not pending approval")
                             % {"offer": offer.pk, "status": offer.get_status_display().lower()})
    if not can_decide(actor, offer.portfolio):
        raise NotAllowed(gettext("only a supervisor or an administrator decides offers"))
    reason = (reason or "").strip()
    if decision != "approve" and not reason:
        raise AgreementError(gettext("reason: required to reject or counter"))
    if decision == "approve" and not can_approve(actor, offer):
        reasons = needs_approval(offer_terms(offer), limits_for(offer.portfolio, role_in(actor, offer.portfolio)))[1]
        raise NotAllowed(gettext("this offer is beyond your authority: %(reasons)s")
                         % {"reasons": "; ".join(approval_reason_text(r) for r in reasons)})
    offer.decided_by, offer.decided_at, offer.reason = acting_user(actor), now, reason[:500]
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
                        role=role_in(actor, offer.portfolio), today=today_for(offer.portfolio, today, now), now=now,
                        counter_of=offer, expires_on=offer.expires_on, reason=reason)


def is_self_proposal(offer: Offer) -> bool:
    """A plan the debtor proposed in the portal (requested_role "debtor") or a supervisor's counter-offer to one:
    the debtor may accept it alone once approved (selfservice.self_offer_accept)."""
    return offer.requested_role == "debtor" or (offer.counter_of_id is not None
                                               and offer.counter_of.requested_role == "debtor")


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
    today = today_for(portfolio, today, now)
    if not rules.offer_may(offer.status, "accept"):
        raise AgreementError(gettext("offer %(offer)s is %(status)s; only an approved offer can be accepted")
                             % {"offer": offer.pk, "status": offer.get_status_display().lower()})
    if offer.expires_on and offer.expires_on < today:
        offer.status = Offer.Status.EXPIRED
        offer.save(update_fields=["status"])
        audit_record(event_type="offer.expired", subject=offer, actor=actor, debtor=offer.debtor)
        return offer
    # a debtor accepts in the portal the approved proposal they made themselves (selfservice.self_offer_accept)
    own_proposal = is_self_proposal(offer) and portal_debtor_id(actor) == offer.debtor_id
    if not own_proposal and not can_write(actor, portfolio):
        raise NotAllowed(gettext("you may not accept offers in this portfolio"))
    obligations = list(offer.obligations.order_by("due_date", "number"))
    current = sum(Obligation.objects.filter(pk__in=[o.pk for o in obligations]).values_list("balance_minor", flat=True))
    if current != offer.debt_minor:
        raise AgreementError(gettext("balances changed since the offer was made; make a new offer"))
    params = offer.params
    booking = params.get("booking", "discount")
    memo = f"Offer OF-{offer.pk} ({offer.get_kind_display()})"
    entries: list[Entry] = []
    if offer.kind == Offer.Kind.INTEREST_FEE_WAIVER:
        order = [c for c, on in ((Component.INTEREST, params.get("waive_interest")),
                                 (Component.FEE, params.get("waive_fees"))) if on]
        entries = credits_post(obligations, offer.forgiven_minor, booking, memo, today, actor, order=order)
    elif offer.forgiven_minor and offer.kind != Offer.Kind.LUMP_SUM_DISCOUNT:
        entries = credits_post(obligations, offer.forgiven_minor, booking, memo, today, actor,
                              order=(Component.INTEREST, Component.FEE, Component.PRINCIPAL))
    # A lump-sum discount is earned by the payment, not by the acceptance: settlement_discounts_apply books it
    # when the payment that completes the agreed sum arrives.
    if offer.kind != Offer.Kind.LUMP_SUM_DISCOUNT and sum(-e.amount_minor for e in entries) != offer.forgiven_minor:
        raise AgreementError(gettext("could not book the whole forgiven amount"))
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
        entries = credits_post(obligations, amount, offer.params.get("booking", "discount"), memo, payment.date, actor,
                              order=(Component.INTEREST, Component.FEE, Component.PRINCIPAL)) if amount > 0 else []
        offer.entries.add(*entries)
        offer.earned_by = payment
        offer.save(update_fields=["earned_by"])
        audit_record(event_type="offer.discount_booked", subject=offer, actor=actor, debtor=offer.debtor, changes={
            "payment": payment.pk, "date": payment.date,
            "booked": from_minor(-sum(e.amount_minor for e in entries), offer.portfolio.currency)})
        earned.append(offer)
    return earned


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
