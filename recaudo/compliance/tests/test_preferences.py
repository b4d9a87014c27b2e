"""The channels and hours a debtor chose (Ley 2300 de 2023 art. 3; rule CO-PREFERENCES): the decision honours them,
with evidence, and the debtor's consent withdrawal / opt-out blocks the channel."""

from datetime import datetime, time
from zoneinfo import ZoneInfo

import pytest

from recaudo.audit.models import AuditEvent
from recaudo.audit.services import portal_actor
from recaudo.compliance.models import ComplianceDecision
from recaudo.compliance.rules import RULES, decide
from recaudo.compliance.services import compliance_check
from recaudo.compliance.wording import blocked_reasons
from recaudo.core.errors import NotAllowed
from recaudo.demo.testing import make_debtor
from recaudo.portfolio.models import Consent, ContactPreference
from recaudo.portfolio.services import contact_add, contact_preferences_set, debtor_consent_revoke
from recaudo.portfolio.validation import ValidationProblem

BOG = ZoneInfo("America/Bogota")
ALL = {c: "granted" for c in RULES.channels}


def at(*args):
    return datetime(*args, tzinfo=BOG)


def co(channel, when, **kw):
    return decide(country="CO", channel=channel, at=when, tz="America/Bogota", consents=ALL, **kw)


def pref_reason(decision):
    return next(r for r in decision.reasons if r.rule_id == "CO-PREFERENCES")


# --- the rule, pure ----------------------------------------------------------------------------------------------
def test_no_preferences_passes():
    d = co("call", at(2026, 3, 2, 10, 0))  # Monday 10:00
    assert d.allowed


def test_a_channel_the_debtor_did_not_choose_is_blocked_for_good():
    d = co("call", at(2026, 3, 2, 10, 0), preferences={"channels": ["email"], "hours": None})
    assert not d.allowed and d.next_allowed_at is None
    assert "the debtor chose email, not call" in pref_reason(d).detail
    assert co("email", at(2026, 3, 2, 10, 0), preferences={"channels": ["email"], "hours": None}).allowed


def test_outside_the_debtors_hours_waits_for_them():
    prefs = {"channels": [], "hours": ["12:00", "14:00"]}
    d = co("call", at(2026, 3, 2, 10, 0), preferences=prefs)  # Monday 10:00: legal, but before the debtor's hours
    assert not d.allowed and d.next_allowed_at == at(2026, 3, 2, 12, 0)
    assert "10:00 is outside the debtor's hours 12:00-14:00" in pref_reason(d).detail
    assert co("call", at(2026, 3, 2, 13, 59), preferences=prefs).allowed
    # Monday 14:00: after the window -> Tuesday 12:00
    assert co("call", at(2026, 3, 2, 14, 0), preferences=prefs).next_allowed_at == at(2026, 3, 3, 12, 0)
    # Saturday 14:30: legal hours end at 15:00 but the debtor's window closed; Sunday closed -> Monday 12:00
    assert co("call", at(2026, 3, 7, 14, 30), preferences=prefs).next_allowed_at == at(2026, 3, 9, 12, 0)


def test_what_a_person_reads():
    d = co("call", at(2026, 3, 2, 10, 0), preferences={"channels": ["email"], "hours": ["12:00", "14:00"]})
    assert blocked_reasons(d) == ["un canal que el deudor no eligió"]
    d = co("email", at(2026, 3, 2, 10, 0), preferences={"channels": ["email"], "hours": ["12:00", "14:00"]})
    assert blocked_reasons(d) == ["fuera del horario que eligió el deudor"]


def test_the_debtors_hours_never_widen_the_legal_ones():
    prefs = {"channels": [], "hours": ["05:00", "22:00"]}
    d = co("call", at(2026, 3, 2, 6, 0), preferences=prefs)  # inside the debtor's, before the legal 07:00
    assert not d.allowed and d.next_allowed_at == at(2026, 3, 2, 7, 0)


