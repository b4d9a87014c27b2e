"""The installation's secret key (sessions, CSRF, signed links): the same in every web and worker process, on every
machine, with nothing to share but DATABASE_URL (docs/decisions/0012-shared-state-in-the-database.md)."""

from __future__ import annotations

import secrets
from pathlib import Path

from django.conf import settings
from django.db import DatabaseError, IntegrityError, transaction

from recaudo import SettingError

LEGACY_FILE = "secret_key"  # RECAUDO_HOME/secret_key, where versions before 0012 kept a generated key


def installation_secret_key() -> str:
    """SECRET_KEY from the environment when set; else the key stored in the database, made once on first use (from
    RECAUDO_HOME/secret_key when an older installation left one there, so its sessions stay valid). Two processes
    starting at once on a new database agree: the row's primary key lets only one of them insert it."""
    if settings.ENVIRONMENT_SECRET_KEY:
        return settings.ENVIRONMENT_SECRET_KEY
    from .models import Installation

    row = Installation.objects.filter(pk=1).only("secret_key").first()
    if row is None:
        try:
            with transaction.atomic():
                row = Installation.objects.create(pk=1, secret_key=_legacy_key() or secrets.token_urlsafe(50))
        except IntegrityError:  # another process made it first
            row = Installation.objects.get(pk=1)
    return row.secret_key


def use_installation_secret_key() -> None:
    """Set settings.SECRET_KEY to the installation's key; SettingError (one line) when the database cannot say."""
    try:
        settings.SECRET_KEY = installation_secret_key()
    except DatabaseError as exc:
        reason = " ".join(str(exc).strip().splitlines()[:1]) or type(exc).__name__
        raise SettingError(f"cannot read the secret key from the database ({reason}): run `recaudo migrate`, or "
                           f"set SECRET_KEY")


def _legacy_key() -> str:
    path = Path(settings.HOME) / LEGACY_FILE
    try:
        return path.read_text().strip() if path.is_file() else ""
    except OSError:
        return ""
