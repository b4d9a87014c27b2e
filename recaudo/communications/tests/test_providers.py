"""SMS (Twilio-style) and WhatsApp Cloud adapters against local HTTP servers; webhooks with signatures."""

import json
from datetime import timedelta

import pytest

from recaudo.communications.models import Message
from recaudo.communications.services import message_enqueue
from recaudo.communications.signatures import hmac_sha256, twilio_signature
from recaudo.communications.transports import Outgoing, TransportError
from recaudo.communications.transports.sms_twilio import TwilioTransport
from recaudo.communications.transports.webhook import WebhookTransport
from recaudo.communications.transports.whatsapp_cloud import WhatsAppCloudTransport
from recaudo.core.tests.fake_http import FakeHTTPServer
from recaudo.cycle.outbox import outbox_process
from recaudo.portfolio.models import Consent

from .conftest import NOW
from .servers import FakeTwilio, FakeWhatsApp

pytestmark = pytest.mark.django_db


def sms(to, text="Hola"):
    return Outgoing(message_id=1, channel="sms", to=to, subject="", body=text, text=text)


# ------------------------------------------------------------------------------------------------ Twilio

def test_twilio_request_shape_and_success(twilio, luz):
    message = message_enqueue(portfolio=luz.portfolio, debtor=luz, channel="sms", template_code="reminder",
                              dedupe_key="k1", now=NOW)
    assert outbox_process(now=NOW, worker_id="w1")["sent"] == 1
    form = twilio.requests[0]["form"]
    assert form["To"] == "+573001234567" and form["From"] == "+15005550006"
    assert "1.234.567,89" in form["Body"] and form["StatusCallback"] == "http://testserver/hooks/twilio/status"
    message.refresh_from_db()
    assert message.status == "sent" and message.provider == "twilio" and message.provider_id.startswith("SM")


@pytest.mark.parametrize("to, permanent, code", [
    ("+573009990001", True, "21211"),   # invalid number
    ("+573009990002", True, "21610"),   # unsubscribed (STOP)
    ("+573009990003", False, "20429"),  # rate limited
    ("+573009990004", False, "20503"),  # provider down
])
def test_twilio_errors_are_classified(twilio, to, permanent, code):
    with pytest.raises(TransportError) as info:
        TwilioTransport().send(sms(to))
    assert info.value.permanent is permanent and info.value.code == code


def test_twilio_bad_credentials_are_retryable(twilio, settings):
    settings.RECAUDO_TWILIO_AUTH_TOKEN = "wrong"
    with pytest.raises(TransportError) as info:
        TwilioTransport().send(sms("+573001234567"))
    assert not info.value.permanent and "401" in str(info.value)


def test_twilio_opt_out_error_revokes_consent_and_falls_back(twilio, luz):
    from recaudo.portfolio.models import Contact

    Contact.objects.filter(debtor=luz, channel="phone").update(value="+573009990002")
    message = message_enqueue(portfolio=luz.portfolio, debtor=luz, channel="sms", template_code="reminder",
                              dedupe_key="k1", now=NOW)
    stats = outbox_process(now=NOW, worker_id="w1")
    message.refresh_from_db()
    assert message.status == "failed" and message.permanent and stats["fallbacks"] == 1
    assert Consent.objects.get(contact__value="+573009990002", channel="sms").status == "revoked"
    assert Message.objects.get(fallback_of=message).channel == "whatsapp"


def post_twilio(client, path, params, token=FakeTwilio.TOKEN):
    url = "http://testserver" + path
    signature = twilio_signature(token, url, params)
    return client.post(path, params, HTTP_X_TWILIO_SIGNATURE=signature)


def test_twilio_status_callback_updates_the_message(twilio, luz, client):
    message = message_enqueue(portfolio=luz.portfolio, debtor=luz, channel="sms", template_code="reminder",
                              dedupe_key="k1", now=NOW)
    outbox_process(now=NOW, worker_id="w1")
    message.refresh_from_db()
    params = {"MessageSid": message.provider_id, "MessageStatus": "delivered", "AccountSid": FakeTwilio.SID,
              "To": message.to, "From": "+15005550006"}
    assert post_twilio(client, "/hooks/twilio/status", params).status_code == 204
    message.refresh_from_db()
    assert message.status == "delivered" and message.delivered_at is not None
    late = {**params, "MessageStatus": "sent"}  # out-of-order callbacks never move a message back
    post_twilio(client, "/hooks/twilio/status", late)
    message.refresh_from_db()
    assert message.status == "delivered"


