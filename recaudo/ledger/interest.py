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
- daily rate = (1 + EA) ** (1/365) - 1, applied to the overdue principal only: no capitalization, so the
  interest of a run of days is principal x daily rate x days;
- the liquidation has one line per rate period crossed (a month, in Colombia), each rounded to the currency;
  the total is the sum of the lines.
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal, localcontext

from recaudo.core.money import quantize

PRECISION = 28
ONE = Decimal(1)
DAYS_PER_YEAR = 365
METHODS = ("daily_compound_ea",)
DEFAULT_METHOD = "daily_compound_ea"


class RateError(ValueError):
    """A rate or a rate table that cannot be used; the message says why."""


class MissingRate(RateError):
    """No rate in force for a day that needs one; `month` is "YYYY-MM"."""

    def __init__(self, day: date):
        self.day = day
        self.month = f"{day:%Y-%m}"
        super().__init__(
            f"no legal rate in force for {self.month} (needed for {day.isoformat()}); load that month's rate"
        )


class RateAboveCap(RateError):
    def __init__(self, rate_ea: Decimal, cap_ea: Decimal, label: str = ""):
        self.rate_ea, self.cap_ea, self.label = rate_ea, cap_ea, label
        where = f" ({label})" if label else ""
        super().__init__(
            f"rate {pct(rate_ea)} % E.A. is above the legal cap of {pct(cap_ea)} % E.A.{where}"
        )


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

    @property
    def month(self) -> str:
        return f"{self.start:%Y-%m}"


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


@dataclass(frozen=True)
class Liquidation:
    principal: Decimal
    currency: str
    due: date
    as_of: date
    contract_rate_ea: Decimal | None
    method: str
    lines: tuple[LiquidationLine, ...]

    @property
    def total(self) -> Decimal:
        return quantize(sum((line.interest for line in self.lines), Decimal(0)), self.currency)

    @property
    def days(self) -> int:
        return sum(line.days for line in self.lines)

    @property
    def capped(self) -> bool:
        return any(line.capped for line in self.lines)


def liquidate_late_interest(
    *,
    principal: Decimal,
    due: date,
    as_of: date,
    currency: str,
    periods: Sequence[RatePeriod],
    contract_rate_ea: Decimal | None,
    method: str = DEFAULT_METHOD,
) -> Liquidation:
    """Late interest on `principal` overdue since `due`, through `as_of` inclusive (see the module docstring)."""
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
    lines: list[LiquidationLine] = []
    day = due + timedelta(days=1)
    if as_of >= day:
        table = RateTable(periods)
        while day <= as_of:
            period = table.at(day)
            end = min(as_of, period.end_exclusive - timedelta(days=1))
            days = (end - day).days + 1
            cap = period.usury_rate
            capped = contract_rate_ea is not None and contract_rate_ea > cap
            rate = cap if contract_rate_ea is None or capped else contract_rate_ea
            with localcontext(prec=PRECISION):
                daily = ea_to_daily(rate)
                interest = quantize(principal * daily * days, currency)
            lines.append(
                LiquidationLine(
                    start=day, end=end, days=days, rate_ea=rate, daily_rate=daily, interest=interest,
                    usury_rate=cap, capped=capped, source=period.source, confirmed=period.confirmed,
                )
            )
            day = end + timedelta(days=1)
    return Liquidation(
        principal=principal, currency=currency, due=due, as_of=as_of, contract_rate_ea=contract_rate_ea,
        method=method, lines=tuple(lines),
    )
