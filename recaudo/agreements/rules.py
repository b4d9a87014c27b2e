"""Pure rules for payment agreements: installment-plan simulation (French amortization). No database, no clock.

Rates are fractions (Decimal("0.01") is 1 %). The periodic rate of the plan comes from the rate and its kind:

| rate_kind        | monthly plan              | weekly / biweekly plan                 | semimonthly plan      |
|------------------|---------------------------|----------------------------------------|-----------------------|
| none             | 0                         | 0                                      | 0                     |
| monthly          | the rate as given         | E.A. = (1 + r) ** 12 - 1, then below   | (1 + r) ** (1/2) - 1  |
| nominal-annual   | r / 12 (nominal, monthly) | E.A. = (1 + r/12) ** 12 - 1, then below | (1 + r/12) ** 0.5 - 1 |
| effective-annual | (1 + r) ** (1/12) - 1     | (1 + E.A.) ** (d/365) - 1              | (1 + r) ** (1/24) - 1 |

d = 7 days for weekly plans and 14 days for biweekly plans (the days between their due dates), so the rate per
period matches the time that really passes; a "nominal annual" rate is read as nominal annual compounded
monthly (N.A.M.V., the usual quotation in Colombia).

Amortization: installment = F * r / (1 - (1 + r) ** -n), rounded half-up to the currency (F / n without
interest, rounded down, as money.split_evenly does, so 1.000.000 / 3 = 333.333,33 + 333.333,33 + 333.333,34; with
interest it is rounded down too in the rare case half-up would pay the plan off before its last period); each
period's interest = balance * r, rounded half-up; principal = installment - interest. The last installment
takes whatever balance is left, so the principal parts add up exactly to the financed amount (amount - down
payment) and the final balance is exactly 0; the rounding difference lands in the last installment.

Due dates: the first is `start`; monthly plans then fall on `due_day` (default: the day of `start`) of each
following month, clamped to the month's end (31 Jan, 28/29 Feb, 31 Mar); weekly and biweekly plans every 7 / 14
days; semimonthly plans ("quincenal" as Colombia uses the word) on the 15th and the last day of each month after
`start` (start 20 Jan: 20 Jan, 31 Jan, 15 Feb, 28 Feb, ...), half a month's rate each.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal, InvalidOperation, localcontext

from django.utils.translation import gettext as _

from recaudo.core.errors import DomainError
from recaudo.core.money import UnknownCurrency, format_number, precision, quantize
from recaudo.ledger.interest import (
    PRECISION,
    RateAboveCap,
    RateError,
    check_rate_cap,
    ea_to_days,
    ea_to_monthly,
    monthly_to_ea,
    nominal_to_ea,
    nominal_to_periodic,
)

RATE_KINDS = ("none", "monthly", "nominal-annual", "effective-annual")
FREQUENCIES = ("monthly", "semimonthly", "biweekly", "weekly")
FREQUENCY_DAYS = {"weekly": 7, "biweekly": 14}
MAX_INSTALLMENTS = 600

__all__ = [
    "FREQUENCIES", "RATE_KINDS", "Installment", "PlanError", "RateAboveCap", "check_rate_cap", "due_dates",
    "check_plan_rate", "effective_annual_rate", "periodic_rate", "plan_totals", "simulate_plan",
]


class PlanError(DomainError):
    """Bad plan input: `field` names the parameter (the command maps it to its option, a page to its input), the
    message says what is wrong without naming it, in the active language."""

    def __init__(self, field: str, message: str):
        super().__init__(message, field=field)


def _unknown(value, choices) -> str:
    return _("unknown %(value)s; use one of %(choices)s") % {"value": repr(value), "choices": ", ".join(choices)}


def _too_precise(amount, currency: str) -> str:
    return _("%(amount)s has more decimals than %(currency)s allows") % {"amount": amount, "currency": currency}


@dataclass(frozen=True)
class Installment:
    number: int
    due_date: date
    installment: Decimal
    interest: Decimal
    principal: Decimal
    balance: Decimal  # left after this installment


def _decimal(value, field: str) -> Decimal:
    try:
        result = value if isinstance(value, Decimal) else Decimal(str(value))
    except (InvalidOperation, TypeError, ValueError):
        raise PlanError(field, _("not a number: %(value)s") % {"value": repr(value)})
    if not result.is_finite():
        raise PlanError(field, _("not a number: %(value)s") % {"value": repr(value)})
    return result


def _validate_rate(rate, rate_kind: str) -> Decimal:
    if rate_kind not in RATE_KINDS:
        raise PlanError("rate_kind", _unknown(rate_kind, RATE_KINDS))
    rate = Decimal(0) if rate is None else _decimal(rate, "rate")
    if rate < 0:
        raise PlanError("rate", _("must not be negative, got %(rate)s") % {"rate": rate})
    if rate_kind == "none" and rate != 0:
        raise PlanError("rate", _("a plan with rate_kind 'none' has no rate"))
    return rate


def effective_annual_rate(rate, rate_kind: str) -> Decimal:
    """The E.A. equivalent of a quoted rate, to compare with a legal cap."""
    rate = _validate_rate(rate, rate_kind)
    if rate_kind == "none" or rate == 0:
        return Decimal(0)
    if rate_kind == "monthly":
        return monthly_to_ea(rate)
    if rate_kind == "nominal-annual":
        return nominal_to_ea(rate, 12)
    return rate


def periodic_rate(rate, rate_kind: str, frequency: str = "monthly") -> Decimal:
    """The effective rate per installment period (see the table in the module docstring)."""
    rate = _validate_rate(rate, rate_kind)
    if frequency not in FREQUENCIES:
        raise PlanError("frequency", _unknown(frequency, FREQUENCIES))
    if rate_kind == "none" or rate == 0:
        return Decimal(0)
    if frequency == "monthly":
        if rate_kind == "monthly":
            return rate
        if rate_kind == "nominal-annual":
            return nominal_to_periodic(rate, 12)
        return ea_to_monthly(rate)
    if frequency == "semimonthly":  # half a month: the square root of the monthly factor
        monthly = periodic_rate(rate, rate_kind, "monthly")
        with localcontext(prec=PRECISION):
            return (1 + monthly).sqrt() - 1
    return ea_to_days(effective_annual_rate(rate, rate_kind), FREQUENCY_DAYS[frequency])


def _next_fortnight_end(day: date) -> date:
    """The next 15th or last day of a month after `day`."""
    last = calendar.monthrange(day.year, day.month)[1]
    if day.day < 15:
        return day.replace(day=15)
    if day.day < last:
        return day.replace(day=last)
    return date(day.year + 1, 1, 15) if day.month == 12 else date(day.year, day.month + 1, 15)


def _month_day(year: int, month: int, day: int) -> date:
    return date(year, month, min(day, calendar.monthrange(year, month)[1]))


def due_dates(start: date, installments: int, frequency: str = "monthly", due_day: int | None = None) -> list[date]:
    """The installments' due dates; PlanError("first_due") when they would run past the calendar (a first due
    date of 9999-12-01 is a typo, and it made the page fail)."""
    try:
        return _due_dates(start, installments, frequency, due_day)
    except PlanError:
        raise
    except (OverflowError, ValueError):  # date's own limit
        raise PlanError("first_due", _("the installments would fall after the year 9999; check the year")) from None


def _due_dates(start: date, installments: int, frequency: str, due_day: int | None) -> list[date]:
    if frequency not in FREQUENCIES:
        raise PlanError("frequency", _unknown(frequency, FREQUENCIES))
    if frequency != "monthly" and due_day is not None:
        raise PlanError("due_day", _("only monthly plans have a due day"))
    if frequency == "semimonthly":
        dates = [start]
        while len(dates) < installments:
            dates.append(_next_fortnight_end(dates[-1]))
        return dates
    if frequency != "monthly":
        step = timedelta(days=FREQUENCY_DAYS[frequency])
        return [start + step * i for i in range(installments)]
    day = start.day if due_day is None else due_day
    if not 1 <= day <= 31:
        raise PlanError("due_day", _("must be between 1 and 31, got %(day)s") % {"day": day})
    dates = [start]
    for i in range(1, installments):
        month_index = start.month - 1 + i
        dates.append(_month_day(start.year + month_index // 12, month_index % 12 + 1, day))
    return dates


def simulate_plan(
    *,
    amount,
    installments: int,
    rate=None,
    rate_kind: str = "none",
    start: date,
    frequency: str = "monthly",
    down_payment=0,
    currency: str = "COP",
    due_day: int | None = None,
) -> list[Installment]:
    """The schedule of a plan financing `amount - down_payment` in `installments` periods (French amortization)."""
    try:
        precision(currency)
    except UnknownCurrency as exc:
        raise PlanError("currency", str(exc)) from None
    amount = _decimal(amount, "amount")
    down_payment = _decimal(down_payment, "down_payment")
    if amount <= 0:
        raise PlanError("amount", _("must be positive, got %(amount)s") % {"amount": format_number(amount, 2)})
    if quantize(amount, currency) != amount:
        raise PlanError("amount", _too_precise(amount, currency))
    if down_payment < 0 or down_payment >= amount:
        raise PlanError("down_payment", _("must be at least 0 and less than the amount, got %(value)s")
                        % {"value": format_number(down_payment, 2)})  # as the pages write amounts: 1.500.000,00
    if quantize(down_payment, currency) != down_payment:
        raise PlanError("down_payment", _too_precise(down_payment, currency))
    if not isinstance(installments, int) or isinstance(installments, bool) or not 1 <= installments <= MAX_INSTALLMENTS:
        raise PlanError("installments", _("must be a whole number from 1 to %(max)s") % {"max": MAX_INSTALLMENTS})
    r = periodic_rate(rate, rate_kind, frequency)
    dates = due_dates(start, installments, frequency, due_day)
    financed = quantize(amount - down_payment, currency)
    n = installments

    with localcontext(prec=PRECISION):
        exact = financed / n if r == 0 else financed * r / (1 - (1 + r) ** -n)
    # Without interest the installment is rounded down (like money.split_evenly), so the first n - 1 never
    # overshoot; with interest half-up first (the spreadsheet's PMT), down if that would pay off early.
    roundings = (ROUND_DOWN,) if r == 0 else (ROUND_HALF_UP, ROUND_DOWN)
    for rounding in roundings:
        payment = exact.quantize(Decimal(1).scaleb(-precision(currency)), rounding=rounding)
        if payment <= 0:
            break
        schedule = _amortize(financed, payment, r, dates, currency)
        if schedule is not None:
            return schedule
    raise PlanError("installments", _("%(amount)s %(currency)s is too small to split in %(n)s")
                    % {"amount": financed, "currency": currency, "n": n})


def _amortize(financed: Decimal, payment: Decimal, r: Decimal, dates: list[date], currency: str):
    """The schedule paying `payment` each period, the last taking the balance; None if it pays off early."""
    schedule: list[Installment] = []
    balance = financed
    n = len(dates)
    for number, due in enumerate(dates, start=1):
        with localcontext(prec=PRECISION):
            interest = quantize(balance * r, currency)
        if number == n:
            principal = balance
        else:
            principal = payment - interest
            if principal < 0 or principal >= balance:
                return None
        balance = balance - principal
        schedule.append(Installment(number, due, principal + interest, interest, principal, balance))
    return schedule


def plan_totals(schedule: list[Installment]) -> dict[str, Decimal]:
    return {
        "total_paid": sum((i.installment for i in schedule), Decimal(0)),
        "total_interest": sum((i.interest for i in schedule), Decimal(0)),
        "total_principal": sum((i.principal for i in schedule), Decimal(0)),
    }


def check_plan_rate(rate, rate_kind: str, cap_ea: Decimal | None, label: str = "") -> Decimal:
    """The plan's E.A. equivalent, raising RateAboveCap when it is above `cap_ea`."""
    ea = effective_annual_rate(rate, rate_kind)
    try:
        return check_rate_cap(ea, cap_ea, label)
    except RateAboveCap:
        raise
    except RateError as exc:
        raise PlanError("rate", str(exc)) from None


