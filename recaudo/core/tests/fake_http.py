"""One local stand-in for a provider's HTTP API, shared by every app's tests (payment gateways, message channels):
a threaded http.server on 127.0.0.1 at a random port. Subclasses answer each request with (status, JSON payload);
`requests` keeps every request as {method, path, headers, body, json} (json: the body read as JSON, None when it is
empty or not JSON). Use it as a context manager: the server runs inside the `with` block only."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class FakeHTTPServer:
    def __init__(self):
        self.requests: list[dict] = []
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def _serve(self, method):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                record = {"method": method, "path": self.path, "headers": dict(self.headers), "body": body,
                          "json": _json(body)}
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
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05},
                                       daemon=True)

    def answer(self, record: dict) -> tuple[int, dict]:
        """(HTTP status, JSON payload) for a request; by default 404."""
        return 404, {"error": "not found"}

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()


def _json(body: bytes):
    try:
        return json.loads(body) if body else None
    except (UnicodeDecodeError, ValueError):
        return None
