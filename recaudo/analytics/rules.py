"""Collection KPIs (pure): each a function of plain numbers, with its formula here, in docs/analytics.md and in
the page's tooltip. No database, no clock. Amounts are integers in minor units (or any consistent unit); results
are `Decimal` rounded half-up to two places (days or percent), or None when the denominator is zero ("no
definido": a KPI of nothing is not 0).

Sources and worked examples: Oracle JD Edwards (DSO), creditguru (best possible DSO, average days delinquent),
gaviti (CEI), OCC Comptroller's Handbook, retail lending (roll rates). The tests hold each worked example.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

TWO = Decimal("0.01")


def _q(value: Decimal) -> Decimal:
    return value.quantize(TWO, rounding=ROUND_HALF_UP)


def ratio(numerator: int | Decimal, denominator: int | Decimal, *, scale: int = 1) -> Decimal | None:
    """numerator / denominator x scale, two places; None when the denominator is 0."""
    if not denominator:
        return None
    return _q(Decimal(numerator) * scale / Decimal(denominator))


def percent(numerator: int | Decimal, denominator: int | Decimal) -> Decimal | None:
    return ratio(numerator, denominator, scale=100)


# --- days sales outstanding -------------------------------------------------------------------------------------

def dso_standard(*, receivables: int, credit_sales: int, days: int) -> Decimal | None:
    """DSO = ending receivables / credit sales of the period x days of the period.
    10,869 x 90 / (5,538 + 4,566 + 7,570) = 55.35 days."""
    return ratio(Decimal(receivables) * days, credit_sales)


@dataclass(frozen=True)
class MonthSales:
    credit_sales: int
    days: int


def dso_countback(*, receivables: int, months_newest_first: Sequence[MonthSales]) -> Decimal | None:
    """Countback DSO: take the ending receivables; subtract each month's credit sales newest first, adding that
    month's days, until what remains is less than a month's sales; then add remainder / that month's sales x its
    days. Receivables 212,000; sales 100,000, 80,000, 70,000 in 30-day months -> 30 + 30 + 32,000/70,000 x 30 =
    73.71 days. Receivables older than every month given count those months whole (the answer is then a floor)."""
    if receivables <= 0:
        return Decimal("0.00") if months_newest_first else None
    remaining = Decimal(receivables)
    total = Decimal(0)
    for month in months_newest_first:
        if month.credit_sales <= 0:
            total += month.days
            continue
        if remaining >= month.credit_sales:
            remaining -= month.credit_sales
            total += month.days
            if remaining == 0:
                break
        else:
            total += remaining / Decimal(month.credit_sales) * month.days
            remaining = Decimal(0)
            break
    if not months_newest_first:
        return None
    return _q(total)


def best_possible_dso(*, current_receivables: int, credit_sales: int, days: int) -> Decimal | None:
    """Best possible DSO = current (not yet due) receivables / credit sales x days.
    Current 4,000, sales 10,000 over 30 days -> 12 days."""
    return ratio(Decimal(current_receivables) * days, credit_sales)


def average_days_delinquent(*, receivables: int, current_receivables: int, credit_sales: int,
                            days: int) -> Decimal | None:
    """Average days delinquent = DSO - best possible DSO. Receivables 15,000, current 4,000, sales 10,000 over 30
    days -> 45 - 12 = 33 days."""
    dso = dso_standard(receivables=receivables, credit_sales=credit_sales, days=days)
    best = best_possible_dso(current_receivables=current_receivables, credit_sales=credit_sales, days=days)
    if dso is None or best is None:
        return None
    return _q(dso - best)


# --- effectiveness ----------------------------------------------------------------------------------------------

def cei(*, opening_receivables: int, credit_sales: int, ending_receivables: int,
        ending_current_receivables: int) -> Decimal | None:
    """Collection effectiveness index, with credit sales = the PERIOD TOTAL (not a monthly average; sources
    differ, the page says which):
    (opening + credit sales - ending total) / (opening + credit sales - ending current) x 100.
    (100,000 + 1,000,000 - 120,000) / (100,000 + 1,000,000 - 100,000) = 98.00 %."""
    collectible = opening_receivables + credit_sales - ending_current_receivables
    return percent(opening_receivables + credit_sales - ending_receivables, collectible)


def recovery_rate(*, collected: int, placed: int) -> Decimal | None:
    """Liquidation (recovery) rate = amount collected / amount placed in collection. 15,000 / 100,000 = 15 %."""
    return percent(collected, placed)


def cure_rate(*, delinquent_at_start: Iterable[Hashable], current_at_end: Iterable[Hashable]) -> Decimal | None:
    """Cure rate = accounts delinquent at the window's start that are current at its end / delinquent at start."""
    start = set(delinquent_at_start)
    cured = start & set(current_at_end)
    return percent(len(cured), len(start))


