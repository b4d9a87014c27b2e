"""Outgoing webhooks end to end: events read from the audit trail and the messages, delivered signed to a local
receiver, retried with backoff on a frozen clock, disabled after repeated failures, redelivered, test events, the
watermark's gaps, and the SSRF guard."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from django.test import override_settings
from django.utils import translation

from recaudo.agreements.services.payments import payment_receive
from recaudo.audit.models import AuditEvent
from recaudo.communications.models import Message
from recaudo.communications.transports.console import MemoryTransport
from recaudo.demo.testing import make_debtor, make_obligation, make_portfolio, make_user
from recaudo.ledger.services import obligation_set_dispute
from recaudo.webhooks.models import Attempt, Cursor, Delivery, Event, Subscription
from recaudo.webhooks.services import (
    WebhookError,
    deliveries_process,
    delivery_redeliver,
    dispatch,
    send_test_event,
    subscription_create,
    subscription_update,
)

from .receiver import Receiver, verify

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("allow_local")]
T0 = datetime.now(UTC).replace(microsecond=0) + timedelta(minutes=5)  # the frozen clock: after the writes


@pytest.fixture(autouse=True)
def _clock():
    """T0 a few minutes after this test's own writes (set per test: a module-level time taken when the tests were
    collected falls behind the rows' real timestamps in a long run, and the messages' window then misses them)."""
    global T0
    T0 = datetime.now(UTC).replace(microsecond=0) + timedelta(minutes=5)


@pytest.fixture
def allow_local():
    with override_settings(RECAUDO_WEBHOOKS_ALLOW_PRIVATE=True, RECAUDO_WEBHOOKS_MAX_ATTEMPTS=4,
                           RECAUDO_WEBHOOKS_MAX_FAILURES=6):
        yield


@pytest.fixture
def book():
    portfolio = make_portfolio()
    luz = make_debtor(portfolio, code="C001")
    invoice = make_obligation(portfolio, luz, number="FV-1203", amount="1000000")
    dispatch(now=T0)  # the cursors start at the end of the trail: history is never sent
    return portfolio, luz, invoice


def _heads(request) -> dict:
    return {k.lower(): v for k, v in request["headers"].items()}


def _subscribe(portfolio, url, events, now=None):
    return subscription_create(portfolio=portfolio, url=url + "/hooks/recaudo", description="ERP", events=events,
                               actor="cli", now=now or T0 - timedelta(hours=1))


def test_a_payment_reaches_the_receiver_signed_with_the_obligation_it_paid(book):
    portfolio, luz, invoice = book
    with Receiver() as receiver:
        sub, secret = _subscribe(portfolio, receiver.url, ["payment.recorded", "obligation.paid"])
        assert secret.startswith("whsec_") and secret not in Subscription.objects.get().secret_sealed
        payment_receive(portfolio=portfolio, debtor=luz, amount=Decimal("1000000"), date=date(2026, 2, 1),
                        reference="TRX-1")
        assert dispatch(now=T0)["deliveries"] == 2
        assert dispatch(now=T0)["deliveries"] == 0  # read once
        assert deliveries_process(now=T0) == {"sent": 2, "failed": 0}
    assert [r["json"]["type"] for r in receiver.requests] == ["payment.recorded", "obligation.paid"]
    for r in receiver.requests:
        assert r["path"] == "/hooks/recaudo" and verify(secret, r["headers"], r["body"])
        assert 0 <= int(_heads(r)["webhook-timestamp"]) - int(T0.timestamp()) < 60  # the pass's clock
        assert not verify("whsec_" + "QUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFB", r["headers"], r["body"])
    paid = receiver.requests[0]["json"]["data"]
    assert paid["portfolio"] == "pyme" and paid["debtor"]["code"] == "C001"
    assert paid["details"]["amount"] == "1000000.00"
    assert paid["details"]["allocations"][0]["obligation"] == "FV-1203"
    assert receiver.requests[1]["json"]["data"]["details"]["number"] == "FV-1203"
    assert set(Delivery.objects.values_list("status", flat=True)) == {"succeeded"}
    log = Attempt.objects.first()
    assert log.ok and log.status_code == 200 and '"ok": true' in log.response


def test_only_wanted_events_and_only_after_the_subscription(book):
    portfolio, luz, invoice = book
    payment_receive(portfolio=portfolio, debtor=luz, amount=Decimal("1000"), date=date(2026, 2, 1), reference="A")
    _subscribe(portfolio, "http://127.0.0.1:9", ["dispute.opened", "payment.recorded"], now=datetime.now(UTC))
    dispatch(now=T0 + timedelta(minutes=1))
    assert not Event.objects.exists()  # the payment came before the subscription
    obligation_set_dispute(obligation=invoice, disputed=True, reason="Factura ya pagada", actor="cli")
    obligation_set_dispute(obligation=invoice, disputed=True, reason="Factura ya pagada en efectivo", actor="cli")
    dispatch(now=T0 + timedelta(minutes=2))
    assert list(Event.objects.values_list("event_type", flat=True)) == ["dispute.opened"]  # the reason change: none


def test_failures_are_retried_with_backoff_then_given_up(book):
    portfolio, luz, _invoice = book
    with Receiver(status=503) as receiver:
        _subscribe(portfolio, receiver.url, ["payment.recorded"])
        payment_receive(portfolio=portfolio, debtor=luz, amount=Decimal("1000"), date=date(2026, 2, 1),
                        reference="A")
        dispatch(now=T0)
        assert deliveries_process(now=T0) == {"sent": 0, "failed": 1}
        delivery = Delivery.objects.get()
        assert delivery.status == "pending" and delivery.next_attempt_at == T0 + timedelta(seconds=30)
        assert deliveries_process(now=T0 + timedelta(seconds=29)) == {"sent": 0, "failed": 0}  # not due yet
        deliveries_process(now=T0 + timedelta(seconds=30))
        delivery.refresh_from_db()
        assert delivery.attempts == 2 and delivery.next_attempt_at == T0 + timedelta(seconds=90)
        deliveries_process(now=T0 + timedelta(seconds=90))
        deliveries_process(now=T0 + timedelta(seconds=210))
        delivery.refresh_from_db()
        assert delivery.status == "failed" and delivery.attempts == 4  # RECAUDO_WEBHOOKS_MAX_ATTEMPTS
        assert deliveries_process(now=T0 + timedelta(days=1)) == {"sent": 0, "failed": 0}
        assert len(receiver.requests) == 4
        assert {_heads(r)["webhook-id"] for r in receiver.requests} == {delivery.event.msg_id}  # same id
        assert list(Attempt.objects.values_list("status_code", flat=True)) == [503] * 4
        # manual redelivery: the same event again, now that the receiver is back
        receiver.status = 200
        delivery_redeliver(delivery=delivery, actor="cli", now=T0 + timedelta(days=1))
        assert deliveries_process(now=T0 + timedelta(days=1)) == {"sent": 1, "failed": 0}
    delivery.refresh_from_db()
    assert delivery.status == "succeeded" and delivery.log.count() == 5
    assert AuditEvent.objects.filter(event_type="webhook.redelivered").exists()


def test_repeated_failures_disable_the_subscription_and_tell_the_administrators(book, settings):
    settings.RECAUDO_TRANSPORTS = {"email": "memory", "sms": "memory", "whatsapp": "memory", "letter": "memory"}
    MemoryTransport.reset()
    portfolio, luz, _invoice = book
    ana = make_user("ana", portfolio, role="admin")
    ana.email = "ana@example.co"
    ana.save()
    make_user("sofia", portfolio, role="supervisor").__class__.objects.filter(username="sofia").update(
        email="sofia@example.co")
    with Receiver(status=500) as receiver:
        sub, _secret = _subscribe(portfolio, receiver.url, ["payment.recorded"])
        for n in range(3):
            payment_receive(portfolio=portfolio, debtor=luz, amount=Decimal("1000"), date=date(2026, 2, 1),
                            reference=f"P{n}")
        dispatch(now=T0)
        assert deliveries_process(now=T0, limit=2) == {"sent": 0, "failed": 2}  # at most `limit` a pass
        assert deliveries_process(now=T0, budget_seconds=0) == {"sent": 0, "failed": 0}  # no time left: none
        deliveries_process(now=T0)  # 3 failures
        deliveries_process(now=T0 + timedelta(seconds=30))  # 6 failures: RECAUDO_WEBHOOKS_MAX_FAILURES
        sub.refresh_from_db()
        assert not sub.active and sub.failures == 6 and "6" in sub.disabled_reason
        notice = AuditEvent.objects.get(event_type="webhook.subscription_disabled")
        assert notice.portfolio == portfolio and notice.changes["failures"] == 6
        assert [m["to"] for m in MemoryTransport.sent] == ["ana@example.co"]  # administrators only
        assert "Webhook desactivado" in MemoryTransport.sent[0]["subject"]
        assert receiver.url in MemoryTransport.sent[0]["text"]
        assert deliveries_process(now=T0 + timedelta(hours=1)) == {"sent": 0, "failed": 0}  # nothing while off
        with pytest.raises(WebhookError):
            send_test_event(subscription=sub, actor="cli")
        receiver.status = 200
        subscription_update(subscription=sub, url=sub.url, description="", events=sub.events, active=True,
                            actor="cli")
        assert deliveries_process(now=T0 + timedelta(hours=1)) == {"sent": 3, "failed": 0}
    sub.refresh_from_db()
    assert sub.active and sub.failures == 0


def test_a_test_event(book):
    portfolio = book[0]
    with Receiver() as receiver:
        sub, secret = _subscribe(portfolio, receiver.url, ["payment.recorded"])
        send_test_event(subscription=sub, actor="cli", now=T0)
        assert deliveries_process(now=T0)["sent"] == 1
    body = receiver.requests[0]
    assert body["json"]["type"] == "webhook.test" and verify(secret, body["headers"], body["body"])


def test_message_delivery_reports_become_events(book):
    portfolio, luz, _invoice = book
    _subscribe(portfolio, "http://127.0.0.1:9", ["message.delivered", "message.failed"])
    for n, status in enumerate(("delivered", "bounced", "sent")):
        Message.objects.create(portfolio=portfolio, debtor=luz, channel="email", to="luz@example.com",
                               template_code="reminder", dedupe_key=f"k{n}", scheduled_for=T0, next_attempt_at=T0,
                               status=status)
    dispatch(now=T0)
    assert sorted(Event.objects.values_list("event_type", flat=True)) == ["message.delivered", "message.failed"]
    dispatch(now=T0 + timedelta(seconds=5))
    assert Event.objects.count() == 2  # read twice (the overlap), written once


def test_an_audit_event_committed_late_is_not_lost(book):
    """On PostgreSQL ids are taken before commit: a transaction still running leaves a hole the dispatcher keeps
    as a gap and reads again until it appears (simulated here by removing the row and putting it back)."""
    portfolio, luz, _invoice = book
    _subscribe(portfolio, "http://127.0.0.1:9", ["payment.recorded"])
    for n in range(3):
        payment_receive(portfolio=portfolio, debtor=luz, amount=Decimal("1000"), date=date(2026, 2, 1),
                        reference=f"P{n}")
    paid = list(AuditEvent.objects.filter(event_type="payment.recorded").order_by("id"))
    late = paid[1]
    AuditEvent.objects.filter(pk=late.pk).delete()
    dispatch(now=T0)
    assert Event.objects.count() == 2
    cursor = Cursor.objects.get(name="audit")
    assert cursor.position == AuditEvent.objects.latest("id").pk
    assert [late.pk, late.pk] in [g[:2] for g in cursor.gaps]
    late.save(force_insert=True)  # the late transaction commits
    dispatch(now=T0 + timedelta(seconds=5))
    assert Event.objects.count() == 3 and Event.objects.filter(source_key=f"audit:{late.pk}").exists()
    assert not any(g[0] <= late.pk <= g[1] for g in Cursor.objects.get(name="audit").gaps)


def test_a_gap_is_given_up_after_the_gap_hours(book):
    portfolio, luz, _invoice = book
    _subscribe(portfolio, "http://127.0.0.1:9", ["payment.recorded"])
    for n in range(2):
        payment_receive(portfolio=portfolio, debtor=luz, amount=Decimal("1000"), date=date(2026, 2, 1),
                        reference=f"P{n}")
    first = AuditEvent.objects.filter(event_type="payment.recorded").order_by("id").first()
    AuditEvent.objects.filter(pk=first.pk).delete()  # rolled back: never appears
    dispatch(now=T0)
    assert Cursor.objects.get(name="audit").gaps
    dispatch(now=T0 + timedelta(hours=5))
    assert Cursor.objects.get(name="audit").gaps
    dispatch(now=T0 + timedelta(hours=6, seconds=1))
    assert Cursor.objects.get(name="audit").gaps == []


def test_private_addresses_are_refused_at_delivery_too(book):
    """Saved while private addresses were allowed (or its name resolved to a public address then): each request
    checks again."""
    portfolio, luz, _invoice = book
    with Receiver() as receiver:
        _subscribe(portfolio, receiver.url, ["payment.recorded"])
        payment_receive(portfolio=portfolio, debtor=luz, amount=Decimal("1000"), date=date(2026, 2, 1),
                        reference="A")
        dispatch(now=T0)
        with override_settings(RECAUDO_WEBHOOKS_ALLOW_PRIVATE=False):
            assert deliveries_process(now=T0) == {"sent": 0, "failed": 1}
    assert receiver.requests == []
    assert "127.0.0.1" in Attempt.objects.get().error


@override_settings(RECAUDO_WEBHOOKS_ALLOW_PRIVATE=False)
@pytest.mark.parametrize(("url", "why"), [
    ("https://127.0.0.1/hook", "rechazado: 127.0.0.1 es una dirección privada"),
    ("https://10.0.0.5/x", "rechazado: 10.0.0.5 es una dirección privada"),
    ("http://[::1]:8080/x", "rechazado: ::1 es una dirección privada"),
    ("http://169.254.169.254/latest/meta-data", "rechazado: 169.254.169.254 es una dirección privada"),
    ("https://localhost/x", "rechazado: localhost apunta a "),
    ("https://intranet.example.co/x", "rechazado: intranet.example.co apunta a 10.20.30.40, una dirección privada"),
    ("https://metadata.example.co/x", "rechazado: metadata.example.co apunta a 169.254.169.254"),
    ("https://nowhere.example.co/x", "no se encontró nowhere.example.co en el DNS"),
])
def test_a_subscription_to_a_private_or_unknown_host_is_refused_when_saved(book, fake_dns, url, why):
    """The same guard as each request's (services._refused_host), in es-CO at the URL field; a name that does not
    resolve is refused as a delivery to it would fail."""
    portfolio = book[0]
    with translation.override("es-co"), pytest.raises(WebhookError) as error:
        subscription_create(portfolio=portfolio, url=url, events=["payment.recorded"], actor="cli")
    assert error.value.field == "url"
    assert str(error.value.message).startswith("URL: " + why)
    assert not Subscription.objects.exists()
    sub, _secret = subscription_create(portfolio=portfolio, url="https://erp.example.co/h",
                                       events=["payment.recorded"], actor="cli")  # a public address: saved
    with translation.override("es-co"), pytest.raises(WebhookError) as error:
        subscription_update(subscription=sub, url=url, events=["payment.recorded"], active=True, actor="cli")
    assert error.value.field == "url" and str(error.value.message).startswith("URL: " + why)
    sub.refresh_from_db()
    assert sub.url == "https://erp.example.co/h"
    with override_settings(RECAUDO_WEBHOOKS_ALLOW_PRIVATE=True):
        assert subscription_update(subscription=sub, url=url, events=["payment.recorded"], active=True,
                                   actor="cli").url == url


@override_settings(RECAUDO_WEBHOOKS_ALLOW_PRIVATE=False)
def test_a_saved_private_subscription_can_be_edited_and_left_off_but_not_turned_on(book, fake_dns):
    """One saved before this check (or while allowed): the host is checked only when the URL changes or it is
    turned on."""
    portfolio = book[0]
    with override_settings(RECAUDO_WEBHOOKS_ALLOW_PRIVATE=True):
        sub, _secret = subscription_create(portfolio=portfolio, url="https://10.0.0.5/x",
                                           events=["payment.recorded"], actor="cli")
    sub = subscription_update(subscription=sub, url=sub.url, description="viejo", events=sub.events, active=False,
                              actor="cli")
    assert (sub.description, sub.active) == ("viejo", False)
    with pytest.raises(WebhookError) as error:
        subscription_update(subscription=sub, url=sub.url, events=sub.events, active=True, actor="cli")
    assert error.value.field == "url"
    assert not Subscription.objects.get().active


def test_bad_subscriptions_are_refused_at_their_field(book):
    portfolio = book[0]
    for url, field in (("ftp://erp.example.co/x", "url"), ("https://" + "a" * 600, "url"), ("", "url")):
        with pytest.raises(WebhookError) as error:
            subscription_create(portfolio=portfolio, url=url, events=["payment.recorded"], actor="cli")
        assert error.value.field == field
    with pytest.raises(WebhookError) as error:
        subscription_create(portfolio=portfolio, url="https://erp.example.co/h", events=["payment.stolen"])
    assert error.value.field == "events"
    with pytest.raises(WebhookError) as error:
        subscription_create(portfolio=portfolio, url="https://erp.example.co/h", events=[])
    assert error.value.field == "events"


def test_the_command_lists_delivers_and_redelivers(book, capsys):
    from django.core.management import call_command
    from django.core.management.base import CommandError

    portfolio, luz, _invoice = book
    with Receiver(status=500) as receiver:
        sub, _secret = _subscribe(portfolio, receiver.url, ["payment.recorded"])
        payment_receive(portfolio=portfolio, debtor=luz, amount=Decimal("1000"), date=date(2026, 2, 1),
                        reference="A")
        call_command("webhooks", "deliver")
        assert "events=1 deliveries=1 sent=0 failed=1" in capsys.readouterr().out
        call_command("webhooks", "list", "--portfolio", "pyme")
        assert f"{sub.pk}\t{receiver.url}/hooks/recaudo\tpayment.recorded\tactive\tpending=1" in capsys.readouterr().out
        delivery = Delivery.objects.get()
        call_command("webhooks", "deliveries", "--portfolio", "pyme", "--subscription", str(sub.pk))
        assert "payment.recorded\tpending\tattempts=1\thttp=500" in capsys.readouterr().out
        receiver.status = 200
        call_command("webhooks", "redeliver", "--portfolio", "pyme", "--delivery", str(delivery.pk))
        call_command("webhooks", "deliver")
        assert "sent=1" in capsys.readouterr().out
        with pytest.raises(CommandError, match="--delivery"):
            call_command("webhooks", "redeliver", "--portfolio", "pyme", "--delivery", "999999")


def test_a_bank_files_batch_of_payments_makes_one_event_per_payment(book):
    """Bank files receive payments in chunks (agreements' payments_receive): the ledger audits each payment
    (audit_records), so each one is an event, and each obligation it paid off too."""
    from recaudo.agreements.services.payments import payments_receive
    from recaudo.ledger.services import PaymentIn

    portfolio, luz, invoice = book
    pedro = make_debtor(portfolio, code="C002", name="Pedro Gómez")
    make_obligation(portfolio, pedro, number="FV-2000", amount="500000")
    _subscribe(portfolio, "http://127.0.0.1:9", ["payment.recorded", "obligation.paid"])
    payments_receive(portfolio=portfolio, date=date(2026, 2, 1), source="bank_file", actor="cli", payments=[
        PaymentIn(debtor_id=luz.pk, minor=1_000_000_00, source_ref="bank:1", reference="R1"),
        PaymentIn(debtor_id=pedro.pk, minor=100_000_00, source_ref="bank:2", reference="R2")])
    dispatch(now=T0)
    kinds = sorted(Event.objects.values_list("event_type", "payload__data__debtor__code"))
    assert kinds == [("obligation.paid", "C001"), ("payment.recorded", "C001"), ("payment.recorded", "C002")]


def test_with_nobody_subscribed_the_cursor_moves_to_the_end_and_nothing_is_kept(book, django_assert_max_num_queries):
    portfolio, luz, _invoice = book
    payment_receive(portfolio=portfolio, debtor=luz, amount=Decimal("1000"), date=date(2026, 2, 1), reference="A")
    dispatch(now=T0)
    assert Cursor.objects.get(name="audit").position == AuditEvent.objects.latest("id").pk
    assert not Event.objects.exists()
    with django_assert_max_num_queries(6):  # a tick with nothing to do is cheap and writes nothing
        assert dispatch(now=T0) == {"events": 0, "deliveries": 0}
