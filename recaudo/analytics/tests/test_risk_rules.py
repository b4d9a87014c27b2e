"""The pure rules of payment prediction: features known on the issue date only (the leakage guard), the
rule-based score, categories, reasons, the backtest's calibration table and lift, the credit policy. Worked
examples with exact numbers; property tests where an invariant exists."""

from datetime import date

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from recaudo.analytics import risk_rules as rr


def d(text: str) -> int:
    return date.fromisoformat(text).toordinal()


def test_category_cut_points():
    assert [rr.category(p) for p in (0.0, 0.1499, 0.15, 0.34, 0.35, 0.5999, 0.60, 1.0)] == [
        "A", "A", "B", "B", "C", "C", "D", "D"]
    assert rr.categories(np.array([0.1, 0.15, 0.35, 0.6])).tolist() == ["A", "B", "C", "D"]
    assert rr.risk_score(0.625) == 62 and rr.risk_score(1.7) == 100 and rr.risk_score(-1) == 0


@given(st.lists(st.floats(min_value=0, max_value=1), min_size=2, max_size=50))
def test_the_category_never_falls_as_the_probability_rises(ps):
    ps = sorted(ps)
    cats = rr.categories(np.array(ps)).tolist()
    assert cats == sorted(cats) and cats == [rr.category(p) for p in ps]


# One debtor (7), four obligations:
#   A issued 1 Jan, due 31 Jan, settled 10 Mar (38 days late, 68 days to settle)
#   B issued 1 Feb, due 3 Mar, settled 1 Mar (on time, 28 days)
#   C issued 1 Mar, due 31 Mar, settled 15 Jun (76 days late, 106 days)
#   D issued 1 Jun, due 1 Jul, open
HISTORY = rr.History.of(
    debtor=[7, 7, 7, 7],
    issue=[d("2026-01-01"), d("2026-02-01"), d("2026-03-01"), d("2026-06-01")],
    due=[d("2026-01-31"), d("2026-03-03"), d("2026-03-31"), d("2026-07-01")],
    settled=[d("2026-03-10"), d("2026-03-01"), d("2026-06-15"), -1],
)


def test_prior_counts_only_what_was_settled_before_the_day():
    p = rr.prior(HISTORY, np.array([7, 7, 7, 7, 8]),
                 np.array([d("2026-03-01"), d("2026-03-02"), d("2026-03-11"), d("2026-06-16"), d("2026-06-16")]))
    # 1 Mar: nothing settled yet (B settles that very day: not before it); A and B open
    # 2 Mar: B settled (on time); A open -> 1 open (C was issued on 1 Mar, so 2 open)
    # 11 Mar: A and B settled, one late (38 days), C open
    # 16 Jun: A, B, C settled; 2 of 3 late, 38 + 76 days late, 68 + 28 + 106 days to settle; D open
    assert p.settled.tolist() == [0, 1, 2, 3, 0]
    assert p.late.tolist() == [0, 0, 1, 2, 0]
    assert p.days_late.tolist() == [0, 0, 38, 114, 0]
    assert p.days_to_settle.tolist() == [0, 28, 96, 202, 0]
    assert p.open.tolist() == [2, 2, 1, 1, 0]
    assert p.late_ratio.round(4).tolist() == [0, 0, 0.5, 0.6667, 0]
    assert p.avg_days_late.tolist() == [0, 0, 19, 38, 0]


def test_leakage_guard_a_later_settlement_never_changes_an_earlier_feature():
    """The features of D (issued 1 Jun) are the same whatever happens after 1 Jun: settle C on 15 Jun or never,
    D's own settlement, a new obligation settled in July."""
    day = np.array([d("2026-06-01")])
    before = rr.prior(HISTORY, np.array([7]), day)
    changed = rr.History.of(
        debtor=[7, 7, 7, 7, 7],
        issue=[*HISTORY.issue.tolist(), d("2026-05-01")],
        due=[*HISTORY.due.tolist(), d("2026-05-31")],
        settled=[d("2026-03-10"), d("2026-03-01"), -1, d("2026-06-02"), d("2026-07-30")],
    )
    after = rr.prior(changed, np.array([7]), day)
    assert (before.settled.tolist(), before.late.tolist()) == ([2], [1])
    assert (after.settled.tolist(), after.late.tolist(), after.days_late.tolist()) == ([2], [1], [38])
    # the new obligation issued 1 May is open on 1 Jun: counted as open, never as late
    assert after.open.tolist() == [before.open[0] + 1]


def test_labels_known_on_a_day():
    late, known = rr.labels(due=HISTORY.due, settled=HISTORY.settled, late_days=0, known_on=d("2026-04-01"))
    # A settled late before 1 Apr; B on time; C unsettled on 1 Apr but past due (31 Mar): late already; D not due
    assert known.tolist() == [True, True, True, False]
    assert late.tolist() == [True, False, True, False]
    late, known = rr.labels(due=HISTORY.due, settled=HISTORY.settled, late_days=45, known_on=d("2026-04-01"))
    assert known.tolist() == [True, True, False, False] and late.tolist() == [False, False, False, False]


def test_rule_probability_worked_examples():
    p = rr.Prior(settled=np.array([5, 7, 0, 0]), late=np.array([4, 0, 0, 0]), days_late=np.zeros(4),
                 days_to_settle=np.zeros(4), open=np.array([0, 0, 0, 6]))
    got = rr.rule_probability(p, np.array([False, False, True, False])).round(4).tolist()
    assert got == [0.625, 0.1, 0.4833, 0.4833]  # 5/8; 1/10; 1/3 + 0.15; 1/3 + min(4 x 0.05, 0.15)
    days = rr.rule_expected_days(rr.Prior(np.array([2, 0]), np.array([1, 0]), np.array([24, 0]), np.zeros(2),
                                          np.zeros(2)), np.array([30, 30]), 5.0)
    assert days.tolist() == [42.0, 35.0]  # 30 + 24/2; 30 + the portfolio's 5


