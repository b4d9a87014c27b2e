"""Raw bulk inserts: executemany on SQLite, COPY on PostgreSQL (psycopg 3). Used by the ledger's posting module and
the imports. No model instances per row: the caller passes tuples in column order with every NOT NULL column
filled (raw SQL does not apply Django's Python-side defaults)."""

from __future__ import annotations

import json
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


def insert_instances(objs: Sequence, *, returning_ids: bool = False) -> None:
    """Insert unsaved instances of one model with insert_values, each row read straight from the instances'
    attributes (every concrete column but the id; auto_now/auto_now_add ones set as save would). No signals, no
    save(): what bulk_create skips too. `returning_ids`: the new ids are set on the instances, in order."""
    if not objs:
        return
    meta = objs[0]._meta
    fields = [f for f in meta.concrete_fields if not f.primary_key]
    for f in fields:
        if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
            for obj in objs:
                f.pre_save(obj, add=True)
    names = [f.attname for f in fields]
    ids = insert_values(type(objs[0]), names, [tuple(getattr(obj, name) for name in names) for obj in objs],
                        returning_ids=returning_ids)
    if ids is not None:
        for obj, pk in zip(objs, ids, strict=True):
            obj.pk = pk
            obj._state.adding = False
            obj._state.db = connection.alias


def insert_values(model, attnames: Sequence[str], rows: Sequence[tuple], *, returning_ids: bool = False):
    """Insert rows of `model` given as tuples of Python values in `attnames` order (every NOT NULL column without a
    database default named) with insert_rows: each column's values converted by one function chosen per column
    type, instead of the ORM's compiler per value (where bulk_create spends most of its time). For the writes of
    thousands of rows at once (a bank file's chunk). Returns the new ids in row order when `returning_ids`
    (PostgreSQL: drawn from the table's sequence first; SQLite: consecutive ids ending at last_insert_rowid(), the
    rows going in with one executemany while this connection holds the write lock), else None."""
    if not rows:
        return [] if returning_ids else None
    meta = model._meta
    by_attname = {f.attname: f for f in meta.concrete_fields}
    fields = [by_attname[name] for name in attnames]
    converters = [_converter(f) for f in fields]
    if any(converters):
        rows = [tuple(value if convert is None else convert(value)
                      for value, convert in zip(row, converters, strict=True)) for row in rows]
    with connection.wrap_database_errors:  # a duplicate key is Django's IntegrityError, as bulk_create raises
        return _insert(meta.db_table, [connection.ops.quote_name(f.column) for f in fields], rows, returning_ids)


def _insert(table, columns, rows, returning_ids):
    if not returning_ids:
        insert_rows(table, columns, rows)
        return None
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
                           [table, len(rows)])
            ids = [r[0] for r in cursor.fetchall()]
            insert_rows(table, ["id", *columns], [(pk, *row) for pk, row in zip(ids, rows, strict=True)])
        else:
            insert_rows(table, columns, rows)
            cursor.execute("SELECT last_insert_rowid()")
            last = cursor.fetchone()[0]
            ids = range(last - len(rows) + 1, last + 1)
    return ids


def _converter(field):
    """The function that turns a column's Python value into what insert_rows hands the database, or None when the
    value goes as it is."""
    kind = field.get_internal_type()
    if kind == "JSONField":
        encoder = field.encoder
        return lambda value: None if value is None else json.dumps(value, cls=encoder)
    if kind in ("CharField", "TextField"):  # a choices enum member as its plain value
        return lambda value: value if value is None or type(value) is str else str(value)
    if connection.vendor == "postgresql":
        return None
    if kind == "DateTimeField":
        adapt = connection.ops.adapt_datetimefield_value
        return lambda value: None if value is None else adapt(value)
    if kind == "DateField":
        return lambda value: None if value is None else value.isoformat()
    if kind == "DecimalField":
        return lambda value: None if value is None else str(value)
    return None
