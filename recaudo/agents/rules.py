"""Pure rules of the agent workspace: contact-window end, callback slots, payment attribution and commissions.
No database, no clock."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.utils.translation import gettext as _

from recaudo.compliance.rules import WEEKDAYS, Decision, RuleSet
from recaudo.compliance.wording import fmt_local
from recaudo.core.errors import DomainError

SCRIPT_PLACEHOLDERS = ("debtor_name", "balance", "overdue", "days_past_due", "oldest_invoice", "agent_name",
                       "creditor")
SLOT_MINUTES = 30


# ---------------------------------------------------------------------------------------------------------------
# The agent's queue: overdue debtors first; a not-yet-due debtor only when a strategy step asked for a call.
# ---------------------------------------------------------------------------------------------------------------
def is_overdue(oldest_due_date: date | None, today: date) -> bool:
    """Overdue on the portfolio's date: the oldest open obligation fell due before today (due today is not late)."""
    return oldest_due_date is not None and oldest_due_date < today


def queue_includes(*, overdue: bool, task_due: bool) -> bool:
    """An overdue debtor is always workable; a not-yet-due one only for preventive work: an open call task that is
    due (a strategy step before the due date created it, or the agent set a callback)."""
    return overdue or task_due


def queue_key(*, overdue: bool, task_due: bool, score: int, balance_minor: int, pk: int) -> tuple:
    """Sort key of the queue, best first: overdue before not yet due; within each, a due call task first, then the
    cycle's priority score, then the balance, then the id (stable).

    Worked example (today 2026-03-10): A overdue since 03-01, score 40, no task; B not yet due (03-20) with the
    strategy's preventive call due, score 90; C overdue, score 10, callback due; D not yet due, no task.
    Order: C (overdue, task due), A (overdue, score 40), B (preventive); D is left out."""
    return (not overdue, not task_due, -score, -balance_minor, pk)


def overdue_minor(obligations: Iterable[tuple[date, int]], today: date) -> int:
    """The overdue amount on the portfolio's date: the balances of the open obligations (due date, balance) that fell
    due before today. Example: (03-01, 500000), (03-10, 300000), (04-01, 700000) on 03-10 -> 500000."""
    return sum(balance for due, balance in obligations if due < today and balance > 0)


def month_start(day: date) -> date:
    return day.replace(day=1)


def month_bounds(day: date) -> tuple[date, date]:
    """The first day of `day`'s month and of the next one: 2026-12-17 -> (2026-12-01, 2027-01-01)."""
    first = month_start(day)
    return first, (first + timedelta(days=32)).replace(day=1)


def progress_percent(done: int, target: int) -> int | None:
    """Whole percent of a target reached (None without a target); 7 of 20 -> 35; over the target counts over."""
    if not target:
        return None
    return int(Decimal(done * 100) / Decimal(target))


def window_for(rules: RuleSet, country: str, channel: str, day: date) -> tuple[time, time] | None:
    """The local contact window (start, end) of `day` for the channel from the country's hours rule; None when the
    country has no hours rule for the channel or no window that weekday (holidays are not looked at here)."""
    for rule in rules.for_country(country):
        if rule.kind != "hours" or not rule.in_force(day):
            continue
        if channel not in rule.channels and not rule.params.get("all_channels_setting"):
            continue
        hours = rule.params["hours"].get(WEEKDAYS[day.weekday()])
        if not hours:
            return None
        start, end = (time(*(int(x) for x in hhmm.split(":"))) for hhmm in hours)
        return start, end
    return None


def day_slots(day: date, window: tuple[time, time] | None, step_minutes: int = SLOT_MINUTES) -> list[time]:
    """Candidate callback times of a day: every `step_minutes` from the window's start, before its end (a day without
    a known window: 07:00 to 21:00, each still checked against the rules by the caller)."""
    start, end = window or (time(7), time(21))
    slots, t = [], datetime.combine(day, start)
    stop = datetime.combine(day, end)
    while t < stop:
        slots.append(t.time())
        t += timedelta(minutes=step_minutes)
    return slots


@dataclass(frozen=True)
class PaymentFact:
    payment_id: int
    debtor_id: int
    day: date
    amount_minor: int


@dataclass(frozen=True)
class ContactFact:
    agent_id: int
    debtor_id: int
    day: date
    at: datetime


def attribute_payments(payments: Iterable[PaymentFact], contacts: Sequence[ContactFact],
                       window_days: int) -> dict[int, int]:
    """agent id -> minor units collected: a payment counts for the agent with the latest right-party contact with the
    debtor on or before the payment day and no more than `window_days` days before it; otherwise for nobody."""
    by_debtor: dict[int, list[ContactFact]] = {}
    for c in contacts:
        by_debtor.setdefault(c.debtor_id, []).append(c)
    result: dict[int, int] = {}
    for p in payments:
        eligible = [c for c in by_debtor.get(p.debtor_id, ())
                    if p.day - timedelta(days=window_days) <= c.day <= p.day]
        if not eligible:
            continue
        agent = max(eligible, key=lambda c: c.at).agent_id
        result[agent] = result.get(agent, 0) + p.amount_minor
    return result


def commission_minor(collected_minor: int, percent: Decimal) -> int:
    """percent x collected, rounded half-up to the minor unit."""
    return int((Decimal(collected_minor) * Decimal(percent) / 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def script_context(values: Mapping[str, object]) -> dict:
    """Only the known placeholders, with plain values (the sandbox never sees model objects)."""
    return {k: values.get(k, "") for k in SCRIPT_PLACEHOLDERS}


class WorkspaceError(DomainError):
    """A workspace action that cannot be done; `field` names the form field when there is one."""

    def __init__(self, message: str, field: str | None = None):
        self.field = field
        super().__init__(message)


class CallbackOutsideHours(WorkspaceError):
    def __init__(self, decision: Decision):
        self.decision = decision
        when = decision.next_allowed_at
        super().__init__(
            "callback time outside the allowed contact hours"
            + (f"; next allowed: {when.isoformat()}" if when else "; no allowed time found"), field="callback_at")

    @property
    def message(self) -> str:
        when = fmt_local(self.decision.next_allowed_at, self.decision.tz)
        return _("Outside the allowed hours; next allowed: %(when)s") % {"when": when}
