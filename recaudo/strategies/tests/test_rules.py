from datetime import date, timedelta
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from recaudo.strategies.rules import (
    CONDITIONS,
    DISPUTED_ONLY,
    HELD,
    NOTHING_OWED,
    RAN_TODAY,
    DebtorFacts,
    History,
    SegmentDef,
    SimDebtor,
    compact_amount,
    match_segment,
    next_step,
    priority,
    simulate,
    stage_for,
)
from recaudo.strategies.schema import all_steps, default_content

TODAY = date(2026, 3, 2)
STEPS = all_steps(default_content())


def facts(days=10, balance=100_000_000, **kw):
    return DebtorFacts(debtor_id=kw.pop("debtor_id", 1), balance_minor=balance,
                       oldest_due_date=TODAY - timedelta(days=days), open_count=1, **kw)


# -- worked examples ----------------------------------------------------------------------------------------------
def test_step_on_its_day():
    assert next_step(STEPS, facts(3), TODAY, History()).step["key"] == "sms-overdue"
    assert next_step(STEPS, facts(-5), TODAY, History()).step["key"] == "email-reminder"
    assert next_step(STEPS, facts(-6), TODAY, History()).step is None


def test_catch_up_runs_latest_missed_step_only():
    choice = next_step(STEPS, facts(47), TODAY, History(last_offset=3))
    assert choice.step["key"] == "letter-45"
    assert next_step(STEPS, facts(48), TODAY, History(last_offset=45)).step is None


def test_never_goes_back_to_an_earlier_step():
    assert next_step(STEPS, facts(12), TODAY, History(last_offset=20)).step is None


def test_nothing_for_paid_disputed_only_held_or_already_today():
    assert next_step(STEPS, facts(balance=0), TODAY, History()).reason == NOTHING_OWED
    only_disputed = DebtorFacts(debtor_id=1, balance_minor=0, oldest_due_date=None, disputed=True, disputed_minor=5)
    assert next_step(STEPS, only_disputed, TODAY, History()).reason == DISPUTED_ONLY
    held = next_step(STEPS, facts(3, hold_reasons=frozenset({"dispute"})), TODAY, History())
    assert held.step is None and held.reason == HELD and held.detail == "dispute"
    assert next_step(STEPS, facts(3), TODAY, History(ran_today=True)).reason == RAN_TODAY


def test_promise_hold_lets_an_explicit_promise_step_through():
    steps = [*STEPS, {"key": "promise-reminder", "offset": 4, "action": "send_message", "channel": "sms",
                      "template": "promise", "conditions": {"promise_pending": True}}]
    steps.sort(key=lambda s: s["offset"])
    choice = next_step(steps, facts(5, hold_reasons=frozenset({"promise"})), TODAY, History())
    assert choice.step["key"] == "promise-reminder"
    assert next_step(steps, facts(5, hold_reasons=frozenset({"bankruptcy"})), TODAY, History()).step is None


def test_conditions_amount_and_consent():
    steps = [{"key": "big", "offset": 3, "action": "create_task", "task": "call",
              "conditions": {"min_amount": "5000000", "consent": True}}]
    small = next_step(steps, facts(3, balance=100_000_00), TODAY, History())
    assert small.step is None and small.reason == CONDITIONS and "min_amount" in small.detail
    no_consent = next_step(steps, facts(3, balance=600_000_000), TODAY, History())
    assert no_consent.step is None and "consent" in no_consent.detail
    ok = next_step(steps, facts(3, balance=600_000_000, consents=frozenset({"call"})), TODAY, History())
    assert ok.step["key"] == "big"


def test_stages_default():
    stages = default_content()["stages"]
    assert [stage_for(stages, d)["key"] for d in (-5, 0, 1, 30, 31, 60, 61, 90, 91, 900)] == [
        "preventive", "preventive", "early", "early", "administrative", "administrative", "pre_legal",
        "pre_legal", "legal", "legal"]
    assert stage_for(stages, -6) is None


