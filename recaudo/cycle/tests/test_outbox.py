"""The outbox worker (recaudo/cycle/outbox.py) and the `outbox` command: claims, sending, retries with backoff,
permanent failures and fallback, compliance."""

import threading
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db import connection

from recaudo.communications.models import Message
from recaudo.communications.services import message_enqueue, messages_enqueue_bulk
from recaudo.communications.tests import conftest as channels
from recaudo.communications.transports import TransportError
from recaudo.communications.transports.console import MemoryTransport
from recaudo.compliance.models import ContactAttempt
from recaudo.cycle.outbox import claim_batch, outbox_process
from recaudo.portfolio.models import Consent

pytestmark = pytest.mark.django_db

# The channels' test fixtures: memory transports for every test here (autouse), debtors with consented contacts.
_comms_settings, luz, john = channels._comms_settings, channels.luz, channels.john
NOW, LATE, NEXT_MORNING = channels.NOW, channels.LATE, channels.NEXT_MORNING


def enqueue(debtor, channel="email", key="k1", now=NOW, **kwargs):
    return message_enqueue(portfolio=debtor.portfolio, debtor=debtor, channel=channel, template_code="reminder",
                           dedupe_key=key, now=now, **kwargs)


def test_send_marks_sent_and_records_a_contact_attempt(luz):
    message = enqueue(luz)
    stats = outbox_process(now=NOW, worker_id="w1")
    assert stats["claimed"] == 1 and stats["sent"] == 1
    message.refresh_from_db()
    assert message.status == "sent" and message.attempts == 1 and message.provider == "memory"
    assert message.provider_id.startswith("mem-") and message.sent_at == NOW and message.claim_token is None
    assert MemoryTransport.sent[0]["to"] == "luz@example.com"
    attempt = ContactAttempt.objects.get(debtor=luz)
    assert attempt.channel == "email" and attempt.outcome == "sent" and attempt.decision.allowed
    assert outbox_process(now=NOW, worker_id="w1")["claimed"] == 0  # never twice


def test_bulk_rows_are_rendered_at_send_time(luz, john):
    messages_enqueue_bulk([{"portfolio": luz.portfolio, "debtor": d, "channel": "email", "template_code": "reminder",
                            "dedupe_key": f"k-{d.code}"} for d in (luz, john)], now=NOW)
    assert outbox_process(now=NOW, worker_id="w1")["sent"] == 2
    john_mail = next(m for m in MemoryTransport.sent if m["to"] == "john@example.com")
    assert "1,234,567.89" in john_mail["text"] and john_mail["subject"].startswith("Payment reminder")
    message = Message.objects.get(dedupe_key="k-C002")
    assert message.rendered_at == NOW and message.contact.value == "john@example.com" and message.language == "en"


def test_retryable_failure_backs_off_then_sends(luz):
    message = enqueue(luz)
    MemoryTransport.fail["luz@example.com"] = TransportError("421 try later", permanent=False)
    stats = outbox_process(now=NOW, worker_id="w1")
    assert stats["retried"] == 1
    message.refresh_from_db()
    assert message.status == "queued" and message.attempts == 1 and not message.permanent
    assert message.next_attempt_at == NOW + timedelta(minutes=1) and "421" in message.last_error
    assert outbox_process(now=NOW + timedelta(seconds=59), worker_id="w1")["claimed"] == 0
    outbox_process(now=NOW + timedelta(minutes=1), worker_id="w1")
    message.refresh_from_db()
    assert message.attempts == 2 and message.next_attempt_at == NOW + timedelta(minutes=3)
    MemoryTransport.fail.clear()
    outbox_process(now=NOW + timedelta(minutes=3), worker_id="w1")
    message.refresh_from_db()
    assert message.status == "sent" and message.attempts == 3


