"""State of one running import: options, column positions, counters, the row-error collector."""

from __future__ import annotations

from array import array
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
    id_type: str = ""  # the ID type of the rows whose type no column gives (the mapping step's choice)

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

    def apply(self, errors: list[tuple]) -> None:
        """Merge the errors a parse pass collected (ChunkErrors.items), in order: the same effect as calling
        reject/note as the rows were parsed."""
        kept = self.errors
        for row, column, value, reason, rejects in errors:
            error = RowError(row=row, column=column, value=value, reason=reason)
            self.error_count += 1
            if len(kept) < MAX_ERRORS_KEPT:
                kept.append(error)
            if rejects:
                self.chunk_rejected[row].append(error)

    def is_rejected(self, row: int) -> bool:
        return row in self.chunk_rejected

    @property
    def actor_user(self):
        return self.actor if self.actor is not None and not isinstance(self.actor, str) else None


class ChunkErrors:
    """Collects the row errors of one parse pass without touching the Context's counters (parsing may run in a
    child process); Context.apply merges them. Same interface as Context.reject/note."""

    __slots__ = ("items", "_header")

    def __init__(self, ctx: Context):
        self.items: list[tuple] = []  # (row, column header, value text, reason, rejects the row)
        self._header = ctx.header

    def reject(self, row: int, field_name: str, value, reason: str) -> None:
        self.items.append((row, self._header(field_name), text(value)[:200], reason, True))

    def note(self, row: int, field_name: str, value, reason: str) -> None:
        self.items.append((row, self._header(field_name), text(value)[:200], reason, False))


class SeenKeys:
    """In-file duplicate detection: 64-bit hash of a key -> first row, in an
    open-addressing table of two arrays (16 bytes a slot; a dict of Python ints costs ~100 bytes an entry, 100 MB
    for a million rows)."""

    def __init__(self, capacity: int = 1 << 16):
        self._mask = capacity - 1
        self._keys = array("q", bytes(8 * capacity))
        self._rows = array("q", bytes(8 * capacity))
        self._size = 0

    def __len__(self) -> int:
        return self._size

    def first_or_add(self, key: int, row: int) -> int | None:
        """The first row seen with `key`, or None (and `row` is recorded as its first row)."""
        if key == 0:
            key = 1  # 0 marks an empty slot
        keys, mask = self._keys, self._mask
        i = key & mask
        while True:
            k = keys[i]
            if k == key:
                return self._rows[i]
            if k == 0:
                break
            i = (i + 1) & mask
        keys[i] = key
        self._rows[i] = row
        self._size += 1
        if self._size * 2 > mask:
            self._grow()
        return None

    def _grow(self) -> None:
        old_keys, old_rows = self._keys, self._rows
        capacity = (self._mask + 1) * 2
        self.__init__(capacity)
        for k, r in zip(old_keys, old_rows, strict=True):
            if k:
                self.first_or_add(k, r)
