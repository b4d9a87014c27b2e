"""Agent workspace: next debtor with compliance skips, call outcomes, assignments, team board and commissions."""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal as D

import pytest

from recaudo.agents.models import AgentTask, Assignment, Disposition, Interaction
from recaudo.agents.rules import CallbackOutsideHours, WorkspaceError
from recaudo.agents.selectors import banner_for, callback_slots, queue_queryset, script_text, team_board
from recaudo.agents.services import (
    assign_debtors,
    assign_segment,
    assignments_apply,
    commission_rule_set,
    next_debtor,
    outcome_record,
    script_save,
    target_set,
)
from recaudo.agreements.services.payments import payment_receive
from recaudo.audit.models import AuditEvent
from recaudo.compliance.models import ContactAttempt
from recaudo.compliance.services import compliance_check
from recaudo.demo.testing import make_user
from recaudo.strategies.models import DebtorStrategyState, Hold, Segment

from .helpers import NOW, debtor_with_phone

pytestmark = pytest.mark.django_db


def score(debtor, value, segment=None):
    DebtorStrategyState.objects.update_or_create(debtor=debtor, defaults={
        "portfolio": debtor.portfolio, "priority": value, "priority_balance_minor": debtor.balance_minor,
        "priority_days": 38, "segment": segment, "segment_name": segment.name if segment else "",
        "computed_on": NOW.date()})


@pytest.fixture
def team(portfolio):
    return {"ana": make_user("ana", portfolio, role="agent"), "beto": make_user("beto", portfolio, role="agent"),
            "sofia": make_user("sofia", portfolio, role="supervisor")}


@pytest.fixture
def two(portfolio):
    a = debtor_with_phone(portfolio, "A1", "Ana Arango")
    b = debtor_with_phone(portfolio, "B1", "Bruno Bravo", phone="300 765 4321")
    score(a, 500)
    score(b, 300)
    return a, b


def test_dispositions_loaded_as_data():
    codes = set(Disposition.objects.values_list("code", flat=True))
    assert {"right_party", "no_answer", "wrong_number", "third_party", "promise", "refuses", "dispute",
            "deceased", "callback"} <= codes
    promise = Disposition.objects.get(code="promise")
    assert promise.creates_promise and promise.right_party_contact and promise.effective_contact


def test_next_debtor_skips_blocked_and_says_until_when(portfolio, team, two):
    a, b = two
    # A was reached by SMS this morning: Colombia allows no other contact today, and no other channel this
    # calendar week, so a call waits until Monday 07:00.
    ContactAttempt.objects.create(portfolio=portfolio, debtor=a, channel="sms", at=NOW - timedelta(hours=2),
                                  effective=True, outcome="reached")
    result = next_debtor(agent=team["ana"], portfolio=portfolio, now=NOW)
    assert result.debtor == b
    (skipped,) = result.skipped
    assert skipped.debtor == a
    assert skipped.next_allowed_at == datetime(2026, 3, 16, 12, 0, tzinfo=UTC)  # Monday 07:00 in Bogotá
    decision = compliance_check(channel="call", at=NOW, debtor=a, record=False)
    text = banner_for(decision, portfolio).text
    assert "SMS" in text and "16/03/2026 07:00" in text
    assert banner_for(compliance_check(channel="call", at=NOW, debtor=b, record=False), portfolio).allowed
    assert AuditEvent.objects.filter(debtor=b, event_type="agent.next_debtor").count() == 1


def test_promise_outcome_creates_promise_attempt_and_timeline(portfolio, team, two):
    a, _b = two
    interaction = outcome_record(portfolio=portfolio, debtor=a, agent=team["ana"], disposition="promise",
                                 notes="paga el viernes", promise_amount=D("400000"), promise_due=date(2026, 3, 13),
                                 now=NOW)
    attempt = interaction.attempt
    assert (attempt.channel, attempt.effective, attempt.outcome) == ("call", True, "reached")
    assert interaction.promise_amount_minor == 40000000 and interaction.right_party_contact
    from recaudo.agreements.models import Promise

    promise = Promise.objects.get(pk=interaction.promise_id)
    assert promise.amount_minor == 40000000 and promise.due_date == date(2026, 3, 13)
    events = set(AuditEvent.objects.filter(debtor=a).values_list("event_type", flat=True))
    assert {"agent.outcome", "contact.attempted", "promise.recorded"} <= events
    # worked (and on a promise hold): out of the queue; the other debtor is next
    assert list(queue_queryset(agent=team["ana"], portfolio=portfolio, now=NOW + timedelta(minutes=5))) == [_b]
    with pytest.raises(WorkspaceError, match="valor positivo"):
        outcome_record(portfolio=portfolio, debtor=_b, agent=team["ana"], disposition="promise", now=NOW)


