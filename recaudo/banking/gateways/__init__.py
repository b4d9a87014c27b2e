"""Payment gateway adapters, registered in one place (like communications' transports). See base.py."""

from __future__ import annotations

from .base import Adapter

REGISTRY: dict[str, Adapter] = {}


def register(adapter: Adapter) -> Adapter:
    REGISTRY[adapter.name] = adapter
    return adapter


def adapter(name: str) -> Adapter:
    return REGISTRY[name]