def test_gives_up_after_max_attempts(luz, settings):
    settings.RECAUDO_OUTBOX_MAX_ATTEMPTS = 2
    message = enqueue(luz)
    MemoryTransport.fail["luz@example.com"] = TransportError("timeout", permanent=False)
    outbox_process(now=NOW, worker_id="w1")
    outbox_process(now=NOW + timedelta(minutes=1), worker_id="w1")
    message.refresh_from_db()
    assert message.status == "failed" and not message.permanent and message.attempts == 2


def test_permanent_failure_falls_back_to_another_consented_channel(luz):
    message = enqueue(luz)
    MemoryTransport.fail["luz@example.com"] = TransportError("550 no such user", permanent=True)
    stats = outbox_process(now=NOW, worker_id="w1")
    assert stats["failed"] == 1 and stats["fallbacks"] == 1 and stats["sent"] == 1
    message.refresh_from_db()
    assert message.status == "failed" and message.permanent
    fallback = Message.objects.get(fallback_of=message)
    assert fallback.channel == "whatsapp" and fallback.to == "+573001234567" and fallback.source == "fallback"
    assert fallback.status == "sent"


def test_fallback_walks_the_consented_channels_once_each(luz):
    message = message_enqueue(portfolio=luz.portfolio, debtor=luz, channel="email", template_code="overdue_notice",
                              dedupe_key="k1", now=NOW)  # has a letter version; "reminder" has none
    MemoryTransport.fail["luz@example.com"] = TransportError("550 no such user", permanent=True)
    MemoryTransport.fail["+573001234567"] = TransportError("unreachable", permanent=True)
    stats = outbox_process(now=NOW, worker_id="w1")
    assert stats["fallbacks"] == 3 and stats["failed"] == 3 and stats["sent"] == 1
    chain, current = [], message
    while (current := Message.objects.filter(fallback_of=current).first()) is not None:
        chain.append((current.channel, current.status))
    assert chain == [("whatsapp", "failed"), ("sms", "failed"), ("letter", "sent")]


def test_no_fallback_without_another_consented_channel(john):
    enqueue(john)
    MemoryTransport.fail["john@example.com"] = TransportError("550", permanent=True)
    assert outbox_process(now=NOW, worker_id="w1")["fallbacks"] == 0
    assert Message.objects.count() == 1


def test_outside_hours_waits_for_the_next_allowed_time(luz):
    message = enqueue(luz, now=LATE)
    assert outbox_process(now=LATE, worker_id="w1")["claimed"] == 0
    assert outbox_process(now=NEXT_MORNING - timedelta(seconds=1), worker_id="w1")["claimed"] == 0
    assert outbox_process(now=NEXT_MORNING, worker_id="w1")["sent"] == 1
    message.refresh_from_db()
    assert message.sent_at == NEXT_MORNING


def test_bulk_row_due_outside_hours_is_rescheduled_not_sent(luz):
    messages_enqueue_bulk([{"portfolio": luz.portfolio, "debtor": luz, "channel": "sms", "template_code": "reminder",
                            "dedupe_key": "late"}], now=LATE)
    stats = outbox_process(now=LATE, worker_id="w1")
    assert stats["rescheduled"] == 1 and stats["sent"] == 0 and not MemoryTransport.sent
    message = Message.objects.get()
    assert message.status == "queued" and message.next_attempt_at == NEXT_MORNING and message.attempts == 0


def test_consent_revoked_after_queuing_is_not_sent(luz):
    message = enqueue(luz, channel="sms")
    Consent.objects.filter(contact=message.contact, channel="sms").update(status="revoked")
    outbox_process(now=NOW, worker_id="w1")
    message.refresh_from_db()
    assert message.status == "failed" and message.permanent and "consent" in message.last_error
    assert not any(m["channel"] == "sms" for m in MemoryTransport.sent)


def test_claimed_rows_are_invisible_to_another_worker(luz, john):
    enqueue(luz, key="a")
    enqueue(john, key="b")
    token, claimed = claim_batch(now=NOW, limit=1, worker_id="A")
    assert len(claimed) == 1
    stats = outbox_process(now=NOW, worker_id="B")
    assert stats["claimed"] == 1  # only the other one
    assert len(MemoryTransport.sent) == 1 and MemoryTransport.sent[0]["id"] != claimed[0].pk


