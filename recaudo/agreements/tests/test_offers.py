from datetime import date
from decimal import Decimal

import pytest
from django.utils import translation

from recaudo.agreements.models import AuthorityLimit, Offer, Promise
from recaudo.agreements.rules import DEFAULT_LIMITS, Limits, OfferTerms, needs_approval
from recaudo.agreements.services.common import AgreementError, NotAllowed
from recaudo.agreements.services.offers import offer_accept, offer_create, offer_decide
from recaudo.agreements.services.payments import payment_receive
from recaudo.agreements.services.promises import promises_evaluate
from recaudo.audit.models import AuditEvent
from recaudo.demo.testing import make_user
from recaudo.ledger.models import Entry
from recaudo.ledger.services import ledger_verify

from .helpers import MONDAY, NOW, debtor_with_debt, minor

AGENT_10 = Limits(Decimal(10), 6, 6, False)  # what the demo and test_offers configure for agents


def test_needs_approval_matrix():
    agent = AGENT_10
    assert needs_approval(OfferTerms(Decimal(10), 6, 6), agent) == (False, [])
    beyond, reasons = needs_approval(OfferTerms(Decimal("10.01"), 7, 7), agent)
    assert beyond and len(reasons) == 3 and "discount 10.01 % above 10 %" in reasons[0]
    assert needs_approval(OfferTerms(Decimal(99), 600, 600), DEFAULT_LIMITS["admin"]) == (False, [])
    assert needs_approval(OfferTerms(Decimal(30), 24, 24), DEFAULT_LIMITS["supervisor"])[0] is False
    assert needs_approval(OfferTerms(Decimal(31), 1, 1), DEFAULT_LIMITS["supervisor"])[0] is True
    assert needs_approval(OfferTerms(), None)[0] is True
    assert needs_approval(OfferTerms(Decimal(5)), Limits(None, 3, None)) == (False, [])


def test_safe_default_agent_forgives_nothing_and_grants_no_interest_alone():
    agent = DEFAULT_LIMITS["agent"]
    assert needs_approval(OfferTerms(installments=6, term_months=6), agent) == (False, [])  # interest-free plan
    assert needs_approval(OfferTerms(Decimal("0.01"), forgives=True), agent) == (
        True, ["discount 0.01 % above 0 %"])
    # less than 0,01 % of the debt rounds to 0.00 % but still forgives money
    assert needs_approval(OfferTerms(Decimal("0.00"), forgives=True), agent) == (True, ["forgives part of the debt"])
    assert needs_approval(OfferTerms(installments=3, term_months=3, interest_bearing=True), agent) == (
        True, ["a plan that charges interest"])
    assert needs_approval(OfferTerms(installments=3, term_months=3, interest_bearing=True),
                          DEFAULT_LIMITS["supervisor"]) == (False, [])


pytestmark_db = pytest.mark.django_db


@pytest.fixture
def people(portfolio):
    return {role: make_user(role, portfolio, role=role) for role in ("agent", "supervisor", "admin", "viewer")}


@pytest.fixture
def agent_10(portfolio):
    """The agents of this portfolio may forgive up to 10 % (the safe default without a row is 0 %)."""
    return AuthorityLimit.objects.create(portfolio=portfolio, role="agent", max_discount_pct=Decimal(10),
                                         max_installments=6, max_term_months=6)


def lump(portfolio, debtor, obligations, actor, pct, **kw):
    return offer_create(portfolio=portfolio, debtor=debtor, kind="lump_sum_discount", obligations=obligations,
                        params={"discount_pct": str(pct), "pay_by": "2026-03-20", **kw}, actor=actor, today=MONDAY,
                        now=NOW)


