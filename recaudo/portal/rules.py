"""Pure rules of the debtor portal: what an ID typed is compared as, the one-time code, keyed digests and the
limits on code requests and failed attempts. No database, no clock (the caller passes `now`), no settings (the
caller passes the secret)."""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

CODE_DIGITS = 6
CODE_MINUTES = 10  # a code is good for 10 minutes
CODE_ATTEMPTS = 5  # wrong codes a challenge takes before it is spent
SESSION_MINUTES = 30  # a portal session lasts 30 minutes from sign-in
IDENTIFIER_MAX = 64
CHANNEL_ORDER = ("sms", "whatsapp", "email")  # the code goes to the first with a consented contact


@dataclass(frozen=True)
class Limit:
    """At most `count` events of one kind for one key within `window`; reaching it locks the key until the oldest
    of those events leaves the window."""

    count: int
    window: timedelta


# Code requests: per ID typed, per client address, per destination (a phone or e-mail shared by several debtors).
REQUESTS_PER_ID = Limit(3, timedelta(minutes=15))
REQUESTS_PER_ADDRESS = Limit(10, timedelta(minutes=15))
REQUESTS_PER_DESTINATION = Limit(3, timedelta(minutes=15))
# Wrong codes: per ID typed and per client address.
FAILURES_PER_ID = Limit(5, timedelta(minutes=30))
FAILURES_PER_ADDRESS = Limit(15, timedelta(minutes=30))


def normalize_identifier(text: str) -> str:
    """What an ID or customer code typed is compared as: no spaces, dots or dashes, upper case, at most 64
    characters. "52.123.456 " -> "52123456", "c-001" -> "C001"."""
    return re.sub(r"[\s.\-]", "", str(text or ""))[:IDENTIFIER_MAX * 2].upper()[:IDENTIFIER_MAX]


def digest(secret: str, *parts) -> str:
    """A keyed hash (HMAC-SHA256, hex) of the parts joined by '|': how IDs, destinations, keys and codes are
    stored. Without the installation's secret the stored value tells nothing."""
    message = "|".join(str(p) for p in parts).encode("utf-8")
    return hmac.new(str(secret).encode("utf-8"), message, hashlib.sha256).hexdigest()


def new_code() -> str:
    """A random 6-digit code, leading zeros kept: "004217"."""
    return f"{secrets.randbelow(10 ** CODE_DIGITS):0{CODE_DIGITS}d}"


def clean_code(text: str) -> str:
    """The code as typed, digits only ("123 456" -> "123456"); at most CODE_DIGITS * 2 characters read."""
    return "".join(ch for ch in str(text or "")[:CODE_DIGITS * 2] if ch.isdigit())


def lockout_until(times: list[datetime], limit: Limit, now: datetime) -> datetime | None:
    """When a key with events at `times` may act again, or None when it may act now. The events inside the window
    (now - window, now] count; at `limit.count` or more, the key waits until the oldest of the latest `count`
    leaves the window. Example: limit 3 in 15 minutes, requests at 10:00, 10:05 and 10:06, now 10:07 -> locked
    until 10:15; at 10:15 the one of 10:00 has left the window and a request is allowed."""
    start = now - limit.window
    recent = sorted(t for t in times if start < t <= now)
    if len(recent) < limit.count:
        return None
    return recent[-limit.count] + limit.window


def first_lockout(checks: list[tuple[list[datetime], Limit]], now: datetime) -> datetime | None:
    """The latest time any of the (events, limit) pairs is locked until, or None when none is."""
    found = [until for times, limit in checks if (until := lockout_until(times, limit, now)) is not None]
    return max(found) if found else None


# Rows of the portal that no check reads any more are deleted by the worker (services.portal_purge): throttle rows
# older than the longest limit's window, challenges and sessions an hour after they expired or ended (the grace
# keeps a row a page is reading), used-link nonces once the link itself is too old to open.
PURGE_GRACE = timedelta(hours=1)


def purge_cutoffs(now: datetime, link_age_seconds: int) -> dict[str, datetime]:
    """What is older than these times may go. Example: at 12:00 with links good for a week, throttle rows before
    11:30 (the longest window, 30 minutes), challenges that expired and sessions that expired or ended before 11:00,
    link nonces used before 12:00 seven days earlier.

    >>> from datetime import timezone as tz
    >>> c = purge_cutoffs(datetime(2026, 12, 7, 12, 0, tzinfo=tz.utc), 7 * 24 * 3600)
    >>> [c[k].strftime("%m-%d %H:%M") for k in ("throttle", "challenge", "session", "link")]
    ['12-07 11:30', '12-07 11:00', '12-07 11:00', '11-30 12:00']
    """
    longest = max(limit.window for limit in (REQUESTS_PER_ID, REQUESTS_PER_ADDRESS, REQUESTS_PER_DESTINATION,
                                             FAILURES_PER_ID, FAILURES_PER_ADDRESS))
    return {"throttle": now - longest, "challenge": now - PURGE_GRACE, "session": now - PURGE_GRACE,
            "link": now - timedelta(seconds=link_age_seconds)}