def test_twilio_undelivered_permanent_falls_back(twilio, luz, client):
    message = message_enqueue(portfolio=luz.portfolio, debtor=luz, channel="sms", template_code="reminder",
                              dedupe_key="k1", now=NOW)
    outbox_process(now=NOW, worker_id="w1")
    message.refresh_from_db()
    post_twilio(client, "/hooks/twilio/status", {"MessageSid": message.provider_id, "MessageStatus": "undelivered",
                                                 "ErrorCode": "30006"})
    message.refresh_from_db()
    assert message.status == "failed" and message.permanent and "30006" in message.last_error
    assert Message.objects.filter(fallback_of=message, channel="whatsapp").exists()


def test_twilio_callbacks_with_a_bad_signature_are_refused(twilio, luz, client):
    params = {"MessageSid": "SM1", "MessageStatus": "delivered"}
    assert post_twilio(client, "/hooks/twilio/status", params, token="not-the-token").status_code == 403
    assert client.post("/hooks/twilio/status", params).status_code == 403
    assert post_twilio(client, "/hooks/twilio/inbound", {"From": "+573001234567", "Body": "STOP"},
                       token="x").status_code == 403
    assert Consent.objects.get(contact__debtor=luz, contact__channel="phone", channel="sms").status == "granted"


@pytest.mark.parametrize("text", ["STOP", "baja", "No más", "NO MAS"])
def test_stop_reply_revokes_sms_consent_and_cancels_queued(twilio, luz, client, text):
    from datetime import timedelta

    queued = message_enqueue(portfolio=luz.portfolio, debtor=luz, channel="sms", template_code="reminder",
                             dedupe_key="later", now=NOW + timedelta(days=1))
    response = post_twilio(client, "/hooks/twilio/inbound", {"From": "+573001234567", "Body": text,
                                                             "MessageSid": "SM9"})
    assert response.status_code == 200 and b"<Response>" in response.content
    assert Consent.objects.get(contact__debtor=luz, contact__channel="phone", channel="sms").status == "revoked"
    queued.refresh_from_db()
    assert queued.status == "cancelled"


def test_other_replies_change_nothing(twilio, luz, client):
    post_twilio(client, "/hooks/twilio/inbound", {"From": "+573001234567", "Body": "ya pagué"})
    assert Consent.objects.get(contact__debtor=luz, contact__channel="phone", channel="sms").status == "granted"


# ------------------------------------------------------------------------------------------------ WhatsApp

def test_whatsapp_request_shape_and_success(whatsapp, luz):
    message = message_enqueue(portfolio=luz.portfolio, debtor=luz, channel="whatsapp", template_code="reminder",
                              dedupe_key="k1", now=NOW)
    assert outbox_process(now=NOW, worker_id="w1")["sent"] == 1
    request = whatsapp.requests[0]
    assert request["headers"]["Authorization"] == f"Bearer {FakeWhatsApp.TOKEN}"
    body = request["json"]
    assert body["to"] == "573001234567" and body["type"] == "template"
    assert body["template"]["name"] == "recaudo_recordatorio" and body["template"]["language"] == {"code": "es"}
    params = [p["text"] for p in body["template"]["components"][0]["parameters"]]
    assert params == ["Luz Marina Restrepo", "$ 1.234.567,89", "Distribuciones Andinas S.A.S.", "C001"]
    message.refresh_from_db()
    assert message.provider == "whatsapp_cloud" and message.provider_id.startswith("wamid.")


