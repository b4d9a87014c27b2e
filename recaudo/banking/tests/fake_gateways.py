"""Local stand-ins for the payment gateways: threaded http.server on 127.0.0.1 speaking each provider's request and
answer shapes (auth header, paths, JSON bodies), and builders of their signed notifications."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from recaudo.banking.gateways import mercadopago, wompi


class FakeGateway:
    """A threaded HTTP server; subclasses answer per method and path. `requests` keeps each call."""

    def __init__(self):
        self.requests: list[dict] = []
        provider = self

        class Handler(BaseHTTPRequestHandler):
            def _serve(self, method):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                record = {"method": method, "path": self.path, "headers": dict(self.headers), "body": body,
                          "json": json.loads(body) if body else None}
                provider.requests.append(record)
                status, payload = provider.answer(record)
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_POST(self):  # noqa: N802
                self._serve("POST")

            def do_GET(self):  # noqa: N802
                self._serve("GET")

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05},
                                       daemon=True)

    def answer(self, record) -> tuple[int, dict]:
        raise NotImplementedError

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()


class FakeWompi(FakeGateway):
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


class FakeMercadoPago(FakeGateway):
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