def promise_kept_rate(*, kept: int, fell_due: int) -> Decimal | None:
    """Promise-kept rate = promises kept / promises that fell due in the period."""
    return percent(kept, fell_due)


def right_party_contact_rate(*, right_party_contacts: int, attempts: int) -> Decimal | None:
    """Right-party-contact rate = right-party contacts / contact attempts."""
    return percent(right_party_contacts, attempts)


def contact_to_promise_rate(*, promises: int, right_party_contacts: int) -> Decimal | None:
    """Contact-to-promise conversion = promises made / right-party contacts."""
    return percent(promises, right_party_contacts)


def agreement_compliance_rate(*, installments_paid_on_time: int, installments_due: int) -> Decimal | None:
    """Agreement compliance = installments paid by their due date (plus grace) / installments that fell due."""
    return percent(installments_paid_on_time, installments_due)


def average(values: Iterable[int | Decimal]) -> Decimal | None:
    items = [Decimal(v) for v in values]
    return _q(sum(items) / len(items)) if items else None


# --- roll rates -------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Move:
    """One account (or `count` accounts that moved alike) between two month ends: its bucket then, its bucket now
    ("paid" when it closed), and its balance then (the weight of balance roll rates)."""
    before: str
    after: str
    balance_before: int
    count: int = 1  # a group of accounts that moved alike: their balances summed


@dataclass(frozen=True)
class RollMatrix:
    buckets: tuple[str, ...]  # rows, in order
    columns: tuple[str, ...]  # columns: the buckets, then any state seen only after ("paid")
    by_balance: dict[tuple[str, str], Decimal | None]
    by_count: dict[tuple[str, str], Decimal | None]
    base_balance: dict[str, int]
    base_count: dict[str, int]


def roll_rates(moves: Iterable[Move], *, buckets: Sequence[str]) -> RollMatrix:
    """Roll rate from bucket A to bucket B = balance (or count) in A at month t-1 that is in B at month t /
    balance (count) in A at t-1, for every pair; a row sums to 100 % (up to rounding) when every account of A is
    accounted for (closed accounts as "paid")."""
    bal: dict[tuple[str, str], int] = defaultdict(int)
    cnt: dict[tuple[str, str], int] = defaultdict(int)
    base_bal: dict[str, int] = defaultdict(int)
    base_cnt: dict[str, int] = defaultdict(int)
    extra: list[str] = []
    for m in moves:
        bal[(m.before, m.after)] += m.balance_before
        cnt[(m.before, m.after)] += m.count
        base_bal[m.before] += m.balance_before
        base_cnt[m.before] += m.count
        if m.after not in buckets and m.after not in extra:
            extra.append(m.after)
    columns = tuple(buckets) + tuple(sorted(extra))
    by_balance = {(a, b): percent(bal[(a, b)], base_bal[a]) for a in buckets for b in columns}
    by_count = {(a, b): percent(cnt[(a, b)], base_cnt[a]) for a in buckets for b in columns}
    return RollMatrix(tuple(buckets), columns, by_balance, by_count,
                      {a: base_bal[a] for a in buckets}, {a: base_cnt[a] for a in buckets})


# --- channels and templates -------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Sent:
    debtor: Hashable
    channel: str
    template: str
    on: date


@dataclass(frozen=True)
class Effect:
    channel: str
    template: str
    messages: int
    followed_by_payment: int
    rate: Decimal | None


def message_effectiveness(sent: Iterable[Sent], payment_dates: dict[Hashable, Sequence[date]], *,
                          within_days: int) -> list[Effect]:
    """Channel and template effectiveness: a message counts as effective when its debtor paid something within
    `within_days` days after it was sent (the day itself included). Rate = effective / messages, per (channel,
    template), ordered by channel then template."""
    messages: dict[tuple[str, str], int] = defaultdict(int)
    effective: dict[tuple[str, str], int] = defaultdict(int)
    for s in sent:
        key = (s.channel, s.template)
        messages[key] += 1
        if any(0 <= (p - s.on).days <= within_days for p in payment_dates.get(s.debtor, ())):
            effective[key] += 1
    return [Effect(ch, tpl, messages[(ch, tpl)], effective[(ch, tpl)], percent(effective[(ch, tpl)],
                                                                                 messages[(ch, tpl)]))
            for ch, tpl in sorted(messages)]


