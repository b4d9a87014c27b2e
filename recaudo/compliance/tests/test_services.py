"""Services (history, consents, evidence) and the `compliance` command."""

import json
from datetime import date, datetime
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from recaudo.audit.models import AuditEvent
from recaudo.compliance.models import ComplianceDecision, ContactAttempt
from recaudo.compliance.rules import RULES
from recaudo.compliance.services import (
    ContactBlocked,
    bureau_report_check,
    compliance_check,
    contact_attempt_record,
    contact_schedule,
    debtor_consents,
)
from recaudo.demo.testing import make_debtor, make_portfolio
from recaudo.portfolio.services import contact_add

pytestmark = pytest.mark.django_db
BOG = ZoneInfo("America/Bogota")


def at(*args):
    return datetime(*args, tzinfo=BOG)


@pytest.fixture
def debtor(portfolio):
    debtor = make_debtor(portfolio)
    contact_add(debtor=debtor, channel="phone", value="3001234567", consent="granted")
    contact_add(debtor=debtor, channel="email", value="luz@example.com", consent="revoked")
    contact_add(debtor=debtor, channel="phone", value="3109876543", role="reference", holder_name="Vecina")
    return debtor


def test_consents_of_collectable_contacts_only(debtor):
    assert debtor_consents(debtor) == {"call": "granted", "sms": "granted", "email": "revoked"}
    reference = debtor.contacts.get(role="reference")
    assert debtor_consents(debtor, reference) == {}


def test_check_is_stored_as_evidence_with_rule_version(debtor):
    decision = compliance_check(debtor=debtor, channel="call", at=at(2026, 3, 2, 6, 59), actor="tester")
    assert not decision.allowed
    row = ComplianceDecision.objects.get(pk=decision.evidence_id)
    assert row.rule_version == RULES.version
    assert row.debtor == debtor and row.portfolio == debtor.portfolio and row.country == "CO"
    assert row.action == "call" and not row.allowed and row.actor_label == "tester"
    assert row.next_allowed_at == at(2026, 3, 2, 7, 0)
    assert row.reasons[0]["rule_id"] == "CO-HOURS" and row.reasons[0]["citation"].startswith("Ley 2300")
    assert row.context["consents"]["call"] == "granted"
    assert row.context["settings"]["window_end_inclusive"] is False


def test_check_without_record_stores_nothing(debtor):
    compliance_check(debtor=debtor, channel="call", at=at(2026, 3, 2, 10, 0), record=False)
    assert not ComplianceDecision.objects.exists()


def test_debtor_consents_decide(debtor):
    assert compliance_check(debtor=debtor, channel="call", at=at(2026, 3, 2, 10, 0)).allowed
    for channel in ("email", "whatsapp"):
        decision = compliance_check(debtor=debtor, channel=channel, at=at(2026, 3, 2, 10, 0))
        assert not decision.allowed and decision.next_allowed_at is None
    reference = debtor.contacts.get(role="reference")
    decision = compliance_check(debtor=debtor, contact=reference, channel="call", at=at(2026, 3, 2, 10, 0))
    assert not decision.allowed and decision.next_allowed_at is None
    assert {r.rule_id for r in decision.reasons} == {"CO-WHO", "CO-CONSENT"}


def test_attempts_feed_the_frequency_rules(debtor):
    attempt = contact_attempt_record(debtor=debtor, channel="call", at=at(2026, 3, 4, 9, 0), effective=True,
                                     outcome="reached", actor="agente")
    assert attempt.decision.allowed
    assert AuditEvent.objects.filter(event_type="contact.attempted", subject_id=attempt.pk).exists()
    with pytest.raises(ContactBlocked) as exc:
        contact_attempt_record(debtor=debtor, channel="call", at=at(2026, 3, 4, 11, 0))
    assert exc.value.decision.next_allowed_at == at(2026, 3, 5, 7, 0)
    assert ContactAttempt.objects.count() == 1
    blocked = ComplianceDecision.objects.filter(allowed=False).get()  # the refusal is evidence too
    assert blocked.context["history"][0]["effective"] is True
    decision = compliance_check(debtor=debtor, channel="sms", at=at(2026, 3, 5, 10, 0))
    assert not decision.allowed and decision.next_allowed_at == at(2026, 3, 9, 7, 0)


def test_attempt_outside_rules_can_be_recorded_without_enforcement(debtor):
    attempt = contact_attempt_record(debtor=debtor, channel="call", at=at(2026, 3, 8, 10, 0), enforce=False)
    assert attempt.decision is not None and not attempt.decision.allowed


def test_schedule_never_early_never_dropped(debtor):
    decision = contact_schedule(debtor=debtor, channel="sms", requested_at=at(2026, 3, 7, 16, 30))
    assert decision.send_at == at(2026, 3, 9, 7, 0)
    decision = contact_schedule(debtor=debtor, channel="sms", requested_at=at(2026, 3, 9, 9, 0))
    assert decision.send_at == at(2026, 3, 9, 9, 0)
    decision = contact_schedule(debtor=debtor, channel="whatsapp", requested_at=at(2026, 3, 9, 9, 0))
    assert decision.send_at is None and decision.reasons  # blocked for good: the caller must show why
    assert ComplianceDecision.objects.count() == 3


