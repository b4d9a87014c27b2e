"""ERP connector adapters, registered in one place (like banking's gateways and communications' transports). See
base.py."""

from __future__ import annotations

from .base import Adapter

REGISTRY: dict[str, Adapter] = {}


def register(adapter: Adapter) -> Adapter:
    REGISTRY[adapter.name] = adapter
    return adapter


# The adapters, registered here and nowhere else (one import and one line per ERP).
from .alegra import Alegra  # noqa: E402
from .siigo import Siigo  # noqa: E402

for _adapter in (Alegra(), Siigo()):
    register(_adapter)
