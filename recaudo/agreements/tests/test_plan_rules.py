"""Installment plans: worked examples with exact numbers, rate conversions, due dates, and properties."""

from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal, localcontext

import pytest
from django.utils import translation
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from recaudo.agreements.rules import (
    PlanError,
    RateAboveCap,
    check_plan_rate,
    check_rate_cap,
    due_dates,
    effective_annual_rate,
    periodic_rate,
    plan_totals,
    simulate_plan,
)
from recaudo.ledger.interest import ea_to_daily, ea_to_monthly, ea_to_nominal, monthly_to_ea, periodic_to_ea

D = Decimal
CENT = D("0.01")


def pmt(rate: Decimal, n: int, principal: Decimal) -> Decimal:
    """Spreadsheet PMT(rate, n, -principal), worked out by hand: P * r / (1 - (1 + r) ** -n), unrounded."""
    with localcontext(prec=40):
        return principal * rate / (1 - 1 / (1 + rate) ** n)


def test_pmt_one_percent_twelve_months_matches_the_spreadsheet():
    # Excel / LibreOffice: PMT(1%; 12; -1000000) = 88.848,79 (88.848,78868...).
    exact = pmt(D("0.01"), 12, D(1000000))
    assert exact.quantize(D("0.00001")) == D("88848.78868")
    assert exact.quantize(CENT, rounding=ROUND_HALF_UP) == D("88848.79")
    # CUMIPMT(1%; 12; 1000000; 1; 12; 0) = -66.185,46 (unrounded: 12 x 88.848,78868 - 1.000.000)
    assert (exact * 12 - 1000000).quantize(CENT) == D("66185.46")

    plan = simulate_plan(amount=D(1000000), installments=12, rate=D("0.01"), rate_kind="monthly",
                         start=date(2026, 1, 31))
    assert [i.installment for i in plan[:11]] == [D("88848.79")] * 11
    # Each period's interest is rounded to the cent on the balance really owed, so paying 88.848,79 (a fraction
    # of a cent above the exact PMT) retires slightly more principal early; the last installment absorbs the
    # difference: 88.848,76, total interest 66.185,45 (12 x 88.848,79 - 1.000.000 = 66.185,48 would need the
    # last installment to charge 3 cents no balance earned).
    assert plan[-1].installment == D("88848.76")
    assert plan[0].interest == D("10000.00") and plan[0].principal == D("78848.79")
    assert plan[0].balance == D("921151.21")
    assert plan[1].interest == D("9211.51")
    assert plan[-1].interest == D("879.69") and plan[-1].principal == D("87969.07")
    totals = plan_totals(plan)
    assert totals == {
        "total_paid": D("1066185.45"), "total_interest": D("66185.45"), "total_principal": D("1000000.00"),
    }
    # recompute every line independently
    balance = D(1000000)
    for line in plan:
        interest = (balance * D("0.01")).quantize(CENT, rounding=ROUND_HALF_UP)
        assert line.interest == interest
        assert line.principal == line.installment - interest
        balance -= line.principal
        assert line.balance == balance
    assert balance == 0


def test_pmt_two_percent_twenty_four_months():
    # PMT(2%; 24; -5000000) = 264.355,49 (264.355,48627)
    assert pmt(D("0.02"), 24, D(5000000)).quantize(CENT, rounding=ROUND_HALF_UP) == D("264355.49")
    plan = simulate_plan(amount=D(5000000), installments=24, rate=D("0.02"), rate_kind="monthly",
                         start=date(2026, 3, 15))
    assert plan[0].installment == D("264355.49")
    assert sum(i.principal for i in plan) == D(5000000)
    assert abs(plan[-1].installment - D("264355.49")) <= D("0.10")


def test_zero_rate_splits_exactly():
    plan = simulate_plan(amount=D(1000000), installments=3, start=date(2026, 1, 31))
    assert [i.installment for i in plan] == [D("333333.33"), D("333333.33"), D("333333.34")]
    assert [i.interest for i in plan] == [D("0.00")] * 3
    assert [i.balance for i in plan] == [D("666666.67"), D("333333.34"), D("0.00")]


def test_zero_decimal_currency_and_down_payment():
    plan = simulate_plan(amount=D(1000000), installments=3, down_payment=D(100000), currency="CLP",
                         start=date(2026, 1, 10))
    assert [i.installment for i in plan] == [D(300000)] * 3
    plan = simulate_plan(amount=D(100), installments=3, currency="CLP", start=date(2026, 1, 10))
    assert [i.installment for i in plan] == [D(33), D(33), D(34)]


