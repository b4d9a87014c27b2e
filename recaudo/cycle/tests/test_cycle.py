from datetime import timedelta

import pytest
from django.utils import translation

from recaudo.agents.models import AgentTask
from recaudo.agreements.services.payments import payment_receive
from recaudo.compliance.models import ComplianceDecision
from recaudo.cycle.engine import Cycle
from recaudo.cycle.runner import cycle_run, run_get_or_create
from recaudo.cycle.wording import decode, reason_text
from recaudo.demo.testing import make_debtor, make_obligation
from recaudo.ledger.services import obligation_set_dispute
from recaudo.strategies.models import CycleRun, DebtorStrategyState, StepExecution
from recaudo.strategies.services import (
    hold_create,
    latest_version,
    segment_upsert,
    strategy_ensure_default,
    strategy_step_update,
)

from .helpers import MONDAY, amount, debtor_owing

pytestmark = pytest.mark.django_db


def steps_of(debtor):
    return list(StepExecution.objects.filter(debtor=debtor).order_by("business_date").values_list(
        "business_date", "step_key", "outcome"))


def test_step_due_today_creates_one_consolidated_message(portfolio, outbox):
    debtor = debtor_owing(portfolio, "C1", days_past_due=3, n=3)  # three overdue invoices
    result = cycle_run(portfolio=portfolio, business_date=MONDAY)
    assert result.status == "done"
    assert steps_of(debtor) == [(MONDAY, "sms-overdue", "done")]
    assert len(outbox.messages) == 1
    message = outbox.messages[0]
    assert message["channel"] == "sms" and message["template_code"] == "overdue_notice"
    assert message["debtor_id"] == debtor.pk and message["cycle_run_id"] == result.run_id


def test_running_twice_the_same_day_creates_nothing_more(portfolio, outbox):
    debtor_owing(portfolio, "C1", days_past_due=3)
    debtor_owing(portfolio, "C2", days_past_due=10)
    first = cycle_run(portfolio=portfolio, business_date=MONDAY)
    assert first.counts["steps"] == 2
    before = (StepExecution.objects.count(), AgentTask.objects.count(), len(outbox.messages))
    second = cycle_run(portfolio=portfolio, business_date=MONDAY)
    assert second.status == "already_done"
    # Even forcing the planning again over the same day (as a resumed or duplicate run would) adds nothing.
    run = CycleRun.objects.get()
    CycleRun.objects.filter(pk=run.pk).update(status="running", claimed_by="me", progress_debtor_id=0)
    run.refresh_from_db()
    Cycle(portfolio=portfolio, business_date=MONDAY).execute(run, "me")
    assert (StepExecution.objects.count(), AgentTask.objects.count(), len(outbox.messages)) == before
    assert AgentTask.objects.get().kind == "call"


def test_catch_up_after_missed_days_runs_only_the_latest_step_once(portfolio, outbox):
    debtor = debtor_owing(portfolio, "C1", days_past_due=1)
    cycle_run(portfolio=portfolio, business_date=MONDAY - timedelta(days=10))  # nothing due yet (dpd -9)
    later = MONDAY + timedelta(days=21)  # 10+ missed days: dpd 22, steps at 3, 10 and 20 all missed
    cycle_run(portfolio=portfolio, business_date=later)
    assert steps_of(debtor) == [(later, "whatsapp-20", "done")]
    for day in range(1, 10):
        cycle_run(portfolio=portfolio, business_date=later + timedelta(days=day))
    assert steps_of(debtor) == [(later, "whatsapp-20", "done")]
    assert len(outbox.messages) == 1 and outbox.messages[0]["attach_statement"] is True


