"""Payment gateway adapters, registered in one place (like communications' transports). See base.py."""

from __future__ import annotations

from .base import Adapter

REGISTRY: dict[str, Adapter] = {}


def register(adapter: Adapter) -> Adapter:
    REGISTRY[adapter.name] = adapter
    return adapter


def adapter(name: str) -> Adapter:
    return REGISTRY[name]


# The adapters, registered here and nowhere else (one import and one line per provider).
from .epayco import EPayco  # noqa: E402
from .mercadopago import MercadoPago  # noqa: E402
from .payu import PayU  # noqa: E402
from .wompi import Wompi  # noqa: E402

for _adapter in (EPayco(), MercadoPago(), PayU(), Wompi()):
    register(_adapter)