def test_effective_annual_to_monthly_never_divides():
    # 26.82 % E.A. -> 1.9997 % monthly (not 26.82 / 12 = 2.235 %)
    monthly = ea_to_monthly(D("0.2682"))
    assert (monthly * 100).quantize(D("0.000001")) == D("1.999720")
    assert periodic_rate(D("0.2682"), "effective-annual") == monthly
    # 2 % monthly -> (1.02)^12 - 1 = 26.8241794562545318301696 % E.A., exactly
    assert monthly_to_ea(D("0.02")) == D("0.268241794562545318301696")
    assert ea_to_monthly(monthly_to_ea(D("0.02"))).quantize(D("1e-25")) == D("0.02")


def test_nominal_annual_is_divided_by_twelve():
    assert periodic_rate(D("0.24"), "nominal-annual") == D("0.02")
    assert effective_annual_rate(D("0.24"), "nominal-annual") == D("0.268241794562545318301696")
    assert (ea_to_nominal(D("0.268241794562545318301696"), 12)).quantize(D("1e-24")) == D("0.24")


def test_monthly_rate_as_given_and_none():
    assert periodic_rate(D("0.015"), "monthly") == D("0.015")
    assert periodic_rate(None, "none") == 0
    assert effective_annual_rate(D("0.3"), "effective-annual") == D("0.3")


def test_weekly_and_biweekly_rates_compound_back_to_the_effective_annual():
    ea = D("0.25")
    weekly = periodic_rate(ea, "effective-annual", "weekly")
    biweekly = periodic_rate(ea, "effective-annual", "biweekly")
    with localcontext(prec=28):
        assert weekly == (D("1.25").ln() * 7 / 365).exp() - 1
    assert periodic_to_ea(weekly, D(365) / 7).quantize(D("1e-20")) == ea.quantize(D("1e-20"))
    assert periodic_to_ea(biweekly, D(365) / 14).quantize(D("1e-20")) == ea.quantize(D("1e-20"))
    # monthly 2 % quoted, weekly plan: through the E.A. 26.824 %
    assert periodic_rate(D("0.02"), "monthly", "weekly") == periodic_rate(
        D("0.268241794562545318301696"), "effective-annual", "weekly"
    )


def test_daily_rate():
    daily = ea_to_daily(D("0.2523"))
    with localcontext(prec=40):
        assert ((1 + daily) ** 365 - 1).quantize(D("1e-20")) == D("0.2523")
    assert (daily * 100).quantize(D("1e-12")) == D("0.061657866567")


def test_due_dates_clamp_to_month_end_and_keep_the_day():
    assert due_dates(date(2026, 1, 31), 4) == [
        date(2026, 1, 31), date(2026, 2, 28), date(2026, 3, 31), date(2026, 4, 30),
    ]
    assert due_dates(date(2028, 1, 30), 3) == [date(2028, 1, 30), date(2028, 2, 29), date(2028, 3, 30)]
    assert due_dates(date(2026, 11, 30), 4) == [
        date(2026, 11, 30), date(2026, 12, 30), date(2027, 1, 30), date(2027, 2, 28),
    ]
    # an explicit due day for the following months
    assert due_dates(date(2026, 1, 5), 3, due_day=31) == [date(2026, 1, 5), date(2026, 2, 28), date(2026, 3, 31)]
    assert due_dates(date(2026, 1, 1), 3, "weekly") == [date(2026, 1, 1), date(2026, 1, 8), date(2026, 1, 15)]
    assert due_dates(date(2026, 1, 1), 3, "biweekly") == [date(2026, 1, 1), date(2026, 1, 15), date(2026, 1, 29)]


