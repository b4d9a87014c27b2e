"""The cycle's only doorway to messaging (recaudo.communications, built separately): one place to swap in tests."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime


def enqueue_bulk(rows: Iterable[dict], *, now: datetime) -> int:
    """Enqueue cycle messages set-based; rows whose dedupe key exists are ignored (exactly once)."""
    from recaudo.communications.services import messages_enqueue_bulk

    return messages_enqueue_bulk(rows, now=now)


def outbox_process(*, now: datetime | None = None, limit: int = 500, worker_id: str) -> dict:
    from recaudo.communications.services import outbox_process as process

    return process(now=now, limit=limit, worker_id=worker_id)


def available() -> bool:
    try:
        from recaudo.communications import services  # noqa: F401
    except ImportError:
        return False
    return hasattr(services, "messages_enqueue_bulk")