# ---------------------------------------------------------------------------------------------------------------
# Promises to pay
# ---------------------------------------------------------------------------------------------------------------
KEPT, BROKEN, PENDING = "kept", "broken", "pending"


def promise_required_minor(amount_minor: int, tolerance_pct) -> int:
    """The least payment that keeps a promise: amount x (100 - tolerance) %, rounded up to the minor unit."""
    tolerance = _decimal(tolerance_pct, "tolerance_pct")
    if not 0 <= tolerance <= 100:
        raise PlanError("tolerance_pct", _("must be between 0 and 100"))
    exact = Decimal(amount_minor) * (100 - tolerance) / 100
    return int(exact.to_integral_value(rounding="ROUND_CEILING"))


def promise_outcome(promise, payments, today: date, tolerance_pct=0, grace_days: int = 0) -> str:
    """kept, broken or pending, from the payments (objects or tuples with a date and an amount in minor units).

    Payments count from the day the promise was made (`promise.promised_on`) to the promised date plus the grace
    days. Kept as soon as they add up to the amount less the tolerance (even before the date); broken once the
    grace period has passed without that; pending otherwise.

    Worked examples (promise of 100.000,00 for 10 March, made on 1 March; tolerance 5 %, grace 2 days):
    - 96.000 paid on 9 March -> kept (95.000 needed);  - 94.000 paid by 12 March, today 13 March -> broken;
    - nothing paid, today 12 March -> pending (last day of grace);  - 100.000 paid on 13 March -> broken on 13 March
      (too late; it still lowers the balance, but the promise was not kept).
    """
    required = promise_required_minor(promise.amount_minor, tolerance_pct)
    last_day = promise.due_date + timedelta(days=grace_days)
    paid = 0
    for payment in payments:
        day, amount = (payment if isinstance(payment, tuple) else (payment.date, payment.amount_minor))
        if promise.promised_on <= day <= min(last_day, today):
            paid += amount
    if paid >= required:
        return KEPT
    if today > last_day:
        return BROKEN
    return PENDING