def test_paid_held_and_disputed_debtors_get_nothing(portfolio, outbox):
    paid = debtor_owing(portfolio, "PAID", days_past_due=3)
    payment_receive(portfolio=portfolio, debtor=paid, amount=amount("1000000"), date=MONDAY, source_ref="r1")
    held = debtor_owing(portfolio, "HELD", days_past_due=3)
    hold_create(debtor=held, reason="promise", until=MONDAY + timedelta(days=5))
    disputed = debtor_owing(portfolio, "DISP", days_past_due=3)
    obligation_set_dispute(obligation=disputed.obligations.get(), disputed=True, reason="never delivered")
    normal = debtor_owing(portfolio, "OK", days_past_due=3)
    result = cycle_run(portfolio=portfolio, business_date=MONDAY, collect=10)
    assert [m["debtor_id"] for m in outbox.messages] == [normal.pk]
    assert StepExecution.objects.filter(debtor__in=[paid, held, disputed]).count() == 0
    skipped = {r.debtor_id: r.reason for r in result.rows if r.outcome == "skipped"}
    assert decode(skipped[held.pk]) == {"code": "held", "holds": ["promise"]}
    with translation.override("es-co"):
        assert reason_text(skipped[held.pk]) == "en espera: Promesa de pago"
    # After the hold ends the step runs (once).
    cycle_run(portfolio=portfolio, business_date=MONDAY + timedelta(days=6))
    assert steps_of(held) == [(MONDAY + timedelta(days=6), "sms-overdue", "done")]


def test_disputed_obligation_leaves_collection_but_the_rest_is_collected(portfolio, outbox):
    debtor = debtor_owing(portfolio, "C1", days_past_due=47, n=1)
    newer = make_obligation(portfolio, debtor, number="C1-new", amount="500000", due=MONDAY - timedelta(days=3),
                            issue=MONDAY - timedelta(days=30))
    obligation_set_dispute(obligation=debtor.obligations.get(number="C1-0"), disputed=True, reason="wrong amount")
    cycle_run(portfolio=portfolio, business_date=MONDAY)
    # Days past due come from the undisputed obligation (3 days), not the disputed one (47 days).
    assert steps_of(debtor) == [(MONDAY, "sms-overdue", "done")]
    state = DebtorStrategyState.objects.get(debtor=debtor)
    assert state.priority_balance_minor == 50000000 and state.priority_days == 3
    assert newer.pk


def test_obligation_hold_excludes_only_that_obligation(portfolio, outbox):
    debtor = debtor_owing(portfolio, "C1", days_past_due=10, n=1)
    hold_create(debtor=debtor, obligation=debtor.obligations.get(), reason="claim", until=None)
    cycle_run(portfolio=portfolio, business_date=MONDAY)
    assert steps_of(debtor) == []


def test_compliance_block_is_recorded_with_evidence(portfolio, outbox):
    debtor = debtor_owing(portfolio, "NOCONSENT", days_past_due=3, consent=False)
    cycle_run(portfolio=portfolio, business_date=MONDAY)
    step = StepExecution.objects.get(debtor=debtor)
    assert step.outcome == "blocked" and decode(step.reason)["code"] == "blocked"
    assert any(r["rule"].startswith("CO-CONSENT") for r in decode(step.reason)["rules"])
    assert step.decision is not None and step.decision.allowed is False
    assert ComplianceDecision.objects.filter(debtor=debtor).count() == 1
    assert outbox.messages == []


def test_sunday_contact_is_scheduled_for_the_next_allowed_time(portfolio, outbox):
    debtor = debtor_owing(portfolio, "C1", days_past_due=3, today=MONDAY - timedelta(days=1))
    cycle_run(portfolio=portfolio, business_date=MONDAY - timedelta(days=1))  # Sunday: no contact in Colombia
    step = StepExecution.objects.get(debtor=debtor)
    assert step.outcome == "done" and decode(step.reason)["code"] == "scheduled"
    with translation.override("es-co"):
        assert reason_text(step.reason) == ("programado para la próxima hora permitida: "
                                            "fuera del horario de contacto")
    with translation.override("en"):
        assert reason_text(step.reason) == "scheduled for the next allowed time: outside the contact hours"
    assert outbox.messages[0]["scheduled_for"] == step.scheduled_for
    assert step.scheduled_for.date() == MONDAY


def test_version_history_shows_which_version_acted(portfolio, outbox):
    strategy = strategy_ensure_default(portfolio)
    a = debtor_owing(portfolio, "A", days_past_due=3)
    cycle_run(portfolio=portfolio, business_date=MONDAY)
    v2 = strategy_step_update(strategy=strategy, step_key="call-10", changes={"offset": 5})
    b = debtor_owing(portfolio, "B", days_past_due=5, today=MONDAY + timedelta(days=1))
    cycle_run(portfolio=portfolio, business_date=MONDAY + timedelta(days=1))
    assert StepExecution.objects.get(debtor=a).strategy_version.number == 1
    assert StepExecution.objects.get(debtor=b).strategy_version == v2
    assert latest_version(strategy).number == 2


