"""Local stand-ins for the outside world: an SMTP server (aiosmtpd) and HTTP servers that speak the Twilio and
WhatsApp Cloud API shapes (auth, request shape, success and error payloads). All on 127.0.0.1, random ports."""

from __future__ import annotations

import base64
import json
import socket
import urllib.parse
import uuid
from email import message_from_bytes, policy

from recaudo.core.tests.fake_http import FakeHTTPServer


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class SmtpSink:
    """aiosmtpd on localhost; keeps every message; refuses recipients whose address starts with 'refuse'."""

    def __init__(self):
        from aiosmtpd.controller import Controller

        self.messages: list = []
        sink = self

        class Handler:
            async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802
                if address.startswith("refuse"):
                    return "550 5.1.1 no such user"
                if address.startswith("busy"):
                    return "451 4.3.0 try again later"
                envelope.rcpt_tos.append(address)
                return "250 OK"

            async def handle_DATA(self, server, session, envelope):  # noqa: N802
                sink.messages.append(message_from_bytes(envelope.content, policy=policy.default))
                return "250 Message accepted for delivery"

        self.port = free_port()
        self.controller = Controller(Handler(), hostname="127.0.0.1", port=self.port)

    def __enter__(self):
        self.controller.start()
        return self

    def __exit__(self, *exc):
        self.controller.stop()


class FakeTwilio(FakeHTTPServer):
    SID, TOKEN = "AC0123456789abcdef0123456789abcdef", "twilio-secret-token"
    ERRORS = {
        "+573009990001": (400, {"code": 21211, "message": "The 'To' number is not a valid phone number.",
                                "more_info": "https://www.twilio.com/docs/errors/21211", "status": 400}),
        "+573009990002": (400, {"code": 21610, "message": "Attempt to send to unsubscribed recipient",
                                "status": 400}),
        "+573009990003": (429, {"code": 20429, "message": "Too Many Requests", "status": 429}),
        "+573009990004": (503, {"code": 20503, "message": "Service Unavailable", "status": 503}),
    }

    def answer(self, record):
        expected = f"/2010-04-01/Accounts/{self.SID}/Messages.json"
        if record["path"] != expected:
            return 404, {"code": 20404, "message": "The requested resource was not found", "status": 404}
        auth = record["headers"].get("Authorization", "")
        if auth != "Basic " + base64.b64encode(f"{self.SID}:{self.TOKEN}".encode()).decode():
            return 401, {"code": 20003, "message": "Authenticate", "status": 401}
        if record["headers"].get("Content-Type") != "application/x-www-form-urlencoded":
            return 400, {"code": 21000, "message": "bad content type", "status": 400}
        form = dict(urllib.parse.parse_qsl(record["body"].decode()))
        record["form"] = form
        if not form.get("To") or not form.get("Body") or not (form.get("From") or form.get("MessagingServiceSid")):
            return 400, {"code": 21604, "message": "A 'To' phone number is required.", "status": 400}
        if form["To"] in self.ERRORS:
            return self.ERRORS[form["To"]]
        return 201, {"sid": "SM" + uuid.uuid4().hex, "status": "queued", "to": form["To"], "body": form["Body"],
                     "account_sid": self.SID, "error_code": None}


class FakeWhatsApp(FakeHTTPServer):
    """Free text ("type": "text") is accepted only to the numbers in `session_open` (who wrote within 24 h)."""

    TOKEN, PHONE_ID, VERSION = "wa-bearer-token", "106540352242922", "v21.0"

    def __init__(self):
        super().__init__()
        self.session_open: set[str] = set()
    ERRORS = {
        "573009990001": (400, {"error": {"message": "(#131026) Message undeliverable", "type": "OAuthException",
                                         "code": 131026, "fbtrace_id": "Az1"}}),
        "573009990003": (400, {"error": {"message": "(#130429) Rate limit hit", "type": "OAuthException",
                                         "code": 130429, "fbtrace_id": "Az2"}}),
        "573009990005": (404, {"error": {"message": "(#132001) Template name does not exist in the translation",
                                         "type": "OAuthException", "code": 132001, "fbtrace_id": "Az3"}}),
    }

    def answer(self, record):
        if record["path"] != f"/{self.VERSION}/{self.PHONE_ID}/messages":
            return 400, {"error": {"message": "Unsupported post request", "code": 100}}
        if record["headers"].get("Authorization") != f"Bearer {self.TOKEN}":
            return 401, {"error": {"message": "Invalid OAuth access token.", "type": "OAuthException", "code": 190}}
        try:
            payload = json.loads(record["body"])
        except ValueError:
            return 400, {"error": {"message": "bad JSON", "code": 100}}
        record["json"] = payload
        template = payload.get("template") or {}
        if payload.get("messaging_product") == "whatsapp" and payload.get("type") == "text":
            body = (payload.get("text") or {}).get("body")
            if not isinstance(body, str) or not body or len(body) > 4096:
                return 400, {"error": {"message": "(#100) Invalid parameter", "code": 100}}
            if payload.get("to") not in self.session_open:  # free text only within 24 h of the user's message
                return 400, {"error": {"message": "(#131047) Re-engagement message", "code": 131047}}
        elif (payload.get("messaging_product") != "whatsapp" or payload.get("type") != "template"
                or not template.get("name") or not (template.get("language") or {}).get("code")):
            return 400, {"error": {"message": "(#100) Invalid parameter", "code": 100}}
        if payload["to"] in self.ERRORS:
            return self.ERRORS[payload["to"]]
        return 200, {"messaging_product": "whatsapp", "contacts": [{"input": payload["to"], "wa_id": payload["to"]}],
                     "messages": [{"id": "wamid." + uuid.uuid4().hex}]}
