"""WhatsApp through the WhatsApp Cloud API (Meta Graph API), with approved message templates.

POST {base}/{version}/{phone_number_id}/messages, JSON, Authorization: Bearer {token}:
{"messaging_product": "whatsapp", "to": "573001234567", "type": "template",
 "template": {"name": ..., "language": {"code": "es"}, "components": [{"type": "body", "parameters": [...]}]}}
An answer to a debtor's message inside WhatsApp's 24-hour customer service window (Outgoing.metadata
"whatsapp_session") goes as free text instead: {"type": "text", "text": {"body": ...}}.
Success: 200 {"messages": [{"id": "wamid…"}]}. Errors: {"error": {"code": 131026, "message": ...}}.
Settings: RECAUDO_WHATSAPP_BASE_URL (https://graph.facebook.com), RECAUDO_WHATSAPP_API_VERSION (v21.0),
RECAUDO_WHATSAPP_PHONE_NUMBER_ID, RECAUDO_WHATSAPP_TOKEN; webhooks: RECAUDO_WHATSAPP_APP_SECRET,
RECAUDO_WHATSAPP_VERIFY_TOKEN.
"""

from __future__ import annotations

import json

from ..conf import setting
from .base import Outgoing, Transport, TransportError, http_request, http_status_error

# undeliverable, not a WhatsApp number, template missing/paused/parameter mismatch, invalid parameter,
# re-engagement window, user stopped marketing messages, unsupported message type
PERMANENT_CODES = {100, 131008, 131009, 131021, 131026, 131047, 131050, 131051, 132000, 132001, 132005, 132007,
                   132012, 132015, 132016, 133010}
OPT_OUT_CODES = {131050}
RETRYABLE_CODES = {1, 2, 4, 80007, 130429, 131000, 131016, 131048, 131056, 133004}


def to_wa_id(phone: str) -> str:
    return "".join(ch for ch in phone if ch.isdigit())


class WhatsAppCloudTransport(Transport):
    name = "whatsapp_cloud"

    def _opt(self, key: str, name: str, default: str = "") -> str:
        return str(self.options.get(key) or setting(name, default) or "")

    def payload(self, message: Outgoing) -> dict:
        if message.metadata.get("whatsapp_session"):  # an answer inside the 24 h after the debtor wrote: free text
            return {"messaging_product": "whatsapp", "recipient_type": "individual", "to": to_wa_id(message.to),
                    "type": "text", "text": {"preview_url": False, "body": message.text[:4096]}}
        if not message.whatsapp_template:
            raise TransportError("WhatsApp needs an approved template name (template has none)", permanent=True,
                                 code="no_template")
        template = {"name": message.whatsapp_template, "language": {"code": message.language or "es"}}
        if message.whatsapp_params:
            template["components"] = [{"type": "body", "parameters": [
                {"type": "text", "text": value} for value in message.whatsapp_params]}]
        return {"messaging_product": "whatsapp", "recipient_type": "individual", "to": to_wa_id(message.to),
                "type": "template", "template": template}

    def send(self, message: Outgoing) -> str:
        base = self._opt("base_url", "RECAUDO_WHATSAPP_BASE_URL", "https://graph.facebook.com").rstrip("/")
        version = self._opt("api_version", "RECAUDO_WHATSAPP_API_VERSION", "v21.0")
        phone_id = self._opt("phone_number_id", "RECAUDO_WHATSAPP_PHONE_NUMBER_ID")
        token = self._opt("token", "RECAUDO_WHATSAPP_TOKEN")
        if not phone_id or not token:
            raise TransportError("WhatsApp phone number id and token are not configured", permanent=False,
                                 code="config")
        response = http_request(
            "POST", f"{base}/{version}/{phone_id}/messages",
            data=json.dumps(self.payload(message)).encode(),
            headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
        )
        data = response.json() or {}
        if response.status == 200 and isinstance(data, dict) and data.get("messages"):
            return str(data["messages"][0]["id"])
        error = data.get("error", {}) if isinstance(data, dict) else {}
        code = error.get("code")
        text = error.get("message") or error.get("error_user_msg") or ""
        if code is not None and int(code) in PERMANENT_CODES:
            raise TransportError(f"WhatsApp {code}: {text}", permanent=True, code=str(code))
        if code is not None and int(code) in RETRYABLE_CODES:
            raise TransportError(f"WhatsApp {code}: {text}", permanent=False, code=str(code))
        raise http_status_error(response, f"WhatsApp {code or ''} {text}".strip(), code=str(code or ""))