def test_a_crashed_worker_loses_nothing(luz, settings):
    settings.RECAUDO_OUTBOX_CLAIM_TIMEOUT = 300
    message = enqueue(luz)
    claim_batch(now=NOW, limit=10, worker_id="dead")  # claimed, then the worker died
    assert outbox_process(now=NOW + timedelta(seconds=299), worker_id="B")["claimed"] == 0
    stats = outbox_process(now=NOW + timedelta(seconds=301), worker_id="B")
    assert stats["released"] == 1 and stats["sent"] == 1
    message.refresh_from_db()
    assert message.status == "sent" and message.attempts == 1 and len(MemoryTransport.sent) == 1


def test_a_statement_pdf_is_attached_when_asked(luz):
    enqueue(luz, attach_statement=True)
    outbox_process(now=NOW, worker_id="w1")
    assert MemoryTransport.sent[0]["attachments"] == ["estado-de-cuenta-C001-2026-03-03.pdf"]


@pytest.mark.django_db(transaction=True)
def test_two_workers_never_send_a_message_twice(portfolio, settings):
    if connection.vendor == "sqlite" and connection.is_in_memory_db():
        pytest.skip("shared-cache in-memory SQLite has table locks without a busy timeout; "
                    "RECAUDO_TEST_FILE_DB=1 runs this on a SQLite file")
    from recaudo.demo.testing import make_debtor, make_obligation
    from recaudo.portfolio.services import contact_add

    settings.RECAUDO_TRANSPORTS = {"email": {"kind": "memory", "delay": 0.002}}
    rows = []
    for i in range(60):
        debtor = make_debtor(portfolio, code=f"D{i:03}", name=f"Deudor {i}")
        make_obligation(portfolio, debtor, number=f"F{i}")  # owes: cycle messages to debtors who paid are cancelled
        contact_add(debtor=debtor, channel="email", value=f"d{i}@example.com", consent="granted", now=NOW)
        rows.append({"portfolio": portfolio, "debtor": debtor, "channel": "email", "template_code": "reminder",
                     "dedupe_key": f"k{i}"})
    messages_enqueue_bulk(rows, now=NOW)
    errors = []

    def work(name):
        try:
            while outbox_process(now=NOW, worker_id=name, limit=10, batch_size=5)["claimed"]:
                pass
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=work, args=(f"w{i}",)) for i in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    sent_ids = [m["id"] for m in MemoryTransport.sent]
    assert len(sent_ids) == 60 and len(set(sent_ids)) == 60
    assert Message.objects.filter(status="sent", attempts=1).count() == 60
    assert len({m.claimed_by for m in Message.objects.all()}) == 1  # claims cleared ("")


class Killed(BaseException):
    """The worker process dies (SIGKILL, OOM): nothing of the outbox's own handling runs."""


class CrashingTransport(MemoryTransport):
    """Accepts messages like MemoryTransport; the worker dies right after the provider accepted the `crash_at`-th
    message, before the outbox heard back."""

    crash_at = 3

    def send(self, message):
        provider_id = super().send(message)
        if len(type(self).sent) == type(self).crash_at:
            raise Killed
        return provider_id


