"""Wompi (Bancolombia's gateway, docs.wompi.co): payment links and signed events.

- Link: POST {base_url}/v1/payment_links with the private key (Bearer): name, description, single_use,
  collect_shipping, currency, amount_in_cents, expires_at, redirect_url, sku (our reference); the answer's data.id is
  the link, paid at {checkout_url}{id}. A transaction paid through the link carries `payment_link_id`, which is how
  its notification names our link (Wompi makes its own transaction reference).
- Event: POST {event, data: {transaction}, environment, signature: {properties, checksum}, timestamp, sent_at}, the
  checksum also in header X-Event-Checksum. Checksum = SHA-256 hex (a plain hash, not an HMAC) of the values at
  `signature.properties` (paths into `data`, in that order), then `timestamp`, then the events secret. The
  properties vary per event: they are always read from the event.
- Status: GET {base_url}/v1/transactions/<id> (a public call): data.status.
"""

from __future__ import annotations

import hashlib
from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext_lazy as _

from .base import (
    APPROVED,
    DECLINED,
    PENDING,
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

BASE_URL = "https://production.wompi.co"
CHECKOUT_URL = "https://checkout.wompi.co/l/"
STATUS = {"APPROVED": APPROVED, "DECLINED": DECLINED, "ERROR": DECLINED, "VOIDED": VOIDED, "PENDING": PENDING}


def _path(data: dict, path: str):
    value = data
    for part in path.split("."):
        if not isinstance(value, dict) or part not in value:
            raise SignatureInvalid(f"signed property {path!r} is missing")
        value = value[part]
    if value is None or isinstance(value, dict | list):
        raise SignatureInvalid(f"signed property {path!r} is not a value")
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def checksum(event: dict, secret: str) -> str:
    """The event's checksum as Wompi computes it (upper-case hex, as Wompi sends it)."""
    signature = event.get("signature")
    properties = signature.get("properties") if isinstance(signature, dict) else None
    if not isinstance(properties, list) or not properties or not all(isinstance(p, str) for p in properties):
        raise SignatureInvalid("signature.properties is missing")
    data = event.get("data")
    if not isinstance(data, dict):
        raise SignatureInvalid("data is missing")
    timestamp = event.get("timestamp")
    if timestamp is None or isinstance(timestamp, bool | dict | list):
        raise SignatureInvalid("timestamp is missing")
    text = "".join(_path(data, p) for p in properties) + str(timestamp) + secret
    return hashlib.sha256(text.encode("utf-8")).hexdigest().upper()


class Wompi(Adapter):
    name = "wompi"
    label = "Wompi"
    config_fields = (
        ConfigField("private_key", _("Private key (prv_...)"), secret=True),
        ConfigField("events_secret", _("Events secret"), secret=True),
        ConfigField("base_url", _("API address"), required=False),
        ConfigField("checkout_url", _("Checkout address of links"), required=False),
    )

    def create_link(self, config: dict, request: LinkRequest) -> LinkCreated:
        auth = bearer(config, "private_key", str(_("Wompi: the private key is not configured")))
        cents = request.amount * 100
        if cents != cents.to_integral_value():
            raise GatewayError(f"Wompi: {request.amount} has more than two decimals")
        payload = {"name": request.description[:60] or request.reference, "description": request.description[:250],
                   "single_use": True, "collect_shipping": False, "currency": request.currency,
                   "amount_in_cents": int(cents), "expires_at": request.expires_at, "sku": request.reference[:36]}
        if request.redirect_url:
            payload["redirect_url"] = request.redirect_url
        answer = http_json("POST", f"{api_base(config, BASE_URL)}/v1/payment_links", payload=payload, headers=auth)
        data = answer.get("data") if isinstance(answer.get("data"), dict) else {}
        link_id = str(data.get("id") or "")
        if not link_id:
            raise GatewayError("Wompi: the answer has no link id")
        return LinkCreated(url=(config.get("checkout_url") or CHECKOUT_URL) + link_id, provider_id=link_id)

    def verify(self, config: dict, incoming: Incoming) -> Notification:
        secret = signing_secret(config, "events_secret", "events secret")
        event = incoming.json()
        expected = checksum(event, secret)
        signature = event.get("signature") or {}
        sent = str(incoming.headers.get("x-event-checksum") or signature.get("checksum") or "")
        if not constant_time_equal(expected, sent.upper()):
            raise SignatureInvalid("checksum does not match")
        if event.get("event") != "transaction.updated":
            raise Ignored(f"event {str(event.get('event'))[:40]!r}")
        transaction = event["data"].get("transaction")
        if not isinstance(transaction, dict) or not transaction.get("id"):
            raise Ignored("the event names no transaction")
        try:
            amount = Decimal(int(transaction.get("amount_in_cents"))) / 100
        except (TypeError, ValueError, InvalidOperation):
            raise SignatureInvalid("amount_in_cents is not a number")
        return Notification(
            provider=self.name, transaction_id=str(transaction["id"])[:120],
            reference=str(transaction.get("payment_link_id") or transaction.get("reference") or "")[:120],
            amount=amount, currency=str(transaction.get("currency") or "")[:3],
            status=STATUS.get(str(transaction.get("status")), PENDING),
            event_id=f"{event.get('event')}:{event.get('timestamp')}"[:120], raw=event)

    def query_status(self, config: dict, notification: Notification) -> str | None:
        answer = http_json("GET", f"{api_base(config, BASE_URL)}/v1/transactions/{notification.transaction_id}")
        data = answer.get("data") if isinstance(answer.get("data"), dict) else {}
        if "status" not in data:
            raise GatewayError("Wompi: the transaction's answer has no status")
        return STATUS.get(str(data["status"]), PENDING)

