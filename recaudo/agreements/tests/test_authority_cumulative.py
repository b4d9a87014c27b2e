"""Issue 12 item 2: an agent's discount limit is cumulative per debtor, so chaining offers cannot forgive more."""

import itertools
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.utils import translation
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from recaudo.agreements.models import AuthorityLimit, Offer, Promise
from recaudo.agreements.rules import AUTHORITY_PERIOD_DAYS, Limits, OfferTerms, needs_approval
from recaudo.agreements.services.common import AgreementError
from recaudo.agreements.services.offers import granted_without_approval, offer_accept, offer_create, offer_decide
from recaudo.agreements.services.payments import payment_receive
from recaudo.agreements.services.promises import promise_cancel, promise_record, promises_evaluate
from recaudo.demo.testing import at_local, make_user
from recaudo.ledger.models import Entry
from recaudo.ledger.posting import entry_post
from recaudo.ledger.services import ledger_verify
from recaudo.portfolio.models import Obligation

from .helpers import MONDAY, NOW, debtor_with_debt, minor

AGENT_10 = Limits(Decimal(10), 6, 6, False)
DEBT = minor("1520000")  # debtor_with_debt: 1.520.000,00


def terms(pct, forgiven, prior, debt=DEBT):
    return OfferTerms(Decimal(pct), forgives=forgiven > 0, debt_minor=debt, forgiven_minor=forgiven,
                      prior_forgiven_minor=prior)


def test_cumulative_limit_worked_examples():
    # The attack: eight offers of 10 % in a row on 1.520.000,00, nothing paid. The first is within the limit ...
    assert needs_approval(terms(10, minor("152000"), 0), AGENT_10) == (False, [])
    # ... the second brings the debtor's total in the period to 304.000,00 = 20.00 %: it waits for a supervisor.
    assert needs_approval(terms(10, minor("152000"), minor("152000")), AGENT_10) == (True, [
        "with what was already forgiven to this debtor in 365 days the discount is 20.00 %, above 10 %"])
    # 100.000,00 already granted: 3 % more (45.600,00) makes 9.58 %, approved; 4 % (60.800,00) makes 10.58 %, waits.
    assert needs_approval(terms(3, minor("45600"), minor("100000")), AGENT_10) == (False, [])
    assert needs_approval(terms(4, minor("60800"), minor("100000")), AGENT_10)[1] == [
        "with what was already forgiven to this debtor in 365 days the discount is 10.58 %, above 10 %"]
    # Exact, not on the rounded percentage: 152.000,00 in all is the limit, one cent more waits.
    assert needs_approval(terms("3.42", minor("52000"), minor("100000")), AGENT_10)[0] is False
    assert needs_approval(terms("3.42", minor("52000.01"), minor("100000")), AGENT_10)[0] is True
    # Measured against what is left: 152.000,00 forgiven earlier, then 10 % of the 1.368.000,00 left = 21.11 %.
    assert needs_approval(terms(10, minor("136800"), minor("152000"), debt=minor("1368000")), AGENT_10)[1] == [
        "with what was already forgiven to this debtor in 365 days the discount is 21.11 %, above 10 %"]
    # No limit (admin) and offers that forgive nothing are never cumulated.
    assert needs_approval(terms(10, minor("152000"), minor("900000")), Limits(None, None, None))[0] is False
    assert needs_approval(OfferTerms(installments=3, term_months=3, prior_forgiven_minor=minor("152000")),
                          AGENT_10) == (False, [])
    assert AUTHORITY_PERIOD_DAYS == 365


pytestmark_db = pytest.mark.django_db


@pytest.fixture
def people(portfolio):
    return {role: make_user(role, portfolio, role=role) for role in ("agent", "supervisor")}


@pytest.fixture
def agent_10(portfolio):
    return AuthorityLimit.objects.create(portfolio=portfolio, role="agent", max_discount_pct=Decimal(10),
                                         max_installments=6, max_term_months=6)


def lump(portfolio, debtor, actor, pct, day=MONDAY, obligations=None):
    obligations = obligations or list(Obligation.objects.filter(debtor=debtor, balance_minor__gt=0))
    return offer_create(portfolio=portfolio, debtor=debtor, kind="lump_sum_discount", obligations=obligations,
                        params={"discount_pct": str(pct), "pay_by": (day + timedelta(days=14)).isoformat()},
                        actor=actor, today=day, now=at_local(day, "10:00"))


def forgiven_booked(debtor) -> int:
    return -sum(Entry.objects.filter(obligation__debtor=debtor, kind__in=["discount", "write_off"],
                                     reversed_by__isnull=True).values_list("amount_minor", flat=True))


