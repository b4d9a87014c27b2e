"""The KPI formulas against the worked examples of their sources (exact numbers), and their invariants."""

from datetime import date, timedelta
from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from recaudo.analytics import rules as r


def test_dso_standard_jd_edwards_example():
    assert r.dso_standard(receivables=10_869, credit_sales=5_538 + 4_566 + 7_570, days=90) == Decimal("55.35")


def test_dso_of_no_sales_is_undefined_not_zero():
    assert r.dso_standard(receivables=1_000, credit_sales=0, days=30) is None


def test_dso_countback_example():
    months = [r.MonthSales(100_000, 30), r.MonthSales(80_000, 30), r.MonthSales(70_000, 30)]
    assert r.dso_countback(receivables=212_000, months_newest_first=months) == Decimal("73.71")


def test_dso_countback_receivables_within_the_latest_month():
    assert r.dso_countback(receivables=50_000, months_newest_first=[r.MonthSales(100_000, 31)]) == Decimal("15.50")


def test_dso_countback_exactly_two_months():
    months = [r.MonthSales(100_000, 30), r.MonthSales(80_000, 31), r.MonthSales(70_000, 30)]
    assert r.dso_countback(receivables=180_000, months_newest_first=months) == Decimal("61.00")


def test_dso_countback_older_than_all_months_counts_them_whole():
    assert r.dso_countback(receivables=500, months_newest_first=[r.MonthSales(100, 30), r.MonthSales(100, 28)]) \
        == Decimal("58.00")


def test_best_possible_dso_and_average_days_delinquent_creditguru_example():
    assert r.dso_standard(receivables=15_000, credit_sales=10_000, days=30) == Decimal("45.00")
    assert r.best_possible_dso(current_receivables=4_000, credit_sales=10_000, days=30) == Decimal("12.00")
    assert r.average_days_delinquent(receivables=15_000, current_receivables=4_000, credit_sales=10_000,
                                     days=30) == Decimal("33.00")


def test_cei_gaviti_example_with_period_total_sales():
    assert r.cei(opening_receivables=100_000, credit_sales=1_000_000, ending_receivables=120_000,
                 ending_current_receivables=100_000) == Decimal("98.00")


def test_recovery_rate_example():
    assert r.recovery_rate(collected=15_000, placed=100_000) == Decimal("15.00")


def test_cure_rate():
    assert r.cure_rate(delinquent_at_start={1, 2, 3, 4}, current_at_end={2, 4, 9}) == Decimal("50.00")
    assert r.cure_rate(delinquent_at_start=set(), current_at_end={1}) is None


def test_simple_rates():
    assert r.promise_kept_rate(kept=7, fell_due=9) == Decimal("77.78")
    assert r.right_party_contact_rate(right_party_contacts=33, attempts=120) == Decimal("27.50")
    assert r.contact_to_promise_rate(promises=11, right_party_contacts=33) == Decimal("33.33")
    assert r.agreement_compliance_rate(installments_paid_on_time=45, installments_due=60) == Decimal("75.00")
    assert r.attainment(collected=12_500_000, target=10_000_000) == Decimal("125.00")


def test_roll_rates_by_balance_and_count():
    moves = [
        r.Move("current", "current", 600), r.Move("current", "1-30", 400),
        r.Move("1-30", "31-60", 300), r.Move("1-30", "paid", 100), r.Move("1-30", "current", 100),
        r.Move("1-30", "1-30", 500),
    ]
    m = r.roll_rates(moves, buckets=["current", "1-30", "31-60"])
    assert m.columns == ("current", "1-30", "31-60", "paid")
    assert m.by_balance[("current", "1-30")] == Decimal("40.00")
    assert m.by_count[("current", "1-30")] == Decimal("50.00")
    assert m.by_balance[("1-30", "31-60")] == Decimal("30.00")
    assert m.by_balance[("1-30", "paid")] == Decimal("10.00")
    assert m.by_count[("1-30", "paid")] == Decimal("25.00")
    assert m.by_balance[("31-60", "31-60")] is None  # nothing in 31-60 the month before
    assert m.base_balance == {"current": 1000, "1-30": 1000, "31-60": 0}


@settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(st.sampled_from(["a", "b", "c"]), st.sampled_from(["a", "b", "c", "paid"]),
                          st.integers(1, 10**9)), min_size=1, max_size=40))