@pytestmark_db
def test_without_limits_configured_an_agent_forgives_nothing_and_grants_no_interest(portfolio, people):
    debtor, f1, f2 = debtor_with_debt(portfolio)
    offer = lump(portfolio, debtor, [f1, f2], people["agent"], 1)
    assert offer.status == "pending_approval" and offer.approval_reasons == ["discount 1.00 % above 0 %"]
    waiver = offer_create(portfolio=portfolio, debtor=debtor, kind="interest_fee_waiver", obligations=[f1, f2],
                          params={}, actor=people["agent"], today=MONDAY, now=NOW)
    assert waiver.status == "pending_approval"
    plan = offer_create(portfolio=portfolio, debtor=debtor, kind="restructuring", obligations=[f1, f2],
                        params={"installments": 3, "first_due": "2026-04-01", "rate": "0.01", "rate_kind": "monthly"},
                        actor=people["agent"], today=MONDAY, now=NOW)
    assert plan.status == "pending_approval" and plan.approval_reasons == ["a plan that charges interest"]
    free = offer_create(portfolio=portfolio, debtor=debtor, kind="restructuring", obligations=[f1, f2],
                        params={"installments": 3, "first_due": "2026-04-01"}, actor=people["agent"], today=MONDAY,
                        now=NOW)
    assert free.status == "approved"  # no forgiveness, no interest, within 6 installments / 6 months
    assert offer_decide(offer=plan, decision="approve", reason="ok", actor=people["supervisor"]).status == "approved"


@pytestmark_db
def test_agent_accepting_an_interest_bearing_agreement_directly_needs_a_supervisor(portfolio, people):
    from recaudo.agreements.services.plans import agreement_accept, agreement_create

    debtor, f1, f2 = debtor_with_debt(portfolio)
    plan = agreement_create(portfolio=portfolio, debtor=debtor, obligations=[f2], installments=3,
                            first_due=date(2026, 4, 1), rate=Decimal("0.01"), rate_kind="monthly", today=MONDAY,
                            now=NOW)
    with pytest.raises(NotAllowed, match="a plan that charges interest"):
        agreement_accept(agreement=plan, channel="in_person", evidence_text="por teléfono", actor=people["agent"],
                         today=MONDAY, now=NOW)
    accepted = agreement_accept(agreement=plan, channel="in_person", evidence_text="por teléfono",
                                actor=people["supervisor"], today=MONDAY, now=NOW)
    assert accepted.status == "accepted"


@pytestmark_db
def test_agent_within_limit_is_auto_approved_beyond_waits(portfolio, people, agent_10):
    debtor, f1, f2 = debtor_with_debt(portfolio)
    ok = lump(portfolio, debtor, [f1, f2], people["agent"], 10)
    assert ok.status == "approved" and ok.forgiven_minor == minor("152000") and ok.discount_pct == Decimal("10.00")
    waiting = lump(portfolio, debtor, [f1, f2], people["agent"], 15)
    assert waiting.status == "pending_approval" and waiting.approval_reasons == ["discount 15.00 % above 10.00 %"]
    with pytest.raises(NotAllowed):
        lump(portfolio, debtor, [f1], people["viewer"], 1)


@pytestmark_db
def test_agent_cannot_approve_supervisor_within_admin_beyond(portfolio, people):
    debtor, f1, f2 = debtor_with_debt(portfolio)
    small = lump(portfolio, debtor, [f1, f2], people["agent"], 15)
    big = lump(portfolio, debtor, [f1, f2], people["agent"], 40)
    with pytest.raises(NotAllowed):
        offer_decide(offer=small, decision="approve", reason="", actor=people["agent"])
    with pytest.raises(NotAllowed):
        offer_decide(offer=small, decision="reject", reason="no", actor=people["agent"])
    with pytest.raises(NotAllowed, match="supera su atribución"):
        offer_decide(offer=big, decision="approve", reason="", actor=people["supervisor"])
    approved = offer_decide(offer=small, decision="approve", reason="buen pagador", actor=people["supervisor"])
    assert (approved.status, approved.decided_by, approved.reason) == ("approved", people["supervisor"],
                                                                       "buen pagador")
    assert offer_decide(offer=big, decision="approve", reason="", actor=people["admin"]).status == "approved"
    with pytest.raises(AgreementError, match="no pendiente"):
        offer_decide(offer=small, decision="reject", reason="x", actor=people["admin"])


