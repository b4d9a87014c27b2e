"""Issue 3: no reminder for a paid or held obligation, also at send time. The cycle queues a message for the next
allowed time, maybe hours later; before it goes, the outbox re-checks the debtor in bulk and cancels it."""

from datetime import date, timedelta
from decimal import Decimal

import pytest

from recaudo.agreements.services.payments import payment_receive
from recaudo.communications.models import Message
from recaudo.communications.services import messages_enqueue_bulk
from recaudo.communications.transports.console import MemoryTransport
from recaudo.compliance.models import ContactAttempt
from recaudo.cycle.outbox import outbox_process
from recaudo.demo.testing import make_debtor, make_obligation
from recaudo.ledger.services import obligation_set_dispute
from recaudo.portfolio.services import contact_add
from recaudo.strategies.selectors import debtors_not_collectable
from recaudo.strategies.services import hold_create, hold_release

from .conftest import NOW

pytestmark = pytest.mark.django_db
TODAY = date(2026, 3, 3)  # NOW in Bogotá


def queue(*debtors, context=None, source="cycle", cycle_run_id=7):
    messages_enqueue_bulk([{"portfolio": d.portfolio, "debtor": d, "channel": "email", "template_code": "reminder",
                            "dedupe_key": f"cycle-{d.code}", "cycle_run_id": cycle_run_id, "source": source,
                            "context": context or {}} for d in debtors], now=NOW - timedelta(hours=10))
    return {d.code: Message.objects.get(debtor=d) for d in debtors}


def status(message):
    message.refresh_from_db()
    return message.status, message.last_error


def test_paid_after_queuing_is_cancelled_not_sent(luz, john):
    messages = queue(luz, john)
    payment_receive(portfolio=john.portfolio, debtor=john, amount=Decimal("1234567.89"), date=TODAY, reference="R-1")
    stats = outbox_process(now=NOW, worker_id="w1")
    assert stats["sent"] == 1 and stats["cancelled"] == 1
    assert status(messages["C002"]) == ("cancelled", "cancelled: paid")
    assert status(messages["C001"])[0] == "sent"
    assert [m["to"] for m in MemoryTransport.sent] == ["luz@example.com"]
    assert not ContactAttempt.objects.filter(debtor=john).exists()


def test_debtor_hold_cancels_with_its_reason(luz, john):
    messages = queue(luz, john)
    hold_create(debtor=luz, reason="promise", until=TODAY, notes="paga el viernes")
    outbox_process(now=NOW, worker_id="w1")
    assert status(messages["C001"]) == ("cancelled", "cancelled: on hold: promise")
    assert status(messages["C002"])[0] == "sent"


def test_expired_or_released_hold_does_not_stop_the_message(luz, john):
    messages = queue(luz, john)
    hold_create(debtor=luz, reason="promise", until=TODAY - timedelta(days=1))
    hold_release(hold=hold_create(debtor=john, reason="claim", until=None))
    stats = outbox_process(now=NOW, worker_id="w1")
    assert stats["sent"] == 2 and stats["cancelled"] == 0
    assert {status(m)[0] for m in messages.values()} == {"sent"}


def test_step_that_asked_for_the_promise_passes_a_promise_hold(luz, john):
    hold_create(debtor=luz, reason="promise", until=TODAY + timedelta(days=3))
    hold_create(debtor=john, reason="promise", until=TODAY + timedelta(days=3))
    allowed = queue(luz, context={"allow_holds": ["promise"]})["C001"]
    other = queue(john)["C002"]
    outbox_process(now=NOW, worker_id="w1")
    assert status(allowed)[0] == "sent"
    assert status(other) == ("cancelled", "cancelled: on hold: promise")


def test_disputed_only_debtor_is_cancelled(john):
    message = queue(john)["C002"]
    obligation_set_dispute(obligation=john.obligations.get(), disputed=True, reason="factura no recibida")
    outbox_process(now=NOW, worker_id="w1")
    message_status, error = status(message)
    assert message_status == "cancelled" and "only disputed or held" in error


