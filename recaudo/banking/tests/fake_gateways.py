"""Local stand-ins for the payment gateways (core/tests/fake_http.py's server on 127.0.0.1), speaking each
provider's request and answer shapes (auth header, paths, JSON bodies), and builders of their signed notifications:
Wompi (payment links, transactions), Mercado Pago (preferences, payments), ePayco (the validation endpoint,
GET /validation/v1/reference/<ref_payco>, and the Smart Checkout API, POST /login and /payment/session/create) and
PayU (the reports API, POST /reports-api/4.0/service.cgi). Tests fill `transactions` (Wompi by id, ePayco by
x_ref_payco), `payments` (Mercado Pago) or `orders` (PayU, by referenceCode); `requests` keeps what was asked."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import uuid

from recaudo.banking.gateways import mercadopago, wompi
from recaudo.core.tests.fake_http import FakeHTTPServer


class FakeWompi(FakeHTTPServer):
    """POST /v1/payment_links (Bearer private key) and GET /v1/transactions/<id> (public)."""

    PRIVATE_KEY, EVENTS_SECRET = "prv_test_fake0123456789", "test_events_fake0123456789"

    def __init__(self):
        super().__init__()
        self.transactions: dict[str, dict] = {}   # id -> transaction as GET returns it
        self.down = False

    def config(self) -> dict:
        return {"private_key": self.PRIVATE_KEY, "events_secret": self.EVENTS_SECRET, "base_url": self.url,
                "checkout_url": "https://checkout.wompi.co/l/"}

    def answer(self, record):
        if self.down:
            return 503, {"error": {"type": "SERVICE_UNAVAILABLE"}}
        if record["method"] == "POST" and record["path"] == "/v1/payment_links":
            if record["headers"].get("Authorization") != f"Bearer {self.PRIVATE_KEY}":
                return 401, {"error": {"type": "INVALID_ACCESS_TOKEN", "reason": "Se esperaba una llave privada"}}
            body = record["json"] or {}
            if not isinstance(body.get("amount_in_cents"), int) or body.get("currency") != "COP":
                return 422, {"error": {"type": "INPUT_VALIDATION_ERROR", "messages": {"amount_in_cents": ["x"]}}}
            link_id = "test_" + uuid.uuid4().hex[:6]
            return 201, {"data": {"id": link_id, "name": body["name"], "single_use": body["single_use"],
                                  "amount_in_cents": body["amount_in_cents"], "currency": "COP",
                                  "expires_at": body.get("expires_at"), "sku": body.get("sku"), "active": True}}
        if record["method"] == "GET" and record["path"].startswith("/v1/transactions/"):
            tx_id = record["path"].rsplit("/", 1)[1]
            if tx_id not in self.transactions:
                return 404, {"error": {"type": "NOT_FOUND_ERROR", "reason": "La entidad solicitada no existe"}}
            return 200, {"data": self.transactions[tx_id]}
        return 404, {"error": {"type": "NOT_FOUND_ERROR"}}

    def transaction(self, *, tx_id: str, link_id: str, amount_in_cents: int, status: str = "APPROVED",
                    currency: str = "COP", reference: str = "") -> dict:
        tx = {"id": tx_id, "amount_in_cents": amount_in_cents, "reference": reference or f"{link_id}_1_{tx_id}",
              "customer_email": "luz@example.co", "currency": currency, "payment_method_type": "NEQUI",
              "redirect_url": None, "status": status, "shipping_address": None, "payment_link_id": link_id,
              "payment_source_id": None}
        self.transactions[tx_id] = tx
        return tx

    def event(self, tx: dict, *, timestamp: int = 1_767_000_000, secret: str | None = None) -> tuple[bytes, dict]:
        """A transaction.updated event as Wompi posts it, signed; (body, headers)."""
        event = {"event": "transaction.updated", "data": {"transaction": dict(tx)}, "environment": "test",
                 "signature": {"properties": ["transaction.id", "transaction.status", "transaction.amount_in_cents"],
                               "checksum": ""},
                 "timestamp": timestamp, "sent_at": "2026-12-06T20:00:00.000Z"}
        event["signature"]["checksum"] = wompi.checksum(event, secret or self.EVENTS_SECRET)
        return json.dumps(event).encode(), {"HTTP_X_EVENT_CHECKSUM": event["signature"]["checksum"]}


class FakeMercadoPago(FakeHTTPServer):
    """POST /checkout/preferences and GET /v1/payments/<id>, both with the access token (Bearer)."""

    ACCESS_TOKEN, WEBHOOK_SECRET = "TEST-1234567890-fake", "mp-webhook-secret"

    def __init__(self):
        super().__init__()
        self.payments: dict[str, dict] = {}

    def config(self) -> dict:
        return {"access_token": self.ACCESS_TOKEN, "webhook_secret": self.WEBHOOK_SECRET, "base_url": self.url}

    def answer(self, record):
        if record["headers"].get("Authorization") != f"Bearer {self.ACCESS_TOKEN}":
            return 401, {"message": "invalid access token", "error": "unauthorized", "status": 401, "cause": []}
        if record["method"] == "POST" and record["path"] == "/checkout/preferences":
            body = record["json"] or {}
            if not body.get("items") or not record["headers"].get("X-Idempotency-Key"):
                return 400, {"message": "items needed", "error": "bad_request", "status": 400, "cause": []}
            pref = f"1234567-{uuid.uuid4()}"
            return 201, {"id": pref, "external_reference": body.get("external_reference"),
                         "init_point": f"https://www.mercadopago.com.co/checkout/v1/redirect?pref_id={pref}",
                         "sandbox_init_point": f"https://sandbox.mercadopago.com.co/checkout/v1/redirect?pref_id={pref}",
                         "items": body["items"], "notification_url": body.get("notification_url")}
        if record["method"] == "GET" and record["path"].startswith("/v1/payments/"):
            pay_id = record["path"].rsplit("/", 1)[1]
            if pay_id not in self.payments:
                return 404, {"message": "Payment not found", "error": "not_found", "status": 404, "cause": []}
            return 200, self.payments[pay_id]
        return 404, {"message": "not found", "error": "not_found", "status": 404, "cause": []}

    def payment(self, *, pay_id: str, reference: str, amount, status: str = "approved",
                currency: str = "COP") -> dict:
        payment = {"id": int(pay_id), "status": status, "status_detail": "accredited", "transaction_amount": amount,
                   "currency_id": currency, "external_reference": reference, "date_approved": "2026-12-06T15:00:00",
                   "payment_method_id": "pse", "payer": {"email": "luz@example.co"}}
        self.payments[pay_id] = payment
        return payment

    def notification(self, pay_id: str, *, ts: str = "1767000000", request_id: str = "req-0001",
                     secret: str | None = None) -> tuple[bytes, dict, dict]:
        """A payment notification as Mercado Pago posts it: (body, query, headers)."""
        body = {"action": "payment.updated", "api_version": "v1", "data": {"id": pay_id},
                "date_created": "2026-12-06T15:00:00Z", "id": 9_000_000 + int(pay_id) % 1000, "live_mode": False,
                "type": "payment", "user_id": "44444"}
        v1 = mercadopago.signature(secret or self.WEBHOOK_SECRET, pay_id, request_id, ts)
        return (json.dumps(body).encode(), {"data.id": pay_id, "type": "payment"},
                {"HTTP_X_SIGNATURE": f"ts={ts},v1={v1}", "HTTP_X_REQUEST_ID": request_id})


def hmac_hex(secret: str, text: str) -> str:
    return hmac.new(secret.encode(), text.encode(), hashlib.sha256).hexdigest()


class FakeEPayco(FakeHTTPServer):
    """transactions: x_ref_payco -> the `data` object ePayco's validation endpoint returns."""

    def __init__(self, public_key: str = "pub", private_key: str = "priv"):
        super().__init__()
        self.transactions: dict[str, dict] = {}
        self.sessions: list[dict] = []
        self.credentials = base64.b64encode(f"{public_key}:{private_key}".encode()).decode()

    def answer(self, record):
        path = record["path"]
        if record["method"] == "GET" and path.startswith("/validation/v1/reference/"):
            ref = path.rsplit("/", 1)[-1]
            data = self.transactions.get(ref)
            if data is None:
                return 200, {"success": False, "title_response": "Error",
                             "text_response": "No se encontraron datos de la transacción", "data": {}}
            return 200, {"success": True, "title_response": "Transacción consultada",
                         "text_response": "Transacción consultada", "last_action": "validation", "data": data}
        if record["method"] == "POST" and path == "/login":
            if record["headers"].get("Authorization") != f"Basic {self.credentials}":
                return 401, {"error": "Invalid client: client is invalid"}
            return 200, {"token": "tok-123"}
        if record["method"] == "POST" and path == "/payment/session/create":
            if record["headers"].get("Authorization") != "Bearer tok-123":
                return 401, {"success": False, "textResponse": "token inválido"}
            payload = record["json"]
            self.sessions.append(payload)
            return 200, {"success": True, "titleResponse": "Successful", "textResponse": "Sesión creada",
                         "data": {"sessionId": f"sess-{len(self.sessions)}"}}
        return 404, {"success": False, "text_response": "not found"}


