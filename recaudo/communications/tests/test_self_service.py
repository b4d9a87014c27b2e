"""SMS and WhatsApp self-service (issue 16 §4), end to end against the local Twilio and WhatsApp Cloud servers: a
signed inbound webhook -> the answer queued through the outbox -> sent to the fake provider."""

import json
from datetime import UTC, datetime, timedelta

import pytest

from recaudo.audit.models import AuditEvent
from recaudo.banking.models import Convenio, GatewayAccount, PaymentLink
from recaudo.banking.services_gateways import gateway_account_save
from recaudo.banking.tests.fake_gateways import FakeWompi
from recaudo.communications.models import InboundMessage, Message
from recaudo.communications.services import message_enqueue
from recaudo.communications.signatures import hmac_sha256, twilio_signature
from recaudo.compliance.models import ComplianceDecision, ContactAttempt
from recaudo.cycle.outbox import outbox_process
from recaudo.demo.testing import make_debtor, make_obligation
from recaudo.portfolio.models import Consent
from recaudo.portfolio.services import contact_add

from .conftest import NOW
from .servers import FakeTwilio, FakeWhatsApp

pytestmark = pytest.mark.django_db

SUNDAY_NIGHT = datetime(2026, 3, 9, 3, 30, tzinfo=UTC)  # Sunday 8 March 2026, 22:30 in Bogotá: no collection contact
LUZ = "+573001234567"


@pytest.fixture
def clock(monkeypatch):
    """The webhooks read the time from django.utils.timezone.now: pinned to `clock.now`."""
    class Clock:
        now = NOW

    monkeypatch.setattr("django.utils.timezone.now", lambda: Clock.now)
    return Clock


def sms_in(client, body, sender=LUZ, sid="SM1"):
    url = "http://testserver/hooks/twilio/inbound"
    data = {"From": sender, "To": "+15005550006", "Body": body, "MessageSid": sid}
    signature = twilio_signature(FakeTwilio.TOKEN, url, data)
    return client.post("/hooks/twilio/inbound", data, HTTP_X_TWILIO_SIGNATURE=signature)


def wa_in(client, body, sender="573001234567", wamid="wamid.in1", at=NOW):
    payload = {"object": "whatsapp_business_account", "entry": [{"id": "WABA", "changes": [{"field": "messages",
               "value": {"messaging_product": "whatsapp", "metadata": {"phone_number_id": FakeWhatsApp.PHONE_ID},
                         "messages": [{"from": sender, "id": wamid, "timestamp": str(int(at.timestamp())),
                                       "type": "text", "text": {"body": body}}]}}]}]}
    raw = json.dumps(payload).encode()
    return client.post("/hooks/whatsapp", raw, content_type="application/json",
                       HTTP_X_HUB_SIGNATURE_256=hmac_sha256("meta-app-secret", raw))


def sent_sms(twilio):
    return [r["form"]["Body"] for r in twilio.requests if "form" in r]


# ------------------------------------------------------------------------------------------------ SMS

def test_saldo_by_sms_is_answered_through_the_outbox(twilio, luz, client, clock):
    response = sms_in(client, "Saldo, por favor")
    assert response.status_code == 200
    inbound = InboundMessage.objects.get()
    assert (inbound.debtor, inbound.kind, inbound.outcome, inbound.needs_agent) == (luz, "balance", "answered", False)
    reply = inbound.reply
    assert (reply.channel, reply.source, reply.template_code, reply.to) == ("sms", "reply", "reply_balance", LUZ)
    assert outbox_process(now=NOW, worker_id="w1")["sent"] == 1
    assert sent_sms(twilio) == [
        "Distribuciones Andinas S.A.S.: Luz, su saldo es $ 1.284.567,89, vencido $ 1.234.567,89. Ref. de pago "
        "C001. Escriba PAGAR, ACUERDO o AYUDA."]
    assert twilio.requests[0]["form"]["To"] == LUZ
    event = AuditEvent.objects.get(event_type="inbound.received")
    assert event.debtor_id == luz.pk and event.changes["kind"] == "balance" and event.changes["outcome"] == "answered"


