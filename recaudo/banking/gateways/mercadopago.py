"""Mercado Pago (developers docs: "notificaciones webhooks", "preferencias", "pagos").

- Link: a Checkout Pro preference, POST {base_url}/checkout/preferences with the access token (Bearer) and an
  X-Idempotency-Key (our reference): items, external_reference (our reference), notification_url, back_urls,
  expires + expiration_date_to; the answer's `init_point` is where the debtor pays, `id` the preference.
- Notification: POST {notification_url}?data.id=<payment id>&type=payment with {action, data: {id}, type, id...}
  and headers x-signature "ts=<ts>,v1=<hex>" and x-request-id. v1 = HMAC-SHA256 (key: the webhook secret) of the
  manifest `id:{data.id};request-id:{x-request-id};ts:{ts};` (data.id from the query string, lower-cased when
  alphanumeric; a part whose value is absent is left out). Topics other than payment are ignored.
- The notification carries only an id: GET {base_url}/v1/payments/<id> (Bearer) gives status, transaction_amount,
  currency_id and external_reference, which are what we apply.
"""

from __future__ import annotations

import hashlib
import hmac
from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext_lazy as _

from .base import (
    APPROVED,
    CHARGEBACK,
    DECLINED,
    PENDING,
    REFUNDED,
    VOIDED,
    Adapter,
    ConfigField,
    GatewayError,
    Ignored,
    Incoming,
    LinkCreated,
    LinkRequest,
    Notification,
    SignatureInvalid,
    api_base,
    bearer,
    constant_time_equal,
    http_json,
    signing_secret,
)

BASE_URL = "https://api.mercadopago.com"
STATUS = {"approved": APPROVED, "authorized": PENDING, "pending": PENDING, "in_process": PENDING,
          "in_mediation": PENDING, "rejected": DECLINED, "cancelled": VOIDED, "refunded": REFUNDED,
          "charged_back": CHARGEBACK}


def manifest(data_id: str, request_id: str, ts: str) -> str:
    if data_id.isalnum():
        data_id = data_id.lower()
    parts = [("id", data_id), ("request-id", request_id), ("ts", ts)]
    return "".join(f"{key}:{value};" for key, value in parts if value)


def signature_parts(header: str) -> dict[str, str]:
    parts = {}
    for piece in (header or "").split(","):
        key, _sep, value = piece.partition("=")
        parts[key.strip()] = value.strip()
    return parts


def signature(secret: str, data_id: str, request_id: str, ts: str) -> str:
    return hmac.new(secret.encode(), manifest(data_id, request_id, ts).encode(), hashlib.sha256).hexdigest()


def _amount(value) -> Decimal:
    try:
        return Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise GatewayError(f"Mercado Pago: amount {str(value)[:20]!r} is not a number")


class MercadoPago(Adapter):
    name = "mercadopago"
    label = "Mercado Pago"
    config_fields = (
        ConfigField("access_token", _("Access token"), secret=True),
        ConfigField("webhook_secret", _("Webhook secret"), secret=True),
        ConfigField("base_url", _("API address"), required=False),
    )

    def _auth(self, config: dict) -> dict:
        return bearer(config, "access_token", str(_("Mercado Pago: the access token is not configured")))

    def create_link(self, config: dict, request: LinkRequest) -> LinkCreated:
        price = int(request.amount) if request.amount == request.amount.to_integral_value() else float(request.amount)
        payload = {"items": [{"id": request.reference, "title": request.description[:250] or request.reference,
                              "quantity": 1, "unit_price": price, "currency_id": request.currency}],
                   "external_reference": request.reference, "expires": True,
                   "expiration_date_to": request.expires_at}
        if request.notification_url:
            payload["notification_url"] = request.notification_url
        if request.redirect_url:
            payload["back_urls"] = {"success": request.redirect_url, "pending": request.redirect_url,
                                    "failure": request.redirect_url}
        if request.payer_email:
            payload["payer"] = {"email": request.payer_email}
        answer = http_json("POST", f"{api_base(config, BASE_URL)}/checkout/preferences", payload=payload,
                           headers={**self._auth(config), "X-Idempotency-Key": request.reference})
        url = str(answer.get("init_point") or "")
        if not url:
            raise GatewayError("Mercado Pago: the answer has no init_point")
        return LinkCreated(url=url, provider_id=str(answer.get("id") or ""))

    def verify(self, config: dict, incoming: Incoming) -> Notification:
        secret = signing_secret(config, "webhook_secret", "webhook secret")
        parts = signature_parts(incoming.headers.get("x-signature", ""))
        ts, sent = parts.get("ts", ""), parts.get("v1", "")
        if not ts or not sent:
            raise SignatureInvalid("x-signature has no ts or v1")
        data_id = incoming.query.get("data.id", "")
        expected = signature(secret, data_id, incoming.headers.get("x-request-id", ""), ts)
        if not constant_time_equal(expected, sent.lower()):
            raise SignatureInvalid("x-signature does not match")
        body = incoming.json()
        topic = incoming.query.get("type") or incoming.query.get("topic") or str(body.get("type") or "")
        if topic != "payment" or not data_id:
            raise Ignored(f"topic {topic[:40]!r}")
        return Notification(provider=self.name, transaction_id=data_id[:120], reference="", amount=Decimal(0),
                            currency="", status=PENDING, event_id=str(body.get("id") or "")[:120],
                            needs_status_query=True, raw=body)

    def confirm(self, config: dict, notification: Notification) -> Notification | None:
        payment = http_json("GET", f"{api_base(config, BASE_URL)}/v1/payments/{notification.transaction_id}",
                            headers=self._auth(config))
        if "status" not in payment:
            raise GatewayError("Mercado Pago: the payment's answer has no status")
        return Notification(
            provider=self.name, transaction_id=notification.transaction_id,
            reference=str(payment.get("external_reference") or "")[:120],
            amount=_amount(payment.get("transaction_amount")), currency=str(payment.get("currency_id") or "")[:3],
            status=STATUS.get(str(payment["status"]), PENDING), event_id=notification.event_id,
            raw={"notification": notification.raw, "payment": {k: payment.get(k) for k in (
                "id", "status", "status_detail", "transaction_amount", "currency_id", "external_reference",
                "date_approved", "payment_method_id")}})

    def query_status(self, config: dict, notification: Notification) -> str | None:
        confirmed = self.confirm(config, notification)
        return confirmed.status if confirmed else None