# ---------------------------------------------------------------------------------------------------------------
# Agreement breach
# ---------------------------------------------------------------------------------------------------------------
def agreement_breached(unpaid_due_dates, today: date, installments: int, days: int) -> bool:
    """Broken when at least `installments` unpaid installments are overdue by more than `days` days.

    Example: N = 2, D = 30; installments due 1 Feb and 1 Mar unpaid. On 31 Mar only the first is 58 days overdue,
    the second 30 (not more than 30): not broken. On 1 Apr the second is 31 days overdue: broken."""
    overdue = sum(1 for due in unpaid_due_dates if (today - due).days > days)
    return overdue >= max(1, installments)


# ---------------------------------------------------------------------------------------------------------------
# Settlement offers: the authority matrix
# ---------------------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class OfferTerms:
    discount_pct: Decimal = Decimal(0)  # forgiven / debt x 100
    installments: int = 0
    term_months: int = 0
    interest_bearing: bool = False  # a plan that charges interest
    forgives: bool = False  # forgives any money (even less than 0.01 % of the debt)
    # For the cumulative check (issue 12): this offer's debt and forgiven amount, and what offers already granted to
    # the same debtor in the period forgave (see needs_approval). 0 = no earlier grant: the check is per offer only.
    debt_minor: int = 0
    forgiven_minor: int = 0
    prior_forgiven_minor: int = 0


