"""Keep webhook secrets out of the logs.

WhatsApp's verification handshake is a GET whose query string carries the verify token
(/hooks/whatsapp?hub.mode=subscribe&hub.verify_token=...&hub.challenge=...). Django's server writes every request
line to the "django.server" logger (the access log of `recaudo serve`); this filter, attached there when the app
loads, masks the token in it. Another server in front (nginx, gunicorn) keeps an access log of its own: configure
it to leave out query strings, or this parameter.
"""

from __future__ import annotations

import logging
import re

SECRET_PARAMS = re.compile(r"((?:^|[?&\s])hub(?:\.|%2[eE])verify_token=)[^&\s\"]*", re.IGNORECASE)
MASK = "********"


def mask_secrets(text: str) -> str:
    return SECRET_PARAMS.sub(lambda found: found.group(1) + MASK, text)


class MaskSecrets(logging.Filter):
    """Rewrites a record whose message holds a secret query parameter (formatted once, then masked)."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # noqa: BLE001 - a record that does not format is not ours to fix
            return True
        if "verify_token" in message.lower():
            record.msg, record.args = mask_secrets(message), ()
        return True


def install() -> None:
    logger = logging.getLogger("django.server")
    if not any(isinstance(f, MaskSecrets) for f in logger.filters):
        logger.addFilter(MaskSecrets())
