"""Late-interest liquidation (pure rules): worked examples across month boundaries, caps, missing months."""

from datetime import date
from decimal import ROUND_HALF_UP, Decimal, localcontext

import pytest

from recaudo.ledger.interest import (
    Liquidation,
    MissingRate,
    RateError,
    RatePeriod,
    find_period,
    liquidate_late_interest,
)

D = Decimal
CENT = D("0.01")

# Colombia, from the certified table (recaudo/ledger/data/co_rates.csv): IBC and usury, % E.A.
JAN_2026 = RatePeriod(date(2026, 1, 1), date(2026, 2, 1), D("0.1624"), D("0.2436"), "SFC 2288/2025")
FEB_2026 = RatePeriod(date(2026, 2, 1), date(2026, 3, 1), D("0.1682"), D("0.2523"), "SFC 0250/2026")
MAR_2026 = RatePeriod(date(2026, 3, 1), date(2026, 4, 1), D("0.1701"), D("0.2552"), "SFC 0405/2026")
PERIODS = [JAN_2026, FEB_2026, MAR_2026]


def independent_daily(ea: str) -> Decimal:
    """(1 + EA) ** (1/365) - 1 by Decimal's own power operator (the rules go through exp/ln)."""
    with localcontext(prec=50):
        return (1 + D(ea)) ** (D(1) / D(365)) - 1


def line_interest(principal: str, ea: str, days: int) -> Decimal:
    with localcontext(prec=50):
        return (D(principal) * independent_daily(ea) * days).quantize(CENT, rounding=ROUND_HALF_UP)


def liquidate(**kwargs) -> Liquidation:
    args = {"principal": D(10000000), "due": date(2026, 1, 20), "as_of": date(2026, 2, 10), "currency": "COP",
            "periods": PERIODS, "contract_rate_ea": None, **kwargs}
    return liquidate_late_interest(**args)


def test_worked_example_across_a_month_boundary_at_the_usury_rate():
    # 10.000.000 COP due 20 Jan 2026, liquidated to 10 Feb 2026, no agreed rate: the legal maximum (usury).
    # 21-31 Jan: 11 days at 24,36 % E.A.; 1-10 Feb: 10 days at 25,23 % E.A.
    jan = line_interest("10000000", "0.2436", 11)
    feb = line_interest("10000000", "0.2523", 10)
    assert (jan, feb) == (D("65721.39"), D("61657.87"))
    liq = liquidate()
    assert [(ln.start, ln.end, ln.days) for ln in liq.lines] == [
        (date(2026, 1, 21), date(2026, 1, 31), 11),
        (date(2026, 2, 1), date(2026, 2, 10), 10),
    ]
    assert [ln.rate_ea for ln in liq.lines] == [D("0.2436"), D("0.2523")]
    assert [ln.interest for ln in liq.lines] == [jan, feb]
    assert liq.total == jan + feb == D("127379.26")
    assert liq.days == 21
    assert not liq.capped
    assert [ln.source for ln in liq.lines] == ["SFC 2288/2025", "SFC 0250/2026"]
    assert liq.lines[0].daily_rate.quantize(D("1e-20")) == independent_daily("0.2436").quantize(D("1e-20"))


def test_three_months_agreed_rate_below_the_cap():
    # 2.500.000 COP due 15 Jan 2026, agreed late rate 20 % E.A., to 5 Mar 2026: 16 + 28 + 5 days at 20 %.
    liq = liquidate(principal=D(2500000), due=date(2026, 1, 15), as_of=date(2026, 3, 5), contract_rate_ea=D("0.20"))
    assert [ln.days for ln in liq.lines] == [16, 28, 5]
    assert {ln.rate_ea for ln in liq.lines} == {D("0.20")}
    expected = [line_interest("2500000", "0.20", d) for d in (16, 28, 5)]
    assert [ln.interest for ln in liq.lines] == expected == [D("19985.44"), D("34974.51"), D("6245.45")]
    assert liq.total == D("61205.40")


def test_agreed_rate_above_usury_is_capped_month_by_month():
    # agreed 25 % E.A.: above January's usury (24,36 %), below February's (25,23 %)
    liq = liquidate(contract_rate_ea=D("0.25"))
    assert [(ln.rate_ea, ln.capped) for ln in liq.lines] == [(D("0.2436"), True), (D("0.25"), False)]
    assert liq.capped
    assert liq.total == line_interest("10000000", "0.2436", 11) + line_interest("10000000", "0.25", 10)
    # an agreed 40 % is the usury rate every month: same as no agreed rate
    assert liquidate(contract_rate_ea=D("0.40")).total == liquidate().total == D("127379.26")


def test_no_interest_before_the_day_after_due():
    assert liquidate(as_of=date(2026, 1, 20)).lines == ()
    assert liquidate(as_of=date(2026, 1, 20)).total == 0
    one_day = liquidate(as_of=date(2026, 1, 21))
    assert [(ln.start, ln.days) for ln in one_day.lines] == [(date(2026, 1, 21), 1)]
    assert one_day.total == line_interest("10000000", "0.2436", 1) == D("5974.67")


def test_simple_interest_is_linear_in_days_no_capitalization():
    ten = liquidate(due=date(2026, 3, 1), as_of=date(2026, 3, 11)).total
    twenty = liquidate(due=date(2026, 3, 1), as_of=date(2026, 3, 21)).total
    assert abs(twenty - 2 * ten) <= CENT


def test_zero_decimal_currency_rounds_per_line():
    liq = liquidate(currency="CLP", principal=D(1000000))
    assert [ln.interest for ln in liq.lines] == [D(6572), D(6166)]
    assert liq.total == D(12738)


def test_missing_month_names_it():
    with pytest.raises(MissingRate, match="2026-04") as exc:
        liquidate(as_of=date(2026, 4, 2))
    assert exc.value.month == "2026-04"
    with pytest.raises(MissingRate, match="2025-12"):
        liquidate(due=date(2025, 12, 20))
    gap = [JAN_2026, MAR_2026]
    with pytest.raises(MissingRate, match="2026-02"):
        liquidate(periods=gap, as_of=date(2026, 3, 10))


def test_bad_inputs():
    with pytest.raises(RateError, match="principal"):
        liquidate(principal=D(-1))
    with pytest.raises(RateError, match="method"):
        liquidate(method="simple_nominal")
    with pytest.raises(RateError, match="overlap"):
        liquidate(periods=[JAN_2026, RatePeriod(date(2026, 1, 15), date(2026, 2, 15), None, D("0.3"))])
    with pytest.raises(RateError, match="contract rate"):
        liquidate(contract_rate_ea=D("-0.1"))


def test_find_period():
    assert find_period(PERIODS, date(2026, 2, 28)) is FEB_2026
    assert find_period(PERIODS, date(2026, 3, 1)) is MAR_2026
    with pytest.raises(MissingRate):
        find_period(PERIODS, date(2026, 4, 1))
