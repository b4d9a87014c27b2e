from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from recaudo.ledger.rules import Allocation, OpenItem, allocate

A = OpenItem(1, date(2026, 1, 31), "F-1", {"principal": 100_00, "interest": 5_00, "fee": 2_00})
B = OpenItem(2, date(2026, 2, 28), "F-2", {"principal": 200_00, "interest": 10_00, "fee": 0})


def test_component_mode_fees_then_interest_then_principal_oldest_first():
    # both due on the payment date: the portfolio chose "component", so B's interest comes before A's principal
    result = allocate(20_00, [B, A], mode="component", on=date(2026, 3, 1))
    assert result.allocations == (
        Allocation(1, "fee", 2_00),
        Allocation(1, "interest", 5_00),
        Allocation(2, "interest", 10_00),
        Allocation(1, "principal", 3_00),
    )
    assert result.unapplied_minor == 0


def test_default_mode_is_oldest_obligation_first_each_fee_interest_principal():
    result = allocate(110_00, [B, A], on=date(2026, 3, 1))
    assert result.allocations == (
        Allocation(1, "fee", 2_00),
        Allocation(1, "interest", 5_00),
        Allocation(1, "principal", 100_00),
        Allocation(2, "interest", 3_00),
    )


def test_obligation_mode_pays_oldest_obligation_completely_first():
    result = allocate(110_00, [B, A], mode="obligation")
    assert result.allocations == (
        Allocation(1, "fee", 2_00),
        Allocation(1, "interest", 5_00),
        Allocation(1, "principal", 100_00),
        Allocation(2, "interest", 3_00),
    )


def test_named_obligation_goes_first():
    result = allocate(12_00, [A, B], named_obligation_id=2)
    assert result.allocations == (Allocation(2, "interest", 10_00), Allocation(2, "principal", 2_00))


# The module docstring's worked example: A due 2026-01-31, C due 2026-04-30 (not yet due on 2026-03-01).
C = OpenItem(3, date(2026, 4, 30), "F-3", {"principal": 200_00, "interest": 10_00, "fee": 0})
ON = date(2026, 3, 1)


@pytest.mark.parametrize("mode", ["obligation", "component"])
def test_due_item_is_paid_before_anything_not_yet_due_in_every_mode(mode):
    result = allocate(100_00, [C, A], mode=mode, on=ON)
    assert result.allocations == (
        Allocation(1, "fee", 2_00),
        Allocation(1, "interest", 5_00),
        Allocation(1, "principal", 93_00),
    )


def test_not_yet_due_item_gets_what_is_left_interest_first():
    result = allocate(120_00, [C, A], on=ON)
    assert result.allocations == (
        Allocation(1, "fee", 2_00),
        Allocation(1, "interest", 5_00),
        Allocation(1, "principal", 100_00),
        Allocation(3, "interest", 10_00),
        Allocation(3, "principal", 3_00),
    )


def test_due_on_the_payment_date_counts_as_due():
    today = OpenItem(4, ON, "F-4", {"principal": 50_00})
    later = OpenItem(5, date(2026, 3, 2), "F-5", {"interest": 9_00})
    result = allocate(50_00, [later, today], mode="component", on=ON)
    assert result.allocations == (Allocation(4, "principal", 50_00),)


def test_named_not_yet_due_obligation_still_goes_first():
    result = allocate(15_00, [A, C], named_obligation_id=3, on=ON)
    assert result.allocations == (Allocation(3, "interest", 10_00), Allocation(3, "principal", 5_00))


def test_custom_order_interest_before_principal_without_fees_first():
    result = allocate(8_00, [A], order=("interest", "principal", "fee"))
    assert result.allocations == (Allocation(1, "interest", 5_00), Allocation(1, "principal", 3_00))


def test_overpayment_stays_unapplied():
    result = allocate(400_00, [A, B])
    assert result.applied_minor == 317_00
    assert result.unapplied_minor == 83_00


def test_nothing_owed_everything_unapplied():
    assert allocate(5_00, []).unapplied_minor == 5_00


@pytest.mark.parametrize("bad", [0, -1])
def test_non_positive_payment_is_rejected(bad):
    with pytest.raises(ValueError):
        allocate(bad, [A])


def test_order_must_name_each_component_once():
    with pytest.raises(ValueError, match="allocation order"):
        allocate(1, [A], order=("fee", "fee", "principal"))


items = st.lists(
    st.builds(
        OpenItem,
        obligation_id=st.integers(1, 10_000),
        due_date=st.dates(date(2020, 1, 1), date(2030, 1, 1)),
        number=st.text("ABC123", min_size=1, max_size=4),
        balances=st.fixed_dictionaries(
            {"principal": st.integers(0, 10**9), "interest": st.integers(0, 10**7), "fee": st.integers(0, 10**6)}
        ),
    ),
    max_size=15,
    unique_by=lambda i: i.obligation_id,
)


@given(amount=st.integers(1, 10**10), items=items, mode=st.sampled_from(["component", "obligation"]))
def test_allocation_invariants(amount, items, mode):
    named = items[0].obligation_id if items else None
    result = allocate(amount, items, mode=mode, named_obligation_id=named, on=date(2025, 1, 1))
    # sums exactly to the payment
    assert result.applied_minor + result.unapplied_minor == amount
    # no component goes below zero
    owed = {(i.obligation_id, c): v for i in items for c, v in i.balances.items()}
    taken: dict = {}
    for a in result.allocations:
        assert a.amount_minor > 0
        taken[(a.obligation_id, a.component)] = taken.get((a.obligation_id, a.component), 0) + a.amount_minor
    assert all(taken[k] <= owed[k] for k in taken)
    # unapplied only when everything is paid
    if result.unapplied_minor:
        assert sum(owed.values()) == result.applied_minor
    # deterministic, whatever the input order
    assert allocate(amount, list(reversed(items)), mode=mode, named_obligation_id=named,
                    on=date(2025, 1, 1)) == result


@given(amount=st.integers(1, 10**10), items=items, on=st.dates(date(2020, 1, 1), date(2030, 1, 1)),
       mode=st.sampled_from(["obligation", "component"]))
def test_nothing_reaches_a_not_yet_due_item_while_a_due_item_has_a_balance(amount, items, on, mode):
    result = allocate(amount, items, mode=mode, on=on)
    left = {(i.obligation_id, c): v for i in items for c, v in i.balances.items()}
    due = {i.obligation_id for i in items if i.due_date <= on}
    for a in result.allocations:  # in the order they are applied
        if a.obligation_id not in due:
            assert not any(v > 0 for (ob, _), v in left.items() if ob in due), a
        left[(a.obligation_id, a.component)] -= a.amount_minor
    # and the default order pays each due obligation's interest before its principal (art. 1653)
    if mode == "obligation":
        for i in items:
            paid_principal = any(a.obligation_id == i.obligation_id and a.component == "principal"
                                 for a in result.allocations)
            if paid_principal:
                assert left[(i.obligation_id, "interest")] == 0 and left[(i.obligation_id, "fee")] == 0
