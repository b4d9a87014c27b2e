"""Which obligations an agreement, an offer or a promise may include, which state of an agreement or an offer goes
to which, and which actions the pages offer: worked examples of the pure rules (no database)."""

from datetime import date

import pytest

from recaudo.agreements.models import Agreement, Offer
from recaudo.agreements.rules import (
    AGREEMENT_ACTIONS,
    AGREEMENT_TRANSITIONS,
    OFFER_TRANSITIONS,
    agreement_actions,
    agreement_has_acceptance,
    agreement_may,
    obligation_problem,
    offer_actions,
    offer_may,
    promise_decided,
    promise_may_cancel,
    promise_obligation_eligible,
)


# ---------------------------------------------------------------------------------------------------------------
# Eligibility
# ---------------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(("balance", "disputed", "busy", "problem"), [
    (15_000_000, False, False, None),  # 150.000,00 owed, not disputed, in no accepted agreement: eligible
    (1, False, False, None),  # one cent owed is still owed
    (0, False, False, "has no balance"),  # paid, or settled into an agreement
    (-500, False, False, "has no balance"),  # a credit balance
    (15_000_000, True, False, "is disputed"),
    (15_000_000, False, True, "is already in an accepted agreement"),
    (0, True, True, "has no balance"),  # the first problem is the one reported
    (15_000_000, True, True, "is disputed"),
])
def test_obligation_problem(balance, disputed, busy, problem):
    assert obligation_problem(balance_minor=balance, disputed=disputed, in_accepted_agreement=busy) == problem


@pytest.mark.parametrize(("status", "balance", "eligible"), [
    ("open", 30_000_000, True),
    ("open", 0, False),
    ("paid", 0, False),
    ("in_agreement", 0, False),  # settled into a plan: its installments are the obligations now
    ("written_off", 0, False),
])
def test_a_promise_names_open_obligations_with_a_balance(status, balance, eligible):
    assert promise_obligation_eligible(status=status, balance_minor=balance) is eligible


# ---------------------------------------------------------------------------------------------------------------
# Agreement states
# ---------------------------------------------------------------------------------------------------------------
def test_every_agreement_state_and_action_is_known():
    assert set(AGREEMENT_TRANSITIONS) == set(Agreement.Status.values)
    targets = {t for ts in AGREEMENT_TRANSITIONS.values() for t in ts}
    assert targets <= set(Agreement.Status.values)
    assert set(AGREEMENT_ACTIONS.values()) == targets


@pytest.mark.parametrize(("status", "allowed"), [
    ("draft", {"offer", "accept", "cancel"}),
    ("offered", {"accept", "cancel"}),
    ("accepted", {"break", "complete"}),
    ("broken", set()),
    ("completed", set()),
    ("cancelled", set()),
])
def test_agreement_may(status, allowed):
    assert {action for action in AGREEMENT_ACTIONS if agreement_may(status, action)} == allowed


@pytest.mark.parametrize(("status", "actions"), [
    ("draft", ["offer", "cancel", "accept"]),
    ("offered", ["cancel", "accept"]),
    ("accepted", []),  # break and complete are the daily cycle's, not buttons
    ("broken", []),
    ("completed", []),
    ("cancelled", []),
])
def test_agreement_page_actions(status, actions):
    assert agreement_actions(status, can_write=True) == actions
    assert agreement_actions(status, can_write=False) == []  # a viewer sees no buttons


def test_only_a_draft_has_no_acceptance_to_show():
    assert [s for s in Agreement.Status.values if not agreement_has_acceptance(s)] == ["draft"]


# ---------------------------------------------------------------------------------------------------------------
# Offer states
# ---------------------------------------------------------------------------------------------------------------
def test_every_offer_state_is_known():
    assert set(OFFER_TRANSITIONS) == set(Offer.Status.values)
    assert {t for ts in OFFER_TRANSITIONS.values() for t in ts} <= set(Offer.Status.values)


@pytest.mark.parametrize(("status", "decide", "accept"), [
    ("pending_approval", True, False),
    ("approved", False, True),
    ("rejected", False, False),
    ("countered", False, False),  # the counter-offer is a new offer, pending or approved
    ("accepted", False, False),
    ("expired", False, False),
])
def test_offer_may(status, decide, accept):
    assert (offer_may(status, "decide"), offer_may(status, "accept")) == (decide, accept)


@pytest.mark.parametrize(("status", "can_write", "can_decide", "actions"), [
    ("pending_approval", True, True, ["decide"]),  # a supervisor: the link to the approvals queue
    ("pending_approval", True, False, []),  # an agent waits
    ("approved", True, False, ["accept"]),  # the debtor's acceptance may be recorded
    ("approved", False, False, []),  # a viewer
    ("approved", True, True, ["accept"]),
    ("accepted", True, True, []),
    ("rejected", True, True, []),
])
def test_offer_page_actions(status, can_write, can_decide, actions):
    assert offer_actions(status, can_write=can_write, can_decide=can_decide) == actions


# ---------------------------------------------------------------------------------------------------------------
# Promises
# ---------------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(("status", "decided", "cancellable"), [
    ("pending", False, True),
    ("kept", True, False),
    ("broken", True, False),
    ("cancelled", True, False),
])
def test_promise_states(status, decided, cancellable):
    assert (promise_decided(status), promise_may_cancel(status)) == (decided, cancellable)


def test_semimonthly_plans_fall_on_the_15th_and_the_last_day():
    """"Quincenal" in Colombia: the 15th and the last day of each month (not every 14 days)."""
    from recaudo.agreements.rules import due_dates

    assert due_dates(date(2026, 1, 20), 5, "semimonthly") == [
        date(2026, 1, 20), date(2026, 1, 31), date(2026, 2, 15), date(2026, 2, 28), date(2026, 3, 15)]
    assert due_dates(date(2026, 12, 15), 3, "semimonthly") == [
        date(2026, 12, 15), date(2026, 12, 31), date(2027, 1, 15)]
    assert due_dates(date(2028, 2, 10), 3, "semimonthly") == [date(2028, 2, 10), date(2028, 2, 15), date(2028, 2, 29)]
    assert due_dates(date(2026, 1, 20), 3, "biweekly") == [date(2026, 1, 20), date(2026, 2, 3), date(2026, 2, 17)]


def test_semimonthly_rate_is_half_a_month():
    """2 % monthly -> sqrt(1.02) - 1 = 0.995049... % per half month; 24 halves make the same E.A."""
    from decimal import Decimal

    from recaudo.agreements.rules import periodic_rate

    half = periodic_rate(Decimal("0.02"), "monthly", "semimonthly")
    assert round(half, 8) == Decimal("0.00995049")
    assert round((1 + half) ** 24, 8) == round(Decimal("1.02") ** 12, 8)
    assert periodic_rate(Decimal("0"), "none", "semimonthly") == 0
