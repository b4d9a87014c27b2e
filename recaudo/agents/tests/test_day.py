"""The agent's day (issue 14, section 7): the queue puts overdue debtors first, the script tells the overdue amount
from the total owed, inbound calls and visits are recorded outside the contact rules for outbound contacts, and the
board counts the promises and agreements an agent records, by day and by month."""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal as D
from zoneinfo import ZoneInfo

import pytest

from recaudo.agents.models import AgentTask, Interaction, MonthlyTarget
from recaudo.agents.rules import (
    WorkspaceError,
    is_overdue,
    month_bounds,
    overdue_minor,
    progress_percent,
    queue_includes,
    queue_key,
)
from recaudo.agents.selectors import DEFAULT_SCRIPT, queue_queryset, script_text, team_board
from recaudo.agents.services import monthly_target_set, outcome_record
from recaudo.agreements.services.plans import agreement_cancel, agreement_create
from recaudo.agreements.services.promises import promise_record
from recaudo.audit.models import AuditEvent
from recaudo.compliance.models import ComplianceDecision, ContactAttempt
from recaudo.compliance.services import ContactBlocked
from recaudo.demo.testing import make_obligation, make_user
from recaudo.portfolio.models import Obligation
from recaudo.strategies.models import DebtorStrategyState

from .helpers import NOW, debtor_with_phone

BOG = ZoneInfo("America/Bogota")


# -- pure rules: worked examples ------------------------------------------------------------------------------------
def test_queue_order_worked_example():
    today = date(2026, 3, 10)
    debtors = {  # name: (oldest due date, task due, score, balance)
        "A": (date(2026, 3, 1), False, 40, 500),
        "B": (date(2026, 3, 20), True, 90, 900),   # not yet due; the strategy's preventive call is due
        "C": (date(2026, 2, 1), True, 10, 100),    # overdue; a callback is due
        "D": (date(2026, 3, 20), False, 99, 999),  # not yet due, nothing asked: not in the queue
        "E": (date(2026, 3, 10), False, 50, 100),  # due today: not overdue yet
        "F": (date(2026, 3, 9), False, 40, 800),   # overdue by one day; same score as A, larger balance
    }
    rows = [(name, is_overdue(due, today), task, score, balance)
            for name, (due, task, score, balance) in debtors.items()]
    rows = [r for r in rows if queue_includes(overdue=r[1], task_due=r[2])]
    rows.sort(key=lambda r: queue_key(overdue=r[1], task_due=r[2], score=r[3], balance_minor=r[4], pk=ord(r[0])))
    assert [r[0] for r in rows] == ["C", "F", "A", "B"]


def test_overdue_amount_on_the_portfolios_date():
    obligations = [(date(2026, 3, 1), 500000), (date(2026, 3, 10), 300000), (date(2026, 4, 1), 700000)]
    assert overdue_minor(obligations, date(2026, 3, 10)) == 500000
    assert overdue_minor(obligations, date(2026, 3, 11)) == 800000
    assert overdue_minor(obligations, date(2026, 2, 28)) == 0


def test_month_bounds_and_progress():
    assert month_bounds(date(2026, 12, 17)) == (date(2026, 12, 1), date(2027, 1, 1))
    assert month_bounds(date(2026, 2, 28)) == (date(2026, 2, 1), date(2026, 3, 1))
    assert (progress_percent(7, 20), progress_percent(25, 20), progress_percent(3, 0)) == (35, 125, None)