def test_an_answer_the_debtor_asked_for_goes_on_a_sunday_night_with_its_evidence(twilio, luz, client, clock):
    """The hours rule governs contacts the creditor starts: the answer is an inbound contact, decided and stored."""
    clock.now = SUNDAY_NIGHT
    sms_in(client, "SALDO")
    assert outbox_process(now=SUNDAY_NIGHT, worker_id="w1")["sent"] == 1
    decision = ComplianceDecision.objects.filter(context__message_id=InboundMessage.objects.get().reply_id).get()
    assert decision.allowed and decision.context["direction"] == "inbound"
    assert ContactAttempt.objects.get().direction == "inbound"
    # a collection reminder queued at the same moment waits for Monday 07:00
    reminder = message_enqueue(portfolio=luz.portfolio, debtor=luz, channel="sms", template_code="reminder",
                               dedupe_key="r1", now=SUNDAY_NIGHT)
    assert reminder.next_attempt_at == datetime(2026, 3, 9, 12, 0, tzinfo=UTC)


def test_pagar_without_a_gateway_gives_the_reference_and_the_bank(twilio, luz, client, clock):

    Convenio.objects.create(portfolio=luz.portfolio, name="Bancolombia", bank_code="007", account_number="123456789",
                            account_type="CA", service_code="98765")
    sms_in(client, "PAGAR")
    outbox_process(now=NOW, worker_id="w1")
    assert sent_sms(twilio) == [
        "Distribuciones Andinas S.A.S.: Luz, pague $ 1.284.567,89 con la referencia C001 en Bancolombia, cuenta CA "
        "123456789, convenio 98765."]


def test_pagar_with_a_gateway_reuses_the_open_link_for_the_total(twilio, luz, client, clock):

    GatewayAccount.objects.create(portfolio=luz.portfolio, provider="wompi", config={}, active=True)
    PaymentLink.objects.create(portfolio=luz.portfolio, debtor=luz, amount_minor=128456789, currency="COP",
                               reference="RC0123456789AB", provider="wompi", url="https://checkout.wompi.co/l/abc",
                               expires_at=NOW + timedelta(days=3))
    sms_in(client, "pay")
    outbox_process(now=NOW, worker_id="w1")
    assert sent_sms(twilio) == [
        "Distribuciones Andinas S.A.S.: Luz, pague $ 1.284.567,89 en https://checkout.wompi.co/l/abc."]
    assert PaymentLink.objects.count() == 1


def test_pagar_with_a_gateway_creates_a_link_for_the_total_at_the_local_gateway(twilio, luz, client, clock):

    with FakeWompi() as wompi:
        gateway_account_save(portfolio=luz.portfolio, provider="wompi", values=wompi.config(), actor="cli")
        sms_in(client, "PAGAR", sid="SM1")
        sms_in(client, "pagar", sid="SM2")  # the open link for the same total is used again
    link = PaymentLink.objects.get()
    assert (link.amount_minor, link.obligation, link.debtor) == (128456789, None, luz)
    assert [r["json"]["amount_in_cents"] for r in wompi.requests] == [128456789]
    outbox_process(now=NOW, worker_id="w1")
    assert sent_sms(twilio) == [f"Distribuciones Andinas S.A.S.: Luz, pague $ 1.284.567,89 en {link.url}."] * 2


def test_pagar_names_the_link_for_the_total_not_a_newer_one_for_another_amount(twilio, luz, client, clock):
    """A newer open link for one obligation (made in the portal, say) is not the answer's: the answer states the
    total and gives the link for that total; an expired link for the total is not used again."""
    GatewayAccount.objects.create(portfolio=luz.portfolio, provider="wompi", config={}, active=True)
    PaymentLink.objects.create(portfolio=luz.portfolio, debtor=luz, amount_minor=128456789, currency="COP",
                               reference="RC0123456789AB", provider="wompi", url="https://checkout.wompi.co/l/total",
                               expires_at=NOW + timedelta(days=3))
    PaymentLink.objects.create(portfolio=luz.portfolio, debtor=luz, amount_minor=5000000, currency="COP",
                               obligation=luz.obligations.get(number="F-3"), reference="RC0123456789AC",
                               provider="wompi", url="https://checkout.wompi.co/l/f3",
                               expires_at=NOW + timedelta(days=1))  # made after it: the newest open link
    sms_in(client, "PAGAR")
    outbox_process(now=NOW, worker_id="w1")
    assert sent_sms(twilio) == [
        "Distribuciones Andinas S.A.S.: Luz, pague $ 1.284.567,89 en https://checkout.wompi.co/l/total."]
    assert PaymentLink.objects.count() == 2