@pytest.mark.parametrize("to, permanent, code", [
    ("+573009990001", True, "131026"),   # undeliverable
    ("+573009990003", False, "130429"),  # rate limit
    ("+573009990005", True, "132001"),   # template does not exist
])
def test_whatsapp_errors_are_classified(whatsapp, to, permanent, code):
    message = Outgoing(message_id=1, channel="whatsapp", to=to, subject="", body="x", text="x",
                       whatsapp_template="recaudo_recordatorio", whatsapp_params=["a"])
    with pytest.raises(TransportError) as info:
        WhatsAppCloudTransport().send(message)
    assert info.value.permanent is permanent and info.value.code == code


def test_whatsapp_bad_token_is_retryable(whatsapp, settings):
    settings.RECAUDO_WHATSAPP_TOKEN = "expired"
    message = Outgoing(message_id=1, channel="whatsapp", to="+573001234567", subject="", body="x", text="x",
                       whatsapp_template="t")
    with pytest.raises(TransportError) as info:
        WhatsAppCloudTransport().send(message)
    assert not info.value.permanent and info.value.code == "190"


def post_meta(client, payload, secret=None):
    secret = secret or "meta-app-secret"
    body = json.dumps(payload).encode()
    return client.post("/hooks/whatsapp", body, content_type="application/json",
                       HTTP_X_HUB_SIGNATURE_256=hmac_sha256(secret, body))


def meta_payload(statuses=(), messages=()):
    return {"object": "whatsapp_business_account", "entry": [{"id": "WABA", "changes": [{"field": "messages", "value": {
        "messaging_product": "whatsapp", "metadata": {"phone_number_id": FakeWhatsApp.PHONE_ID},
        "statuses": list(statuses), "messages": list(messages)}}]}]}


def test_whatsapp_verify_handshake(whatsapp, client):
    ok = client.get("/hooks/whatsapp", {"hub.mode": "subscribe", "hub.verify_token": "verify-me",
                                        "hub.challenge": "1158201444"})
    assert ok.status_code == 200 and ok.content == b"1158201444"
    assert client.get("/hooks/whatsapp", {"hub.mode": "subscribe", "hub.verify_token": "nope",
                                          "hub.challenge": "1"}).status_code == 403


def test_whatsapp_status_webhook(whatsapp, luz, client):
    message = message_enqueue(portfolio=luz.portfolio, debtor=luz, channel="whatsapp", template_code="reminder",
                              dedupe_key="k1", now=NOW)
    outbox_process(now=NOW, worker_id="w1")
    message.refresh_from_db()
    status = {"id": message.provider_id, "status": "delivered", "timestamp": "1772550000",
              "recipient_id": "573001234567"}
    assert post_meta(client, meta_payload(statuses=[status])).status_code == 200
    message.refresh_from_db()
    assert message.status == "delivered"
    assert post_meta(client, meta_payload(statuses=[status]), secret="wrong").status_code == 403


def test_whatsapp_failed_status_is_permanent_and_falls_back(whatsapp, luz, client):
    message = message_enqueue(portfolio=luz.portfolio, debtor=luz, channel="whatsapp", template_code="reminder",
                              dedupe_key="k1", now=NOW)
    outbox_process(now=NOW, worker_id="w1")
    message.refresh_from_db()
    status = {"id": message.provider_id, "status": "failed", "timestamp": "1772550000",
              "errors": [{"code": 131026, "title": "Message undeliverable"}]}
    post_meta(client, meta_payload(statuses=[status]))
    message.refresh_from_db()
    assert message.status == "failed" and message.permanent
    assert Message.objects.get(fallback_of=message).channel == "sms"


def test_whatsapp_stop_reply_revokes_consent(whatsapp, luz, client):
    inbound = {"from": "573001234567", "id": "wamid.in1", "timestamp": "1772550000", "type": "text",
               "text": {"body": "BAJA"}}
    assert post_meta(client, meta_payload(messages=[inbound]), secret="bad").status_code == 403
    assert Consent.objects.get(contact__debtor=luz, contact__channel="whatsapp", channel="whatsapp").status == "granted"
    assert post_meta(client, meta_payload(messages=[inbound])).status_code == 200
    assert Consent.objects.get(contact__debtor=luz, contact__channel="whatsapp", channel="whatsapp").status == "revoked"
    # SMS on the same number is another consent: untouched
    assert Consent.objects.get(contact__debtor=luz, contact__channel="phone", channel="sms").status == "granted"