@pytestmark_db
def test_nobody_approves_their_own_offer_beyond_their_authority(portfolio, people):
    debtor, f1, f2 = debtor_with_debt(portfolio)
    own = lump(portfolio, debtor, [f1, f2], people["supervisor"], 40)
    assert own.status == "pending_approval"
    with pytest.raises(NotAllowed):
        offer_decide(offer=own, decision="approve", reason="", actor=people["supervisor"])


@pytestmark_db
def test_reject_needs_a_reason_and_counter_offer(portfolio, people):
    debtor, f1, f2 = debtor_with_debt(portfolio)
    offer = lump(portfolio, debtor, [f1, f2], people["agent"], 40)
    with pytest.raises(AgreementError, match="motivo"):
        offer_decide(offer=offer, decision="reject", reason=" ", actor=people["supervisor"])
    counter = offer_decide(offer=offer, decision="counter", reason="máximo 25 %", actor=people["supervisor"],
                           counter_params={"discount_pct": "25"}, today=MONDAY, now=NOW)
    offer.refresh_from_db()
    assert offer.status == "countered" and offer.reason == "máximo 25 %"
    assert (counter.status, counter.counter_of, counter.discount_pct) == ("approved", offer, Decimal("25.00"))
    assert counter.requested_by == people["supervisor"]
    other = lump(portfolio, debtor, [f1, f2], people["agent"], 12)
    assert offer_decide(offer=other, decision="reject", reason="no", actor=people["supervisor"]).status == "rejected"


@pytestmark_db
def test_authority_limit_rows_override_defaults(portfolio, people):
    AuthorityLimit.objects.create(portfolio=portfolio, role="agent", max_discount_pct=Decimal(20),
                                  max_installments=12, max_term_months=12)
    debtor, f1, f2 = debtor_with_debt(portfolio)
    assert lump(portfolio, debtor, [f1, f2], people["agent"], 18).status == "approved"


@pytestmark_db
def test_installments_and_term_beyond_agent_authority(portfolio, people):
    debtor, f1, f2 = debtor_with_debt(portfolio)
    offer = offer_create(portfolio=portfolio, debtor=debtor, kind="restructuring", obligations=[f1, f2],
                         params={"installments": 12, "first_due": "2026-04-01"}, actor=people["agent"],
                         today=MONDAY, now=NOW)
    assert offer.status == "pending_approval" and offer.installments == 12 and offer.term_months == 12
    assert offer.approval_reasons == ["12 installments above 6", "term of 12 months above 6"]
    offer_decide(offer=offer, decision="approve", reason="ok", actor=people["supervisor"])
    offer = offer_accept(offer=Offer.objects.get(pk=offer.pk), actor=people["agent"], evidence_text="acepta por tel.",
                         today=MONDAY, now=NOW)
    assert offer.status == "accepted" and offer.agreement.status == "accepted"
    assert offer.agreement.schedule.count() == 12
    debtor.refresh_from_db()
    assert debtor.balance_minor == minor("1520000")


@pytestmark_db
def test_waiver_books_discount_entries_never_editing_balances(portfolio, people, agent_10):
    debtor, f1, f2 = debtor_with_debt(portfolio)
    offer = offer_create(portfolio=portfolio, debtor=debtor, kind="interest_fee_waiver", obligations=[f1, f2],
                         params={}, actor=people["agent"], today=MONDAY, now=NOW)
    assert offer.status == "approved" and offer.forgiven_minor == minor("20000")  # 1,32 % of the debt
    offer_accept(offer=offer, actor=people["agent"], evidence_text="acepta", today=MONDAY, now=NOW)
    entry = Entry.objects.get(obligation=f1, kind="discount")
    assert (entry.component, entry.amount_minor) == ("interest", -minor("20000"))
    f1.refresh_from_db()
    assert f1.balance_minor == minor("1000000") and ledger_verify(portfolio) == []


