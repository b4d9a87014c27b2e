"""A local webhook receiver for the tests: answers with a status the test sets, and verifies each request's
Standard Webhooks signature the way docs/webhooks.md tells a receiver to (independently of rules.signature)."""

from __future__ import annotations

import base64
import hashlib
import hmac

from recaudo.core.tests.fake_http import FakeHTTPServer


def verify(secret: str, headers: dict, body: bytes) -> bool:
    key = base64.b64decode(secret.removeprefix("whsec_"))
    heads = {k.lower(): v for k, v in headers.items()}
    signed = f"{heads['webhook-id']}.{heads['webhook-timestamp']}.".encode() + body
    expected = base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()
    return any(hmac.compare_digest(part.removeprefix("v1,"), expected)
               for part in heads["webhook-signature"].split() if part.startswith("v1,"))


class Receiver(FakeHTTPServer):
    def __init__(self, status: int = 200):
        super().__init__()
        self.status = status

    def answer(self, record):
        return self.status, {"ok": self.status < 300}