# ------------------------------------------------------------------------------------------------ email bounces

def post_bounce(client, payload, secret=None):
    secret = secret or "bounce-secret"
    body = json.dumps(payload).encode()
    return client.post("/hooks/email/bounce", body, content_type="application/json",
                       HTTP_X_RECAUDO_SIGNATURE=hmac_sha256(secret, body))


def test_email_hard_bounce_marks_bounced_and_falls_back(settings, luz, client):
    settings.RECAUDO_EMAIL_WEBHOOK_SECRET = "bounce-secret"
    message = message_enqueue(portfolio=luz.portfolio, debtor=luz, channel="email", template_code="reminder",
                              dedupe_key="k1", now=NOW)
    outbox_process(now=NOW, worker_id="w1")
    message.refresh_from_db()
    payload = {"provider_id": message.provider_id, "event": "bounce", "permanent": True, "reason": "5.1.1 unknown"}
    assert post_bounce(client, payload, secret="wrong").status_code == 403
    response = post_bounce(client, payload)
    assert response.status_code == 200 and response.json()["found"] is True
    message.refresh_from_db()
    assert message.status == "bounced" and message.permanent
    assert Message.objects.get(fallback_of=message).channel == "whatsapp"


def test_email_complaint_revokes_email_consent(settings, luz, client):
    settings.RECAUDO_EMAIL_WEBHOOK_SECRET = "bounce-secret"
    message = message_enqueue(portfolio=luz.portfolio, debtor=luz, channel="email", template_code="reminder",
                              dedupe_key="k1", now=NOW)
    outbox_process(now=NOW, worker_id="w1")
    message.refresh_from_db()
    post_bounce(client, {"provider_id": message.provider_id, "event": "complaint"})
    assert Consent.objects.get(contact=message.contact, channel="email").status == "revoked"


# ------------------------------------------------------------------------------------------------ generic webhook

class Receiver(FakeHTTPServer):
    def answer(self, record):
        if record["path"] == "/fail":
            return 422, {"error": "unknown recipient"}
        if record["path"] == "/busy":
            return 503, {"error": "later"}
        return 200, {"id": "ext-42"}


def test_generic_webhook_is_signed_and_classifies_errors():
    with Receiver() as server:
        message = Outgoing(message_id=5, channel="sms", to="+573001234567", subject="", body="Hola", text="Hola")
        assert WebhookTransport(url=server.url + "/ok", secret="s3cret").send(message) == "ext-42"
        request = server.requests[0]
        assert request["headers"]["X-Recaudo-Signature"] == hmac_sha256("s3cret", request["body"])
        assert request["headers"]["Idempotency-Key"] == "recaudo-message-5"
        assert json.loads(request["body"])["to"] == "+573001234567"
        with pytest.raises(TransportError) as permanent:
            WebhookTransport(url=server.url + "/fail", secret="s3cret").send(message)
        with pytest.raises(TransportError) as retryable:
            WebhookTransport(url=server.url + "/busy", secret="s3cret").send(message)
    assert permanent.value.permanent and not retryable.value.permanent


# ------------------------------------------------------------------------------------------------ late failures

def _late(message):
    from recaudo.audit.models import AuditEvent

    message.refresh_from_db()
    return list(AuditEvent.objects.filter(event_type="message.late_status", subject_id=message.pk)
                .values_list("changes", flat=True))


def test_twilio_undelivered_after_delivered_is_recorded_not_resent(twilio, luz, client):
    message = message_enqueue(portfolio=luz.portfolio, debtor=luz, channel="sms", template_code="reminder",
                              dedupe_key="k1", now=NOW)
    outbox_process(now=NOW, worker_id="w1")
    message.refresh_from_db()
    sid = message.provider_id
    post_twilio(client, "/hooks/twilio/status", {"MessageSid": sid, "MessageStatus": "delivered"})
    assert post_twilio(client, "/hooks/twilio/status", {"MessageSid": sid, "MessageStatus": "undelivered",
                                                        "ErrorCode": "30001"}).status_code == 204
    events = _late(message)
    assert message.status == "delivered" and message.provider_id == sid and message.last_error == ""
    assert events == [{"status": "delivered", "reported": "failed", "error": "Twilio 30001", "permanent": False,
                       "provider_id": sid}]
    assert outbox_process(now=NOW + timedelta(hours=1), worker_id="w1")["claimed"] == 0
    assert len(twilio.requests) == 1 and not Message.objects.filter(fallback_of=message).exists()