def test_inbound_contacts_ignore_preferences():
    d = co("call", at(2026, 3, 2, 10, 0), preferences={"channels": ["email"], "hours": None}, direction="inbound")
    assert d.allowed


# --- the services ------------------------------------------------------------------------------------------------
@pytest.fixture
def debtor(portfolio):
    debtor = make_debtor(portfolio)
    contact_add(debtor=debtor, channel="phone", value="3001234567", consent="granted")
    contact_add(debtor=debtor, channel="email", value="luz@example.com", consent="granted")
    return debtor


@pytest.mark.django_db
def test_preferences_set_in_the_portal_reach_the_decision_and_its_evidence(debtor):
    actor = portal_actor(debtor.pk)
    contact_preferences_set(debtor=debtor, channels=["email", "sms"], hours_from=time(12), hours_to=time(14),
                            actor=actor)
    assert AuditEvent.objects.filter(event_type="contact_preferences.set", actor_label=actor).exists()
    d = compliance_check(debtor=debtor, channel="call", at=at(2026, 3, 2, 13, 0))
    assert not d.allowed and "the debtor chose email, sms, not call" in pref_reason(d).detail
    evidence = ComplianceDecision.objects.get(pk=d.evidence_id)
    assert evidence.context["preferences"] == {"channels": ["email", "sms"], "hours": ["12:00", "14:00"]}
    assert compliance_check(debtor=debtor, channel="email", at=at(2026, 3, 2, 13, 0)).allowed
    assert not compliance_check(debtor=debtor, channel="email", at=at(2026, 3, 2, 11, 0)).allowed
    # no choice any more: the consents alone decide
    contact_preferences_set(debtor=debtor, channels=[], actor=actor)
    assert compliance_check(debtor=debtor, channel="call", at=at(2026, 3, 2, 11, 0)).allowed


@pytest.mark.django_db
@pytest.mark.parametrize("kwargs, field", [
    ({"channels": ["fax"]}, "channels"),
    ({"channels": [], "hours_from": time(12)}, "hours_from"),
    ({"channels": [], "hours_from": time(14), "hours_to": time(12)}, "hours_to"),
])
def test_bad_preferences_name_the_field(debtor, kwargs, field):
    with pytest.raises(ValidationProblem) as exc:
        contact_preferences_set(debtor=debtor, actor=portal_actor(debtor.pk), **kwargs)
    assert exc.value.field == field
    assert not ContactPreference.objects.exists()


@pytest.mark.django_db
def test_opt_out_of_a_channel_and_revoke_all(debtor):
    actor = portal_actor(debtor.pk)
    assert debtor_consent_revoke(debtor=debtor, channel="sms", actor=actor) == 1
    assert not compliance_check(debtor=debtor, channel="sms", at=at(2026, 3, 2, 10, 0)).allowed
    assert compliance_check(debtor=debtor, channel="call", at=at(2026, 3, 2, 10, 0)).allowed
    assert debtor_consent_revoke(debtor=debtor, actor=actor) == 2  # call and email (sms already revoked)
    assert set(Consent.objects.filter(contact__debtor=debtor).values_list("status", flat=True)) == {"revoked"}
    for channel in ("call", "email", "sms"):
        assert not compliance_check(debtor=debtor, channel=channel, at=at(2026, 3, 2, 10, 0)).allowed
    assert AuditEvent.objects.filter(event_type="consent.revoked_by_debtor", actor_label=actor).count() == 2
    assert AuditEvent.objects.filter(event_type="consent.revoked", actor_label=actor).count() == 3


@pytest.mark.django_db
def test_another_debtor_may_not_choose(debtor, portfolio):
    other = make_debtor(portfolio, code="OTRO")
    with pytest.raises(NotAllowed):
        contact_preferences_set(debtor=debtor, channels=["email"], actor=portal_actor(other.pk))
    with pytest.raises(NotAllowed):
        debtor_consent_revoke(debtor=debtor, actor=portal_actor(other.pk))