def test_a_worker_killed_mid_batch_resends_at_most_one_message(portfolio, settings, monkeypatch):
    from datetime import date

    from recaudo.communications import transports
    from recaudo.demo.testing import make_debtor, make_obligation
    from recaudo.portfolio.services import contact_add

    monkeypatch.setitem(transports.KINDS, "crashing", "recaudo.cycle.tests.test_outbox.CrashingTransport")
    settings.RECAUDO_TRANSPORTS = {"email": "crashing"}
    for n in range(6):
        debtor = make_debtor(portfolio, code=f"K{n}", name=f"Deudor {n}", language="es")
        make_obligation(portfolio, debtor, number=f"KF-{n}", amount="1000", issue=date(2026, 1, 1),
                        due=date(2026, 1, 31))
        contact_add(debtor=debtor, channel="email", value=f"k{n}@example.com", consent="granted", now=NOW)
        enqueue(debtor, key=f"k{n}")
    with pytest.raises(Killed):
        outbox_process(now=NOW, worker_id="w1", batch_size=100)
    # the two messages whose provider calls returned are recorded as sent; the third was in flight
    assert sorted(Message.objects.values_list("status", flat=True)) == ["sending"] * 4 + ["sent"] * 2
    CrashingTransport.crash_at = None
    try:
        later = NOW + timedelta(minutes=11)  # past the claim timeout (600 s): the rows are released and retaken
        stats = outbox_process(now=later, worker_id="w2")
    finally:
        CrashingTransport.crash_at = 3
    assert stats["released"] == 4 and stats["sent"] == 4
    to = [m["to"] for m in MemoryTransport.sent]
    assert len(to) == 7 and len(set(to)) == 6  # six messages, one of them twice: the one in flight
    assert set(Message.objects.values_list("status", flat=True)) == {"sent"}


class SilentTransport(MemoryTransport):
    """Takes on_result but never calls it (a transport of another make, written against the old contract)."""

    def send_many(self, messages, on_result=None):
        return super().send_many(messages)


def test_results_a_transport_did_not_report_are_still_recorded(luz, settings, monkeypatch):
    from recaudo.communications import transports

    monkeypatch.setitem(transports.KINDS, "silent", "recaudo.cycle.tests.test_outbox.SilentTransport")
    settings.RECAUDO_TRANSPORTS = {"email": "silent"}
    message = enqueue(luz)
    assert outbox_process(now=NOW, worker_id="w1")["sent"] == 1
    message.refresh_from_db()
    assert message.status == "sent" and message.provider == "silent" and message.provider_id.startswith("mem-")


def test_outbox_command(luz, capsys, monkeypatch):
    monkeypatch.setattr("django.utils.timezone.now", lambda: NOW)  # inside the contact hours
    message_enqueue(portfolio=luz.portfolio, debtor=luz, channel="email", template_code="reminder",
                    dedupe_key="a", now=NOW)
    call_command("outbox", "list", "--portfolio", luz.portfolio.slug)
    assert "queued" in capsys.readouterr().out
    call_command("outbox", "process", "--once", "--limit", "10")
    assert "sent=1" in capsys.readouterr().out
    call_command("outbox", "list", "--portfolio", luz.portfolio.slug, "--status", "sent")
    assert "luz@example.com" in capsys.readouterr().out


def test_a_message_blocked_by_the_rules_says_why_in_the_page_language(luz):
    """The outbox stores the rules that blocked a message (not their English text); the pages say them in the
    active language, as they do for a message the enqueue put off (English text stored before)."""
    from django.utils import translation

    from recaudo.web.templatetags.recaudo import step_reason

    messages_enqueue_bulk([{"portfolio": luz.portfolio, "debtor": luz, "channel": "sms", "template_code": "reminder",
                            "dedupe_key": "late"}], now=LATE)
    assert outbox_process(now=LATE, worker_id="w1")["rescheduled"] == 1
    message = Message.objects.get()
    assert message.last_error.startswith('{"code":"scheduled"')
    with translation.override("es-co"):
        assert step_reason(message.last_error) == (
            "programado para la próxima hora permitida: fuera del horario de contacto"), message.last_error
        put_off = ("outside the compliance window until 2026-03-02T07:00:00-05:00: CO-HOURS v1 (L2300) blocked: "
                   "Sunday 21:30 outside 08:00-15:00. Contact hours [Ley 2300 art. 3]")
        assert step_reason(put_off) == "programado para la próxima hora permitida: fuera del horario de contacto"
    with translation.override("en"):
        assert step_reason(message.last_error).startswith("scheduled for the next allowed time: ")