@pytest.mark.parametrize(
    "kwargs,field",
    [
        ({"amount": D(0)}, "amount"),
        ({"amount": D("10.001")}, "amount"),
        ({"amount": "abc"}, "amount"),
        ({"installments": 0}, "installments"),
        ({"installments": 601}, "installments"),
        ({"down_payment": D(1000)}, "down_payment"),
        ({"rate": D("-0.01"), "rate_kind": "monthly"}, "rate"),
        ({"rate": D("0.01"), "rate_kind": "none"}, "rate"),
        ({"rate_kind": "daily"}, "rate_kind"),
        ({"frequency": "yearly"}, "frequency"),
        ({"due_day": 32}, "due_day"),
        ({"frequency": "weekly", "due_day": 3}, "due_day"),
        ({"currency": "XXX1"}, "currency"),
        ({"amount": D("0.01"), "installments": 3}, "installments"),
    ],
)
def test_bad_input_names_the_field(kwargs, field):
    args = {"amount": D(1000), "installments": 3, "start": date(2026, 1, 1), **kwargs}
    with pytest.raises(PlanError) as exc:
        simulate_plan(**args)
    assert exc.value.field == field
    assert not str(exc.value).startswith(f"{field}:")  # the field is carried apart from the text


def test_rate_cap():
    assert check_rate_cap(D("0.2436"), D("0.2436")) == D("0.2436")
    assert check_rate_cap(D("0.50"), None) == D("0.50")
    with pytest.raises(RateAboveCap, match=r"26\.82 % E\.A\. is above the legal cap of 24\.36 % E\.A\. \(CO 2026-01\)"):
        check_plan_rate(D("0.24"), "nominal-annual", D("0.2436"), "CO 2026-01")
    assert check_plan_rate(D("0.015"), "monthly", D("0.2436")).quantize(D("0.0001")) == D("0.1956")


@settings(max_examples=150, deadline=None)
@given(
    amount=st.decimals(min_value=D("1000"), max_value=D("500000000"), places=2),
    down_pct=st.integers(min_value=0, max_value=90),
    installments=st.integers(min_value=1, max_value=120),
    rate=st.decimals(min_value=D(0), max_value=D("0.05"), places=4),
    rate_kind=st.sampled_from(["none", "monthly", "nominal-annual", "effective-annual"]),
    frequency=st.sampled_from(["monthly", "biweekly", "weekly"]),
    currency=st.sampled_from(["COP", "CLP", "USD"]),
    start=st.dates(min_value=date(2024, 1, 1), max_value=date(2030, 12, 31)),
)
def test_plan_properties(amount, down_pct, installments, rate, rate_kind, frequency, currency, start):
    from recaudo.core.money import quantize

    amount = quantize(amount, currency)
    down = quantize(amount * down_pct / 100, currency)
    if rate_kind == "none":
        rate = None
    elif rate_kind != "monthly":
        rate = rate * 12  # annual quotes up to 60 %
    financed = amount - down
    q = D(1).scaleb(-{"COP": 2, "CLP": 0, "USD": 2}[currency])
    assume(financed >= 10 * installments * q)  # below one minor unit per installment the rules refuse the plan
    plan = simulate_plan(amount=amount, installments=installments, rate=rate, rate_kind=rate_kind, start=start,
                         frequency=frequency, down_payment=down, currency=currency)
    assert len(plan) == installments
    assert sum(i.principal for i in plan) == financed
    assert plan[-1].balance == 0
    for line in plan:
        assert line.installment >= 0 and line.interest >= 0 and line.principal >= 0 and line.balance >= 0
        assert line.installment == line.interest + line.principal
        assert quantize(line.installment, currency) == line.installment
    assert [i.number for i in plan] == list(range(1, installments + 1))
    assert all(b.due_date > a.due_date for a, b in zip(plan, plan[1:], strict=False))
    if frequency == "weekly":
        assert all(b.due_date - a.due_date == timedelta(days=7) for a, b in zip(plan, plan[1:], strict=False))
    # all installments equal but the last, which differs at most by the accumulated rounding
    regular = {i.installment for i in plan[:-1]}
    assert len(regular) <= 1
    if regular:
        r = periodic_rate(rate, rate_kind, frequency)
        growth = sum((1 + r) ** k for k in range(installments))
        # each period the payment may be short by up to one minor unit (rounded down so as not to pay off early)
        # and its interest off by half a unit (rounded half-up); both compound until the last installment
        assert abs(plan[-1].installment - regular.pop()) <= q * 3 / 2 * growth + q


def test_a_refused_down_payment_is_said_as_the_pages_write_amounts():
    with translation.override("es-co"), pytest.raises(PlanError) as refused:
        simulate_plan(amount=D(1000000), installments=3, down_payment=D("999999999999"), currency="COP",
                      start=date(2026, 1, 1))
    assert refused.value.message.endswith("se recibió 999.999.999.999,00")  # was 999999999999