def test_messages_not_from_the_cycle_are_not_rechecked(john):
    message = queue(john, source="agent", cycle_run_id=None)["C002"]
    payment_receive(portfolio=john.portfolio, debtor=john, amount=Decimal("1234567.89"), date=TODAY, reference="R-1")
    outbox_process(now=NOW, worker_id="w1")
    assert status(message)[0] == "sent"


def test_the_check_is_a_fixed_number_of_queries(portfolio, django_assert_num_queries):
    ids, expected = [], {}
    for i in range(12):
        debtor = make_debtor(portfolio, code=f"Q{i}", name=f"Q {i}")
        first = make_obligation(portfolio, debtor, number=f"Q{i}-1", amount="1000", due=date(2026, 2, 1))
        make_obligation(portfolio, debtor, number=f"Q{i}-2", amount="500", due=date(2026, 2, 10))
        if i % 4 == 1:  # one of two obligations disputed: still collectable
            obligation_set_dispute(obligation=first, disputed=True, reason="x")
        if i % 4 == 2:  # both disputed
            for o in debtor.obligations.all():
                obligation_set_dispute(obligation=o, disputed=True, reason="x")
            expected[debtor.pk] = "nothing collectable: only disputed or held obligations"
        if i % 4 == 3:
            hold_create(debtor=debtor, reason="agreement", until=TODAY)
            expected[debtor.pk] = "on hold: agreement"
        ids.append(debtor.pk)
    contact_add(debtor=debtor, channel="email", value="q@example.com", consent="granted", now=NOW)
    with django_assert_num_queries(3):
        assert debtors_not_collectable(ids, TODAY) == expected
    # an obligation hold on the only undisputed obligation leaves nothing collectable
    hold_create(debtor=debtor, obligation=debtor.obligations.get(number="Q11-2"), reason="claim", until=None)
    hold_create(debtor=debtor, obligation=debtor.obligations.get(number="Q11-1"), reason="claim", until=None)
    assert debtors_not_collectable([debtor.pk], {debtor.pk: TODAY}, allow_holds={debtor.pk: ["agreement"]}) == {
        debtor.pk: "nothing collectable: only disputed or held obligations"}


def test_cycle_message_for_a_debtor_who_pays_before_the_send_time_is_cancelled(portfolio):
    """End to end: the cycle queues the SMS on a Saturday evening for Monday 07:00; the debtor pays on Sunday."""
    from recaudo.cycle.runner import cycle_run
    from recaudo.strategies.services import strategy_ensure_default

    saturday = date(2026, 3, 7)
    payer, other = [make_debtor(portfolio, code=c, name=f"Deudor {c}") for c in ("P1", "P2")]
    for d in (payer, other):
        make_obligation(portfolio, d, number=f"{d.code}-1", amount="200000", issue=date(2026, 2, 1),
                        due=saturday - timedelta(days=3))
        contact_add(debtor=d, channel="phone", value="+573001234567", consent="granted", now=NOW)
    strategy_ensure_default(portfolio)
    from datetime import UTC, datetime
    evening = datetime(2026, 3, 8, 0, 30, tzinfo=UTC)  # Saturday 19:30 in Bogotá: outside the contact hours
    result = cycle_run(portfolio=portfolio, business_date=saturday, now=evening)
    assert result.status == "done"
    queued = {m.debtor_id: m for m in Message.objects.filter(channel="sms")}
    assert set(queued) == {payer.pk, other.pk} and all(m.next_attempt_at > evening for m in queued.values())
    payer.refresh_from_db()
    payment_receive(portfolio=portfolio, debtor=payer, amount=Decimal("200000"), date=date(2026, 3, 8), reference="R-2")
    monday = max(m.next_attempt_at for m in queued.values())
    outbox_process(now=monday, worker_id="w1")
    assert status(queued[payer.pk]) == ("cancelled", "cancelled: paid")
    assert status(queued[other.pk])[0] == "sent"
