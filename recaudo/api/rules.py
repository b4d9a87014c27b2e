"""The API's pure rules: how a secret is stored, what a cursor holds, what makes two requests the same, the rate
window. No database, no clock."""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from datetime import datetime, timedelta

from django.utils.translation import gettext as _

from recaudo.core.errors import DomainError

SECRET_PREFIX = "rc_"  # noqa: S105 (the marker every secret starts with, not a secret)
PREFIX_CHARS = 10  # "rc_" and the secret's first seven characters, shown in lists
LIST_LIMIT_DEFAULT = 100
LIST_LIMIT_MAX = 500
BULK_MAX_ROWS = 5000
KEY_MAX_CHARS = 200
RATE_WINDOW = timedelta(minutes=1)
RATE_DEFAULT = 600  # requests per minute of a new token
RATE_MAX = 100_000


class ApiError(DomainError):
    pass


def secret_hash(secret: str) -> str:
    """What is stored of a secret: its SHA-256 in hex (the secret is 256 random bits, so no slow hash is needed)."""
    return hashlib.sha256(secret.encode()).hexdigest()


def encode_cursor(last_id: int) -> str:
    """An opaque cursor: the id after which the next page starts (keyset on id, ascending)."""
    return base64.urlsafe_b64encode(json.dumps({"after": int(last_id)}).encode()).decode().rstrip("=")


def decode_cursor(cursor: str | None) -> int:
    """The id a cursor names (0 for none). A cursor that is not one of ours is an ApiError at `cursor`.

    >>> decode_cursor(encode_cursor(42))
    42
    """
    if not cursor:
        return 0
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        value = json.loads(base64.urlsafe_b64decode(padded.encode()))["after"]
    except (ValueError, KeyError, TypeError, binascii.Error, UnicodeError):
        value = None
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise ApiError(_("not a cursor this API gave; start again without one"), field="cursor")
    return value


def list_limit(limit: int | None) -> int:
    if limit is None:
        return LIST_LIMIT_DEFAULT
    if not 1 <= limit <= LIST_LIMIT_MAX:
        raise ApiError(_("must be between 1 and %(max)d") % {"max": LIST_LIMIT_MAX}, field="limit")
    return limit


def request_hash(method: str, path: str, body: bytes) -> str:
    """What makes two writes the same request: method, path and body (byte for byte)."""
    digest = hashlib.sha256()
    for part in (method.upper().encode(), path.encode(), body):
        digest.update(len(part).to_bytes(8, "big"))
        digest.update(part)
    return digest.hexdigest()


def window_of(now: datetime) -> datetime:
    """The start of the rate window (a whole minute) that holds `now`."""
    return now.replace(second=0, microsecond=0)


def retry_after_seconds(now: datetime) -> int:
    return max(1, int((window_of(now) + RATE_WINDOW - now).total_seconds() + 0.999))
