"""The cycle's doorway to messaging: one place that tests replace with an in-memory outbox (conftest `outbox`)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from recaudo.communications import services
from recaudo.cycle import outbox


def enqueue_bulk(rows: Iterable[dict], *, now: datetime) -> int:
    """Enqueue cycle messages set-based; rows whose dedupe key exists are ignored (exactly once)."""
    return services.messages_enqueue_bulk(rows, now=now)


def outbox_process(*, now: datetime | None = None, limit: int = 500, worker_id: str) -> dict:
    return outbox.outbox_process(now=now, limit=limit, worker_id=worker_id)
