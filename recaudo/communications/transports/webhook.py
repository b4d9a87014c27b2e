"""Generic webhook: POST the message as JSON to a URL, signed X-Recaudo-Signature: sha256=HMAC(secret, body).

Settings: RECAUDO_WEBHOOK_URL, RECAUDO_WEBHOOK_SECRET. The receiver answers 2xx with {"id": "..."} (optional);
4xx (but 408/429) is permanent, 408/429/5xx retryable. It can carry any channel (e.g. an SMS aggregator).
Every attempt of a message carries the same Idempotency-Key header (recaudo-message-<id>): a receiver that
honours it drops the copy the outbox may send again after a crash.
"""

from __future__ import annotations

import json
import uuid

from ..conf import setting
from ..signatures import hmac_sha256
from .base import Outgoing, Transport, TransportError, http_request, http_status_error


class WebhookTransport(Transport):
    name = "webhook"

    def send(self, message: Outgoing) -> str:
        url = self.options.get("url") or setting("RECAUDO_WEBHOOK_URL", "")
        secret = self.options.get("secret") or setting("RECAUDO_WEBHOOK_SECRET", "")
        if not url:
            raise TransportError("RECAUDO_WEBHOOK_URL is not configured", permanent=False, code="config")
        body = json.dumps({
            "message_id": message.message_id, "channel": message.channel, "to": message.to,
            "subject": message.subject, "text": message.text, "html": message.body if message.html else None,
            "language": message.language, "whatsapp_template": message.whatsapp_template or None,
            "whatsapp_params": message.whatsapp_params, "metadata": message.metadata,
        }, ensure_ascii=False).encode()
        headers = {"Content-Type": "application/json", "X-Recaudo-Message": str(message.message_id),
                   "Idempotency-Key": f"recaudo-message-{message.message_id}"}
        if secret:
            headers["X-Recaudo-Signature"] = hmac_sha256(secret, body)
        response = http_request("POST", url, data=body, headers=headers)
        if 200 <= response.status < 300:
            data = response.json()
            return str(data.get("id")) if isinstance(data, dict) and data.get("id") else f"hook-{uuid.uuid4().hex[:12]}"
        raise http_status_error(response, response.body[:200].decode(errors="replace"))