@pytestmark_db
def test_lump_sum_discount_is_booked_when_the_payment_that_earns_it_arrives(portfolio, people, agent_10):
    # Issue 11: accepting the offer books nothing; the payment of the agreed 1.368.000 on 18 March does.
    debtor, f1, f2 = debtor_with_debt(portfolio)
    offer = lump(portfolio, debtor, [f1, f2], people["agent"], 10, booking="write_off")
    offer_accept(offer=offer, actor=people["agent"], evidence_text="acepta", today=MONDAY, now=NOW)
    assert not Entry.objects.filter(kind__in=["write_off", "discount"]).exists()
    debtor.refresh_from_db()
    assert debtor.balance_minor == minor("1520000")  # still owed in full until the lump sum arrives
    payment_receive(portfolio=portfolio, debtor=debtor, amount=Decimal("1000000"), date=date(2026, 3, 10),
                   source_ref="part-1")
    assert not Entry.objects.filter(kind="write_off").exists()  # 1.000.000 of 1.368.000: not earned yet
    payment, _ = payment_receive(portfolio=portfolio, debtor=debtor, amount=Decimal("368000"), date=date(2026, 3, 18),
                                source_ref="part-2")
    entries = list(Entry.objects.filter(kind="write_off").order_by("id").values_list(
        "obligation__number", "component", "amount_minor", "value_date"))
    # The payments went F-1 interest 20.000, F-1 principal 1.000.000, F-2 principal 348.000; the 152.000 forgiven
    # closes F-2's last 152.000, dated the day of the payment that earned it.
    assert entries == [("D1-F2", "principal", -minor("152000"), date(2026, 3, 18))]
    debtor.refresh_from_db()
    assert debtor.balance_minor == 0
    assert AuditEvent.objects.get(event_type="offer.discount_booked").changes["payment"] == payment.pk
    payment_receive(portfolio=portfolio, debtor=debtor, amount=Decimal("5"), date=date(2026, 3, 19), source_ref="x")
    assert Entry.objects.filter(kind="write_off").count() == 1  # once per offer
    assert promises_evaluate(portfolio=portfolio, today=date(2026, 3, 19))["kept"] == 1
    assert ledger_verify(portfolio) == []


@pytestmark_db
def test_lump_sum_not_paid_in_time_books_no_discount(portfolio, people, agent_10):
    debtor, f1, f2 = debtor_with_debt(portfolio)
    offer = lump(portfolio, debtor, [f1, f2], people["agent"], 10, booking="write_off")
    offer_accept(offer=offer, actor=people["agent"], evidence_text="acepta", today=MONDAY, now=NOW)
    promise = Promise.objects.get(offer=offer)
    assert promise.amount_minor == minor("1368000") and promise.due_date == date(2026, 3, 20)
    promises_evaluate(portfolio=portfolio, today=date(2026, 3, 23))  # not paid by 20 March + 2 days of grace
    payment_receive(portfolio=portfolio, debtor=debtor, amount=Decimal("1368000"), date=date(2026, 3, 24),
                   source_ref="late")
    debtor.refresh_from_db()
    assert debtor.balance_minor == minor("152000")  # too late: the discount lapsed, nothing was ever booked
    assert not Entry.objects.filter(kind__in=["write_off", "discount", "reversal"]).exists()
    assert AuditEvent.objects.get(event_type="offer.discount_cancelled").changes["entries_reversed"] == 0
    assert ledger_verify(portfolio) == []


