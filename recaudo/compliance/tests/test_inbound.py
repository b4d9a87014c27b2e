"""Inbound contacts (the debtor called or came in, or asked for the call): worked examples with exact times.

The contact rules govern the contacts the creditor starts. An inbound contact is never blocked by hours, frequency,
consent or channel rules (only by the references rule), is still decided and stored as evidence, and counts toward a
rule's limits only where the rule's data says the law counts it (`inbound_counts`, cited in `inbound_note`)."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from recaudo.compliance.models import ComplianceDecision, ContactAttempt
from recaudo.compliance.rules import INBOUND, NOT_CHECKED, RULES, ComplianceError, ContactEvent, decide
from recaudo.compliance.services import ContactBlocked, contact_attempt_record, debtor_history
from recaudo.demo.testing import make_debtor
from recaudo.portfolio.services import contact_add

BOG = ZoneInfo("America/Bogota")
SCL = ZoneInfo("America/Santiago")
NYC = ZoneInfo("America/New_York")
ALL_GRANTED = {c: "granted" for c in RULES.channels}
SUNDAY_21 = datetime(2026, 3, 8, 21, 0, tzinfo=BOG)  # Sunday 8 March 2026, 21:00 in Bogotá


def co(channel, when, **kw):
    kw.setdefault("consents", ALL_GRANTED)
    return decide(country="CO", channel=channel, at=when, tz="America/Bogota", **kw)


def blocking(decision):
    return [r.rule_id for r in decision.reasons if r.outcome == "blocked"]


def test_every_rule_that_counts_inbound_contacts_says_why_with_a_citation():
    counting = {r.id for r in RULES.rules if r.params.get("inbound_counts")}
    assert counting == {"CO-FREQ-DAY", "CO-FREQ-WEEK", "MX-FREQ", "US-CALLS-AFTER-CONVERSATION"}
    for rule in RULES.rules:
        if rule.params.get("inbound_counts"):
            assert rule.params.get("inbound_note"), rule.id
    assert "1006.14(b)(2)(i)(A)" in next(r for r in RULES.rules if r.id == "US-CALLS-7IN7").params["inbound_note"]


def test_sunday_2100_inbound_call_allowed_outbound_blocked():
    outbound = co("call", SUNDAY_21)
    assert not outbound.allowed and blocking(outbound) == ["CO-HOURS"]
    assert outbound.next_allowed_at == datetime(2026, 3, 9, 7, 0, tzinfo=BOG)  # Monday 07:00

    inbound = co("call", SUNDAY_21, direction=INBOUND)
    assert inbound.allowed and inbound.direction == "inbound"
    hours = next(r for r in inbound.reasons if r.rule_id == "CO-HOURS")
    assert hours.outcome == NOT_CHECKED and "started by the debtor" in hours.detail  # the evidence says why


def test_a_visit_by_the_debtor_is_allowed_a_visit_by_the_creditor_never():
    monday_10 = datetime(2026, 3, 9, 10, 0, tzinfo=BOG)
    assert blocking(co("visit", monday_10)) == ["CO-NO-VISITS"]
    assert co("visit", monday_10, direction=INBOUND).allowed


def test_no_consent_does_not_block_the_debtor_calling_in_but_a_reference_still_is_not_collected_from():
    monday_10 = datetime(2026, 3, 9, 10, 0, tzinfo=BOG)
    assert co("call", monday_10, consents={}, direction=INBOUND).allowed
    reference = co("call", monday_10, contact_role="reference", direction=INBOUND)
    assert blocking(reference) == ["CO-WHO"] and reference.next_allowed_at is None


def test_co_an_inbound_conversation_counts_as_the_direct_contact_of_ley_2300():
    # Monday 10:00 the debtor calls in and talks to the agent (effective). Ley 2300 art. 3 counts the direct contact,
    # whoever started it: no other contact from the creditor that day (CO-FREQ-DAY), and no other channel that
    # calendar week (CO-FREQ-WEEK).
    history = [ContactEvent(datetime(2026, 3, 9, 10, 0, tzinfo=BOG), "call", effective=True, direction=INBOUND)]
    call = co("call", datetime(2026, 3, 9, 11, 0, tzinfo=BOG), history=history)
    assert blocking(call) == ["CO-FREQ-DAY"]
    assert call.next_allowed_at == datetime(2026, 3, 10, 7, 0, tzinfo=BOG)  # Tuesday 07:00
    sms = co("sms", datetime(2026, 3, 10, 9, 0, tzinfo=BOG), history=history)
    assert blocking(sms) == ["CO-FREQ-WEEK"]
    # ...while the debtor may call again the same day.
    assert co("call", datetime(2026, 3, 9, 16, 0, tzinfo=BOG), history=history, direction=INBOUND).allowed


def test_cl_a_call_the_debtor_makes_is_not_one_of_the_creditors_weekly_calls():
    def cl(when, history):
        return decide(country="CL", channel="call", at=when, tz="America/Santiago", history=history,
                      consents=ALL_GRANTED)

    monday = datetime(2026, 3, 9, 10, 0, tzinfo=SCL)
    tuesday = datetime(2026, 3, 10, 10, 0, tzinfo=SCL)
    assert cl(tuesday, [ContactEvent(monday, "call", effective=True, direction=INBOUND)]).allowed
    assert blocking(cl(tuesday, [ContactEvent(monday, "call", effective=True)])) == ["CL-CAP-CALLS"]


def test_us_inbound_calls_do_not_count_to_7_in_7_but_a_conversation_the_consumer_started_does():
    def us(when, history):
        return decide(country="US", channel="call", at=when, tz="America/New_York", history=history,
                      consents=ALL_GRANTED)

    monday = datetime(2026, 3, 9, 9, 0, tzinfo=NYC)
    sunday = datetime(2026, 3, 15, 10, 0, tzinfo=NYC)
    unanswered = [ContactEvent(datetime(2026, 3, 9 + i, 9, 0, tzinfo=NYC), "call") for i in range(6)]
    placed = unanswered + [ContactEvent(datetime(2026, 3, 15, 9, 0, tzinfo=NYC), "call")]
    assert blocking(us(sunday, placed)) == ["US-CALLS-7IN7"]
    inbound_seventh = unanswered + [ContactEvent(datetime(2026, 3, 15, 9, 0, tzinfo=NYC), "call", direction=INBOUND)]
    assert us(sunday, inbound_seventh).allowed
    talk = [ContactEvent(monday, "call", effective=True, direction=INBOUND)]
    wednesday = us(datetime(2026, 3, 11, 10, 0, tzinfo=NYC), talk)
    assert blocking(wednesday) == ["US-CALLS-AFTER-CONVERSATION"]
    assert wednesday.next_allowed_at == datetime(2026, 3, 16, 8, 0, tzinfo=NYC)  # day 8, window opens


def test_unknown_direction_refused():
    with pytest.raises(ComplianceError, match="direction"):
        co("call", SUNDAY_21, direction="sideways")


@pytest.mark.django_db
def test_inbound_attempt_recorded_with_its_evidence_and_outbound_refused(portfolio):
    debtor = make_debtor(portfolio)
    contact_add(debtor=debtor, channel="phone", value="3001234567", consent="granted")
    with pytest.raises(ContactBlocked):
        contact_attempt_record(debtor=debtor, channel="call", at=SUNDAY_21, effective=True)
    attempt = contact_attempt_record(debtor=debtor, channel="call", at=SUNDAY_21, effective=True,
                                     outcome="reached", direction="inbound")
    assert attempt.direction == ContactAttempt.Direction.INBOUND
    evidence = ComplianceDecision.objects.get(pk=attempt.decision_id)
    assert evidence.allowed and evidence.context["direction"] == "inbound"
    assert [e.direction for e in debtor_history(debtor, SUNDAY_21)] == ["inbound"]
