"""Secrets kept in the database sealed: a payment gateway's keys (and any other setting a page must never show
back) are stored as one Fernet token (AES-128-CBC with an HMAC-SHA256, from `cryptography`) of their JSON, never as
plain text.

The key: settings.RECAUDO_SECRETS_KEY (environment RECAUDO_SECRETS_KEY: one or more Fernet keys, comma-separated;
the first seals, every one unseals, so a key is rotated by putting the new one first), else a key derived from
the installation's SECRET_KEY (HKDF-SHA256; core/secret.py: the environment's, else the one stored in the database,
never a process's placeholder, so `manage.py` commands seal with the same key as `recaudo` and the web). The key
derived from SECRET_KEY also unseals when RECAUDO_SECRETS_KEY is set, so
an installation can move to a dedicated key without losing what it sealed before (what is saved again is sealed
with the new key). A token that no key opens (the keys changed) is SealBroken: the secrets must be entered again.
docs/payment-gateways.md says what each choice protects against."""

from __future__ import annotations

import base64
import json

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings

from recaudo import SettingError

from .errors import DomainError
from .secret import installation_secret_key

PREFIX = "fernet:"  # what a sealed value starts with (a Fernet token itself starts with "gAAAAA")


class SealBroken(DomainError):
    """Sealed secrets that none of the installation's keys opens."""


def derived_key(secret_key: str) -> bytes:
    """The Fernet key derived from a SECRET_KEY (HKDF-SHA256, 32 bytes, url-safe base64)."""
    raw = HKDF(algorithm=hashes.SHA256(), length=32, salt=b"recaudo.core.sealed",
               info=b"sealed settings v1").derive(secret_key.encode("utf-8"))
    return base64.urlsafe_b64encode(raw)


def _box() -> MultiFernet:
    fernets = []
    for number, key in enumerate(getattr(settings, "RECAUDO_SECRETS_KEY", None) or [], start=1):
        try:
            fernets.append(Fernet(key.encode("ascii")))
        except (ValueError, UnicodeEncodeError):
            raise SettingError(f"RECAUDO_SECRETS_KEY: key {number} is not a Fernet key (32 bytes in url-safe "
                               f"base64, 44 characters; make one with `python -c \"from cryptography.fernet import "
                               f"Fernet; print(Fernet.generate_key().decode())\"`)") from None
    fernets.append(Fernet(derived_key(installation_secret_key())))
    return MultiFernet(fernets)


def seal(values: dict[str, str]) -> str:
    """The values sealed ("" when there are none)."""
    if not values:
        return ""
    token = _box().encrypt(json.dumps(values, sort_keys=True, ensure_ascii=False).encode("utf-8"))
    return PREFIX + token.decode("ascii")


def is_sealed(text: str) -> bool:
    return isinstance(text, str) and text.startswith(PREFIX)


def unseal(text: str) -> dict[str, str]:
    """The values of seal(); {} for ""; SealBroken when no key of the installation opens them."""
    if not text:
        return {}
    if not is_sealed(text):
        raise SealBroken("the saved secrets are not sealed")
    try:
        data = json.loads(_box().decrypt(text[len(PREFIX):].encode("ascii")).decode("utf-8"))
    except (InvalidToken, UnicodeError, ValueError):
        raise SealBroken("the saved secrets cannot be read with this installation's keys (SECRET_KEY or "
                         "RECAUDO_SECRETS_KEY changed): enter them again") from None
    return {str(k): str(v) for k, v in data.items()} if isinstance(data, dict) else {}
