"""Webhook signatures: Twilio (HMAC-SHA1 of URL + sorted params, base64), Meta (HMAC-SHA256 of the body, hex),
and Recaudo's own generic one (HMAC-SHA256 of the body, hex, "sha256=" prefix). Comparisons in constant time."""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Mapping


def twilio_signature(auth_token: str, url: str, params: Mapping[str, str | list[str]]) -> str:
    payload = url
    for key in sorted(params):
        values = params[key]
        for value in values if isinstance(values, list) else [values]:
            payload += key + value
    digest = hmac.new(auth_token.encode(), payload.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


def twilio_valid(auth_token: str, url: str, params, signature: str) -> bool:
    if not auth_token or not signature:
        return False
    return hmac.compare_digest(twilio_signature(auth_token, url, params), signature)


def hmac_sha256(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def hmac_sha256_valid(secret: str, body: bytes, signature: str) -> bool:
    """For X-Hub-Signature-256 (Meta) and X-Recaudo-Signature (generic webhooks)."""
    if not secret or not signature:
        return False
    return hmac.compare_digest(hmac_sha256(secret, body), signature.strip())
