"""Webhook forgeries: every provider endpoint under /hooks/ answers 4xx and changes nothing for a missing or wrong
signature, a signature made with another secret or for another URL, a tampered body, an installation without a
secret, and signed but malformed bodies; a replayed late failure after delivery moves no message back."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from recaudo.communications.signatures import hmac_sha256, twilio_signature

from .helpers import count
from .test_access import fingerprint
from .urls_table import all_patterns

pytestmark = [pytest.mark.security, pytest.mark.django_db]

TOKEN, META, BOUNCE = "twilio-token", "meta-app-secret", "bounce-secret"
WOMPI, MP = "test_events_secret", "mp-webhook-secret"


@pytest.fixture
def hooks(settings, portfolio):
    from recaudo.communications.models import Message
    from recaudo.demo.testing import make_debtor
    from recaudo.portfolio.services import contact_add

    settings.RECAUDO_TWILIO_AUTH_TOKEN = TOKEN
    settings.RECAUDO_WHATSAPP_APP_SECRET = META
    settings.RECAUDO_WHATSAPP_VERIFY_TOKEN = "verify-me"
    settings.RECAUDO_EMAIL_WEBHOOK_SECRET = BOUNCE
    from recaudo.banking.services_gateways import gateway_account_save

    for provider, values in (("wompi", {"private_key": "prv", "events_secret": WOMPI}),
                             ("mercadopago", {"access_token": "tok", "webhook_secret": MP})):
        gateway_account_save(portfolio=portfolio, provider=provider, actor="cli",
                             values={**values, "base_url": "http://127.0.0.1:9"})  # never reached: refused before
    debtor = make_debtor(portfolio)
    for channel, value in (("phone", "+573001234567"), ("whatsapp", "+573001234567"), ("email", "l@example.com")):
        contact_add(debtor=debtor, channel=channel, value=value, consent="granted", consent_source="contrato")
    now = timezone.now()
    for channel, to, provider, pid in (("sms", "+573001234567", "twilio", "SM1"),
                                       ("whatsapp", "+573001234567", "whatsapp_cloud", "wamid.1"),
                                       ("email", "l@example.com", "smtp", "<m1@example.com>")):
        Message.objects.create(portfolio=portfolio, debtor=debtor, channel=channel, to=to, template_code="reminder",
                               language="es", subject="s", body="b", dedupe_key=pid, status="delivered",
                               provider=provider, provider_id=pid, scheduled_for=now, next_attempt_at=now,
                               sent_at=now - timedelta(minutes=5), delivered_at=now)
    return debtor


def state():
    from recaudo.communications.models import Message
    from recaudo.portfolio.models import Consent

    return {**fingerprint(),
            "messages": list(Message.objects.order_by("pk").values_list("pk", "status", "last_error", "permanent")),
            "consents": list(Consent.objects.order_by("pk").values_list("pk", "status"))}


def twilio_post(client, name, params, *, token=TOKEN, sign_url=None, headers=True):
    path = reverse(name)
    signature = twilio_signature(token, "http://testserver" + (sign_url or path), params)
    extra = {"HTTP_X_TWILIO_SIGNATURE": signature} if headers else {}
    return client.post(path, params, **extra)


def json_post(client, name, body: bytes, header: str, secret: str | None, *, prefix=""):
    extra = {header: prefix + hmac_sha256(secret, body).removeprefix("sha256=") if prefix else
             hmac_sha256(secret, body)} if secret is not None else {}
    return client.post(reverse(name), body, content_type="application/json", **extra)


def meta_body(status="failed", code=131000, ts=None):
    ts = ts or int((timezone.now() - timedelta(hours=1)).timestamp())
    return json.dumps({"object": "whatsapp_business_account", "entry": [{"id": "W", "changes": [{"field": "messages",
                      "value": {"statuses": [{"id": "wamid.1", "status": status, "timestamp": str(ts),
                                              "errors": [{"code": code, "title": "x"}]}],
                                "messages": [{"from": "573001234567", "id": "in1", "timestamp": str(ts),
                                              "type": "text", "text": {"body": "BAJA"}}]}}]}]}).encode()


BOUNCE_BODY = json.dumps({"provider_id": "<m1@example.com>", "event": "bounce", "permanent": True}).encode()
TWILIO_STATUS = {"MessageSid": "SM1", "MessageStatus": "undelivered", "ErrorCode": "30001"}
TWILIO_INBOUND = {"From": "+573001234567", "Body": "STOP", "MessageSid": "SMin"}


def forgeries():
    """name -> [(label, callable(client) -> response)] of forged requests, each must answer 4xx."""
    from recaudo.communications.tests.test_providers import MALFORMED_BOUNCES, MALFORMED_META

    hub, rec = "HTTP_X_HUB_SIGNATURE_256", "HTTP_X_RECAUDO_SIGNATURE"
    body = meta_body()
    out = {
        "hook_twilio_status": [
            ("no signature", lambda c: twilio_post(c, "hook_twilio_status", TWILIO_STATUS, headers=False)),
            ("another token", lambda c: twilio_post(c, "hook_twilio_status", TWILIO_STATUS, token="guess")),
            ("signed for another URL", lambda c: twilio_post(c, "hook_twilio_status", TWILIO_STATUS,
                                                             sign_url=reverse("hook_twilio_inbound"))),
            ("tampered", lambda c: c.post(reverse("hook_twilio_status"), {**TWILIO_STATUS, "ErrorCode": "30008"},
                                          HTTP_X_TWILIO_SIGNATURE=twilio_signature(
                                              TOKEN, "http://testserver" + reverse("hook_twilio_status"),
                                              TWILIO_STATUS))),
            ("signed, NUL byte", lambda c: twilio_post(c, "hook_twilio_status", {**TWILIO_STATUS,
                                                                                 "MessageSid": "SM1\x00"})),
        ],
        "hook_twilio_inbound": [
            ("no signature", lambda c: twilio_post(c, "hook_twilio_inbound", TWILIO_INBOUND, headers=False)),
            ("another token", lambda c: twilio_post(c, "hook_twilio_inbound", TWILIO_INBOUND, token="guess")),
            ("signed for another URL", lambda c: twilio_post(c, "hook_twilio_inbound", TWILIO_INBOUND,
                                                             sign_url=reverse("hook_twilio_status"))),
            ("signed, NUL byte", lambda c: twilio_post(c, "hook_twilio_inbound", {**TWILIO_INBOUND,
                                                                                  "Body": "STOP\x00"})),
            ("signed, huge body", lambda c: twilio_post(c, "hook_twilio_inbound", {**TWILIO_INBOUND,
                                                                                   "Body": "STOP" * 5000})),
        ],
        "hook_whatsapp": [
            ("no signature", lambda c: json_post(c, "hook_whatsapp", body, hub, None)),
            ("another secret", lambda c: json_post(c, "hook_whatsapp", body, hub, "guess")),
            ("bad header", lambda c: c.post(reverse("hook_whatsapp"), body, content_type="application/json",
                                            HTTP_X_HUB_SIGNATURE_256="sha256=00")),
            ("tampered", lambda c: c.post(reverse("hook_whatsapp"), body.replace(b"131000", b"131026"),
                                          content_type="application/json",
                                          HTTP_X_HUB_SIGNATURE_256=hmac_sha256(META, body))),
            ("verify, wrong token", lambda c: c.get(reverse("hook_whatsapp"), {
                "hub.mode": "subscribe", "hub.verify_token": "guess", "hub.challenge": "42"})),
            ("verify, no token", lambda c: c.get(reverse("hook_whatsapp"), {"hub.mode": "subscribe",
                                                                            "hub.challenge": "42"})),
        ] + [(f"signed, malformed #{n}", lambda c, b=b: json_post(c, "hook_whatsapp", b, hub, META))
             for n, b in enumerate(MALFORMED_META)],
        "hook_email_bounce": [
            ("no signature", lambda c: json_post(c, "hook_email_bounce", BOUNCE_BODY, rec, None)),
            ("another secret", lambda c: json_post(c, "hook_email_bounce", BOUNCE_BODY, rec, "guess")),
            ("tampered", lambda c: c.post(reverse("hook_email_bounce"), BOUNCE_BODY.replace(b"true", b"false"),
                                          content_type="application/json",
                                          HTTP_X_RECAUDO_SIGNATURE=hmac_sha256(BOUNCE, BOUNCE_BODY))),
        ] + [(f"signed, malformed #{n}", lambda c, b=b: json_post(c, "hook_email_bounce", b, rec, BOUNCE))
             for n, b in enumerate(MALFORMED_BOUNCES)],
    }
    out["hook_gateway"] = gateway_forgeries()
    return out


def _wompi_event(secret: str, amount: int = 100_000_00) -> tuple[bytes, str]:
    from recaudo.banking.gateways import wompi

    event = {"event": "transaction.updated", "timestamp": 1767000000,
             "data": {"transaction": {"id": "tx-1", "status": "APPROVED", "amount_in_cents": amount,
                                      "currency": "COP", "reference": "RC1", "payment_link_id": "l1"}},
             "signature": {"properties": ["transaction.id", "transaction.status", "transaction.amount_in_cents"]}}
    event["signature"]["checksum"] = wompi.checksum(event, secret)
    return json.dumps(event).encode(), event["signature"]["checksum"]


def gateway_forgeries():
    """The payment gateways' notification endpoint (portfolio "pyme", both providers configured by `hooks`)."""
    from recaudo.banking.gateways import mercadopago

    wompi_url = "/hooks/gateways/wompi/pyme/"
    mp_url = "/hooks/gateways/mercadopago/pyme/?data.id=123&type=payment"
    mp_body = json.dumps({"type": "payment", "data": {"id": "123"}}).encode()

    def wompi_post(c, body, checksum):
        return c.post(wompi_url, body, content_type="application/json", HTTP_X_EVENT_CHECKSUM=checksum)

    def mp_post(c, url=mp_url, secret=MP, data_id="123", ts="1767000000", header=True):
        extra = {"HTTP_X_REQUEST_ID": "r-1"}
        if header:
            extra["HTTP_X_SIGNATURE"] = f"ts={ts},v1={mercadopago.signature(secret, data_id, 'r-1', ts)}"
        return c.post(url, mp_body, content_type="application/json", **extra)

    good, checksum = _wompi_event(WOMPI)
    tampered = good.replace(b'"APPROVED"', b'"VOIDED"')
    return [
        ("wompi, no checksum", lambda c: c.post(wompi_url, json.dumps({"event": "transaction.updated"}).encode(),
                                                content_type="application/json")),
        ("wompi, another secret", lambda c: wompi_post(c, *_wompi_event("guess"))),
        ("wompi, tampered amount", lambda c: wompi_post(c, _wompi_event(WOMPI, amount=1)[0], checksum)),
        ("wompi, tampered status", lambda c: wompi_post(c, tampered, checksum)),
        ("wompi, not JSON", lambda c: wompi_post(c, b"\xff\x00", checksum)),
        ("mercadopago, no signature", lambda c: mp_post(c, header=False)),
        ("mercadopago, another secret", lambda c: mp_post(c, secret="guess")),
        ("mercadopago, signed for another payment", lambda c: mp_post(c, data_id="124")),
        ("mercadopago, another timestamp", lambda c: c.post(
            mp_url, mp_body, content_type="application/json", HTTP_X_REQUEST_ID="r-1",
            HTTP_X_SIGNATURE="ts=1767000001,v1=" + mercadopago.signature(MP, "123", "r-1", "1767000000"))),
        ("unknown provider", lambda c: c.post("/hooks/gateways/stripe/pyme/", good,
                                              content_type="application/json")),
    ]