@dataclass(frozen=True)
class Limits:
    """None = no limit."""

    max_discount_pct: Decimal | None
    max_installments: int | None
    max_term_months: int | None
    interest_plans: bool = True  # may grant a plan that charges interest


# The safe default, used for every role of a portfolio that has no AuthorityLimit row for it: an agent may grant
# an interest-free plan of up to 6 installments over 6 months, but nothing that forgives money (0 %) and no plan
# that charges interest: those wait for a supervisor. Supervisors up to 30 %, 24 installments, 24 months, with
# interest; administrators without limit. Configured rows (the admin; the demo sets some) replace these.
DEFAULT_LIMITS = {
    "admin": Limits(None, None, None, True),
    "supervisor": Limits(Decimal(30), 24, 24, True),
    "agent": Limits(Decimal(0), 6, 6, False),
    "viewer": Limits(Decimal(0), 0, 0, False),
}


# The period over which a role's discount limit is cumulative per debtor (issue 12): the forgiveness of every
# offer granted to the debtor without a supervisor's decision in the last 365 days counts toward the limit, so a
# chain of small offers cannot add up to more than one offer may forgive.
AUTHORITY_PERIOD_DAYS = 365


def cumulative_discount_pct(terms: OfferTerms) -> Decimal:
    """What the debtor would have been forgiven in the period with this offer, as a percentage of this offer's debt:
    (prior_forgiven + forgiven) / debt x 100, rounded half-up to 0.01.

    Measured against the debt of the new offer (not the original debt): forgiveness already granted lowered the
    debt, so a later offer on what is left finds the earlier grants counted against a smaller base, and the total
    forgiven in the period never exceeds the limit of any debt an offer covered."""
    return discount_percent(terms.prior_forgiven_minor + terms.forgiven_minor, terms.debt_minor)