# -- queue --------------------------------------------------------------------------------------------------------
@pytest.mark.django_db
def test_queue_overdue_first_and_preventive_only_when_a_strategy_step_asks(portfolio):
    agent = make_user("ana", portfolio, role="agent")
    late_low = debtor_with_phone(portfolio, "L1", "Late Low", amount="100000")  # due 31 Jan: overdue
    early_high = debtor_with_phone(portfolio, "P1", "Preventive", amount="9000000", phone="300 000 0002",
                                   issue=date(2026, 3, 1), due=date(2026, 3, 25))
    quiet = debtor_with_phone(portfolio, "P2", "Not yet due", amount="5000000", phone="300 000 0003",
                              issue=date(2026, 3, 1), due=date(2026, 3, 25))
    for debtor, priority in ((late_low, 10), (early_high, 900), (quiet, 800)):
        DebtorStrategyState.objects.update_or_create(debtor=debtor, defaults={
            "portfolio": portfolio, "priority": priority, "computed_on": NOW.date()})
    assert list(queue_queryset(agent=agent, portfolio=portfolio, now=NOW)) == [late_low]
    # The strategy's preventive step (5 days before the due date) asks for a call: the cycle makes the task.
    AgentTask.objects.create(portfolio=portfolio, debtor=early_high, kind="call", due_at=NOW - timedelta(hours=1),
                             dedupe_key="step:preventive:P1")
    queue = list(queue_queryset(agent=agent, portfolio=portfolio, now=NOW))
    assert queue == [late_low, early_high]  # overdue first, even with a far lower score
    assert [d.overdue for d in queue] == [True, False]


# -- script -------------------------------------------------------------------------------------------------------
@pytest.mark.django_db
def test_script_says_overdue_amount_and_total_owed_separately(portfolio):
    agent = make_user("ana", portfolio, role="agent")
    debtor = debtor_with_phone(portfolio, "S1", "Luz Marina Restrepo", amount="900000")  # due 31 Jan
    make_obligation(portfolio, debtor, number="F-S2", amount="600000", issue=date(2026, 3, 1), due=date(2026, 4, 1))
    debtor.refresh_from_db()
    text = script_text(debtor, agent, date(2026, 3, 10), "es")
    assert "saldo vencido de $ 900.000,00" in text
    assert "el saldo total de su cuenta es $ 1.500.000,00" in text
    assert "38 días de mora (factura más antigua: F-S1)" in text
    english = script_text(debtor, agent, date(2026, 3, 10), "en")
    assert "overdue amount of COP 900,000.00" in english
    assert "total balance of your account is COP 1,500,000.00" in english
    assert "{{ overdue }}" in DEFAULT_SCRIPT["en"] and "{{ balance }}" in DEFAULT_SCRIPT["en"]
    assert "days past due (oldest invoice: F-S1);" in english


@pytest.mark.django_db
def test_script_of_a_debtor_with_nothing_open_names_no_empty_oldest_invoice(portfolio):
    """It read "(factura más antigua: );" for a debtor with nothing open (issue 14)."""
    agent = make_user("ana", portfolio, role="agent")
    debtor = debtor_with_phone(portfolio, "S1", "Luz Marina Restrepo", amount="900000")
    Obligation.objects.filter(debtor=debtor).update(status=Obligation.Status.PAID, balance_minor=0)
    debtor.refresh_from_db()
    text = script_text(debtor, agent, date(2026, 3, 10), "es")
    assert "factura más antigua" not in text and "días de mora; el saldo total" in text
    english = script_text(debtor, agent, date(2026, 3, 10), "en")
    assert "oldest invoice" not in english and "days past due; the total balance" in english


# -- inbound ------------------------------------------------------------------------------------------------------
SUNDAY_21 = datetime(2026, 3, 8, 21, 0, tzinfo=BOG)


@pytest.mark.django_db
def test_inbound_call_on_sunday_night_recorded_with_promise_outbound_refused(portfolio):
    agent = make_user("ana", portfolio, role="agent")
    debtor = debtor_with_phone(portfolio, "I1", "Inés Inbound")
    with pytest.raises(ContactBlocked):
        outcome_record(portfolio=portfolio, debtor=debtor, agent=agent, disposition="right_party", now=SUNDAY_21)
    interaction = outcome_record(portfolio=portfolio, debtor=debtor, agent=agent, disposition="promise",
                                 promise_amount=D("300000"), promise_due=date(2026, 3, 13), now=SUNDAY_21,
                                 direction="inbound")
    assert interaction.direction == "inbound" and interaction.promise_id
    attempt = interaction.attempt
    assert (attempt.direction, attempt.effective, attempt.channel) == ("inbound", True, "call")
    evidence = ComplianceDecision.objects.get(pk=attempt.decision_id)
    assert evidence.allowed and evidence.context["direction"] == "inbound"
    event = AuditEvent.objects.get(event_type="agent.outcome")
    assert event.changes["direction"] == "inbound" and event.changes["disposition"] == "promise"
    assert "memo" not in event.changes  # codes, said in the page's language by the timeline (web event_detail)
    assert ContactAttempt.objects.filter(debtor=debtor).count() == 1  # the refused outbound call left no attempt