@pytestmark_db
def test_the_attack_eight_offers_of_ten_percent_forgive_ten_percent(portfolio, people, agent_10):
    """The report: an agent with a 10 % limit made 8 lump-sum offers of 10 % on one debtor, each approved at once
    and accepted (each new promise cancelling the previous one): 57 % of the debt was forgiven."""
    debtor, f1, f2 = debtor_with_debt(portfolio)
    agent = people["agent"]
    first = lump(portfolio, debtor, agent, 10)
    assert first.status == "approved" and first.forgiven_minor == minor("152000")
    offer_accept(offer=first, actor=agent, evidence_text="acepta", today=MONDAY, now=NOW)
    # While the first waits for its payment, the agent may make no other offer (es-CO message).
    with translation.override("es-co"), pytest.raises(AgreementError, match=r"oferta abierta \(OF-\d+\)"):
        lump(portfolio, debtor, agent, 10)
    # Going around it: a plain new promise supersedes the offer's promise, so the first offer lapses ...
    promise_record(portfolio=portfolio, debtor=debtor, amount=Decimal("1000"), due_date=date(2026, 3, 5), actor=agent,
                   now=NOW)
    attempts = [first]
    for _ in range(7):  # ... and the seven more offers of 10 % of the original attack
        try:
            offer = lump(portfolio, debtor, agent, 10)
        except AgreementError:
            continue
        attempts.append(offer)
        if offer.status == "approved":
            offer_accept(offer=offer, actor=agent, evidence_text="acepta", today=MONDAY, now=NOW)
    statuses = [Offer.objects.get(pk=o.pk).status for o in attempts]
    # The second offer (first lapsed: counts nothing) is approved and accepted; every later one is refused while
    # it is open: nothing else was granted without a supervisor.
    assert statuses == ["accepted", "accepted"]
    # The debtor pays what both offers asked: only the open offer's discount can be earned, 152.000,00 = 10 %.
    payment_receive(portfolio=portfolio, debtor=debtor, amount=Decimal("1368000"), date=date(2026, 3, 10),
                   source_ref="pago")
    assert forgiven_booked(debtor) == minor("152000")
    debtor.refresh_from_db()
    assert debtor.balance_minor == 0
    # After the earned offer, another 10 % by the agent would be 20 % of the debtor's debt in 365 days: it waits.
    assert granted_without_approval(debtor, "agent", today=MONDAY, now=NOW) == minor("152000")
    assert ledger_verify(portfolio) == []


@pytestmark_db
def test_approved_offers_not_yet_accepted_count_and_supervisor_approvals_do_not(portfolio, people, agent_10):
    debtor, f1, f2 = debtor_with_debt(portfolio)
    agent = people["agent"]
    first = lump(portfolio, debtor, agent, 6)  # 91.200,00 approved, not accepted
    assert first.status == "approved"
    second = lump(portfolio, debtor, agent, 4)  # 91.200 + 60.800 = 152.000,00 = 10 %: within the limit
    assert second.status == "approved"
    third = lump(portfolio, debtor, agent, 1)  # 167.200,00 = 11 %: waits
    assert third.status == "pending_approval" and "11.00 %" in third.approval_reasons[0]
    offer_decide(offer=third, decision="approve", reason="ok", actor=people["supervisor"])
    # what the supervisor approved is theirs: the agent's total stays 152.000,00
    assert granted_without_approval(debtor, "agent", today=MONDAY, now=NOW) == minor("152000")
    # a supervisor's own offers count what agents and supervisors granted alone (the third was decided: not)
    assert granted_without_approval(debtor, "supervisor", today=MONDAY, now=NOW) == minor("152000")
    # outside the period nothing counts
    later = MONDAY + timedelta(days=AUTHORITY_PERIOD_DAYS + 1)
    assert granted_without_approval(debtor, "agent", today=later, now=at_local(later, "10:00")) == 0


@pytestmark_db
def test_chained_restructurings_with_discount_wait_for_a_supervisor(portfolio, people, agent_10):
    debtor, f1, f2 = debtor_with_debt(portfolio)
    agent = people["agent"]
    plan = offer_create(portfolio=portfolio, debtor=debtor, kind="restructuring", obligations=[f1, f2],
                        params={"installments": 1, "first_due": "2026-04-01", "discount_pct": "10"}, actor=agent,
                        today=MONDAY, now=NOW)
    plan = offer_accept(offer=plan, actor=agent, evidence_text="acepta", today=MONDAY, now=NOW)
    (installment,) = plan.agreement.schedule.all()
    assert installment.obligation.balance_minor == minor("1368000")
    again = offer_create(portfolio=portfolio, debtor=debtor, kind="restructuring",
                         obligations=[installment.obligation],
                         params={"installments": 1, "first_due": "2026-04-15", "discount_pct": "10"}, actor=agent,
                         today=MONDAY, now=NOW)
    assert again.status == "pending_approval"
    assert again.approval_reasons == [
        "with what was already forgiven to this debtor in 365 days the discount is 21.11 %, above 10.00 %"]


