"""Late interest follows the balance day by day (pure rules): payments pay interest first (art. 1653), then lower
the base from their day on; provisional months stand in for rates not certified yet."""

from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal, localcontext

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from recaudo.ledger.interest import (
    InvalidPayment,
    LatePayment,
    MissingRate,
    RatePeriod,
    liquidate_late_interest,
    with_provisional,
)

D = Decimal
CENT = D("0.01")


def month(y: int, m: int, ibc: str, usury: str, source: str) -> RatePeriod:
    return RatePeriod(date(y, m, 1), date(y + (m == 12), m % 12 + 1, 1), D(ibc) / 100, D(usury) / 100, source)


# Colombia, certified table (recaudo/ledger/data/co_rates.csv), usury % E.A.
CO_2026 = [
    month(2026, 3, "17.01", "25.52", "0405/2026"),
    month(2026, 4, "17.84", "26.76", "0517/2026"),
    month(2026, 5, "18.78", "28.17", "0662/2026"),
    month(2026, 6, "19.19", "28.79", "0823/2026"),
    month(2026, 7, "19.19", "28.79", "0965/2026"),
    month(2026, 8, "19.77", "29.66", "1139/2026"),
    month(2026, 9, "19.49", "29.24", "1260/2026"),
]


def daily(ea: str) -> Decimal:
    """(1 + EA) ** (1/365) - 1 by Decimal's own power operator (the rules go through exp/ln)."""
    with localcontext(prec=50):
        return (1 + D(ea)) ** (D(1) / D(365)) - 1


def interest(base: str, ea: str, days: int) -> Decimal:
    with localcontext(prec=50):
        return (D(base) * daily(ea) * days).quantize(CENT, rounding=ROUND_HALF_UP)


def test_worked_example_partial_payment_lowers_the_base_from_its_day():
    # 10.000.000,00 COP due 2026-03-15, no agreed rate (the usury rate of each month), a payment of 4.000.000,00
    # dated 2026-05-10, liquidated through 2026-07-31. Daily rate = (1 + E.A.)^(1/365) - 1:
    #   March 25,52 % -> 0,0622919748869 %; April 26,76 % -> 0,0649869563741 %;
    #   May 28,17 % -> 0,0680196493866 %; June and July 28,79 % -> 0,0693426569164 %.
    # Lines up to the payment, on 10.000.000,00:
    #   16/03-31/03 16 d: 10.000.000 x 0,000622919748869 x 16 =  99.667,16
    #   01/04-30/04 30 d: 10.000.000 x 0,000649869563741 x 30 = 194.960,87
    #   01/05-09/05  9 d: 10.000.000 x 0,000680196493866 x  9 =  61.217,68
    # accrued through 09/05 = 355.845,71. The payment of 10/05 pays that interest first (art. 1653) and
    # 4.000.000,00 - 355.845,71 = 3.644.154,29 of principal: the base from 10/05 on is 6.355.845,71.
    #   10/05-31/05 22 d: 6.355.845,71 x 0,000680196493866 x 22 =  95.110,93
    #   01/06-30/06 30 d: 6.355.845,71 x 0,000693426569164 x 30 = 132.219,37
    #   01/07-31/07 31 d: 6.355.845,71 x 0,000693426569164 x 31 = 136.626,68
    # Interest accrued 719.802,69; paid 355.845,71; owed 363.956,98; principal owed 6.355.845,71.
    expected = [
        (date(2026, 3, 16), date(2026, 3, 31), 16, D("10000000.00"), D("0.2552"), interest("10000000", "0.2552", 16)),
        (date(2026, 4, 1), date(2026, 4, 30), 30, D("10000000.00"), D("0.2676"), interest("10000000", "0.2676", 30)),
        (date(2026, 5, 1), date(2026, 5, 9), 9, D("10000000.00"), D("0.2817"), interest("10000000", "0.2817", 9)),
        (date(2026, 5, 10), date(2026, 5, 31), 22, D("6355845.71"), D("0.2817"), interest("6355845.71", "0.2817", 22)),
        (date(2026, 6, 1), date(2026, 6, 30), 30, D("6355845.71"), D("0.2879"), interest("6355845.71", "0.2879", 30)),
        (date(2026, 7, 1), date(2026, 7, 31), 31, D("6355845.71"), D("0.2879"), interest("6355845.71", "0.2879", 31)),
    ]
    assert [e[5] for e in expected] == [D("99667.16"), D("194960.87"), D("61217.68"), D("95110.93"),
                                         D("132219.37"), D("136626.68")]
    liq = liquidate_late_interest(principal=D("10000000.00"), due=date(2026, 3, 15), as_of=date(2026, 7, 31),
                                  currency="COP", periods=CO_2026, contract_rate_ea=None,
                                  payments=[LatePayment(date(2026, 5, 10), D("4000000.00"))])
    assert [(ln.start, ln.end, ln.days, ln.base, ln.rate_ea, ln.interest) for ln in liq.lines] == expected
    assert (liq.interest_accrued, liq.interest_paid, liq.interest_owed, liq.principal_owed) == (
        D("719802.69"), D("355845.71"), D("363956.98"), D("6355845.71"))
    (paid,) = liq.payments
    assert (paid.to_interest, paid.to_principal, paid.unapplied) == (D("355845.71"), D("3644154.29"), D("0.00"))
    assert not liq.provisional