def needs_approval(offer_terms: OfferTerms, limits: Limits | None) -> tuple[bool, list[str]]:
    """(True, reasons) when the terms go beyond the limits; (False, []) within them. No limits: everything is
    beyond (a role without authority).

    The discount limit is cumulative per debtor over AUTHORITY_PERIOD_DAYS: when offers granted without approval
    already forgave `prior_forgiven_minor`, the new offer is beyond the limit if the sum is. Worked example (the
    attack of issue 12): debt 1.520.000,00, agent limit 10 %, eight lump-sum offers of 10 % in a row, nothing paid.
    The first forgives 152.000,00 = 10.00 %: approved at once. The second, with 152.000,00 already granted, brings
    the total to 304.000,00 = 20.00 % of 1.520.000,00: it waits for a supervisor; so does every later one (what a
    supervisor approves is theirs, not counted here). With 100.000,00 already granted, an offer of 3 % (45.600,00)
    makes 145.600,00 = 9.58 %: approved; one of 4 % (60.800,00) makes 160.800,00 = 10.58 %: waits. The cumulative
    comparison is exact (not on the rounded percentage): 152.000,01 of 1.520.000,00 waits."""
    if limits is None:
        return True, ["no authority in this portfolio"]
    reasons = []
    t = offer_terms
    if limits.max_discount_pct is not None and t.discount_pct > limits.max_discount_pct:
        reasons.append(f"discount {t.discount_pct} % above {limits.max_discount_pct} %")
    elif limits.max_discount_pct == 0 and t.forgives:
        reasons.append("forgives part of the debt")
    elif (limits.max_discount_pct is not None and t.forgiven_minor > 0 and t.prior_forgiven_minor > 0
          and (t.prior_forgiven_minor + t.forgiven_minor) * 100 > limits.max_discount_pct * t.debt_minor):
        reasons.append(f"with what was already forgiven to this debtor in {AUTHORITY_PERIOD_DAYS} days the discount "
                       f"is {cumulative_discount_pct(t)} %, above {limits.max_discount_pct} %")
    if t.interest_bearing and not limits.interest_plans:
        reasons.append("a plan that charges interest")
    if limits.max_installments is not None and t.installments > limits.max_installments:
        reasons.append(f"{t.installments} installments above {limits.max_installments}")
    if limits.max_term_months is not None and t.term_months > limits.max_term_months:
        reasons.append(f"term of {t.term_months} months above {limits.max_term_months}")
    return bool(reasons), reasons


def months_between(start: date, end: date) -> int:
    """Whole months from start to end, a started month counting as one (term of a plan): 0 when end <= start."""
    if end <= start:
        return 0
    months = (end.year - start.year) * 12 + end.month - start.month
    if end.day > start.day:
        months += 1
    return max(months, 1)


def discount_percent(forgiven_minor: int, debt_minor: int) -> Decimal:
    if debt_minor <= 0:
        return Decimal(0)
    return (Decimal(forgiven_minor) * 100 / debt_minor).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)