def test_pagar_with_one_obligation_links_that_obligation_and_renews_an_expired_link(twilio, luz, client, clock):
    from recaudo.portfolio.models import Obligation

    Obligation.objects.filter(debtor=luz).exclude(number="F-2").update(balance_minor=0, status="paid")
    f2 = luz.obligations.get(number="F-2")
    with FakeWompi() as wompi:
        gateway_account_save(portfolio=luz.portfolio, provider="wompi", values=wompi.config(), actor="cli")
        PaymentLink.objects.create(portfolio=luz.portfolio, debtor=luz, amount_minor=23456739, currency="COP",
                                   obligation=f2, reference="RC0123456789AD", provider="wompi",
                                   url="https://checkout.wompi.co/l/old", expires_at=NOW - timedelta(minutes=1))
        sms_in(client, "PAGAR", sid="SM1")
        sms_in(client, "PAGAR", sid="SM2")  # the new one, still open, is used again
    link = PaymentLink.objects.exclude(url__endswith="/old").get()
    assert (link.obligation, link.amount_minor) == (f2, 23456739)
    assert [r["json"]["amount_in_cents"] for r in wompi.requests] == [23456739]
    outbox_process(now=NOW, worker_id="w1")
    assert sent_sms(twilio) == [f"Distribuciones Andinas S.A.S.: Luz, pague $ 234.567,39 en {link.url}."] * 2


def test_acuerdo_and_ayuda_carry_the_portal_link_when_the_portal_is_on(twilio, luz, client, clock, settings):
    sms_in(client, "ACUERDO", sid="SM1")
    settings.RECAUDO_PORTAL_URL = "https://pagos.example.com/portal"
    sms_in(client, "acuerdo", sid="SM2")
    sms_in(client, "AYUDA", sid="SM3")
    outbox_process(now=NOW, worker_id="w1")
    plan_off, plan_on, help_on = (m.body for m in Message.objects.order_by("pk"))
    assert plan_off == "Distribuciones Andinas S.A.S.: Luz, un asesor le contactara para acordar un plan de pagos."
    assert plan_on.startswith("Distribuciones Andinas S.A.S.: Luz, proponga un acuerdo de pago en "
                              "https://pagos.example.com/portal/")
    assert help_on.startswith("Distribuciones Andinas S.A.S.: escriba SALDO para conocer su saldo")
    assert sorted(sent_sms(twilio)) == sorted([plan_off, plan_on, help_on])


def test_an_english_speaker_gets_the_english_answer(twilio, john, client, clock):
    contact_add(debtor=john, channel="phone", value="+1 415 555 0100", consent="granted", now=NOW)
    sms_in(client, "BALANCE please", sender="+14155550100")
    outbox_process(now=NOW, worker_id="w1")
    assert sent_sms(twilio)[0].startswith("Distribuciones Andinas S.A.S.: John, your balance is")


def test_stop_keeps_its_meaning(twilio, luz, client, clock):
    sms_in(client, "saldo STOP")
    assert Consent.objects.get(contact__debtor=luz, contact__channel="phone", channel="sms").status == "revoked"
    inbound = InboundMessage.objects.get()
    assert (inbound.kind, inbound.outcome, inbound.reply) == ("stop", "opted_out", None)
    assert not Message.objects.exists()


def test_an_unknown_number_gets_nothing_and_nothing_is_kept(twilio, luz, client, clock):
    assert sms_in(client, "SALDO", sender="+573110000000").status_code == 200
    assert not InboundMessage.objects.exists() and not Message.objects.exists()


def test_without_consent_on_the_channel_no_answer_and_an_agent_sees_it(twilio, portfolio, client, clock):

    debtor = make_debtor(portfolio, code="C009", name="Pedro Gómez")
    make_obligation(portfolio, debtor, number="F-9", amount="1000")
    contact_add(debtor=debtor, channel="phone", value="+57 301 000 0009", consent="revoked", now=NOW)
    sms_in(client, "SALDO", sender="+573010000009")
    inbound = InboundMessage.objects.get()
    assert (inbound.outcome, inbound.needs_agent, inbound.reply) == ("no_consent", True, None)
    assert not Message.objects.exists()


