"""Local stand-ins for ePayco and PayU on 127.0.0.1 (http.server in a thread), answering in each provider's JSON
shape: ePayco's validation endpoint (GET /validation/v1/reference/<ref_payco>) and Smart Checkout API (POST /login,
POST /payment/session/create), PayU's reports API (POST /reports-api/4.0/service.cgi). Tests fill `transactions`
(ePayco, by x_ref_payco) or `orders` (PayU, by referenceCode); `requests` keeps what was asked."""

from __future__ import annotations

import base64
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class FakeServer:
    def __init__(self):
        self.requests: list[dict] = []
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def _serve(self, method):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                record = {"method": method, "path": self.path, "headers": dict(self.headers), "body": body}
                fake.requests.append(record)
                status, payload = fake.answer(record)
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self):  # noqa: N802
                self._serve("GET")

            def do_POST(self):  # noqa: N802
                self._serve("POST")

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def answer(self, record: dict) -> tuple[int, dict]:
        return 404, {"error": "not found"}

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()


class FakeEPayco(FakeServer):
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
            payload = json.loads(record["body"])
            self.sessions.append(payload)
            return 200, {"success": True, "titleResponse": "Successful", "textResponse": "Sesión creada",
                         "data": {"sessionId": f"sess-{len(self.sessions)}"}}
        return 404, {"success": False, "text_response": "not found"}


class FakePayU(FakeServer):
    """orders: referenceCode -> list of PayU orders (each with status, additionalValues and transactions)."""

    def __init__(self, api_login: str = "pRRXKOl8ikMmt9u", api_key: str = "4Vj8eK4rloUd272L48hsrarnUA"):
        super().__init__()
        self.orders: dict[str, list[dict]] = {}
        self.api_login = api_login
        self.api_key = api_key

    def answer(self, record):
        if record["method"] != "POST" or record["path"] != "/reports-api/4.0/service.cgi":
            return 404, {"code": "ERROR", "error": "not found"}
        request = json.loads(record["body"])
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
