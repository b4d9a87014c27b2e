"""Raw bulk inserts: executemany on SQLite, COPY on PostgreSQL (psycopg 3). Used by the ledger's posting module and
the imports. No model instances per row: the caller passes tuples in column order with every NOT NULL column
filled (raw SQL does not apply Django's Python-side defaults)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from django.db import connection


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
