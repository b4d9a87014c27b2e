"""State of one running import: options, column positions, counters, the row-error collector."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime

from .fields import text

MAX_ERRORS_KEPT = 1000


@dataclass
class RowError:
    row: int
    column: str
    value: str
    reason: str

    def __str__(self):
        return f'row {self.row}, column "{self.column}" (value "{self.value}"): {self.reason}'

    def to_dict(self) -> dict:
        return {"row": self.row, "column": self.column, "value": self.value, "reason": self.reason}


@dataclass
class Context:
    portfolio: object
    kind: str
    headers: list[str]
    columns: dict[str, int]
    date_format: str | None
    decimal: str
    actor: object
    now: datetime
    errors: list[RowError] = field(default_factory=list)
    error_count: int = 0
    chunk_rejected: dict[int, list[RowError]] = field(default_factory=lambda: defaultdict(list))
    rejected: int = 0
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    debtors_created: int = 0
    debtors_updated: int = 0
    seen: dict[int, int] = field(default_factory=dict)  # hash of a unique key in the file -> first row

    @property
    def currency(self) -> str:
        return self.portfolio.currency

    @property
    def country(self) -> str:
        return self.portfolio.country

    def header(self, field_name: str) -> str:
        index = self.columns.get(field_name)
        return self.headers[index] if index is not None else field_name

    def get(self, values: list, field_name: str):
        index = self.columns.get(field_name)
        if index is None or index >= len(values):
            return None
        return values[index]

    def reject(self, row: int, field_name: str, value, reason: str) -> None:
        error = RowError(row=row, column=self.header(field_name), value=text(value)[:200], reason=reason)
        self.error_count += 1
        if len(self.errors) < MAX_ERRORS_KEPT:
            self.errors.append(error)
        self.chunk_rejected[row].append(error)

    def note(self, row: int, field_name: str, value, reason: str) -> None:
        """An error reported on a row that is not rejected because of it (e.g. the first of two duplicates)."""
        if len(self.errors) < MAX_ERRORS_KEPT:
            self.errors.append(RowError(row=row, column=self.header(field_name), value=text(value)[:200],
                                        reason=reason))
        self.error_count += 1

    def is_rejected(self, row: int) -> bool:
        return row in self.chunk_rejected

    @property
    def actor_user(self):
        return self.actor if self.actor is not None and not isinstance(self.actor, str) else None