@given(st.lists(st.tuples(st.integers(0, 500), st.integers(0, 500), st.integers(0, 50), st.booleans()),
                min_size=1, max_size=30))
def test_rule_probability_is_a_probability(rows):
    settled = np.array([r[0] for r in rows])
    late = np.minimum(np.array([r[1] for r in rows]), settled)
    p = rr.Prior(settled=settled, late=late, days_late=np.zeros(len(rows)), days_to_settle=np.zeros(len(rows)),
                 open=np.array([r[2] for r in rows]))
    probability = rr.rule_probability(p, np.array([r[3] for r in rows]))
    assert ((probability >= 0) & (probability <= 1)).all()


def test_feature_matrix_columns():
    p = rr.prior(HISTORY, np.array([7]), np.array([d("2026-06-01")]))
    x = rr.feature_matrix(p, amount_minor=[99], terms_days=[30], disputed=[True], has_phone=[True],
                          has_email=[False], kind=["loan"])
    row = dict(zip(rr.FEATURES, x[0].round(4).tolist(), strict=True))
    assert row["prior_late_ratio"] == 0.5 and row["prior_avg_days_late"] == 19 and row["open_at_issue"] == 1
    assert row["prior_avg_days_to_settle"] == 48 and row["amount_log"] == round(float(np.log(100)), 4)
    assert row["kind_loan"] == 1 and row["kind_invoice"] == 0 and row["disputed"] == 1 and row["no_history"] == 0


def test_reasons_for_the_last_five():
    # six due 1 Jan, settled (in order) 1 Jan (on time), 10 Jan (9 days late), then 45, 46, 48 and 59 days late:
    # the last five are 4 more than 30 days late, all five late
    due = [d("2026-01-01")] * 6
    settled = [d("2026-01-01"), d("2026-02-15"), d("2026-02-16"), d("2026-01-10"), d("2026-02-18"), d("2026-03-01")]
    recent = rr.recent_late([3] * 6, due, settled)
    assert recent == {3: (4, 5, 5)}
    why = rr.reasons(recent=recent[3], settled=6, avg_days_late=40.2, open_count=3, disputed=True, rules_only=False)
    assert why == [["late_recent", 4, 5, 30], ["avg_late", 40, 6], ["open_many", 3]]
    assert rr.explain_reason(why[0]) == "4 de las últimas 5 obligaciones pagadas con más de 30 días de mora"
    assert rr.explain_reason(why[0], "en") == "4 of the last 5 obligations paid more than 30 days late"
    assert rr.explain_reason(["late_recent", 1, 1, 30]) == "la última obligación pagada con más de 30 días de mora"
    good = rr.reasons(recent=(0, 2, 0), settled=2, avg_days_late=0, open_count=0, disputed=False, rules_only=True)
    assert [rr.explain_reason(r) for r in good] == ["las últimas 2 obligaciones pagadas a tiempo",
                                                    "puntaje por reglas: poco historial en la cartera"]
    assert rr.explain_reason(["no_history"], "en") == "no payment history"
    assert rr.explain_reason(["<script>"]) == "<script>"  # unknown code: as it is (templates escape it)


def test_calibration_by_decile_and_lift():
    # 20 obligations: predicted 0.95, 0.90, ..., 0.00; the two highest and three others late (5 of 20)
    p = np.round(np.arange(19, -1, -1) * 0.05, 2)
    y = np.zeros(20, dtype=bool)
    y[[0, 1, 7, 12, 18]] = True
    deciles = rr.calibration_by_decile(p, y)
    assert [(x.decile, x.count, round(x.predicted, 3), x.observed) for x in deciles[:2]] == [
        (1, 2, 0.925, 1.0), (2, 2, 0.825, 0.0)]
    assert len(deciles) == 10 and sum(x.count for x in deciles) == 20
    assert rr.top_decile_lift(p, y) == 4.0  # 1.0 / 0.25
    assert rr.top_decile_lift(p, np.zeros(20)) is None


def test_credit_policy():
    assert rr.suggested_limit("B", 1_500_000) == 3_000_000
    assert rr.suggested_limit("D", 1_500_000) == 0 and rr.suggested_limit("", 10) == 0
    assert rr.review_reasons(category_now="C", category_then="A", exposure_now=100, exposure_then=100, limit=500,
                             review_on_passed=False) == [["category", "A", "C"]]
    assert rr.review_reasons(category_now="A", category_then="A", exposure_now=125, exposure_then=100, limit=120,
                             review_on_passed=True) == [["exposure", 100, 125], ["over_limit", 125, 120],
                                                        ["review_due"]]
    assert rr.review_reasons(category_now="A", category_then="A", exposure_now=124, exposure_then=100, limit=None,
                             review_on_passed=False) == []


@pytest.mark.parametrize("debtors", [[], [1]])
def test_empty_inputs(debtors):
    h = rr.History.of([], [], [], [])
    p = rr.prior(h, np.array(debtors, dtype=np.int64), np.array([d("2026-01-01")] * len(debtors), dtype=np.int64))
    assert p.settled.tolist() == [0] * len(debtors)
    assert rr.recent_late([], [], []) == {}
