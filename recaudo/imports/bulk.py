"""Raw bulk inserts for the import: executemany on SQLite, COPY on PostgreSQL (psycopg 3).

No model instances per row: the caller passes tuples in column order with every NOT NULL column filled
(raw SQL does not apply Django's Python-side defaults).
"""

from __future__ import annotations

from collections.abc import Sequence
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


def insert_returning_ids(table: str, columns: Sequence[str], rows: Sequence[Sequence]) -> list[int]:
    """Insert rows and return their new ids, in row order, without a lookup by key afterwards.

    PostgreSQL: the ids are drawn from the table's sequence first (nextval, safe with concurrent writers) and
    COPYed with the rows. SQLite: the rows go in with one executemany while this connection holds the database's
    write lock (one writer at a time), so AUTOINCREMENT gives them consecutive ids ending at last_insert_rowid().
    """
    if not rows:
        return []
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
                           [table, len(rows)])
            ids = [r[0] for r in cursor.fetchall()]
            cols = ", ".join(("id", *columns))
            with cursor.cursor.copy(f"COPY {table} ({cols}) FROM STDIN") as copy:
                for pk, row in zip(ids, rows, strict=True):
                    copy.write_row((pk, *row))
            return ids
        cols = ", ".join(columns)
        cursor.executemany(f"INSERT INTO {table} ({cols}) VALUES ({', '.join(['%s'] * len(columns))})", rows)
        cursor.execute("SELECT last_insert_rowid()")
        last = cursor.fetchone()[0]
        return list(range(last - len(rows) + 1, last + 1))


def fetch_by_keys(table: str, columns: Sequence[str], key: str, keys: Sequence, *, portfolio_id: int | None = None,
                  dates: Sequence[int] = ()) -> list[tuple]:
    """Rows (columns) of `table` whose `key` is in keys, optionally of one portfolio: raw SQL, no ORM compile per
    chunk (IN (...) on SQLite, = ANY(array) on PostgreSQL). `dates`: positions of date columns, which SQLite
    returns as ISO text and are converted to dates here."""
    if not keys:
        return []
    postgres = connection.vendor == "postgresql"
    if postgres:
        where, params = f"{key} = ANY(%s)", [list(keys)]
    else:
        where, params = f"{key} IN ({', '.join(['%s'] * len(keys))})", list(keys)
    if portfolio_id is not None:
        where = f"portfolio_id = %s AND {where}"
        params.insert(0, portfolio_id)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {', '.join(columns)} FROM {table} WHERE {where}", params)
        rows = cursor.fetchall()
    if dates and not postgres:
        fromiso = date.fromisoformat
        out = []
        for r in rows:
            r = list(r)
            for i in dates:
                if r[i] is not None and type(r[i]) is str:
                    r[i] = fromiso(r[i][:10])
            out.append(tuple(r))
        rows = out
    return rows


def exists(table: str, portfolio_id: int) -> bool:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT 1 FROM {table} WHERE portfolio_id = %s LIMIT 1", [portfolio_id])
        return cursor.fetchone() is not None


def ids_by_key(table: str, key: str, portfolio_id: int, keys: Sequence[str]) -> dict[str, int]:
    """{key: id} for rows of a portfolio whose `key` column is in keys (raw SQL: no ORM compile per chunk)."""
    if not keys:
        return {}
    placeholders = ", ".join(["%s"] * len(keys))
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {key}, id FROM {table} WHERE portfolio_id = %s AND {key} IN ({placeholders})",
                       [portfolio_id, *keys])
        return dict(cursor.fetchall())
