"""Raw bulk inserts: executemany on SQLite, COPY on PostgreSQL (psycopg 3). Used by the ledger's posting module and
the imports. No model instances per row: the caller passes tuples in column order with every NOT NULL column
filled (raw SQL does not apply Django's Python-side defaults)."""

from __future__ import annotations

import inspect
import json
from collections.abc import Iterable, Sequence
from contextlib import contextmanager
from operator import attrgetter

from django.db import connection, transaction
from django.db.models.base import ModelState
from django.db.models.fields.related_descriptors import ForeignKeyDeferredAttribute
from django.db.models.query_utils import DeferredAttribute
from django.db.models.signals import post_init, pre_init


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
    row = attrgetter(*names) if len(names) > 1 else (lambda obj: (getattr(obj, names[0]),))
    ids = insert_values(type(objs[0]), names, [row(obj) for obj in objs], returning_ids=returning_ids)
    if ids is not None:
        for obj, pk in zip(objs, ids, strict=True):
            obj.pk = pk
            obj._state.adding = False
            obj._state.db = connection.alias


def new_instances(model, rows: Iterable[dict], *, cached: dict | None = None) -> list:
    """Unsaved instances of `model`, one per dict of attname -> value (the fields left out get their defaults, as
    the model's constructor gives them), for thousands of rows (a bank file's chunk). When nothing listens to the
    model's pre_init/post_init signals and every concrete field is a plain attribute (no file or custom
    descriptor), each instance's attributes are set straight in its __dict__ with a fresh ModelState: what the
    constructor ends with, without its per-field setattr through the related-object descriptors and its two
    signals (about three times faster again than the positional constructor, itself three times faster than
    keywords); else through the positional constructor. `cached`: related objects set on every instance, by field
    name (e.g. {"portfolio": portfolio}), their ids taken from them, so that reading them makes no query."""
    meta = model._meta
    fields = meta.concrete_fields
    attnames = [f.attname for f in fields]
    defaults = [f.get_default for f in fields]
    shared = {meta.get_field(name).attname: obj.pk for name, obj in (cached or {}).items()}
    relations = [meta.get_field(name) for name in (cached or {})]
    plain = _plain_attributes(model)
    out = []
    for row in rows:
        row = {**shared, **row} if shared else row
        values = [row[name] if name in row else default() for name, default in zip(attnames, defaults, strict=True)]
        if plain:
            obj = object.__new__(model)
            obj.__dict__.update(zip(attnames, values, strict=True), _state=ModelState())
        else:
            obj = model(*values)
        for relation in relations:
            relation.set_cached_value(obj, cached[relation.name])
        out.append(obj)
    return out


def _plain_attributes(model) -> bool:
    """Whether an instance of `model` can be made by filling its __dict__ (new_instances): no receiver of its
    pre_init or post_init signal, and every concrete field read and written as a plain attribute (Django's
    DeferredAttribute, or the foreign key's, whose setter only clears a related object a new instance has not
    cached)."""
    if pre_init.has_listeners(model) or post_init.has_listeners(model):
        return False
    return all(_plain(inspect.getattr_static(model, f.attname, None)) for f in model._meta.concrete_fields)


def _plain(descriptor) -> bool:
    """Django's plain DeferredAttribute or ForeignKeyDeferredAttribute, or a DeferredAttribute subclass that says its
    setter only stores the value (`stores_plainly`, e.g. the currency column's, which changes what is read)."""
    if type(descriptor) in (DeferredAttribute, ForeignKeyDeferredAttribute):
        return True
    return isinstance(descriptor, DeferredAttribute) and getattr(descriptor, "stores_plainly", False)


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
    if kind == "JSONField":  # one encoder for the column (json.dumps with `cls` makes one per value)
        encode = (field.encoder or json.JSONEncoder)().encode
        return lambda values: [None if v is None else encode(v) for v in values]
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
    matches nothing. For the raw look-ups of thousands of ids at once (a bank file's chunk).

    On PostgreSQL a list of only integers or only strings goes as the text of a bigint[] or text[] array literal
    (`column = ANY(%s::bigint[])`), written here in one join: psycopg's list dumper quotes each element in Python,
    a tenth of a bank file's Python time on its look-ups. Other lists go as a list."""
    values = list(values)
    if connection.vendor == "postgresql":
        kinds = {type(v) for v in values}
        if kinds == {int}:
            return f"{column} = ANY(%s::bigint[])", ["{" + ",".join(map(str, values)) + "}"]
        if kinds == {str}:
            return f"{column} = ANY(%s::text[])", ["{" + ",".join(map(_array_element, values)) + "}"]
        return f"{column} = ANY(%s)", [values]
    if not values:
        return "1 = 0", []
    return f"{column} IN ({', '.join(['%s'] * len(values))})", values


def _array_element(text: str) -> str:
    """One element of a PostgreSQL array literal: double-quoted, its backslashes and double quotes escaped."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


ANY_BATCH = 5000  # values per statement of select_any (SQLite: its parameters)


LOOKUP_RANDOM_PAGE_COST = "1.1"  # PostgreSQL's planner cost of a random page read, while select_any runs


def select_any(sql: str, column: str, values: Iterable, params: Sequence = ()) -> list[tuple]:
    """The rows of a raw SELECT whose `{any}` is `column` matched against `values` (any_of), ANY_BATCH values a
    statement; `params` are the statement's other parameters, which come before `{any}`'s.

    On PostgreSQL the statements are planned with random_page_cost 1.1 (the server's default is 4, a random read
    from a spinning disk), set for them alone and put back after: with the default, a look-up of thousands of
    keys by a unique index is costed as thousands of disk reads and planned as a scan of the whole table (100 ms
    on 333,333 debtors where the index takes 5; decision 0014). Inside the caller's transaction, or in one of its
    own (savepoint-free) when there is none."""
    values = list(values)
    rows: list[tuple] = []
    if not values:
        return rows
    with _planned_as_lookups() as cursor:
        for start in range(0, len(values), ANY_BATCH):
            where, more = any_of(column, values[start:start + ANY_BATCH])
            cursor.execute(sql.format(any=where), [*params, *more])
            rows += cursor.fetchall()
    return rows


@contextmanager
def _planned_as_lookups():
    """A cursor whose statements PostgreSQL plans with random_page_cost LOOKUP_RANDOM_PAGE_COST (set_config local to
    the transaction, the previous value put back at the end; an error rolls it back with the transaction or
    savepoint). SQLite: a plain cursor."""
    if connection.vendor != "postgresql":
        with connection.cursor() as cursor:
            yield cursor
        return
    with transaction.atomic(savepoint=False), connection.cursor() as cursor:
        cursor.execute("SELECT current_setting('random_page_cost'), set_config('random_page_cost', %s, true)",
                       [LOOKUP_RANDOM_PAGE_COST])
        previous = cursor.fetchone()[0]
        yield cursor
        cursor.execute("SELECT set_config('random_page_cost', %s, true)", [previous])
