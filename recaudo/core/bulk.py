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


def new_instances(model, rows: Iterable[dict], *, cached: dict | None = None) -> list:
    """Unsaved instances of `model`, one per dict of attname -> value (the fields left out get their defaults, as
    the model's constructor gives them), built through the model's positional constructor: every concrete field in
    order, no keyword matching and no related-object descriptors, about three times faster than keywords for
    thousands of rows (a bank file's chunk). `cached`: related objects set on every instance, by field name
    (e.g. {"portfolio": portfolio}), their ids taken from them, so that reading them makes no query."""
    meta = model._meta
    fields = meta.concrete_fields
    shared = {meta.get_field(name).attname: obj.pk for name, obj in (cached or {}).items()}
    relations = [meta.get_field(name) for name in (cached or {})]
    out = []
    for row in rows:
        row = {**shared, **row} if shared else row
        obj = model(*[row[f.attname] if f.attname in row else f.get_default() for f in fields])
        for relation in relations:
            relation.set_cached_value(obj, cached[relation.name])
        out.append(obj)
    return out


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
    converters = [(i, convert) for i, convert in enumerate(_converter(f) for f in fields) if convert is not None]
    if converters:  # column by column: one comprehension per converted column, the others untouched
        columns = list(zip(*rows, strict=True))
        for i, convert in converters:
            columns[i] = convert(columns[i])
        rows = list(zip(*columns, strict=True))
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
    """The function that turns a column's Python values (a sequence) into the list insert_rows hands the database,
    or None when the values go as they are."""
    kind = field.get_internal_type()
    if kind == "JSONField":
        encoder = field.encoder
        return lambda values: [None if v is None else json.dumps(v, cls=encoder) for v in values]
    if kind in ("CharField", "TextField"):  # a choices enum member as its plain value
        return lambda values: [v if v is None or type(v) is str else str(v) for v in values]
    if connection.vendor == "postgresql":
        return None
    if kind == "DateTimeField":
        adapt = connection.ops.adapt_datetimefield_value
        return lambda values: [None if v is None else adapt(v) for v in values]
    if kind == "DateField":
        return lambda values: [None if v is None else v.isoformat() for v in values]
    if kind == "DecimalField":
        return lambda values: [None if v is None else str(v) for v in values]
    return None


def any_of(column: str, values: Iterable) -> tuple[str, list]:
    """SQL and parameters that match `column` against a list of values: on PostgreSQL `column = ANY(%s)`, the whole
    list one array parameter (one short statement whatever the list's length, so psycopg neither splits a query of
    thousands of placeholders nor the server parses one); on SQLite `column IN (%s, ...)` (no arrays). An empty list
    matches nothing. For the raw look-ups of thousands of ids at once (a bank file's chunk)."""
    values = list(values)
    if connection.vendor == "postgresql":
        return f"{column} = ANY(%s)", [values]
    if not values:
        return "1 = 0", []
    return f"{column} IN ({', '.join(['%s'] * len(values))})", values


ANY_BATCH = 5000  # values per statement of select_any (SQLite: its parameters)


def select_any(sql: str, column: str, values: Iterable, params: Sequence = ()) -> list[tuple]:
    """The rows of a raw SELECT whose `{any}` is `column` matched against `values` (any_of), ANY_BATCH values a
    statement; `params` are the statement's other parameters, which come before `{any}`'s."""
    values = list(values)
    rows: list[tuple] = []
    with connection.cursor() as cursor:
        for start in range(0, len(values), ANY_BATCH):
            where, more = any_of(column, values[start:start + ANY_BATCH])
            cursor.execute(sql.format(any=where), [*params, *more])
            rows += cursor.fetchall()
    return rows