@pytest.mark.django_db
def test_a_visit_by_the_debtor_recorded_a_visit_by_the_agent_refused(portfolio):
    agent = make_user("ana", portfolio, role="agent")
    debtor = debtor_with_phone(portfolio, "V1", "Víctor Visita")
    with pytest.raises(ContactBlocked):  # Ley 2300 art. 3: never home or workplace visits
        outcome_record(portfolio=portfolio, debtor=debtor, agent=agent, disposition="right_party", now=NOW,
                       channel="visit")
    visit = outcome_record(portfolio=portfolio, debtor=debtor, agent=agent, disposition="right_party", now=NOW,
                           channel="visit", direction="inbound")
    assert (visit.channel, visit.attempt.channel) == ("visit", "visit")
    with pytest.raises(WorkspaceError):
        outcome_record(portfolio=portfolio, debtor=debtor, agent=agent, disposition="no_answer", now=NOW,
                       direction="sideways")


# -- board --------------------------------------------------------------------------------------------------------
@pytest.mark.django_db
def test_board_counts_promises_and_agreements_the_agent_recorded_by_day_and_month(portfolio):
    """10 Mar: ana records a promise on the work page (200.000) and one on the agreements page (50.000), and makes a
    payment agreement; a cancelled agreement and an imported promise count for nobody. 2 Mar: ana's promise of
    100.000 counts only in the month. Monthly target: 10 promises, 4 agreements, 1.000.000 promised."""
    ana = make_user("ana", portfolio, role="agent")
    sofia = make_user("sofia", portfolio, role="supervisor")
    a = debtor_with_phone(portfolio, "A", "A")
    b = debtor_with_phone(portfolio, "B", "B", phone="300 000 0002")
    c = debtor_with_phone(portfolio, "C", "C", phone="300 000 0003")
    outcome_record(portfolio=portfolio, debtor=a, agent=ana, disposition="promise", promise_amount=D("200000"),
                   promise_due=date(2026, 3, 12), now=NOW)
    promise_record(portfolio=portfolio, debtor=b, amount=D("50000"), due_date=date(2026, 3, 20), actor=ana, now=NOW)
    promise_record(portfolio=portfolio, debtor=c, amount=D("70000"), due_date=date(2026, 3, 20), source="import",
                   now=NOW)
    promise_record(portfolio=portfolio, debtor=c, amount=D("100000"), due_date=date(2026, 3, 5), actor=ana,
                   now=datetime(2026, 3, 2, 15, 0, tzinfo=UTC))
    c_obligations = list(c.obligations.all())
    agreement_create(portfolio=portfolio, debtor=c, obligations=c_obligations, installments=3,
                     first_due=date(2026, 4, 1), actor=ana, today=date(2026, 3, 10), now=NOW)
    dropped = agreement_create(portfolio=portfolio, debtor=c, obligations=c_obligations, installments=2,
                               first_due=date(2026, 4, 1), actor=ana, today=date(2026, 3, 10), now=NOW)
    agreement_cancel(agreement=dropped, actor=ana, now=NOW)
    monthly_target_set(portfolio=portfolio, agent=ana, month=date(2026, 3, 17), promises=10, agreements=4,
                       amount=D("1000000"), contacts=100, actor=sofia)
    row = next(r for r in team_board(portfolio, date(2026, 3, 10)) if r.agent == ana)
    assert (row.contacts, row.promises_made, row.promised_minor, row.agreements_made) == (1, 2, 25000000, 1)
    month = row.month
    assert (month.contacts, month.promises_made, month.promised_minor, month.agreements_made) == (1, 3, 35000000, 1)
    assert month.target.month == date(2026, 3, 1)
    assert (month.contacts_pct, month.promises_pct, month.agreements_pct, month.amount_pct) == (1, 30, 25, 35)
    assert MonthlyTarget.objects.count() == 1
    assert AuditEvent.objects.filter(event_type="agent.monthly_target_set").count() == 1
    assert Interaction.objects.count() == 1
