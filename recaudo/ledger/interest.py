"""Pure interest rules: rate conversions and late-interest liquidation. Decimal only; no database, no clock.

Rates are fractions here (Decimal("0.2523") is 25.23 %); commands and the admin speak percent and convert at the edge.

Conversions (SFC Concepto 2009046566-001: never divide an effective annual rate):
- effective annual (E.A.) -> periodic for a fraction f of a year: (1 + EA) ** f - 1
  (monthly f = 1/12, daily f = 1/365, a period of d days f = d/365);
- nominal annual with m periods a year -> periodic: nominal / m (that is what "nominal" means), and
  -> E.A.: (1 + nominal / m) ** m - 1.
All of it runs in a 28-digit decimal context; fractional powers go through exp/ln.

Late interest (method "daily_compound_ea", the default and the only one for now):
- it accrues per calendar day from the day after the due date through `as_of`, inclusive;
- the E.A. rate of each day is the contract's late rate capped at the legal maximum in force that day
  (Colombia: the usury rate, 1.5 x the certified bank rate); with no agreed rate, the legal maximum;
- daily rate = (1 + EA) ** (1/365) - 1, applied to the principal owed that day only: no capitalization, so the
  interest of a run of days at one rate and one base is base x daily rate x days;
- the base of day D is the principal owed after the payments dated D: a payment dated D first pays the interest
  accrued through D-1 and not yet paid, then principal (Código Civil art. 1653), so it lowers the base from D on;
  what is left after the principal is unapplied (never negative principal). The ledger, which has already split
  each payment into components, passes its principal movements by value date instead (`principal_changes`);
- the liquidation has one line per run of days with one rate and one base: a new line at every rate change (a
  month, in Colombia) and every payment, each rounded to the currency; the accrued total is the sum of the lines;
- where a month's certified rate is not loaded yet, `with_provisional` fills it with the latest known month's
  rates, marked provisional (every line, and so every result, that used one says so).
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal, localcontext
from functools import lru_cache

from django.utils.formats import number_format
from django.utils.translation import gettext

from recaudo.core.errors import DomainError
from recaudo.core.money import quantize

PRECISION = 28
ONE = Decimal(1)
DAYS_PER_YEAR = 365
METHODS = ("daily_compound_ea",)
DEFAULT_METHOD = "daily_compound_ea"


class RateError(DomainError):
    """A rate or a rate table that cannot be used; the message says why."""


class MissingRate(RateError):
    """No rate in force for a day that needs one; `month` is "YYYY-MM"."""

    def __init__(self, day: date):
        self.day = day
        self.month = f"{day:%Y-%m}"
        super().__init__(
            f"no legal rate in force for {self.month} (needed for {day.isoformat()}); load that month's rate"
        )


class InvalidPayment(RateError):
    """A payment the liquidation cannot take (dated after the liquidation date, zero or negative)."""


class RateAboveCap(RateError):
    def __init__(self, rate_ea: Decimal, cap_ea: Decimal, label: str = ""):
        self.rate_ea, self.cap_ea, self.label = rate_ea, cap_ea, label
        where = f" ({label})" if label else ""
        super().__init__(
            f"rate {pct(rate_ea)} % E.A. is above the legal cap of {pct(cap_ea)} % E.A.{where}"
        )

    @property
    def message(self) -> str:
        """The refusal in the active language ("la tasa 26,82 % E.A. supera el tope legal de 25,23 % E.A. (...)")."""
        params = {"rate": number_format(Decimal(pct(self.rate_ea)), 2),
                  "cap": number_format(Decimal(pct(self.cap_ea)), 2), "label": self.label}
        if self.label:
            return gettext("rate %(rate)s %% E.A. is above the legal cap of %(cap)s %% E.A. (%(label)s)") % params
        return gettext("rate %(rate)s %% E.A. is above the legal cap of %(cap)s %% E.A.") % params


# ---------------------------------------------------------------- conversions


def _d(value) -> Decimal:
    return value if isinstance(value, Decimal) else Decimal(str(value))


def _power(base: Decimal, exponent: Decimal) -> Decimal:
    """base ** exponent for base > 0 and any exponent, as exp(exponent * ln(base)), at PRECISION digits."""
    with localcontext(prec=PRECISION + 10):
        if base <= 0:
            raise RateError(f"cannot raise {base} to a fractional power")
        if base == ONE:
            return ONE
        result = (exponent * base.ln()).exp()
    with localcontext(prec=PRECISION):
        return +result


def _check_rate(rate: Decimal, name: str = "rate") -> Decimal:
    rate = _d(rate)
    if not rate.is_finite() or rate <= -1:
        raise RateError(f"{name} must be greater than -100 %, got {rate}")
    return rate


def ea_to_periodic(ea: Decimal, fraction_of_year: Decimal) -> Decimal:
    """Effective annual -> effective rate for a fraction of a year: (1 + EA) ** f - 1."""
    ea = _check_rate(ea)
    with localcontext(prec=PRECISION):
        return _power(ONE + ea, _d(fraction_of_year)) - ONE


def ea_to_monthly(ea: Decimal) -> Decimal:
    with localcontext(prec=PRECISION):
        return ea_to_periodic(ea, ONE / 12)


def ea_to_daily(ea: Decimal) -> Decimal:
    return _daily(_check_rate(ea))


@lru_cache(maxsize=1024)
def _daily(ea: Decimal) -> Decimal:
    with localcontext(prec=PRECISION):
        return ea_to_periodic(ea, ONE / DAYS_PER_YEAR)


def ea_to_days(ea: Decimal, days: int) -> Decimal:
    """Effective rate for a period of `days` days: (1 + EA) ** (days/365) - 1."""
    with localcontext(prec=PRECISION):
        return ea_to_periodic(ea, Decimal(days) / DAYS_PER_YEAR)


def periodic_to_ea(rate: Decimal, periods_per_year: Decimal | int) -> Decimal:
    """Effective periodic rate compounded `periods_per_year` times -> E.A.: (1 + r) ** m - 1."""
    rate = _check_rate(rate)
    with localcontext(prec=PRECISION):
        return _power(ONE + rate, _d(periods_per_year)) - ONE


def monthly_to_ea(monthly: Decimal) -> Decimal:
    return periodic_to_ea(monthly, 12)


def daily_to_ea(daily: Decimal) -> Decimal:
    return periodic_to_ea(daily, DAYS_PER_YEAR)


def nominal_to_periodic(nominal: Decimal, periods_per_year: int = 12) -> Decimal:
    """Nominal annual rate with m capitalizations a year -> effective periodic rate: nominal / m."""
    nominal = _check_rate(nominal, "nominal rate")
    if periods_per_year <= 0:
        raise RateError("periods per year must be positive")
    with localcontext(prec=PRECISION):
        return nominal / periods_per_year


def nominal_to_ea(nominal: Decimal, periods_per_year: int = 12) -> Decimal:
    return periodic_to_ea(nominal_to_periodic(nominal, periods_per_year), periods_per_year)


def ea_to_nominal(ea: Decimal, periods_per_year: int = 12) -> Decimal:
    """E.A. -> nominal annual with m periods: m * ((1 + EA) ** (1/m) - 1)."""
    with localcontext(prec=PRECISION):
        return ea_to_periodic(ea, ONE / periods_per_year) * periods_per_year


def pct(rate: Decimal, places: int = 2) -> str:
    """Fraction -> percent string with `places` decimals (half-up), for messages."""
    return str((_d(rate) * 100).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP))


def check_rate_cap(rate_ea: Decimal, cap_ea: Decimal | None, label: str = "") -> Decimal:
    """Return rate_ea when it is within the cap; raise RateAboveCap naming both otherwise (cap None: no cap)."""
    rate_ea = _check_rate(rate_ea)
    if cap_ea is not None and rate_ea > _d(cap_ea):
        raise RateAboveCap(rate_ea, _d(cap_ea), label)
    return rate_ea


# ---------------------------------------------------------------- rate tables


@dataclass(frozen=True)
class RatePeriod:
    """Rates in force from `start` (inclusive) to `end_exclusive`.

    ea_rate: the certified current bank rate (Colombia: interés bancario corriente), E.A., or None where the
    country only publishes a cap; usury_rate: the legal maximum, E.A.; source: resolution or citation.
    """

    start: date
    end_exclusive: date
    ea_rate: Decimal | None
    usury_rate: Decimal
    source: str = ""
    confirmed: bool = True
    provisional: bool = False  # not certified yet: the rates of `basis` (the latest known month) stand in

    @property
    def month(self) -> str:
        return f"{self.start:%Y-%m}"


def _next_month(day: date) -> date:
    return date(day.year + (day.month == 12), day.month % 12 + 1, 1)


def provisional_period(basis: RatePeriod, start: date, end_exclusive: date) -> RatePeriod:
    return RatePeriod(start=start, end_exclusive=end_exclusive, ea_rate=basis.ea_rate, usury_rate=basis.usury_rate,
                      source=f"provisional: {basis.month} {basis.source}".strip(), confirmed=False, provisional=True)


def with_provisional(periods: Sequence[RatePeriod], end: date) -> list[RatePeriod]:
    """The periods plus provisional months wherever a month is missing after the first known period and up to
    the end of `end`'s month: each carries the rates of the latest known period before it, `provisional=True`.

    Colombia certifies a month's rate near the end of the month before; until it is loaded the latest known month
    stands in, and the results that used it are marked so they can be adjusted once it is (never guessed silently).
    Days before the first known period stay missing."""
    known = sorted((p for p in periods if not p.provisional), key=lambda p: p.start)
    if not known:
        return []
    out: list[RatePeriod] = []
    for a, b in zip(known, [*known[1:], None], strict=True):
        out.append(a)
        stop = b.start if b is not None else max(_next_month(end), a.end_exclusive)
        day = a.end_exclusive
        while day < stop:
            nxt = min(_next_month(day), stop)
            out.append(provisional_period(a, day, nxt))
            day = nxt
    return out


class RateTable:
    """Lookup of rate periods by day; periods must not overlap (gaps are allowed and reported when hit)."""

    def __init__(self, periods: Sequence[RatePeriod]):
        self.periods = sorted(periods, key=lambda p: p.start)
        for p in self.periods:
            if p.end_exclusive <= p.start:
                raise RateError(f"rate period starting {p.start} ends before it starts")
        for a, b in zip(self.periods, self.periods[1:], strict=False):
            if b.start < a.end_exclusive:
                raise RateError(f"rate periods overlap: {a.start}..{a.end_exclusive} and {b.start}..{b.end_exclusive}")
        self._starts = [p.start for p in self.periods]

    def at(self, day: date) -> RatePeriod:
        i = bisect.bisect_right(self._starts, day) - 1
        if i < 0 or day >= self.periods[i].end_exclusive:
            raise MissingRate(day)
        return self.periods[i]


def find_period(periods: Sequence[RatePeriod], day: date) -> RatePeriod:
    return RateTable(periods).at(day)


# ---------------------------------------------------------------- liquidation


@dataclass(frozen=True)
class LatePayment:
    """A payment dated `day` of `amount` (currency units), to be applied interest first (art. 1653)."""

    day: date
    amount: Decimal


@dataclass(frozen=True)
class AppliedPayment:
    day: date
    amount: Decimal
    to_interest: Decimal
    to_principal: Decimal
    unapplied: Decimal  # beyond the interest and principal owed


@dataclass(frozen=True)
class LiquidationLine:
    start: date  # first day of interest in this line
    end: date  # last day, inclusive
    days: int
    rate_ea: Decimal  # the E.A. rate applied (contract rate capped at the legal maximum)
    daily_rate: Decimal
    interest: Decimal  # rounded to the currency
    usury_rate: Decimal
    capped: bool  # True when the contract rate was above the cap and the cap applied
    source: str = ""
    confirmed: bool = True
    base: Decimal = Decimal(0)  # the principal owed on each day of the line
    provisional: bool = False  # the month's rate was not certified yet: the latest known month's stood in

    @property
    def month(self) -> str:
        return f"{self.start:%Y-%m}"


@dataclass(frozen=True)
class Liquidation:
    principal: Decimal  # owed before the liquidation's payments / principal changes
    currency: str
    due: date
    as_of: date
    contract_rate_ea: Decimal | None
    method: str
    lines: tuple[LiquidationLine, ...]
    payments: tuple[AppliedPayment, ...] = ()
    principal_owed: Decimal = Decimal(0)  # after everything dated through as_of
    interest_paid: Decimal = Decimal(0)

    @property
    def total(self) -> Decimal:
        """Interest accrued: the sum of the lines."""
        return quantize(sum((line.interest for line in self.lines), Decimal(0)), self.currency)

    interest_accrued = total

    @property
    def interest_owed(self) -> Decimal:
        return self.total - self.interest_paid

    @property
    def unapplied(self) -> Decimal:
        return quantize(sum((p.unapplied for p in self.payments), Decimal(0)), self.currency)

    @property
    def days(self) -> int:
        return sum(line.days for line in self.lines)

    @property
    def capped(self) -> bool:
        return any(line.capped for line in self.lines)

    @property
    def provisional(self) -> bool:
        return any(line.provisional for line in self.lines)

    @property
    def provisional_months(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(line.month for line in self.lines if line.provisional))

    def through(self, day: date) -> Decimal:
        """Interest accrued through `day` (inclusive) by the lines ending by then."""
        return quantize(sum((ln.interest for ln in self.lines if ln.end <= day), Decimal(0)), self.currency)

    def truncated(self, day: date) -> Liquidation:
        """The same liquidation as of `day` (<= as_of): the liquidation is causal (a line depends only on what is
        dated up to its start), so it is the lines through `day`, the one containing `day` cut there and its
        interest recomputed. Equal, line for line, to liquidating again with as_of=day (the daily cycle uses it
        to compare what was posted through its last run). principal_owed: the base of the last line."""
        if day >= self.as_of:
            return self
        lines = []
        for line in self.lines:
            if line.start > day:
                break
            if line.end > day:
                days = (day - line.start).days + 1
                with localcontext(prec=PRECISION):
                    interest = quantize(line.base * line.daily_rate * days, self.currency)
                line = replace(line, end=day, days=days, interest=interest)
            lines.append(line)
        return replace(self, as_of=day, lines=tuple(lines),
                       payments=tuple(p for p in self.payments if p.day <= day),
                       principal_owed=lines[-1].base if lines else self.principal_owed,
                       interest_paid=sum((p.to_interest for p in self.payments if p.day <= day), Decimal(0)))


def liquidate_late_interest(
    *,
    principal: Decimal,
    due: date,
    as_of: date,
    currency: str,
    periods: Sequence[RatePeriod],
    contract_rate_ea: Decimal | None,
    method: str = DEFAULT_METHOD,
    payments: Sequence[LatePayment] = (),
    principal_changes: Sequence[tuple[date, Decimal]] = (),
    breaks: Sequence[date] = (),
) -> Liquidation:
    """Late interest on `principal` overdue since `due`, through `as_of` inclusive (see the module docstring).

    payments: applied interest first, then principal, from their day on (art. 1653).
    principal_changes: (day, amount) movements of the principal already split by the ledger, effective from their
    day on (negative lowers the base); used by the daily cycle and the liquidation PDF, which read the ledger.
    breaks: extra days on which a new line starts (the cycle's earlier liquidation dates + 1), so what was accrued
    through an earlier date is a sum of whole lines.
    """
    if method not in METHODS:
        raise RateError(f"unknown late-interest method {method!r}; known: {', '.join(METHODS)}")
    principal = _d(principal)
    if not principal.is_finite() or principal < 0:
        raise RateError(f"principal must be zero or positive, got {principal}")
    if contract_rate_ea is not None:
        contract_rate_ea = _check_rate(contract_rate_ea, "contract rate")
        if contract_rate_ea < 0:
            raise RateError(f"contract rate must not be negative, got {contract_rate_ea}")
    principal = quantize(principal, currency)
    first = due + timedelta(days=1)
    # events by day (days before the first day of interest happen on it: nothing has accrued yet)
    events: dict[date, list] = {}
    for p in payments:
        amount = _d(p.amount)
        if not amount.is_finite() or amount <= 0:
            raise InvalidPayment(f"payment of {p.day.isoformat()} must be positive, got {amount}")
        if p.day > as_of:
            raise InvalidPayment(f"payment of {p.day.isoformat()} is after the liquidation date {as_of.isoformat()}")
        events.setdefault(max(p.day, first), []).append(LatePayment(p.day, quantize(amount, currency)))
    for day, amount in principal_changes:
        if day <= as_of:
            events.setdefault(max(day, first), []).append((day, quantize(_d(amount), currency)))
    cuts = sorted(set(events) | {b for b in breaks if first < b <= as_of})

    owed = principal  # the ledger's principal may go below zero (overpaid): the base is never negative
    accrued = paid = Decimal(0)
    applied: list[AppliedPayment] = []

    def apply(day: date) -> None:
        nonlocal owed, paid
        for event in events.get(day, ()):
            if isinstance(event, LatePayment):
                to_interest = min(event.amount, accrued - paid)
                to_principal = min(event.amount - to_interest, max(owed, Decimal(0)))
                paid += to_interest
                owed -= to_principal
                applied.append(AppliedPayment(event.day, event.amount, to_interest, to_principal,
                                              event.amount - to_interest - to_principal))
            else:
                owed += event[1]

    lines: list[LiquidationLine] = []
    day = first
    table = RateTable(periods) if as_of >= first else None
    while day <= as_of:
        apply(day)
        period = table.at(day)
        i = bisect.bisect_right(cuts, day)
        end = min(as_of, period.end_exclusive - timedelta(days=1))
        if i < len(cuts):
            end = min(end, cuts[i] - timedelta(days=1))
        days = (end - day).days + 1
        cap = period.usury_rate
        capped = contract_rate_ea is not None and contract_rate_ea > cap
        rate = cap if contract_rate_ea is None or capped else contract_rate_ea
        base = max(owed, Decimal(0))
        daily = ea_to_daily(rate)
        with localcontext(prec=PRECISION):
            interest = quantize(base * daily * days, currency)
        accrued += interest
        lines.append(
            LiquidationLine(
                start=day, end=end, days=days, rate_ea=rate, daily_rate=daily, interest=interest,
                usury_rate=cap, capped=capped, source=period.source, confirmed=period.confirmed, base=base,
                provisional=period.provisional,
            )
        )
        day = end + timedelta(days=1)
    if as_of < first and first in events:
        apply(first)  # everything dated by the due date (no interest yet)
    return Liquidation(
        principal=principal, currency=currency, due=due, as_of=as_of, contract_rate_ea=contract_rate_ea,
        method=method, lines=tuple(lines), payments=tuple(applied), principal_owed=owed, interest_paid=paid,
    )


# ---------------------------------------------------------------- monthly rate files

USURY_FACTOR = Decimal("1.5")
RATE_COLUMNS = {
    "month": ("month", "mes"),
    "ibc": ("ibc_ea_pct", "ibc", "bank_rate", "bank_current_rate", "interes_bancario_corriente"),
    "usury": ("usury_ea_pct", "usury", "usury_rate", "usura"),
    "resolution": ("resolution", "resolucion"),
    "confirmed": ("confirmed", "confirmado"),
}
YES = {"yes", "y", "si", "sí", "true", "1"}
NO = {"no", "n", "false", "0"}


@dataclass(frozen=True)
class MonthRate:
    """One certified month (Colombia): the current bank rate (IBC) and the usury rate, % E.A., and the resolution."""

    month: date  # first day of the month
    ibc_pct: Decimal
    usury_pct: Decimal
    resolution: str
    confirmed: bool = True


def usury_of(ibc_pct: Decimal) -> Decimal:
    """Usury = 1.5 x IBC, rounded half-up to two decimals (Código Penal art. 305)."""
    return (USURY_FACTOR * _d(ibc_pct)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def parse_rate_csv(text: str) -> list[MonthRate]:
    """Rows of a monthly rate file: a header naming month, IBC (bank current rate), usury rate and resolution (and
    optionally confirmed, default yes), then one row per month; lines starting with # are comments. Percentages
    E.A. with a point for decimals. Raises RateError naming the line and the column of the first problem."""
    import csv

    lines = [(n, line) for n, line in enumerate(text.splitlines(), 1) if line.strip() and not line.lstrip()
             .startswith("#")]
    if not lines:
        raise RateError("the file is empty: expected a header month,ibc_ea_pct,usury_ea_pct,resolution")
    rows = list(csv.reader([line for _, line in lines]))
    header = [h.strip().lower().lstrip("\ufeff") for h in rows[0]]
    where: dict[str, int] = {}
    for key, names in RATE_COLUMNS.items():
        found = [i for i, h in enumerate(header) if h in names]
        if found:
            where[key] = found[0]
        elif key != "confirmed":
            raise RateError(f"line {lines[0][0]}: no {names[0]} column (header: {', '.join(header)})")
    result: list[MonthRate] = []
    seen: set[date] = set()
    for (n, _), row in zip(lines[1:], rows[1:], strict=True):
        def cell(key: str, row=row, n=n) -> str:
            i = where[key]
            if i >= len(row):
                raise RateError(f"line {n}: missing {header[i]}")
            return row[i].strip()

        try:
            month = date.fromisoformat(cell("month") + "-01")
        except ValueError:
            raise RateError(f"line {n}: month {cell('month')!r} is not YYYY-MM")
        values = {}
        for key in ("ibc", "usury"):
            try:
                value = Decimal(cell(key).replace("%", "").strip())
            except ArithmeticError:
                raise RateError(f"line {n}: {header[where[key]]} {cell(key)!r} is not a number (use a point: 19.49)")
            if not value.is_finite() or not 0 < value < 1000:
                raise RateError(f"line {n}: {header[where[key]]} {cell(key)} must be a percentage above 0")
            values[key] = value
        if usury_of(values["ibc"]) != values["usury"]:
            raise RateError(f"line {n}: usury {values['usury']} is not 1.5 x IBC {values['ibc']} = "
                            f"{usury_of(values['ibc'])} (Código Penal art. 305)")
        resolution = cell("resolution")
        if not resolution:
            raise RateError(f"line {n}: the resolution is empty (number/year of the certification)")
        confirmed = True
        if "confirmed" in where and where["confirmed"] < len(row) and row[where["confirmed"]].strip():
            flag = row[where["confirmed"]].strip().lower()
            if flag not in YES | NO:
                raise RateError(f"line {n}: confirmed {flag!r} must be yes or no")
            confirmed = flag in YES
        if month in seen:
            raise RateError(f"line {n}: month {month:%Y-%m} appears twice")
        seen.add(month)
        result.append(MonthRate(month, values["ibc"], values["usury"], resolution[:100], confirmed))
    if not result:
        raise RateError("the file has a header but no months")
    return sorted(result, key=lambda r: r.month)