@pytestmark_db
def test_consolidation_and_term_extension(portfolio, people):
    debtor, f1, f2 = debtor_with_debt(portfolio)
    with pytest.raises(AgreementError, match="al menos dos"):
        offer_create(portfolio=portfolio, debtor=debtor, kind="consolidation", obligations=[f1], params={},
                     actor=people["agent"], today=MONDAY, now=NOW)
    offer = offer_create(portfolio=portfolio, debtor=debtor, kind="consolidation", obligations=[f1, f2],
                         params={"first_due": "2026-03-31"}, actor=people["agent"], today=MONDAY, now=NOW)
    offer = offer_accept(offer=offer, actor=people["agent"], evidence_text="ok", today=MONDAY, now=NOW)
    (only,) = offer.agreement.schedule.all()
    assert only.obligation.balance_minor == minor("1520000") and only.due_date == date(2026, 3, 31)
    debtor2, g1, g2 = debtor_with_debt(portfolio, code="D2")
    ext = offer_create(portfolio=portfolio, debtor=debtor2, kind="term_extension", obligations=[g1], params={
        "months": 3}, actor=people["agent"], today=MONDAY, now=NOW)
    assert ext.status == "approved" and ext.term_months == 3
    ext = offer_accept(offer=ext, actor=people["agent"], evidence_text="ok", today=MONDAY, now=NOW)
    assert ext.agreement.schedule.get().due_date == date(2026, 4, 30)  # F-1 due 31 Jan + 3 months


@pytestmark_db
def test_reversing_the_payment_that_earned_a_lump_sum_discount_takes_it_back(portfolio, people, agent_10):
    from recaudo.agreements.services.payments import payment_receipt_reverse

    debtor, f1, f2 = debtor_with_debt(portfolio)
    offer = lump(portfolio, debtor, [f1, f2], people["agent"], 10)
    offer_accept(offer=offer, actor=people["agent"], evidence_text="acepta", today=MONDAY, now=NOW)
    cheque, _ = payment_receive(portfolio=portfolio, debtor=debtor, amount=Decimal("1368000"),
                               date=date(2026, 3, 10), source_ref="cheque")
    offer.refresh_from_db()
    assert offer.earned_by == cheque and Entry.objects.filter(kind="discount").count() == 1
    payment_receipt_reverse(payment=cheque, reason="cheque devuelto", actor=people["supervisor"])
    debtor.refresh_from_db()
    assert debtor.balance_minor == minor("1520000")  # the payment and its discount are both gone
    assert Entry.objects.get(kind="reversal", reverses__kind="discount").amount_minor == minor("152000")
    # a good payment inside the window earns it again
    payment_receive(portfolio=portfolio, debtor=debtor, amount=Decimal("1368000"), date=date(2026, 3, 12),
                   source_ref="transfer")
    debtor.refresh_from_db()
    assert debtor.balance_minor == 0 and Entry.objects.filter(kind="discount").count() == 2
    assert ledger_verify(portfolio) == []


@pytestmark_db
def test_an_offer_pays_and_lapses_within_a_year(portfolio, people, agent_10):
    """9999-12-31 as a lump sum's pay-by date was a 95,677-month term, and as its validity an offer approved
    within the agent's authority for ever."""
    debtor, f1, f2 = debtor_with_debt(portfolio)
    with translation.override("es-co"):
        with pytest.raises(AgreementError) as late:
            lump(portfolio, debtor, [f1, f2], people["agent"], 5, pay_by="9999-12-31")
        assert late.value.field == "pay_by" and "a más tardar el 03/03/2027" in late.value.message
        for expires in (date(9999, 12, 31), date(2026, 3, 1)):
            with pytest.raises(AgreementError) as bad:
                offer_create(portfolio=portfolio, debtor=debtor, kind="lump_sum_discount", obligations=[f1, f2],
                             params={"discount_pct": "5", "pay_by": "2026-03-20"}, actor=people["agent"],
                             expires_on=expires, today=MONDAY, now=NOW)
            assert bad.value.field == "expires_on" and "03/03/2027" in bad.value.message
    assert not Offer.objects.exists()
    ok = lump(portfolio, debtor, [f1, f2], people["agent"], 5, pay_by="2027-03-03")  # a year (366 days) ahead
    assert ok.params["pay_by"] == "2027-03-03"