def test_whatsapp_failed_after_delivered_is_recorded_not_resent(whatsapp, luz, client):
    message = message_enqueue(portfolio=luz.portfolio, debtor=luz, channel="whatsapp", template_code="reminder",
                              dedupe_key="k1", now=NOW)
    outbox_process(now=NOW, worker_id="w1")
    message.refresh_from_db()
    delivered = {"id": message.provider_id, "status": "delivered", "timestamp": "1772550000"}
    failed = {"id": message.provider_id, "status": "failed", "timestamp": "1772550060",
              "errors": [{"code": 131000, "title": "Something went wrong"}]}
    assert post_meta(client, meta_payload(statuses=[delivered, failed])).status_code == 200
    events = _late(message)
    assert message.status == "delivered" and [e["error"] for e in events] == ["WhatsApp 131000: Something went wrong"]
    assert outbox_process(now=NOW + timedelta(hours=1), worker_id="w1")["claimed"] == 0
    assert len(whatsapp.requests) == 1


def test_email_soft_bounce_after_delivered_is_recorded_not_resent(settings, luz, client):
    settings.RECAUDO_EMAIL_WEBHOOK_SECRET = "bounce-secret"
    message = message_enqueue(portfolio=luz.portfolio, debtor=luz, channel="email", template_code="reminder",
                              dedupe_key="k1", now=NOW)
    outbox_process(now=NOW, worker_id="w1")
    message.refresh_from_db()
    post_bounce(client, {"provider_id": message.provider_id, "event": "delivered"})
    post_bounce(client, {"provider_id": message.provider_id, "event": "bounce", "permanent": False,
                         "reason": "4.2.2 mailbox full"})
    events = _late(message)
    assert message.status == "delivered" and events[0]["reported"] == "bounced" and events[0]["permanent"] is False
    assert outbox_process(now=NOW + timedelta(hours=1), worker_id="w1")["claimed"] == 0


def test_a_retryable_failure_before_delivery_still_sends_again(twilio, luz, client):
    message = message_enqueue(portfolio=luz.portfolio, debtor=luz, channel="sms", template_code="reminder",
                              dedupe_key="k1", now=NOW)
    outbox_process(now=NOW, worker_id="w1")
    message.refresh_from_db()
    post_twilio(client, "/hooks/twilio/status", {"MessageSid": message.provider_id, "MessageStatus": "undelivered",
                                                 "ErrorCode": "30001"})
    message.refresh_from_db()
    assert message.status == "queued" and message.last_error == "Twilio 30001" and not _late(message)


# ------------------------------------------------------------------------------------------------ malformed bodies

def _status(**fields):
    return {"id": "wamid.X", "status": "delivered", "timestamp": "1772550000", **fields}


MALFORMED_META = [
    b"[1, 2]",                                                        # not an object
    b'{"entry": 5}',                                                  # entry not a list
    b'{"entry": ["x"]}',                                              # entry item not an object
    b'{"entry": [{"changes": {"value": {}}}]}',                       # changes not a list
    b'{"entry": [{"changes": [{"value": "x"}]}]}',                   # value not an object
    json.dumps(meta_payload(statuses=["delivered"])).encode(),        # a status that is not an object
    json.dumps(meta_payload(statuses=[_status(errors="boom")])).encode(),
    json.dumps(meta_payload(statuses=[_status(errors=[{"code": 1, "title": {"a": 1}}])])).encode(),
    json.dumps(meta_payload(statuses=[_status(timestamp="99999999999999999")])).encode(),
    json.dumps(meta_payload(statuses=[_status(id="wamid.\u0000")])).encode(),
    json.dumps(meta_payload(statuses=[_status(id={"x": 1})])).encode(),
    json.dumps(meta_payload(messages=[{"from": "573001234567", "text": {"body": ["STOP"]}}])).encode(),
    json.dumps(meta_payload(messages=[{"from": ["573001234567"], "text": {"body": "STOP"}}])).encode(),
    json.dumps(meta_payload(messages=[{"from": "573001234567", "text": "STOP"}])).encode(),
    b"[" * 100_000 + b"]" * 100_000,                                  # nested too deep for the parser
    b"\xff\xfe{}",                                                    # not UTF-8
]