def test_bureau_check_stored(debtor):
    decision = bureau_report_check(debtor=debtor, report_date=date(2026, 3, 22), notice_dates=[date(2026, 3, 2)],
                                   debt_minor=100_000_000)
    assert not decision.allowed and decision.next_allowed_on == date(2026, 3, 23)
    row = ComplianceDecision.objects.get(pk=decision.evidence_id)
    assert row.action == "bureau_report" and row.next_allowed_at == at(2026, 3, 23, 0, 0)


def test_portfolio_time_zone_and_other_country(db):
    lima = make_portfolio(slug="lima", name="Cartera Lima", country="PE", currency="PEN", tz="America/Lima")
    debtor = make_debtor(lima, code="P1")
    decision = compliance_check(debtor=debtor, channel="call", at=datetime(2026, 3, 7, 10, 0, tzinfo=BOG))
    assert decision.country == "PE" and decision.tz == "America/Lima" and not decision.allowed


# -- command ------------------------------------------------------------------------------------------------------
def run(*args):
    out = StringIO()
    call_command("compliance", *args, stdout=out)
    return out.getvalue()


def test_command_json_blocked():
    data = json.loads(run("check", "--country", "CO", "--channel", "call", "--at", "2026-03-07T15:00",
                          "--format", "json"))
    assert set(data) == {"allowed", "reasons", "next_allowed_at"}
    assert data["allowed"] is False
    assert data["next_allowed_at"] == "2026-03-09T07:00:00-05:00"
    assert "CO-HOURS" in data["reasons"][0] and "Ley 2300 de 2023" in data["reasons"][0]
    assert ComplianceDecision.objects.filter(portfolio=None, debtor=None).count() == 1


def test_command_json_allowed_with_offset_and_tz():
    data = json.loads(run("check", "--country", "US", "--channel", "sms", "--at", "2026-03-03T01:59:00+00:00",
                          "--tz", "America/New_York", "--format", "json"))  # 20:59 in New York
    assert data["allowed"] is True and data["next_allowed_at"] is None and data["reasons"]
    data = json.loads(run("check", "--country", "US", "--channel", "sms", "--at", "2026-03-02T21:00",
                          "--tz", "America/Los_Angeles", "--format", "json", "--no-record"))
    assert data["next_allowed_at"] == "2026-03-03T08:00:00-08:00"


def test_command_with_debtor(debtor):
    contact_attempt_record(debtor=debtor, channel="call", at=at(2026, 3, 4, 9, 0), effective=True)
    data = json.loads(run("check", "--portfolio", debtor.portfolio.slug, "--debtor", debtor.code, "--channel", "sms",
                          "--at", "2026-03-05T10:00", "--format", "json"))
    assert data == {"allowed": False, "reasons": data["reasons"], "next_allowed_at": "2026-03-09T07:00:00-05:00"}
    text = run("check", "--portfolio", debtor.portfolio.slug, "--debtor", debtor.code, "--channel", "whatsapp",
               "--at", "2026-03-05T10:00")
    assert "BLOCKED" in text and "never" in text and "CO-CONSENT" in text


def test_command_text_and_rules():
    text = run("check", "--country", "CO", "--channel", "call", "--at", "2026-03-02T18:59")
    assert text.startswith("ALLOWED") and "CO-HOURS" in text
    rules = run("rules", "--country", "CO")
    assert "CO-BUREAU-NOTICE" in rules and "bureau_min_days_after_notice = 21" in rules


@pytest.mark.parametrize("args, message", [
    (["--country", "XX", "--channel", "call", "--at", "2026-03-02T10:00"], "no compliance rules"),
    (["--country", "CO", "--channel", "call", "--at", "mañana"], "not an ISO 8601"),
    (["--country", "CO", "--channel", "call", "--at", "2026-03-02T10:00", "--tz", "Nowhere/City"], "time zone"),
    (["--country", "CO", "--channel", "call", "--debtor", "C001"], "needs --portfolio"),
    (["--portfolio", "nope", "--debtor", "C001", "--channel", "call"], "unknown portfolio"),
    (["--channel", "call"], "--country is required"),
])
def test_command_bad_input(args, message):
    with pytest.raises(CommandError, match=message):
        run("check", *args)


def test_command_unknown_debtor(portfolio):
    with pytest.raises(CommandError, match="unknown debtor"):
        run("check", "--portfolio", portfolio.slug, "--debtor", "NOPE", "--channel", "call")


def test_command_bureau(debtor):
    data = json.loads(run("bureau", "--portfolio", debtor.portfolio.slug, "--debtor", debtor.code,
                          "--notice", "2026-03-02", "--report-date", "2026-03-23", "--debt-minor", "100000000",
                          "--format", "json"))
    assert data["allowed"] is True