class FakePayU(FakeHTTPServer):
    """orders: referenceCode -> list of PayU orders (each with status, additionalValues and transactions)."""

    def __init__(self, api_login: str = "pRRXKOl8ikMmt9u", api_key: str = "4Vj8eK4rloUd272L48hsrarnUA"):
        super().__init__()
        self.orders: dict[str, list[dict]] = {}
        self.api_login = api_login
        self.api_key = api_key

    def answer(self, record):
        if record["method"] != "POST" or record["path"] != "/reports-api/4.0/service.cgi":
            return 404, {"code": "ERROR", "error": "not found"}
        request = record["json"] or {}
        merchant = request.get("merchant") or {}
        if merchant.get("apiLogin") != self.api_login or merchant.get("apiKey") != self.api_key:
            return 200, {"code": "ERROR", "error": "Invalid credentials", "result": None}
        if request.get("command") != "ORDER_DETAIL_BY_REFERENCE_CODE":
            return 200, {"code": "ERROR", "error": f"unknown command {request.get('command')}", "result": None}
        reference = (request.get("details") or {}).get("referenceCode")
        return 200, {"code": "SUCCESS", "error": None, "result": {"payload": self.orders.get(reference)}}


def payu_order(reference: str, value: str, currency: str, transactions: list[tuple[str, str, str]],
               status: str = "CAPTURED") -> dict:
    """A PayU order as the reports API returns it; transactions are (id, type, state)."""
    return {
        "id": 844182800,
        "accountId": 512321,
        "status": status,
        "referenceCode": reference,
        "description": "Pago",
        "currency": currency,
        "additionalValues": {"TX_VALUE": {"value": float(value), "currency": currency}},
        "transactions": [
            {"id": tx_id, "order": {"id": 844182800}, "type": tx_type,
             "transactionResponse": {"state": state, "responseCode": state, "trazabilityCode": "CUS123"}}
            for tx_id, tx_type, state in transactions
        ],
    }