@pytest.mark.parametrize("body", MALFORMED_META, ids=range(len(MALFORMED_META)))
def test_signed_but_malformed_whatsapp_bodies_answer_400(whatsapp, luz, client, body):
    response = client.post("/hooks/whatsapp", body, content_type="application/json",
                           HTTP_X_HUB_SIGNATURE_256=hmac_sha256("meta-app-secret", body))
    assert response.status_code == 400
    assert Consent.objects.get(contact__debtor=luz, contact__channel="whatsapp", channel="whatsapp").status == "granted"


def test_a_malformed_part_applies_nothing_of_the_body(whatsapp, luz, client):
    inbound = {"from": "573001234567", "id": "wamid.in1", "timestamp": "1772550000", "type": "text",
               "text": {"body": "BAJA"}}
    payload = meta_payload(statuses=[_status(errors=7)], messages=[inbound])
    assert post_meta(client, payload).status_code == 400
    assert Consent.objects.get(contact__debtor=luz, contact__channel="whatsapp", channel="whatsapp").status == "granted"


MALFORMED_BOUNCES = [
    b'["bounce"]',
    b'{"provider_id": {"id": 1}, "event": "bounce"}',
    b'{"provider_id": "<a@b>", "event": ["bounce"]}',
    b'{"provider_id": "<a@b>", "event": "bounce", "permanent": "maybe"}',
    b'{"provider_id": "<a@b>", "event": "bounce", "reason": {"code": 550}}',
    b'{"provider_id": "<a\\u0000@b>", "event": "bounce"}',
    b'{"provider_id": NaN}',
    b"{" * 50_000,
]


@pytest.mark.parametrize("body", MALFORMED_BOUNCES, ids=range(len(MALFORMED_BOUNCES)))
def test_signed_but_malformed_bounce_bodies_answer_400(settings, client, body):
    settings.RECAUDO_EMAIL_WEBHOOK_SECRET = "bounce-secret"
    response = client.post("/hooks/email/bounce", body, content_type="application/json",
                           HTTP_X_RECAUDO_SIGNATURE=hmac_sha256("bounce-secret", body))
    assert response.status_code == 400


def test_signed_twilio_callbacks_with_a_nul_byte_answer_400(twilio, luz, client):
    assert post_twilio(client, "/hooks/twilio/status", {"MessageSid": "SM\x00", "MessageStatus": "delivered"}
                       ).status_code == 400
    assert post_twilio(client, "/hooks/twilio/inbound", {"From": "+573001234567", "Body": "STOP\x00"}
                       ).status_code == 400
    assert Consent.objects.get(contact__debtor=luz, contact__channel="phone", channel="sms").status == "granted"


@pytest.mark.parametrize("permanent, status", [(False, "queued"), ("false", "queued"), (0, "queued"),
                                               ("no", "queued"), (True, "bounced"), ("true", "bounced"),
                                               (None, "bounced")])
def test_bounce_permanent_flag_is_read_as_written(settings, luz, client, permanent, status):
    settings.RECAUDO_EMAIL_WEBHOOK_SECRET = "bounce-secret"
    message = message_enqueue(portfolio=luz.portfolio, debtor=luz, channel="email", template_code="reminder",
                              dedupe_key="k1", now=NOW)
    outbox_process(now=NOW, worker_id="w1")
    message.refresh_from_db()
    payload = {"provider_id": message.provider_id, "event": "bounce", "reason": "4.2.2 mailbox full"}
    if permanent is not None:
        payload["permanent"] = permanent
    assert post_bounce(client, payload).status_code == 200
    message.refresh_from_db()
    assert message.status == status and message.permanent is (status == "bounced")