# ---------------------------------------------------------------------------------------------------------------
# What an agreement or an offer may include, which state goes to which, which actions a state offers
# ---------------------------------------------------------------------------------------------------------------
def obligation_problem(*, balance_minor: int, disputed: bool, in_accepted_agreement: bool) -> str | None:
    """Why an obligation may not go into a payment agreement or a settlement offer (None: it may).

    Worked examples: balance 150.000,00, not disputed, in no accepted agreement -> None (eligible); balance 0 (paid,
    or settled into an agreement) -> "has no balance"; disputed -> "is disputed"; still in an accepted agreement ->
    "is already in an accepted agreement" (once that agreement is broken or completed, it may go into another)."""
    if balance_minor <= 0:
        return "has no balance"
    if disputed:
        return "is disputed"
    if in_accepted_agreement:
        return "is already in an accepted agreement"
    return None


def promise_obligation_eligible(*, status: str, balance_minor: int) -> bool:
    """Whether a promise to pay may name the obligation: an open one with a balance (disputed ones too: the debtor
    may promise to pay what they dispute)."""
    return status == "open" and balance_minor > 0


# An agreement's states (Agreement.Status) and where each may go. Draft and offered are proposals (cancelled or
# accepted by a user; a draft is offered first or accepted at once); an accepted agreement ends broken or completed
# (the daily cycle decides both); broken, completed and cancelled are final.
AGREEMENT_TRANSITIONS = {
    "draft": ("offered", "accepted", "cancelled"),
    "offered": ("accepted", "cancelled"),
    "accepted": ("broken", "completed"),
    "broken": (),
    "completed": (),
    "cancelled": (),
}
# action -> the state it leads to
AGREEMENT_ACTIONS = {"offer": "offered", "accept": "accepted", "cancel": "cancelled", "break": "broken",
                     "complete": "completed"}
# what a user does on the agreement's page (break and complete: the daily cycle), in the page's order
AGREEMENT_PAGE_ACTIONS = ("offer", "cancel", "accept")


def agreement_may(status: str, action: str) -> bool:
    """Whether an agreement in `status` may take `action` (AGREEMENT_ACTIONS). Examples: a draft may be offered,
    accepted or cancelled; an offered one accepted or cancelled, not offered again; an accepted one only breaks or
    completes; a broken, completed or cancelled one nothing."""
    return AGREEMENT_ACTIONS[action] in AGREEMENT_TRANSITIONS.get(status, ())


def agreement_actions(status: str, *, can_write: bool) -> list[str]:
    """The actions the agreement's page offers: none to a user who may not write. Examples: draft -> offer, cancel,
    accept; offered -> cancel, accept; accepted, broken, completed, cancelled -> none."""
    if not can_write:
        return []
    return [action for action in AGREEMENT_PAGE_ACTIONS if agreement_may(status, action)]


def agreement_has_acceptance(status: str) -> bool:
    """Whether an agreement in this state may have an acceptance record to show (a draft never has one)."""
    return status != "draft"


# An offer's states (Offer.Status): pending approval -> approved, rejected or countered (a supervisor decides);
# approved -> accepted (the debtor) or expired; the others are final.
OFFER_TRANSITIONS = {
    "pending_approval": ("approved", "rejected", "countered"),
    "approved": ("accepted", "expired"),
    "rejected": (),
    "countered": (),
    "accepted": (),
    "expired": (),
}
OFFER_ACTIONS = {"decide": ("approved", "rejected", "countered"), "accept": ("accepted",)}


def offer_may(status: str, action: str) -> bool:
    """Whether an offer in `status` may take `action`: decide (a pending offer) or accept (an approved one)."""
    return all(target in OFFER_TRANSITIONS.get(status, ()) for target in OFFER_ACTIONS[action])


def offer_actions(status: str, *, can_write: bool, can_decide: bool) -> list[str]:
    """The actions the offer's page offers. Examples: pending approval, to a supervisor -> decide (a link to the
    approvals queue); approved, to a user who may write -> accept; anything else -> none."""
    actions = []
    if can_decide and offer_may(status, "decide"):
        actions.append("decide")
    if can_write and offer_may(status, "accept"):
        actions.append("accept")
    return actions


PROMISE_MAX_DAYS = 366  # a promise further ahead than a year is a payment agreement (and 9999-12-31 a typo)
OFFER_MAX_DAYS = 366  # an offer's lump sum is paid, and the offer lapses, within a year (9999-12-31: 95,677 months)


