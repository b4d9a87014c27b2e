"""Channel settings: the Django settings of the same name (recaudo/settings.py reads them from the environment;
None there means unset), then defaults."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings


def setting(name: str, default=None):
    value = getattr(settings, name, None)
    return default if value is None else value


def setting_bool(name: str, default: bool = False) -> bool:
    value = setting(name)
    if value is None:
        return default
    if isinstance(value, bool):
        return value
    return str(value).strip().lower() in {"1", "true", "yes", "on"}


def setting_int(name: str, default: int) -> int:
    value = setting(name)
    return default if value is None else int(value)


def public_url() -> str:
    """The public base URL of this installation (for provider callbacks), e.g. https://cobros.example.com."""
    return str(setting("RECAUDO_PUBLIC_URL", "") or "").rstrip("/")


def max_attempts() -> int:
    """How many times the outbox tries a message before it gives up (RECAUDO_OUTBOX_MAX_ATTEMPTS, default 8)."""
    return setting_int("RECAUDO_OUTBOX_MAX_ATTEMPTS", 8)


def claim_timeout() -> timedelta:
    """After how long a claim left by a dead worker is released (RECAUDO_OUTBOX_CLAIM_TIMEOUT seconds, 600)."""
    return timedelta(seconds=setting_int("RECAUDO_OUTBOX_CLAIM_TIMEOUT", 600))
