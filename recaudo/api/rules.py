"""The API's pure rules: how a secret is stored, what a cursor holds, what makes two requests the same, the rate
window, what a refused body or parameter is called and said in the request's language. No database, no clock."""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import re
from datetime import datetime, timedelta

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

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


# ---------------------------------------------------------------------------------------------------------------
# A refused body or parameter (422): where it is and why, in the request's language, from pydantic's error dicts
# ---------------------------------------------------------------------------------------------------------------
LOCATION_SOURCES = ("body", "query", "path", "header", "cookie", "form", "file")

# pydantic's error types whose message needs nothing but the field ("%(field)s" is the location, body.amount)
_PLAIN_MESSAGES = {
    "missing": gettext_lazy("%(field)s: required"),
    "int_parsing": gettext_lazy("%(field)s: not a whole number"),
    "int_type": gettext_lazy("%(field)s: not a whole number"),
    "int_from_float": gettext_lazy("%(field)s: not a whole number"),
    "int_parsing_size": gettext_lazy("%(field)s: the number is too large"),
    "float_parsing": gettext_lazy("%(field)s: not a number"),
    "float_type": gettext_lazy("%(field)s: not a number"),
    "decimal_parsing": gettext_lazy("%(field)s: not a number (use a point for decimals: 150000.50)"),
    "decimal_type": gettext_lazy("%(field)s: not a number (use a point for decimals: 150000.50)"),
    "finite_number": gettext_lazy("%(field)s: not a finite number"),
    "bool_parsing": gettext_lazy("%(field)s: must be true or false"),
    "bool_type": gettext_lazy("%(field)s: must be true or false"),
    "date_parsing": gettext_lazy("%(field)s: not a date (use 2026-12-31)"),
    "date_type": gettext_lazy("%(field)s: not a date (use 2026-12-31)"),
    "date_from_datetime_parsing": gettext_lazy("%(field)s: not a date (use 2026-12-31)"),
    "date_from_datetime_inexact": gettext_lazy("%(field)s: a date without a time (use 2026-12-31)"),
    "datetime_parsing": gettext_lazy("%(field)s: not a date and time (use 2026-12-31T08:00:00-05:00)"),
    "datetime_type": gettext_lazy("%(field)s: not a date and time (use 2026-12-31T08:00:00-05:00)"),
    "datetime_from_date_parsing": gettext_lazy("%(field)s: not a date and time (use 2026-12-31T08:00:00-05:00)"),
    "string_type": gettext_lazy("%(field)s: must be a text"),
    "list_type": gettext_lazy("%(field)s: must be a list"),
    "dict_type": gettext_lazy("%(field)s: must be a JSON object"),
    "model_type": gettext_lazy("%(field)s: must be a JSON object"),
    "model_attributes_type": gettext_lazy("%(field)s: must be a JSON object"),
    "json_invalid": gettext_lazy("%(field)s: not valid JSON"),
    "json_type": gettext_lazy("%(field)s: not valid JSON"),
    "extra_forbidden": gettext_lazy("%(field)s: not a field of this request"),
}
# ... and those that compare with a limit of the schema (its context's gt, ge, lt, le)
_LIMIT_MESSAGES = {
    "greater_than": ("gt", gettext_lazy("%(field)s: must be greater than %(limit)s")),
    "greater_than_equal": ("ge", gettext_lazy("%(field)s: must be at least %(limit)s")),
    "less_than": ("lt", gettext_lazy("%(field)s: must be less than %(limit)s")),
    "less_than_equal": ("le", gettext_lazy("%(field)s: must be at most %(limit)s")),
}


def validation_location(loc) -> str:
    """Where a refused value is, from pydantic's `loc` as django-ninja gives it: its source and its field,
    `query.limit`, `path.payment_id`, `body.amount`, `body.rows.0.code` (the body's parameter name, ninja's
    `payload`, says nothing to a client and is left out).

    >>> validation_location(("body", "payload", "rows", 0, "code")), validation_location(("query", "limit"))
    ('body.rows.0.code', 'query.limit')
    """
    parts = [str(part) for part in loc]
    if len(parts) > 1 and parts[0] == "body":
        del parts[1]
    return ".".join(parts) or "body"


def validation_field(loc) -> str:
    """The `field` the API has always named (docs/api.md): the location without its source, the body's parameter
    kept (`payload.amount`, `limit`)."""
    parts = [str(part) for part in loc]
    return ".".join(parts[1:] if len(parts) > 1 and parts[0] in LOCATION_SOURCES else parts)


def _choices(expected) -> str:
    """pydantic's "'phone', 'email' or 'address'" as "phone, email, address" (no English "or")."""
    names = re.findall(r"'([^']*)'", str(expected))
    return ", ".join(names) if names else str(expected)


def validation_message(error: dict) -> str:
    """One of pydantic's error dicts ({"type", "loc", "ctx"...}) said in the active language, naming its location:
    "body.amount: not a number (...)". A type not known here is said generically, still naming the field."""
    kind = str(error.get("type", ""))
    ctx = error.get("ctx") or {}
    values = {"field": validation_location(error.get("loc", ()))}
    if kind in _PLAIN_MESSAGES:
        return _PLAIN_MESSAGES[kind] % values
    if kind in _LIMIT_MESSAGES and _LIMIT_MESSAGES[kind][0] in ctx:
        key, message = _LIMIT_MESSAGES[kind]
        return message % {**values, "limit": ctx[key]}
    if kind in ("string_too_long", "string_too_short", "too_long", "too_short"):
        longest = kind.endswith("long")
        n = ctx.get("max_length" if longest else "min_length")
        if isinstance(n, int):
            return _length_message(kind, n) % {**values, "n": n}
    if kind in ("enum", "literal_error") and "expected" in ctx:
        return _("%(field)s: must be one of %(choices)s") % {**values, "choices": _choices(ctx["expected"])}
    if kind in ("decimal_max_digits", "decimal_max_places", "decimal_whole_digits"):
        n = ctx.get("whole_digits" if kind == "decimal_whole_digits" else "decimal_places"
                    if kind == "decimal_max_places" else "max_digits")
        if isinstance(n, int):
            return _decimal_message(kind, n) % {**values, "n": n}
    if kind in ("value_error", "assertion_error") and ctx.get("error"):
        # the schema's own checks (schemas.In): their reason is already in the request's language
        return _("%(field)s: %(reason)s") % {**values, "reason": ctx["error"]}
    return _("%(field)s: the value is not valid") % values


def _length_message(kind: str, n: int) -> str:
    if kind == "string_too_long":
        return ngettext("%(field)s: at most %(n)d character", "%(field)s: at most %(n)d characters", n)
    if kind == "string_too_short":
        if n == 1:
            return _("%(field)s: must not be empty")
        return ngettext("%(field)s: at least %(n)d character", "%(field)s: at least %(n)d characters", n)
    if kind == "too_long":
        return ngettext("%(field)s: at most %(n)d item", "%(field)s: at most %(n)d items", n)
    return ngettext("%(field)s: at least %(n)d item", "%(field)s: at least %(n)d items", n)


def _decimal_message(kind: str, n: int) -> str:
    if kind == "decimal_max_digits":
        return ngettext("%(field)s: at most %(n)d digit", "%(field)s: at most %(n)d digits", n)
    if kind == "decimal_max_places":
        return ngettext("%(field)s: at most %(n)d decimal place", "%(field)s: at most %(n)d decimal places", n)
    return ngettext("%(field)s: at most %(n)d digit before the point", "%(field)s: at most %(n)d digits before "
                    "the point", n)