def test_segment_first_match_wins():
    segments = [
        SegmentDef(1, "SME-high", {"kind": "company", "balance_min": "1000000"}, Decimal(2)),
        SegmentDef(2, "Companies", {"kind": "company"}),
        SegmentDef(3, "Old", {"days_min": 90, "tags_any": ["vip"], "open_count_max": 3}),
    ]
    assert match_segment(facts(kind="company"), segments, TODAY).name == "SME-high"
    assert match_segment(facts(kind="company", balance=100), segments, TODAY).name == "Companies"
    assert match_segment(facts(100, tags=frozenset({"vip"})), segments, TODAY).name == "Old"
    assert match_segment(facts(100), segments, TODAY) is None
    seniority = SegmentDef(4, "New", {"seniority_days_max": 365, "risk_min": 50})
    assert match_segment(facts(customer_since=TODAY - timedelta(days=100), risk_score=70), [seniority], TODAY)
    assert match_segment(facts(customer_since=TODAY - timedelta(days=100)), [seniority], TODAY) is None


def test_priority_explanation_es_en():
    p = priority(420_000_000, 47, SegmentDef(1, "SME-high", {}, Decimal(2)))
    assert p.explain("en") == "balance 4.2M, 47 days, segment SME-high"
    assert p.explain("es") == "saldo 4,2 M, 47 días, segmento SME-high"
    assert priority(420_000_000, 10, None).score > priority(420_000_000, 400, None).score
    assert compact_amount(850_000, "es") == "850 mil" and compact_amount(999, "en") == "999"


def test_priority_weighs_the_risk_score():
    # 1,000,000.00 not yet overdue: expected 950,000 -> 598; risk 50: x1.5 -> 1,425,000 -> 615; risk 100: x2 -> 628
    assert [priority(100_000_000, 0, None, 100, r).score for r in (None, 0, 50, 100, 250)] == [598, 598, 615, 628, 628]


# -- properties ---------------------------------------------------------------------------------------------------
debtor_days = st.lists(st.integers(min_value=-20, max_value=200), min_size=1, max_size=8)


@settings(max_examples=150, deadline=None)
@given(debtor_days, st.integers(min_value=1, max_value=150))
def test_daily_cycle_with_feedback_never_repeats_a_step(days_list, horizon):
    debtors = [SimDebtor(facts(d, debtor_id=i)) for i, d in enumerate(days_list)]
    emitted = simulate(STEPS, debtors, [TODAY + timedelta(days=k) for k in range(horizon)])
    keys = [(debtor, step, episode) for _, debtor, step, episode in emitted]
    assert len(keys) == len(set(keys))
    per_day = [(day, debtor) for day, debtor, _, _ in emitted]
    assert len(per_day) == len(set(per_day))


@settings(max_examples=150, deadline=None)
@given(debtor_days, st.integers(min_value=0, max_value=60), st.integers(min_value=1, max_value=120))
def test_after_a_gap_at_most_one_step_per_debtor(days_list, before, gap):
    debtors = [SimDebtor(facts(d, debtor_id=i)) for i, d in enumerate(days_list)]
    simulate(STEPS, debtors, [TODAY + timedelta(days=k) for k in range(before)])
    resume = TODAY + timedelta(days=before + gap)
    emitted = simulate(STEPS, debtors, [resume])
    assert len({d for _, d, _, _ in emitted}) == len(emitted) <= len(debtors)
    for _, debtor_id, key, _ in emitted:  # the one step is the latest one due
        d = debtors[debtor_id]
        dpd = (resume - d.facts.oldest_due_date).days
        assert key == max((s for s in STEPS if s["offset"] <= dpd), key=lambda s: s["offset"])["key"]
    # and running the same day again emits nothing
    assert simulate(STEPS, debtors, [resume]) == []


def test_priority_explanation_reads_naturally_without_a_segment_and_for_one_day():
    from recaudo.strategies.rules import Priority

    p = Priority(score=1, balance_minor=4_200_000_00, days=1, segment="")
    assert p.explain("en") == "balance 4.2M, 1 day, no segment"
    assert p.explain("es") == "saldo 4,2 M, 1 día, sin segmento"


def test_priority_explanation_of_a_debtor_not_yet_due_says_when_it_falls_due():
    """The Today page read "saldo 17,7 M, -5 días" for a debtor whose invoice falls due in five days (issue 14)."""
    from recaudo.strategies.rules import Priority

    p = Priority(score=1, balance_minor=4_200_000_00, days=-5, segment="")
    assert p.explain("es") == "saldo 4,2 M, vence en 5 días, sin segmento"
    assert p.explain("en") == "balance 4.2M, due in 5 days, no segment"
    tomorrow = Priority(score=1, balance_minor=100, days=-1, segment="")
    assert tomorrow.explain("es") == "saldo 1, vence en 1 día, sin segmento"
    assert Priority(score=1, balance_minor=100, days=0, segment="").explain("es") == "saldo 1, 0 días, sin segmento"
