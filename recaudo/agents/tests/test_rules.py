"""The agent workspace's pure rules (recaudo/agents/rules.py): no database, no clock; worked examples."""

from datetime import UTC, date, datetime, time
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from recaudo.agents.rules import ContactFact, PaymentFact, attribute_payments, commission_minor, day_slots, window_for
from recaudo.compliance.rules import ruleset


def test_commission_is_rounded_half_up_to_the_minor_unit():
    assert commission_minor(1_234_567, Decimal("2.5")) == 30_864  # 30.864,175
    assert commission_minor(333, Decimal("1.5")) == 5  # 4,995
    assert commission_minor(100, Decimal("0.5")) == 1  # 0,5 goes up
    assert commission_minor(0, Decimal("10")) == 0


def test_callback_slots_every_half_hour_inside_the_window():
    day = date(2026, 3, 2)
    assert day_slots(day, (time(8), time(10))) == [time(8), time(8, 30), time(9), time(9, 30)]
    assert day_slots(day, None)[0] == time(7) and day_slots(day, None)[-1] == time(20, 30)


def test_colombian_call_window_from_the_rule_data():
    """Ley 2300 de 2023: Monday to Friday 7:00-19:00, Saturday 8:00-15:00, no calls on Sunday."""
    rules = ruleset()
    assert window_for(rules, "CO", "call", date(2026, 3, 2)) == (time(7), time(19))
    assert window_for(rules, "CO", "call", date(2026, 3, 7)) == (time(8), time(15))
    assert window_for(rules, "CO", "call", date(2026, 3, 8)) is None


def test_a_payment_counts_for_the_agent_with_the_latest_contact_in_the_window():
    def at(day, hour):
        return datetime(2026, 3, day, hour, tzinfo=UTC)

    contacts = [ContactFact(agent_id=1, debtor_id=10, day=date(2026, 3, 2), at=at(2, 9)),
                ContactFact(agent_id=2, debtor_id=10, day=date(2026, 3, 4), at=at(4, 9)),
                ContactFact(agent_id=2, debtor_id=20, day=date(2026, 2, 1), at=datetime(2026, 2, 1, 9, tzinfo=UTC))]
    payments = [PaymentFact(payment_id=1, debtor_id=10, day=date(2026, 3, 5), amount_minor=500_000),
                PaymentFact(payment_id=2, debtor_id=10, day=date(2026, 3, 3), amount_minor=100_000),
                PaymentFact(payment_id=3, debtor_id=20, day=date(2026, 3, 5), amount_minor=900_000)]
    # payment 1: agent 2's contact on the 4th is the latest; payment 2: only agent 1's had happened by the 3rd;
    # payment 3: the only contact was 32 days before, outside a 30-day window: nobody's.
    assert attribute_payments(payments, contacts, window_days=30) == {2: 500_000, 1: 100_000}


@given(st.lists(st.integers(min_value=1, max_value=10**12), max_size=20))
def test_attribution_never_counts_more_than_was_paid(amounts):
    contacts = [ContactFact(agent_id=7, debtor_id=1, day=date(2026, 3, 1), at=datetime(2026, 3, 1, tzinfo=UTC))]
    payments = [PaymentFact(payment_id=i, debtor_id=1, day=date(2026, 3, 2), amount_minor=a)
                for i, a in enumerate(amounts)]
    assert sum(attribute_payments(payments, contacts, window_days=30).values()) == sum(amounts)