def test_a_reference_never_gets_the_debtors_balance(twilio, luz, client, clock):
    contact_add(debtor=luz, channel="phone", value="+57 310 555 0000", role="reference", consent="granted",
                now=NOW)
    sms_in(client, "SALDO", sender="+573105550000")
    assert InboundMessage.objects.get().outcome == "no_consent" and not Message.objects.exists()


def test_anything_else_goes_to_the_agents_inbox(twilio, luz, client, clock):
    sms_in(client, "<b>no puedo pagar</b> este mes " + "x" * 3000)
    inbound = InboundMessage.objects.get()
    assert (inbound.kind, inbound.outcome, inbound.needs_agent) == ("other", "inbox", True)
    assert len(inbound.text) == 2000 and inbound.truncated and inbound.text.startswith("<b>no puedo pagar</b>")
    assert not Message.objects.exists()


def test_answers_per_sender_are_limited(twilio, luz, client, clock):
    for n in range(5):
        clock.now = NOW + timedelta(minutes=n)
        sms_in(client, "SALDO", sid=f"SM{n}")
    outcomes = list(InboundMessage.objects.order_by("received_at").values_list("outcome", flat=True))
    assert outcomes == ["answered", "answered", "answered", "limited", "limited"]
    assert Message.objects.count() == 3
    clock.now = NOW + timedelta(minutes=13)  # the first answer left the 10-minute window
    sms_in(client, "SALDO", sid="SM9")
    assert InboundMessage.objects.latest("received_at").outcome == "answered"


def test_a_provider_retry_is_kept_and_answered_once(twilio, luz, client, clock):
    sms_in(client, "SALDO", sid="SM7")
    sms_in(client, "SALDO", sid="SM7")
    assert InboundMessage.objects.count() == 1 and Message.objects.count() == 1


def test_a_bad_signature_changes_nothing(twilio, luz, client, clock):
    response = client.post("/hooks/twilio/inbound", {"From": LUZ, "Body": "SALDO"}, HTTP_X_TWILIO_SIGNATURE="x")
    assert response.status_code == 403 and not InboundMessage.objects.exists()


# ------------------------------------------------------------------------------------------------ WhatsApp

def test_saldo_by_whatsapp_is_answered_as_session_text(whatsapp, luz, client, clock):
    whatsapp.session_open.add("573001234567")
    assert wa_in(client, "SALDO").status_code == 200
    inbound = InboundMessage.objects.get()
    assert (inbound.channel, inbound.outcome, inbound.provider_id) == ("whatsapp", "answered", "wamid.in1")
    assert outbox_process(now=NOW + timedelta(minutes=1), worker_id="w1")["sent"] == 1
    body = whatsapp.requests[0]["json"]
    assert body["type"] == "text" and body["to"] == "573001234567"
    assert body["text"]["body"].startswith("Distribuciones Andinas S.A.S.: Luz, su saldo es $ 1.284.567,89")
    inbound.reply.refresh_from_db()
    assert inbound.reply.status == "sent" and inbound.reply.provider_id.startswith("wamid.")


def test_after_the_24_hour_window_the_approved_template_goes(whatsapp, luz, client, clock):
    wa_in(client, "SALDO")
    reply = InboundMessage.objects.get().reply
    Message.objects.filter(pk=reply.pk).update(next_attempt_at=NOW + timedelta(hours=25))
    assert outbox_process(now=NOW + timedelta(hours=25), worker_id="w1")["sent"] == 1
    body = whatsapp.requests[0]["json"]
    assert body["type"] == "template" and body["template"]["name"] == "recaudo_respuesta_saldo"


def test_whatsapp_stop_revokes_only_whatsapp(whatsapp, luz, client, clock):
    wa_in(client, "No más")
    assert Consent.objects.get(contact__debtor=luz, contact__channel="whatsapp", channel="whatsapp").status == "revoked"
    assert Consent.objects.get(contact__debtor=luz, contact__channel="phone", channel="sms").status == "granted"
    assert not Message.objects.exists()