def test_a_payment_smaller_than_the_interest_leaves_the_base_alone():
    # 2026-03-16..2026-04-10: 16 d x 10.000.000 at 25,52 % = 99.667,16 + 10 d at 26,76 % on 10/04 ... the payment
    # of 50.000 dated 2026-04-01 pays interest only (99.667,16 accrued by 31/03): the base stays 10.000.000.
    liq = liquidate_late_interest(principal=D("10000000"), due=date(2026, 3, 15), as_of=date(2026, 4, 10),
                                  currency="COP", periods=CO_2026, contract_rate_ea=None,
                                  payments=[LatePayment(date(2026, 4, 1), D("50000"))])
    assert [ln.base for ln in liq.lines] == [D("10000000.00"), D("10000000.00")]
    assert liq.interest_paid == D("50000.00") and liq.principal_owed == D("10000000.00")
    assert liq.interest_owed == liq.total - D("50000") == D("99667.16") + interest("10000000", "0.2676", 10) - 50000


def test_payment_before_the_due_date_lowers_the_base_from_the_first_day():
    liq = liquidate_late_interest(principal=D("1000000"), due=date(2026, 3, 15), as_of=date(2026, 3, 31),
                                  currency="COP", periods=CO_2026, contract_rate_ea=None,
                                  payments=[LatePayment(date(2026, 3, 1), D("400000"))])
    assert [(ln.base, ln.interest) for ln in liq.lines] == [(D("600000.00"), interest("600000", "0.2552", 16))]
    assert liq.interest_paid == 0 and liq.principal_owed == D("600000.00")


def test_overpayment_is_unapplied_never_negative_principal():
    liq = liquidate_late_interest(principal=D("1000000"), due=date(2026, 3, 15), as_of=date(2026, 4, 5),
                                  currency="COP", periods=CO_2026, contract_rate_ea=None,
                                  payments=[LatePayment(date(2026, 4, 1), D("2000000"))])
    accrued_march = interest("1000000", "0.2552", 16)
    (paid,) = liq.payments
    assert (paid.to_interest, paid.to_principal) == (accrued_march, D("1000000.00"))
    assert paid.unapplied == D("1000000") - accrued_march == liq.unapplied
    assert liq.principal_owed == 0 and liq.lines[-1].interest == 0


def test_principal_changes_from_the_ledger_split_lines_too():
    # the ledger's own split of the same payment (interest 355.845,71, principal 3.644.154,29) gives the same lines
    by_payment = liquidate_late_interest(principal=D("10000000"), due=date(2026, 3, 15), as_of=date(2026, 7, 31),
                                         currency="COP", periods=CO_2026, contract_rate_ea=None,
                                         payments=[LatePayment(date(2026, 5, 10), D("4000000"))])
    by_ledger = liquidate_late_interest(principal=D("10000000"), due=date(2026, 3, 15), as_of=date(2026, 7, 31),
                                        currency="COP", periods=CO_2026, contract_rate_ea=None,
                                        principal_changes=[(date(2026, 5, 10), D("-3644154.29"))])
    assert [ln.interest for ln in by_ledger.lines] == [ln.interest for ln in by_payment.lines]
    assert by_ledger.principal_owed == by_payment.principal_owed


def test_breaks_start_new_lines_without_changing_the_base():
    liq = liquidate_late_interest(principal=D("10000000"), due=date(2026, 3, 15), as_of=date(2026, 3, 31),
                                  currency="COP", periods=CO_2026, contract_rate_ea=None, breaks=[date(2026, 3, 21)])
    assert [(ln.start, ln.days) for ln in liq.lines] == [(date(2026, 3, 16), 5), (date(2026, 3, 21), 11)]
    assert liq.through(date(2026, 3, 20)) == interest("10000000", "0.2552", 5)


def test_bad_payments_are_refused():
    args = {"principal": D(1000), "due": date(2026, 3, 15), "as_of": date(2026, 3, 31), "currency": "COP",
            "periods": CO_2026, "contract_rate_ea": None}
    with pytest.raises(InvalidPayment, match="after the liquidation date"):
        liquidate_late_interest(**args, payments=[LatePayment(date(2026, 4, 1), D(1))])
    with pytest.raises(InvalidPayment, match="must be positive"):
        liquidate_late_interest(**args, payments=[LatePayment(date(2026, 3, 20), D(0))])


# ---------------------------------------------------------------- provisional months