def test_promise_dated_yesterday_refused_at_its_field_before_any_contact_is_recorded(portfolio, team, two):
    """The portfolio's yesterday is refused by the workspace itself, at the promise's date, with nothing recorded
    (it used to pass a check one day behind and fail later, in the promise service, with an ISO date)."""
    a, _b = two
    with pytest.raises(WorkspaceError) as exc:
        outcome_record(portfolio=portfolio, debtor=a, agent=team["ana"], disposition="promise",
                       promise_amount=D("1000"), promise_due=portfolio.today(NOW) - timedelta(days=1), now=NOW)
    assert exc.value.field == "promise_due"
    assert not Interaction.objects.exists() and not ContactAttempt.objects.exists()


def test_callback_outside_hours_refused_with_next_allowed_time(portfolio, team, two):
    a, _b = two
    with pytest.raises(CallbackOutsideHours) as exc:
        outcome_record(portfolio=portfolio, debtor=a, agent=team["ana"], disposition="no_answer",
                       callback_at=datetime(2026, 3, 11, 1, 0, tzinfo=UTC), now=NOW)  # 20:00 in Bogotá
    assert exc.value.decision.next_allowed_at == datetime(2026, 3, 11, 12, 0, tzinfo=UTC)
    assert not Interaction.objects.exists() and not ContactAttempt.objects.exists()  # nothing half-recorded
    # after a right-party contact Colombia allows no second contact the same day
    with pytest.raises(CallbackOutsideHours):
        outcome_record(portfolio=portfolio, debtor=a, agent=team["ana"], disposition="callback",
                       callback_at=NOW + timedelta(hours=3), now=NOW)
    # no answer: a callback at 15:00 the same day is fine; the debtor comes back first at that time
    later = NOW + timedelta(hours=5)
    outcome_record(portfolio=portfolio, debtor=a, agent=team["ana"], disposition="no_answer", callback_at=later,
                   now=NOW)
    task = AgentTask.objects.get(debtor=a, status="open")
    assert task.due_at == later and task.assigned_to == team["ana"]
    assert a not in list(queue_queryset(agent=team["ana"], portfolio=portfolio, now=NOW + timedelta(hours=1)))
    assert list(queue_queryset(agent=team["ana"], portfolio=portfolio, now=later))[0] == a
    slots = [label for _v, label in callback_slots(debtor=a, day=date(2026, 3, 10), now=NOW, effective_now=False)]
    assert slots[0] == "10:30" and slots[-1] == "18:30"
    assert callback_slots(debtor=a, day=date(2026, 3, 10), now=NOW, effective_now=True) == []


def test_dispute_and_deceased(portfolio, team, two):
    a, b = two
    outcome_record(portfolio=portfolio, debtor=a, agent=team["ana"], disposition="dispute", notes="no reconoce",
                   now=NOW)
    a.refresh_from_db()
    assert a.disputed and a.obligations.get().dispute_reason == "no reconoce"
    outcome_record(portfolio=portfolio, debtor=b, agent=team["ana"], disposition="deceased", now=NOW)
    assert Hold.objects.get(debtor=b).reason == "deceased"
    assert not ContactAttempt.objects.get(debtor=b).effective


def test_assignments_segments_and_allow_unassigned(portfolio, team, two):
    a, b = two
    segment = Segment.objects.create(portfolio=portfolio, name="Temprana")
    score(a, 500, segment)
    assert assign_segment(portfolio=portfolio, segment=segment, agent=team["beto"], actor=team["sofia"]) == 1
    assert Assignment.objects.get(debtor=a).agent == team["beto"]
    assert assign_debtors(portfolio=portfolio, debtor_ids=[a.pk, b.pk], agent=team["ana"], actor=team["sofia"]) == 2
    assert set(Assignment.objects.values_list("agent__username", flat=True)) == {"ana"}
    assert AuditEvent.objects.filter(debtor=a, event_type="agent.assigned").count() == 2
    assert list(queue_queryset(agent=team["beto"], portfolio=portfolio, now=NOW)) == []
    assign_debtors(portfolio=portfolio, debtor_ids=[b.pk], agent=None, actor=team["sofia"])
    assert list(queue_queryset(agent=team["beto"], portfolio=portfolio, now=NOW)) == [b]
    commission_rule_set(portfolio=portfolio, percent=D("2"), allow_unassigned=False, actor=team["sofia"])
    assert list(queue_queryset(agent=team["beto"], portfolio=portfolio, now=NOW)) == []
    outsider = make_user("otro")
    with pytest.raises(WorkspaceError):
        assign_debtors(portfolio=portfolio, debtor_ids=[a.pk], agent=outsider, actor=team["sofia"])


