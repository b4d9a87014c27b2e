from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

import pytest

from recaudo.strategies import comms


class FakeOutbox:
    """Stands in for recaudo.communications when it is not there: dedupes like the real one."""

    def __init__(self):
        self.rows: dict[tuple, dict] = {}

    def enqueue_bulk(self, rows, *, now):
        n = 0
        for row in rows:
            key = (row["portfolio_id"], row["dedupe_key"])
            if key not in self.rows:
                self.rows[key] = dict(row)
                n += 1
        return n

    def outbox_process(self, *, now=None, limit=500, worker_id):
        return {"sent": 0}

    @property
    def messages(self):
        return list(self.rows.values())


@pytest.fixture
def outbox(monkeypatch):
    fake = FakeOutbox()
    monkeypatch.setattr(comms, "enqueue_bulk", fake.enqueue_bulk)
    monkeypatch.setattr(comms, "outbox_process", fake.outbox_process)
    monkeypatch.setattr(comms, "available", lambda: True)
    return fake


def at_local(day: date, hhmm: str = "09:00", tz: str = "America/Bogota") -> datetime:
    h, m = (int(x) for x in hhmm.split(":"))
    return datetime.combine(day, time(h, m), tzinfo=ZoneInfo(tz)).astimezone(UTC)