# --- cash forecast ----------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Expected:
    on: date
    amount: int
    kind: str  # "promise" or "installment"


def cash_forecast(expected: Iterable[Expected], *, kept_rate: dict[str, Decimal | None], start: date,
                  end: date) -> dict[date, tuple[int, int]]:
    """Expected cash per day from open promises and agreement installments due in [start, end]: (amount due,
    amount weighted by the kind's historical kept rate, in percent; no history -> weighted as 100 %). Weighted
    amounts round half-up to the minor unit."""
    out: dict[date, list[int]] = {}
    for e in expected:
        if not (start <= e.on <= end):
            continue
        rate = kept_rate.get(e.kind)
        weighted = e.amount if rate is None else int((Decimal(e.amount) * rate / 100).quantize(
            Decimal(1), rounding=ROUND_HALF_UP))
        row = out.setdefault(e.on, [0, 0])
        row[0] += e.amount
        row[1] += weighted
    return {d: (v[0], v[1]) for d, v in sorted(out.items())}


# --- satisfaction -----------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Satisfaction:
    responses: int
    average: Decimal | None
    satisfied_percent: Decimal | None  # share of 4 and 5 (CSAT)
    distribution: dict[int, int]


def satisfaction(scores: Iterable[int]) -> Satisfaction:
    """Satisfaction from the portal's 1-5 ratings: the average, the share of 4s and 5s (CSAT), the count of each."""
    dist = {k: 0 for k in range(1, 6)}
    for s in scores:
        if s in dist:
            dist[s] += 1
    return satisfaction_of_counts(dist)


def satisfaction_of_counts(counts: dict[int, int]) -> Satisfaction:
    """satisfaction() from the count of each score 1-5 (what a grouped query gives)."""
    dist = {k: int(counts.get(k, 0)) for k in range(1, 6)}
    n = sum(dist.values())
    total = sum(k * v for k, v in dist.items())
    return Satisfaction(n, ratio(total, n), percent(dist[4] + dist[5], n), dist)


# --- agents against targets ---------------------------------------------------------------------------------------

def attainment(*, collected: int, target: int) -> Decimal | None:
    """An agent's (or the team's) collections against target, in percent."""
    return percent(collected, target)


# --- scheduled summaries ------------------------------------------------------------------------------------------

REPORT_HOUR = 7  # a summary goes out at 07:00 in the portfolio's zone


def report_next_due(frequency: str, after: date) -> date:
    """The next day a summary is due strictly after `after`: weekly on Mondays, monthly on the 1st.
    After Wednesday 2 Dec 2026: weekly Monday 7 Dec, monthly Friday 1 Jan 2027."""
    if frequency == "weekly":
        return after + timedelta(days=7 - after.weekday())
    if frequency == "monthly":
        return date(after.year + (after.month == 12), after.month % 12 + 1, 1)
    raise ValueError(f"unknown frequency {frequency!r}")


def report_period(frequency: str, due: date) -> tuple[date, date]:
    """The period a summary sent on `due` covers: the week (Monday-Sunday) or the month before it.
    Weekly due Monday 7 Dec 2026 -> 30 Nov to 6 Dec; monthly due 1 Jan 2027 -> 1 Dec to 31 Dec 2026."""
    end = due - timedelta(days=1)
    if frequency == "weekly":
        return end - timedelta(days=6), end
    return end.replace(day=1), end


# --- champion and challenger ----------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Interval:
    difference: Decimal  # percentage points, challenger - champion
    low: Decimal
    high: Decimal

    @property
    def conclusive(self) -> bool:
        """The 95 % interval leaves out 0: one arm did better, on this evidence."""
        return self.low > 0 or self.high < 0


def proportion_difference_ci(*, successes_a: int, n_a: int, successes_b: int, n_b: int) -> Interval | None:
    """95 % confidence interval (Wald, z = 1.96) of the difference of two proportions, a - b, in percentage points.
    30 of 100 against 20 of 100: 10.00 points, from -1.92 to 21.92 (not conclusive); None when an arm is empty."""
    if n_a <= 0 or n_b <= 0:
        return None
    pa, pb = successes_a / n_a, successes_b / n_b
    se = (pa * (1 - pa) / n_a + pb * (1 - pb) / n_b) ** 0.5
    diff = pa - pb
    return Interval(_q(Decimal(diff * 100)), _q(Decimal((diff - 1.96 * se) * 100)),
                    _q(Decimal((diff + 1.96 * se) * 100)))
