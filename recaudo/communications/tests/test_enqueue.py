"""Queuing messages: idempotency, contact choice, consent, compliance window, bulk insert."""

from datetime import timedelta

import pytest

from recaudo.audit.models import AuditEvent
from recaudo.communications.models import Message
from recaudo.communications.services import message_enqueue, message_enqueue_with_reason, messages_enqueue_bulk
from recaudo.compliance.models import ComplianceDecision
from recaudo.demo.testing import make_debtor

from .conftest import LATE, NEXT_MORNING, NOW

pytestmark = pytest.mark.django_db


def enqueue(debtor, channel="email", key="k1", now=NOW, **kwargs):
    return message_enqueue(portfolio=debtor.portfolio, debtor=debtor, channel=channel, template_code="reminder",
                           dedupe_key=key, now=now, **kwargs)


def test_enqueue_renders_one_consolidated_message(luz):
    message = enqueue(luz)
    assert message.status == "queued" and message.to == "luz@example.com"
    assert message.contact.role == "debtor"  # never the reference's address
    assert message.next_attempt_at == NOW and message.rendered_at == NOW
    assert "F-1" in message.body and "F-2" in message.body and "1.234.567,89" in message.body
    assert Message.objects.count() == 1


def test_enqueue_twice_gives_one_message(luz):
    first = enqueue(luz, key="cycle-2026-03-03-step-1")
    second = enqueue(luz, key="cycle-2026-03-03-step-1")
    assert first.pk == second.pk and Message.objects.count() == 1


def test_sms_goes_to_the_consented_phone(luz):
    message = enqueue(luz, channel="sms")
    assert message.to == "+573001234567" and "1.234.567,89" in message.body


def test_no_consent_returns_none_and_records_why(portfolio):
    debtor = make_debtor(portfolio, code="C009", name="Sin Consentimiento")
    message, reason = message_enqueue_with_reason(portfolio=portfolio, debtor=debtor, channel="email",
                                                  template_code="reminder", dedupe_key="x", now=NOW)
    assert message is None and "consent" in reason
    event = AuditEvent.objects.get(event_type="message.blocked")
    assert event.changes["reason"] == reason and event.changes["channel"] == "email"
    assert Message.objects.count() == 0


def test_outside_hours_is_scheduled_at_the_next_allowed_time(luz):
    message = enqueue(luz, now=LATE)
    assert message.status == "queued"
    assert message.next_attempt_at == NEXT_MORNING and message.scheduled_for == LATE
    assert "compliance window" in message.last_error
    assert ComplianceDecision.objects.filter(debtor=luz, allowed=False).exists()


def test_render_error_marks_the_message_failed_permanent(luz):
    from recaudo.communications.models import Template

    Template.objects.filter(code="reminder", channel="email", language="es").update(body="{{ total|money:1:2 }}")
    message = enqueue(luz)
    assert message.status == "failed" and message.permanent and message.last_error.startswith("render:")


def test_bulk_enqueue_dedupes_and_defers_rendering(luz, john):
    rows = [{"portfolio": luz.portfolio, "debtor": luz, "channel": "email", "template_code": "reminder",
             "dedupe_key": "cycle-1-luz"},
            {"portfolio_id": john.portfolio_id, "debtor_id": john.pk, "channel": "email",
             "template_code": "reminder", "dedupe_key": "cycle-1-john", "cycle_run_id": 7}]
    assert messages_enqueue_bulk(rows, now=NOW) == 2
    assert messages_enqueue_bulk(rows + rows, now=NOW + timedelta(minutes=1)) == 0
    assert Message.objects.count() == 2
    john_message = Message.objects.get(dedupe_key="cycle-1-john")
    assert john_message.rendered_at is None and john_message.body == "" and john_message.cycle_run_id == 7
