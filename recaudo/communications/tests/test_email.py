"""Email over real SMTP: an aiosmtpd server on localhost receives the messages."""

import pytest

from recaudo.communications.models import Message
from recaudo.communications.services import message_enqueue
from recaudo.communications.transports import Outgoing
from recaudo.communications.transports.email import EmailTransport
from recaudo.cycle.outbox import outbox_process

from .conftest import NOW
from .servers import SmtpSink

pytestmark = pytest.mark.django_db


@pytest.fixture
def smtp(settings):
    with SmtpSink() as sink:
        settings.RECAUDO_TRANSPORTS = {"email": "smtp", "sms": "memory", "whatsapp": "memory", "letter": "memory"}
        settings.RECAUDO_SMTP_HOST = "127.0.0.1"
        settings.RECAUDO_SMTP_PORT = sink.port
        settings.RECAUDO_SMTP_TLS = False
        settings.RECAUDO_EMAIL_FROM = "cobranza@andinas.example"
        yield sink


def test_email_arrives_with_subject_body_and_statement(smtp, luz):
    message = message_enqueue(portfolio=luz.portfolio, debtor=luz, channel="email", template_code="reminder",
                              dedupe_key="k1", now=NOW, attach_statement=True)
    assert outbox_process(now=NOW, worker_id="w1")["sent"] == 1
    assert len(smtp.messages) == 1
    mail = smtp.messages[0]
    assert mail["To"] == "luz@example.com" and mail["From"] == "cobranza@andinas.example"
    assert mail["Subject"] == "Recordatorio de pago - Distribuciones Andinas S.A.S."
    text = mail.get_body(preferencelist=("plain",)).get_content()
    html = mail.get_body(preferencelist=("html",)).get_content()
    assert "1.234.567,89" in text and "<table>" in html and "31/01/2026" in html
    attachments = list(mail.iter_attachments())
    assert [a.get_filename() for a in attachments] == ["estado-de-cuenta-C001-2026-03-03.pdf"]
    assert attachments[0].get_content().startswith(b"%PDF")
    message.refresh_from_db()
    # a long Message-ID header may be folded onto the next line: compare it without the folding whitespace
    assert message.provider == "smtp" and message.provider_id == mail["Message-ID"].strip()


def test_refused_recipient_is_permanent_and_busy_is_retryable(smtp):
    transport = EmailTransport()
    results = transport.send_many([
        Outgoing(message_id=1, channel="email", to="refuse@example.com", subject="s", body="b", text="b"),
        Outgoing(message_id=2, channel="email", to="busy@example.com", subject="s", body="b", text="b"),
        Outgoing(message_id=3, channel="email", to="ok@example.com", subject="s", body="b", text="b"),
    ])
    assert results[0].permanent and results[0].code == "550"
    assert not results[1].permanent and results[1].code == "451"
    assert isinstance(results[2], str) and len(smtp.messages) == 1


def test_smtp_down_is_retryable(settings, luz):
    from .servers import free_port

    settings.RECAUDO_TRANSPORTS = {"email": "smtp"}
    settings.RECAUDO_SMTP_HOST, settings.RECAUDO_SMTP_PORT, settings.RECAUDO_SMTP_TLS = "127.0.0.1", free_port(), False
    message_enqueue(portfolio=luz.portfolio, debtor=luz, channel="email", template_code="reminder",
                    dedupe_key="k1", now=NOW)
    assert outbox_process(now=NOW, worker_id="w1")["retried"] == 1
    message = Message.objects.get()
    assert message.status == "queued" and message.attempts == 1 and "connection failed" in message.last_error