def test_payment_then_new_arrears_starts_a_new_episode(portfolio, outbox):
    debtor = debtor_owing(portfolio, "C1", days_past_due=3)
    cycle_run(portfolio=portfolio, business_date=MONDAY)
    payment_receive(portfolio=portfolio, debtor=debtor, amount=amount("1000000"), date=MONDAY, source_ref="p1")
    make_obligation(portfolio, debtor, number="C1-b", amount="200000", issue=MONDAY, due=MONDAY + timedelta(days=10))
    cycle_run(portfolio=portfolio, business_date=MONDAY + timedelta(days=13))
    assert [s[1] for s in steps_of(debtor)] == ["sms-overdue", "sms-overdue"]
    assert len(outbox.messages) == 2


def test_segment_strategy_and_priority_explanation(portfolio, outbox):
    segment_upsert(portfolio=portfolio, name="SME-high", conditions={"kind": "company", "balance_min": 1000000},
                   order=1, weight="2")
    company = debtor_owing(portfolio, "EMP", days_past_due=47, amount="4200000", kind="company")
    person = debtor_owing(portfolio, "PER", days_past_due=47, amount="4200000")
    cycle_run(portfolio=portfolio, business_date=MONDAY)
    sme = DebtorStrategyState.objects.get(debtor=company)
    plain = DebtorStrategyState.objects.get(debtor=person)
    assert sme.segment_name == "SME-high" and plain.segment_name == ""
    assert sme.priority > plain.priority


def test_killed_run_resumes_after_stale_heartbeat(portfolio, outbox, settings):
    settings.RECAUDO_CYCLE_STALE_SECONDS = 60
    debtors = [debtor_owing(portfolio, f"C{i}", days_past_due=3) for i in range(3)]
    run = run_get_or_create(portfolio, MONDAY)
    from django.utils import timezone

    # A worker claimed it, finished the first debtor's chunk, then died (heartbeat long ago).
    CycleRun.objects.filter(pk=run.pk).update(status="running", claimed_by="dead-worker",
                                              heartbeat_at=timezone.now() - timedelta(minutes=10),
                                              progress_debtor_id=debtors[0].pk)
    busy = cycle_run(portfolio=portfolio, business_date=MONDAY)
    assert busy.status == "done"
    assert StepExecution.objects.filter(debtor=debtors[0]).count() == 0  # was "done" before the kill
    assert StepExecution.objects.filter(debtor__in=debtors[1:]).count() == 2
    assert CycleRun.objects.get().status == "done"


def test_fresh_claim_is_not_taken_over(portfolio, outbox):
    debtor_owing(portfolio, "C1", days_past_due=3)
    run = run_get_or_create(portfolio, MONDAY)
    from django.utils import timezone

    CycleRun.objects.filter(pk=run.pk).update(status="running", claimed_by="alive", heartbeat_at=timezone.now())
    result = cycle_run(portfolio=portfolio, business_date=MONDAY)
    assert result.status.startswith("claimed_elsewhere")
    assert StepExecution.objects.count() == 0


def test_dry_run_writes_nothing(portfolio, outbox):
    debtor_owing(portfolio, "C1", days_past_due=3)
    result = cycle_run(portfolio=portfolio, business_date=MONDAY, dry_run=True, collect=10)
    assert result.counts["steps"] == 1 and result.rows[0].step_key == "sms-overdue"
    assert StepExecution.objects.count() == 0 and CycleRun.objects.count() == 0 and outbox.messages == []


def test_debtor_without_balance_is_not_processed(portfolio, outbox):
    make_debtor(portfolio, code="ZERO", name="Sin deuda")
    assert cycle_run(portfolio=portfolio, business_date=MONDAY).counts.get("debtors", 0) == 0


def test_real_outbox_integration(portfolio):
    """With recaudo.communications in place: the cycle's messages land in its outbox, once."""
    from recaudo.communications.models import Message

    debtor = debtor_owing(portfolio, "C1", days_past_due=3, n=2)
    cycle_run(portfolio=portfolio, business_date=MONDAY)
    cycle_run(portfolio=portfolio, business_date=MONDAY)
    message = Message.objects.get(debtor=debtor)
    assert message.channel == "sms" and message.template_code == "overdue_notice" and message.source == "cycle"
    assert message.dedupe_key == StepExecution.objects.get(debtor=debtor).dedupe_key
