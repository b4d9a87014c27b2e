"""Raw bulk inserts for the import: executemany on SQLite, COPY on PostgreSQL (psycopg 3).

No model instances per row: the caller passes tuples in column order with every NOT NULL column filled
(raw SQL does not apply Django's Python-side defaults).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime

from django.db import connection


def db_date(value: date | None):
    if value is None or connection.vendor == "postgresql":
        return value
    return value.isoformat()


def date_adapter():
    """A fast per-row date converter for insert_rows: identity on PostgreSQL, ISO text on SQLite."""
    if connection.vendor == "postgresql":
        return lambda value: value
    return lambda value: None if value is None else value.isoformat()


def analyze(*tables: str) -> None:
    """Refresh planner statistics mid-transaction (PostgreSQL counts the transaction's own new rows), so that
    lookups on tables that grew from empty keep using their indexes."""
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(f"ANALYZE {table}")


def db_datetime(value: datetime):
    if connection.vendor == "postgresql":
        return value
    return connection.ops.adapt_datetimefield_value(value)


def insert_rows(table: str, columns: Sequence[str], rows: Iterable[Sequence]) -> None:
    cols = ", ".join(columns)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {table} ({cols}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            placeholders = ", ".join(["%s"] * len(columns))
            cursor.executemany(f"INSERT INTO {table} ({cols}) VALUES ({placeholders})", list(rows))


def ids_by_key(table: str, key: str, portfolio_id: int, keys: Sequence[str]) -> dict[str, int]:
    """{key: id} for rows of a portfolio whose `key` column is in keys (raw SQL: no ORM compile per chunk)."""
    if not keys:
        return {}
    placeholders = ", ".join(["%s"] * len(keys))
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {key}, id FROM {table} WHERE portfolio_id = %s AND {key} IN ({placeholders})",
                       [portfolio_id, *keys])
        return dict(cursor.fetchall())