def test_missing_months_take_the_latest_known_rate_marked_provisional():
    periods = with_provisional(CO_2026, date(2026, 11, 10))
    months = [(p.month, p.usury_rate, p.provisional) for p in periods][-3:]
    assert months == [("2026-09", D("0.2924"), False), ("2026-10", D("0.2924"), True), ("2026-11", D("0.2924"), True)]
    assert periods[-1].end_exclusive == date(2026, 12, 1)
    assert periods[-1].source == "provisional: 2026-09 1260/2026"
    # 1.000.000 from 2026-09-30 through 2026-10-05: 5 days at September's 29,24 %, provisional
    liq = liquidate_late_interest(principal=D("1000000"), due=date(2026, 9, 30), as_of=date(2026, 10, 5),
                                  currency="COP", periods=periods, contract_rate_ea=None)
    assert liq.provisional and liq.provisional_months == ("2026-10",)
    assert liq.lines[0].interest == interest("1000000", "0.2924", 5)
    # a gap in the middle is filled from the month before it; nothing before the first known month
    gap = with_provisional([CO_2026[0], CO_2026[2]], date(2026, 5, 31))
    assert [(p.month, p.provisional, p.usury_rate) for p in gap] == [
        ("2026-03", False, D("0.2552")), ("2026-04", True, D("0.2552")), ("2026-05", False, D("0.2817"))]
    with pytest.raises(MissingRate, match="2026-02"):
        liquidate_late_interest(principal=D(1), due=date(2026, 2, 20), as_of=date(2026, 3, 5), currency="COP",
                                periods=gap, contract_rate_ea=None)


# ---------------------------------------------------------------- properties

amounts = st.decimals(min_value=D("0.01"), max_value=D("50000000"), places=2)
pay_days = st.integers(min_value=-20, max_value=150)


@settings(max_examples=60, deadline=None)
@given(principal=amounts, pays=st.lists(st.tuples(pay_days, amounts), max_size=5),
       rate=st.one_of(st.none(), st.decimals(min_value=D("0"), max_value=D("0.6"), places=4)))
def test_interest_is_never_negative_and_the_totals_add_up(principal, pays, rate):
    due, as_of = date(2026, 3, 15), date(2026, 8, 15)
    payments = [LatePayment(due + timedelta(days=d), a) for d, a in pays]
    liq = liquidate_late_interest(principal=principal, due=due, as_of=as_of, currency="COP", periods=CO_2026,
                                  contract_rate_ea=rate, payments=payments)
    assert all(ln.interest >= 0 and ln.base >= 0 for ln in liq.lines)
    assert liq.interest_owed >= 0 and liq.principal_owed >= 0
    assert sum(p.amount for p in liq.payments) == (liq.interest_paid + (principal - liq.principal_owed)
                                                   + liq.unapplied)
    assert sum(ln.days for ln in liq.lines) == (as_of - due).days


@settings(max_examples=60, deadline=None)
@given(principal=amounts, day=st.integers(min_value=1, max_value=150))
def test_paying_everything_on_day_d_leaves_nothing_accruing_after_it(principal, day):
    due, as_of = date(2026, 3, 15), date(2026, 8, 15)
    pay_day = due + timedelta(days=day)
    before = liquidate_late_interest(principal=principal, due=due, as_of=pay_day - timedelta(days=1),
                                     currency="COP", periods=CO_2026, contract_rate_ea=None)
    everything = before.total + before.principal
    liq = liquidate_late_interest(principal=principal, due=due, as_of=as_of, currency="COP", periods=CO_2026,
                                  contract_rate_ea=None, payments=[LatePayment(pay_day, everything)])
    assert all(ln.interest == 0 for ln in liq.lines if ln.start >= pay_day)
    assert liq.total == before.total and liq.interest_owed == 0 and liq.principal_owed == 0


@settings(max_examples=60, deadline=None)
@given(principal=amounts, pays=st.lists(st.tuples(pay_days, amounts), max_size=4),
       cut=st.integers(min_value=-5, max_value=153))  # through as_of (2026-08-15)
def test_truncating_equals_liquidating_to_the_earlier_date(principal, pays, cut):
    # the cycle compares what it posted through its last run with the liquidation cut at that date
    due, as_of = date(2026, 3, 15), date(2026, 8, 15)
    day = due + timedelta(days=cut)
    payments = [LatePayment(due + timedelta(days=d), a) for d, a in pays]
    full = liquidate_late_interest(principal=principal, due=due, as_of=as_of, currency="COP", periods=CO_2026,
                                   contract_rate_ea=None, payments=payments)
    again = liquidate_late_interest(principal=principal, due=due, as_of=day, currency="COP", periods=CO_2026,
                                    contract_rate_ea=None, payments=[p for p in payments if p.day <= day])
    cut_liq = full.truncated(day)
    assert cut_liq.lines == again.lines
    assert (cut_liq.total, cut_liq.interest_paid) == (again.total, again.interest_paid)
