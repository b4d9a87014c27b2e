"""Collection fees by country (recaudo/ledger/fees.py, data in ledger/data/fees.toml): pure rules, no database, with
worked examples."""

from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from recaudo.ledger.fees import banded_cap, fee_decide, load_fee_rules

CL_BANDS = load_fee_rules()[1]["CL"].bands


def test_chile_marginal_bands_worked_example():
    """100 UF overdue at 39.000 CLP the UF: 9 % of the first 10 UF + 6 % of the next 40 + 3 % of the last 50 =
    0,9 + 2,4 + 1,5 = 4,8 UF = 187.200 CLP."""
    assert banded_cap(Decimal("3900000"), Decimal("39000"), CL_BANDS) == Decimal("187200")
    decision = fee_decide(country="CL", currency="CLP", days_past_due=30, overdue_minor=3_900_000,
                          uf_value=Decimal("39000"))
    assert (decision.allowed, decision.cap_minor, decision.amount_minor) == (True, 187_200, 187_200)


def test_chile_only_after_twenty_days_and_never_above_the_cap():
    early = fee_decide(country="CL", currency="CLP", days_past_due=20, overdue_minor=3_900_000,
                       uf_value=Decimal("39000"))
    assert not early.allowed and "fees only from day 21" in early.reason
    above = fee_decide(country="CL", currency="CLP", days_past_due=21, overdue_minor=3_900_000,
                       amount_minor=187_201, uf_value=Decimal("39000"))
    assert not above.allowed and above.cap_minor == 187_200


def test_colombia_needs_documented_disclosed_work_and_a_given_amount():
    base = {"country": "CO", "currency": "COP", "days_past_due": 40, "overdue_minor": 100_000_000}
    assert "documented collection work" in fee_decide(**base, amount_minor=500_000).reason
    assert "disclosed" in fee_decide(**base, amount_minor=500_000, evidence="visita 12/11").reason
    assert "must be given" in fee_decide(**base, evidence="visita 12/11", disclosed=True).reason
    ok = fee_decide(**base, amount_minor=500_000, evidence="visita 12/11", disclosed=True)
    assert (ok.allowed, ok.amount_minor, ok.cap_minor) == (True, 500_000, None)


def test_peru_financial_lenders_charge_nothing_and_unknown_countries_charge_nothing():
    assert not fee_decide(country="PE", currency="PEN", days_past_due=60, overdue_minor=10_000, amount_minor=100,
                          evidence="x", disclosed=True, financial_lender=True).allowed
    assert not fee_decide(country="AR", currency="ARS", days_past_due=60, overdue_minor=10_000).allowed


@given(st.integers(min_value=1, max_value=10_000_000_000), st.integers(min_value=1, max_value=10_000_000_000))
def test_the_cap_grows_with_the_overdue_amount_and_stays_under_nine_percent(a, b):
    uf = Decimal("39000")
    low, high = sorted((a, b))
    assert banded_cap(Decimal(low), uf, CL_BANDS) <= banded_cap(Decimal(high), uf, CL_BANDS)
    # (within Decimal's 28 digits: the cap is later rounded to the currency's minor unit)
    assert banded_cap(Decimal(high), uf, CL_BANDS) <= Decimal(high) * Decimal("0.09") + Decimal("1e-18")