def test_roll_rate_rows_account_for_every_account(rows):
    m = r.roll_rates([r.Move(*row) for row in rows], buckets=["a", "b", "c"])
    for a in m.buckets:
        if m.base_count[a]:
            total = sum(m.by_count[(a, b)] for b in m.columns)
            assert abs(total - 100) <= Decimal("0.01") * len(m.columns)


def test_message_effectiveness_counts_a_payment_within_n_days_after_the_message():
    sent = [r.Sent(1, "email", "reminder", date(2026, 3, 1)), r.Sent(2, "email", "reminder", date(2026, 3, 1)),
            r.Sent(1, "sms", "late", date(2026, 3, 1)), r.Sent(3, "sms", "late", date(2026, 3, 10))]
    payments = {1: [date(2026, 3, 8)], 2: [date(2026, 2, 27)], 3: [date(2026, 3, 10)]}
    effects = r.message_effectiveness(sent, payments, within_days=7)
    assert [(e.channel, e.template, e.messages, e.followed_by_payment, e.rate) for e in effects] == [
        ("email", "reminder", 2, 1, Decimal("50.00")),
        ("sms", "late", 2, 2, Decimal("100.00")),
    ]
    assert r.message_effectiveness(sent[:1], payments, within_days=6)[0].followed_by_payment == 0


def test_cash_forecast_weights_by_kept_rate():
    expected = [r.Expected(date(2026, 5, 4), 100_000, "promise"), r.Expected(date(2026, 5, 4), 50_001, "installment"),
                r.Expected(date(2026, 6, 1), 10, "promise")]
    f = r.cash_forecast(expected, kept_rate={"promise": Decimal("60.00"), "installment": None},
                        start=date(2026, 5, 1), end=date(2026, 5, 31))
    assert f == {date(2026, 5, 4): (150_001, 110_001)}


def test_satisfaction():
    s = r.satisfaction([5, 4, 3, 5, 1, 9])
    assert s.responses == 5 and s.average == Decimal("3.60") and s.satisfied_percent == Decimal("60.00")
    assert s.distribution == {1: 1, 2: 0, 3: 1, 4: 1, 5: 2}
    assert r.satisfaction([]).average is None


@given(st.integers(0, 10**12), st.integers(0, 10**12), st.integers(0, 10**12))
def test_cei_is_at_most_100_when_ending_current_is_at_most_ending_total(opening, sales, ending):
    current = ending // 2
    value = r.cei(opening_receivables=opening, credit_sales=sales, ending_receivables=ending,
                  ending_current_receivables=current)
    if value is not None and opening + sales - current > 0:
        assert value <= 100


def test_report_schedule():
    wed = date(2026, 12, 2)
    assert r.report_next_due("weekly", wed) == date(2026, 12, 7)
    assert r.report_next_due("weekly", date(2026, 12, 7)) == date(2026, 12, 14)  # strictly after
    assert r.report_next_due("monthly", wed) == date(2027, 1, 1)
    assert r.report_next_due("monthly", date(2027, 1, 1)) == date(2027, 2, 1)
    assert r.report_period("weekly", date(2026, 12, 7)) == (date(2026, 11, 30), date(2026, 12, 6))
    assert r.report_period("monthly", date(2027, 1, 1)) == (date(2026, 12, 1), date(2026, 12, 31))
    assert r.report_period("monthly", date(2027, 3, 1)) == (date(2027, 2, 1), date(2027, 2, 28))


@given(st.dates(min_value=date(2000, 1, 1), max_value=date(2100, 1, 1)), st.sampled_from(["weekly", "monthly"]))
def test_the_next_summary_is_after_and_covers_days_before_it(after, frequency):
    due = r.report_next_due(frequency, after)
    start, end = r.report_period(frequency, due)
    assert due > after and end == due - timedelta(days=1) and start <= end and (end - start).days < 31


def test_proportion_difference_ci_worked_example():
    ci = r.proportion_difference_ci(successes_a=30, n_a=100, successes_b=20, n_b=100)
    assert (ci.difference, ci.low, ci.high, ci.conclusive) == (Decimal("10.00"), Decimal("-1.92"), Decimal("21.92"),
                                                               False)
    ci = r.proportion_difference_ci(successes_a=300, n_a=1000, successes_b=200, n_b=1000)
    assert ci.conclusive and ci.low == Decimal("6.23")
    assert r.proportion_difference_ci(successes_a=0, n_a=0, successes_b=1, n_b=2) is None