def promise_problem(*, amount_minor: int, due_date: date, today: date, owed_minor: int):
    """(field, code) of what makes a promise taken by staff impossible, or None: ("due_date", "past" | "too_late"),
    ("amount", "too_large": more than the debtor owes today).

    Worked example: today 2026-03-10, owed 1.000.000,00: 1.000.000,00 by 2027-03-11 is fine; 1.000.000,01 is
    "too_large"; 2026-03-09 "past"; 2027-03-12 "too_late" (367 days ahead)."""
    if due_date < today:
        return "due_date", "past"
    if due_date > today + timedelta(days=PROMISE_MAX_DAYS):
        return "due_date", "too_late"
    if amount_minor > owed_minor:
        return "amount", "too_large"
    return None


def promise_decided(status: str) -> bool:
    """A promise no longer pending (kept, broken or cancelled): what was paid toward it is known."""
    return status != "pending"


def promise_may_cancel(status: str) -> bool:
    """Only a pending promise can be cancelled."""
    return status == "pending"


# ---------------------------------------------------------------------------------------------------------------
# Self-service (the debtor portal, issue 16 section 2): what a debtor may promise or accept alone
# ---------------------------------------------------------------------------------------------------------------
def _pct_of(amount_minor: int, pct) -> int:
    """pct % of an amount in minor units, rounded half-up to the minor unit: 10 % of 123.456.789 -> 12.345.679."""
    return int((Decimal(amount_minor) * Decimal(str(pct)) / 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))


@dataclass(frozen=True)
class SelfPromiseWindow:
    latest: date  # the latest date a debtor may promise
    minimum_minor: int  # the least amount
    maximum_minor: int  # what is owed


def self_promise_window(*, today: date, overdue_minor: int, owed_minor: int, max_days: int, min_pct,
                        min_minor: int) -> SelfPromiseWindow:
    """The dates and amounts a debtor may promise alone: by today + max_days, at least the larger of min_pct % of
    the overdue amount (half-up) and min_minor, never more than what is owed.

    Worked example: today 2026-03-10, overdue 1.234.567,89 (123456789 minor), owed 2.000.000,00, 30 days, 10 %,
    minimum 200.000,00 -> latest 2026-04-09, minimum max(12.345.679, 20.000.000) = 200.000,00. With minimum 0: the
    10 % (123.456,79). Owed only 150.000,00: the minimum is 150.000,00 (all of it)."""
    minimum = max(_pct_of(overdue_minor, min_pct), int(min_minor))
    return SelfPromiseWindow(latest=today + timedelta(days=int(max_days)), minimum_minor=min(minimum, owed_minor),
                             maximum_minor=owed_minor)


def self_promise_problem(*, amount_minor: int, due_date: date, today: date, window: SelfPromiseWindow):
    """(field, code) of the first thing outside the window, or None: ("due_date", "past" | "too_late"),
    ("amount", "too_small" | "too_large" | "nothing_owed")."""
    if window.maximum_minor <= 0:
        return "amount", "nothing_owed"
    if due_date < today:
        return "due_date", "past"
    if due_date > window.latest:
        return "due_date", "too_late"
    if amount_minor < window.minimum_minor:
        return "amount", "too_small"
    if amount_minor > window.maximum_minor:
        return "amount", "too_large"
    return None


def self_service_limits(agent: Limits | None, *, max_installments: int) -> Limits:
    """What a debtor may accept alone: never more than an agent may grant without a supervisor (the authority
    matrix), within the portfolio's self-service maximum; never a discount. No agent authority: nothing.

    Example: agent 0 %/6/6 without interest, self-service 12 -> 0 %/6/6 without interest; self-service 3 ->
    0 %/3/6 without interest."""
    if agent is None:
        return Limits(Decimal(0), 0, 0, False)

    def smaller(a, b):
        return b if a is None else min(a, b)

    return Limits(Decimal(0), smaller(agent.max_installments, int(max_installments)),
                  agent.max_term_months, agent.interest_plans)


def self_down_payment_minor(debt_minor: int, min_down_pct) -> int:
    """The least down payment of a self-service plan: min_down_pct % of the debt, half-up (10 % of 1.000.000,00 =
    100.000,00; of 1.000.000,05 = 100.000,01)."""
    return _pct_of(debt_minor, min_down_pct)
