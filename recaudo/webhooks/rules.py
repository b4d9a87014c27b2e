"""Pure rules of outgoing webhooks: the event catalog and which audit events make them, the Standard Webhooks
signature, the retry delays and the shape of a URL we agree to call. No database, no clock, no settings."""

from __future__ import annotations

import base64
import hashlib
import hmac
import ipaddress
from datetime import timedelta
from urllib.parse import urlsplit

from django.utils.translation import gettext_lazy as _

SECRET_PREFIX = "whsec_"  # noqa: S105 (the prefix of every secret, not a secret)

# The events a subscription may ask for, with their labels (es-CO first through the catalog).
EVENTS = {
    "payment.recorded": _("Payment recorded"),
    "payment.reversed": _("Payment reversed"),
    "obligation.paid": _("Obligation paid"),
    "promise.made": _("Promise to pay made"),
    "promise.kept": _("Promise kept"),
    "promise.broken": _("Promise broken"),
    "agreement.accepted": _("Payment agreement accepted"),
    "agreement.broken": _("Payment agreement broken"),
    "dispute.opened": _("Dispute opened"),
    "message.delivered": _("Message delivered"),
    "message.failed": _("Message failed"),
    "debtor.opted_out": _("Debtor opted out"),
}
TEST_EVENT = "webhook.test"

# audit event type -> webhook event type. payment.recorded also makes obligation.paid for each obligation it left
# with nothing owed; the messages' events come from the messages' status (not audited), see services.
FROM_AUDIT = {
    "payment.recorded": "payment.recorded",
    "payment.reversed": "payment.reversed",
    "promise.recorded": "promise.made",
    "promise.self_service": "promise.made",
    "promise.kept": "promise.kept",
    "promise.broken": "promise.broken",
    "agreement.accepted": "agreement.accepted",
    "agreement.self_service_accepted": "agreement.accepted",
    "agreement.broken": "agreement.broken",
    "obligation.disputed": "dispute.opened",
    "obligation.disputed_by_debtor": "dispute.opened",
    "consent.revoked": "debtor.opted_out",
    "consent.revoked_by_debtor": "debtor.opted_out",
}
FROM_MESSAGE_STATUS = {"delivered": "message.delivered", "failed": "message.failed", "bounced": "message.failed"}


def secret_key(secret: str) -> bytes:
    """The HMAC key of a "whsec_<base64>" secret (the prefix is optional)."""
    text = secret[len(SECRET_PREFIX):] if secret.startswith(SECRET_PREFIX) else secret
    return base64.b64decode(text)


def signature(*, secret: str, msg_id: str, timestamp: int, body: bytes) -> str:
    """The webhook-signature header: "v1," + base64(HMAC-SHA256(key, f"{msg_id}.{timestamp}.{body}"))."""
    signed = f"{msg_id}.{int(timestamp)}.".encode() + body
    return "v1," + base64.b64encode(hmac.new(secret_key(secret), signed, hashlib.sha256).digest()).decode()


def headers(*, secret: str, msg_id: str, timestamp: int, body: bytes) -> dict[str, str]:
    return {"Content-Type": "application/json", "webhook-id": msg_id, "webhook-timestamp": str(int(timestamp)),
            "webhook-signature": signature(secret=secret, msg_id=msg_id, timestamp=timestamp, body=body)}


def retry_delay(attempts: int, *, base_seconds: int = 30, cap_seconds: int = 6 * 3600) -> timedelta:
    """After the n-th failed attempt (n >= 1): base * 2^(n-1), at most the cap (30 s, 1 min, 2 min ... 6 h)."""
    n = max(1, attempts)
    return timedelta(seconds=min(cap_seconds, base_seconds * 2 ** min(n - 1, 30)))


def url_problem(url: str, *, max_length: int) -> str:
    """Why a subscription URL is refused ("" when its shape is fine): too long, not http(s), no host, credentials
    in it. Whether its host is a private address needs the DNS: services._refused_host, when the subscription is
    saved and before each request."""
    if len(url) > max_length:
        return str(_("at most %(n)s characters") % {"n": max_length})
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018  (a bad port raises)
    except ValueError:
        return str(_("not a valid address"))
    if parts.scheme not in ("http", "https"):
        return str(_("only http:// or https:// addresses"))
    if not parts.hostname:
        return str(_("the address has no host"))
    if parts.username or parts.password:
        return str(_("the address may not carry a user or password"))
    return ""


def is_private(address: str) -> bool:
    """An address a webhook must not reach by default: loopback, private, link-local (cloud metadata), reserved,
    multicast or unspecified."""
    ip = ipaddress.ip_address(address)
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return not ip.is_global or ip.is_multicast


def is_address(host: str) -> bool:
    """Whether a URL's host is an IP address written out (not a name to look up)."""
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def gaps_between(position: int, ids: list[int]) -> list[list[int]]:
    """The id ranges [lo, hi] after `position` that `ids` (sorted) skip: ids not visible yet (a transaction still
    running on PostgreSQL) or never (rolled back)."""
    ranges, expected = [], position + 1
    for i in ids:
        if i > expected:
            ranges.append([expected, i - 1])
        expected = max(expected, i + 1)
    return ranges
