"""SMS through a Twilio-style REST API.

POST {base}/2010-04-01/Accounts/{sid}/Messages.json, form-encoded To/From (or MessagingServiceSid)/Body and
StatusCallback, HTTP basic auth (account SID, auth token). Success: 201 {"sid": "SM…", "status": "queued"}.
Errors: {"code": 21211, "message": "...", "status": 400}; the codes below are permanent, 429 and 5xx retryable.
Settings: RECAUDO_TWILIO_BASE_URL (https://api.twilio.com), RECAUDO_TWILIO_ACCOUNT_SID, RECAUDO_TWILIO_AUTH_TOKEN,
RECAUDO_TWILIO_FROM or RECAUDO_TWILIO_MESSAGING_SERVICE_SID. Status callbacks go to {RECAUDO_PUBLIC_URL}/hooks/
twilio/status when RECAUDO_PUBLIC_URL is set.
"""

from __future__ import annotations

import base64
import urllib.parse

from ..conf import public_url, setting
from .base import Outgoing, Transport, TransportError, http_request, http_status_error

# invalid/unreachable number, not a mobile, region not allowed, unsubscribed (STOP), blocked, invalid from
PERMANENT_CODES = {21211, 21214, 21217, 21219, 21401, 21407, 21408, 21421, 21601, 21602, 21604, 21610, 21612,
                   21614, 21617, 21635, 30003, 30004, 30005, 30006, 30007, 30008, 30032, 30034}
OPT_OUT_CODES = {21610, 30004}


class TwilioTransport(Transport):
    name = "twilio"

    def _opt(self, key: str, name: str, default: str = "") -> str:
        return str(self.options.get(key) or setting(name, default) or "")

    def send(self, message: Outgoing) -> str:
        base = self._opt("base_url", "RECAUDO_TWILIO_BASE_URL", "https://api.twilio.com").rstrip("/")
        sid = self._opt("account_sid", "RECAUDO_TWILIO_ACCOUNT_SID")
        token = self._opt("auth_token", "RECAUDO_TWILIO_AUTH_TOKEN")
        if not sid or not token:
            raise TransportError("Twilio account SID and auth token are not configured", permanent=False,
                                 code="config")
        form = {"To": message.to, "Body": message.text}
        service = self._opt("messaging_service_sid", "RECAUDO_TWILIO_MESSAGING_SERVICE_SID")
        if service:
            form["MessagingServiceSid"] = service
        else:
            form["From"] = self._opt("from_number", "RECAUDO_TWILIO_FROM")
        callback = self.options.get("status_callback") or (public_url() and public_url() + "/hooks/twilio/status")
        if callback:
            form["StatusCallback"] = callback
        auth = base64.b64encode(f"{sid}:{token}".encode()).decode()
        response = http_request(
            "POST", f"{base}/2010-04-01/Accounts/{urllib.parse.quote(sid)}/Messages.json",
            data=urllib.parse.urlencode(form).encode(),
            headers={"Authorization": f"Basic {auth}", "Content-Type": "application/x-www-form-urlencoded",
                     "Accept": "application/json"},
        )
        payload = response.json() or {}
        if response.status in (200, 201) and payload.get("sid"):
            return str(payload["sid"])
        code = payload.get("code") if isinstance(payload, dict) else None
        text = payload.get("message", "") if isinstance(payload, dict) else response.body[:200].decode(errors="replace")
        if code is not None and int(code) in PERMANENT_CODES:
            raise TransportError(f"Twilio {code}: {text}", permanent=True, code=str(code))
        raise http_status_error(response, f"Twilio {code or ''} {text}".strip(), code=str(code or ""))