def test_every_webhook_is_attacked():
    hooks_urls = {name for route, name, _ in all_patterns() if route.startswith("hooks/")}
    assert hooks_urls == set(forgeries()), f"webhooks without forgeries: {hooks_urls ^ set(forgeries())}"


def test_forged_webhooks_answer_4xx_and_change_nothing(hooks, settings):
    client = Client()
    before = state()
    problems, n = [], 0
    for name, attacks in forgeries().items():
        for label, attack in attacks:
            status = attack(client).status_code
            n += 1
            if not 400 <= status < 500:
                problems.append(f"{name}: {label}: {status}")
    # An installation that configured no secret accepts nothing (an empty secret is not a valid key).
    settings.RECAUDO_TWILIO_AUTH_TOKEN = settings.RECAUDO_WHATSAPP_APP_SECRET = ""
    settings.RECAUDO_EMAIL_WEBHOOK_SECRET = settings.RECAUDO_WHATSAPP_VERIFY_TOKEN = ""
    for label, response in (
        ("twilio status", twilio_post(client, "hook_twilio_status", TWILIO_STATUS, token="")),
        ("twilio inbound", twilio_post(client, "hook_twilio_inbound", TWILIO_INBOUND, token="")),
        ("whatsapp", json_post(client, "hook_whatsapp", meta_body(), "HTTP_X_HUB_SIGNATURE_256", "")),
        ("whatsapp verify", client.get(reverse("hook_whatsapp"), {"hub.mode": "subscribe", "hub.verify_token": "",
                                                                  "hub.challenge": "42"})),
        ("email bounce", json_post(client, "hook_email_bounce", BOUNCE_BODY, "HTTP_X_RECAUDO_SIGNATURE", "")),
    ):
        n += 1
        if not 400 <= response.status_code < 500:
            problems.append(f"no secret configured: {label}: {response.status_code}")
    count("forged webhook requests", n)
    after = state()
    changed = [k for k in before if before[k] != after.get(k)]
    assert not problems, "\n".join(problems)
    assert not changed, f"forged webhooks changed: {changed}"


def test_replayed_late_failures_move_no_delivered_message_back(hooks):
    """Validly signed, but late: a failure after delivery is recorded, not acted on (issue 12, item 7)."""
    from recaudo.communications.models import Message

    client = Client()
    replays = [
        twilio_post(client, "hook_twilio_status", TWILIO_STATUS),
        json_post(client, "hook_whatsapp", meta_body(status="failed", code=131000), "HTTP_X_HUB_SIGNATURE_256", META),
        json_post(client, "hook_email_bounce", json.dumps({"provider_id": "<m1@example.com>", "event": "bounce",
                                                          "permanent": False}).encode(),
                  "HTTP_X_RECAUDO_SIGNATURE", BOUNCE),
    ]
    assert all(r.status_code < 300 for r in replays), [r.status_code for r in replays]
    count("replayed late webhook failures", len(replays))
    assert set(Message.objects.values_list("status", flat=True)) == {"delivered"}