@pytestmark_db
def test_a_superseded_offer_with_a_booked_discount_has_it_reversed(portfolio, people, agent_10):
    """An offer accepted before issue 11 booked its discount on acceptance; when its promise is superseded by a new
    one (or cancelled) the discount is reversed."""
    debtor, f1, f2 = debtor_with_debt(portfolio)
    agent = people["agent"]
    offer = lump(portfolio, debtor, agent, 10)
    offer_accept(offer=offer, actor=agent, evidence_text="acepta", today=MONDAY, now=NOW)
    legacy = entry_post(obligation=f2, kind="discount", amount=Decimal("-152000"), value_date=MONDAY)
    offer.entries.add(legacy)
    promise_record(portfolio=portfolio, debtor=debtor, amount=Decimal("1000"), due_date=date(2026, 3, 5), actor=agent,
                   now=NOW)
    assert forgiven_booked(debtor) == 0
    assert Entry.objects.get(kind="reversal", reverses=legacy).amount_minor == minor("152000")
    # cancelling a promise does the same
    debtor2, g1, g2 = debtor_with_debt(portfolio, code="D2")
    other = lump(portfolio, debtor2, agent, 10)
    offer_accept(offer=other, actor=agent, evidence_text="acepta", today=MONDAY, now=NOW)
    other.entries.add(entry_post(obligation=g2, kind="discount", amount=Decimal("-100"), value_date=MONDAY))
    promise_cancel(promise=Promise.objects.get(offer=other), actor=agent, reason="no paga", now=NOW)
    assert forgiven_booked(debtor2) == 0
    assert ledger_verify(portfolio) == []


# ---------------------------------------------------------------------------------------------------------------
# Property: no sequence of an agent's actions forgives more than their limit of the debtor's debt
# ---------------------------------------------------------------------------------------------------------------
ACTIONS = st.lists(st.one_of(
    st.tuples(st.just("lump"), st.integers(1, 15)),
    st.tuples(st.just("restructure"), st.integers(1, 15)),
    st.tuples(st.just("waiver"), st.integers(0, 1)),
    st.tuples(st.just("accept"), st.just(0)),
    st.tuples(st.just("pay"), st.integers(10, 100)),  # percent of the balance
    st.tuples(st.just("promise"), st.just(0)),
    st.tuples(st.just("cancel"), st.just(0)),
    st.tuples(st.just("wait"), st.integers(1, 20)),
), min_size=1, max_size=14)

_codes = itertools.count()


@pytestmark_db
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(actions=ACTIONS)
def test_no_sequence_of_an_agents_actions_forgives_more_than_their_limit(portfolio, people, agent_10, actions):
    agent = people["agent"]
    debtor, f1, f2 = debtor_with_debt(portfolio, code=f"P{next(_codes)}")
    day = MONDAY
    for n, (action, value) in enumerate(actions):
        now = at_local(day, "10:00")
        open_ = list(Obligation.objects.filter(debtor=debtor, balance_minor__gt=0).exclude(status="in_agreement"))
        try:
            offer = None
            if action == "lump" and open_:
                offer = lump(portfolio, debtor, agent, value, day=day, obligations=open_)
            elif action == "restructure" and open_:
                offer = offer_create(portfolio=portfolio, debtor=debtor, kind="restructuring", obligations=open_,
                                     params={"installments": 2, "first_due": (day + timedelta(days=10)).isoformat(),
                                             "discount_pct": str(value)}, actor=agent, today=day, now=now)
            elif action == "waiver" and open_:
                offer = offer_create(portfolio=portfolio, debtor=debtor, kind="interest_fee_waiver",
                                     obligations=open_, params={}, actor=agent, today=day, now=now)
            if offer is not None and offer.status == "approved" and (value % 2 or value == 10):  # accepted at once
                offer_accept(offer=offer, actor=agent, evidence_text="acepta", today=day, now=now)
            if action == "accept":
                offer = Offer.objects.filter(debtor=debtor, status="approved").order_by("-pk").first()
                if offer is not None:
                    offer_accept(offer=offer, actor=agent, evidence_text="acepta", today=day, now=now)
            elif action == "pay":
                debtor.refresh_from_db()
                amount = debtor.balance_minor * value // 100
                if amount > 0:
                    payment_receive(portfolio=portfolio, debtor=debtor, amount=Decimal(amount) / 100, date=day,
                                   source_ref=f"{debtor.code}-{n}")
            elif action == "promise":
                promise_record(portfolio=portfolio, debtor=debtor, amount=Decimal("1000"),
                               due_date=day + timedelta(days=3), actor=agent, now=now)
            elif action == "cancel":
                promise = Promise.objects.filter(debtor=debtor, status="pending").first()
                if promise is not None:
                    promise_cancel(promise=promise, actor=agent, reason="x", now=now)
            elif action == "wait":
                day += timedelta(days=value)
                promises_evaluate(portfolio=portfolio, today=day, now=at_local(day, "10:00"))
        except AgreementError:
            pass  # refused: a valid outcome
        # at most 10 % of the debt (plus the rounding of one offer's amount to the cent)
        assert forgiven_booked(debtor) <= DEBT // 10 + 1, actions