def test_assignment_page_is_all_or_nothing(portfolio, other_portfolio, team, two):
    """Codes and a segment in one step: when the segment is refused, the codes are not assigned either."""
    a, b = two
    foreign = Segment.objects.create(portfolio=other_portfolio, name="Ajena")
    with pytest.raises(WorkspaceError) as info:
        assignments_apply(portfolio=portfolio, agent_id=str(team["ana"].pk), codes=["A1", "B1"],
                          segment_id=foreign.pk, actor=team["sofia"])
    assert info.value.field == "segment"
    assert not Assignment.objects.exists()
    with pytest.raises(WorkspaceError) as info:
        assignments_apply(portfolio=portfolio, agent_id="", codes=["A1"], actor=team["sofia"])
    assert info.value.field == "agent"
    assert assignments_apply(portfolio=portfolio, agent_id=str(team["ana"].pk), codes=["A1", "B1"],
                             actor=team["sofia"]) == 2
    assert assignments_apply(portfolio=portfolio, agent_id="-", codes=["B1"], actor=team["sofia"]) == 1
    assert set(Assignment.objects.filter(agent__isnull=False).values_list("debtor__code", flat=True)) == {"A1"}
    # a code no debtor has (a typo) is named, and the others are not assigned either
    with pytest.raises(WorkspaceError, match="el código NOPE, <b>x</b>; no se asignó nada") as info:
        assignments_apply(portfolio=portfolio, agent_id=str(team["beto"].pk), codes=["A1", "NOPE", "<b>x</b>"],
                          actor=team["sofia"])
    assert info.value.field == "debtor_codes"
    assert set(Assignment.objects.filter(agent=team["beto"]).values_list("debtor__code", flat=True)) == set()


def test_team_board_numbers_and_commission_exact(portfolio, team):
    """Day 10 Mar: ana calls A (promise 200.000) and B (no answer); beto reached C on 6 Mar; D was reached by ana 32
    days before paying. Payments on 10 Mar: A 150.000 (ana), C 100.000 (beto), B 50.000 (nobody: no right-party
    contact), D 70.000 (nobody: outside the 30-day window). Commission 2,5 %."""
    a = debtor_with_phone(portfolio, "A", "A")
    b = debtor_with_phone(portfolio, "B", "B", phone="300 000 0002")
    c = debtor_with_phone(portfolio, "C", "C", phone="300 000 0003")
    d = debtor_with_phone(portfolio, "D", "D", phone="300 000 0004")
    outcome_record(portfolio=portfolio, debtor=a, agent=team["ana"], disposition="promise",
                   promise_amount=D("200000"), promise_due=date(2026, 3, 10), now=NOW)
    outcome_record(portfolio=portfolio, debtor=b, agent=team["ana"], disposition="no_answer", now=NOW)
    outcome_record(portfolio=portfolio, debtor=c, agent=team["beto"], disposition="right_party",
                   now=NOW - timedelta(days=4))
    outcome_record(portfolio=portfolio, debtor=d, agent=team["ana"], disposition="right_party",
                   now=datetime(2026, 2, 6, 15, 0, tzinfo=UTC))
    for debtor, amount in ((a, "150000"), (c, "100000"), (b, "50000"), (d, "70000")):
        payment_receive(portfolio=portfolio, debtor=debtor, amount=D(amount), date=date(2026, 3, 10),
                       reference=f"P-{debtor.code}")
    commission_rule_set(portfolio=portfolio, percent=D("2.5"), actor=team["sofia"])
    target_set(portfolio=portfolio, agent=team["ana"], day=date(2026, 3, 10), contacts=40, promises=5,
               amount=D("1000000"), actor=team["sofia"])
    from recaudo.agreements.models import Promise

    Promise.objects.filter(debtor=a).update(status="kept")
    rows = {r.agent.username: r for r in team_board(portfolio, date(2026, 3, 10))}
    ana, beto = rows["ana"], rows["beto"]
    assert (ana.contacts, ana.right_party, ana.promises_made, ana.promises_kept) == (2, 1, 1, 1)
    assert (ana.promised_minor, ana.collected_minor, ana.commission_minor) == (20000000, 15000000, 375000)
    assert ana.target.contacts == 40 and ana.target.amount_minor == 100000000
    assert (beto.contacts, beto.right_party, beto.promises_made) == (0, 0, 0)
    assert (beto.collected_minor, beto.commission_minor) == (10000000, 250000)
    assert rows["sofia"].collected_minor == 0
    assert sum(r.collected_minor for r in rows.values()) == 25000000  # B and D are attributed to nobody


def test_script_filled_in_and_sandboxed(portfolio, team, two):
    a, _ = two
    script_save(portfolio=portfolio, body="Hola {{ debtor_name }}, saldo {{ balance }}, {{ days_past_due }} días, "
                "factura {{ oldest_invoice }}. Soy {{ agent_name }}.", actor=team["sofia"])
    text = script_text(a, team["ana"], date(2026, 3, 10))
    assert text == "Hola Ana Arango, saldo $ 1.000.000,00, 38 días, factura F-A1. Soy ana."
    with pytest.raises(WorkspaceError, match="El guion no se puede leer"):
        script_save(portfolio=portfolio, body="{% load os %}", actor=team["sofia"])
    # a typo of a variable is refused, naming it: saved, agents would have read a blank where the name goes
    with pytest.raises(WorkspaceError, match="Variables desconocidas: nombre") as exc:
        script_save(portfolio=portfolio, body="Hola {{ nombre }}, saldo {{ balance|upper }}", actor=team["sofia"])
    assert exc.value.field == "body"
    assert script_text(a, team["ana"], date(2026, 3, 10)).startswith("Hola Ana Arango")
    assert AuditEvent.objects.filter(event_type="agent.script_saved").count() == 1
