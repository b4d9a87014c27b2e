"""Foreign keys checked once per INSERT statement on PostgreSQL (used by migrations; docs/decisions/0006).

A PostgreSQL foreign key checks each inserted row on its own: one trigger event per row and key, one query, one
row lock. Loading a million obligations makes two million such checks (their debtor and their portfolio), which
measured about 60% of the obligations' load, and the entries' three keys that are empty on every charge (payment,
reversed entry, author) still cost a trigger event each.

For the keys listed in EDGES, PostgreSQL instead runs, once per INSERT statement (COPY included), a trigger that
takes the distinct keys of the statement's new rows (a transition table), locks the rows they name in the parent
table (`FOR KEY SHARE`, the lock a foreign key takes), and fails the statement with `foreign_key_violation`
(Django's IntegrityError) unless every non-empty key found its row. On the parent side, a row trigger refuses to
delete a row, or change its id, while a child row names it. Together they keep what the foreign key kept:
- a child inserted before its parent is refused: the check runs at the end of each statement, so unlike Django's
  deferred keys it is not put off until the commit (every write path inserts parents first);
- an insert racing a delete of its parent: whichever locks the parent row first makes the other wait; the insert
  then finds the row gone and fails, or the delete, once the insert committed, finds the child and fails (the
  parent trigger's query runs in a fresh snapshot, as a foreign key's check does in READ COMMITTED).

SQLite keeps its real foreign keys: its per-row checks are cheap, and a trigger would cost more.

The models still declare these foreign keys (on SQLite they are real), so Django believes PostgreSQL has them too:
a migration that alters one of these fields on PostgreSQL would add the constraint back. Such a migration must
call `use_constraints` before and `use_triggers` after; a test (recaudo/core/tests/test_setkeys.py) fails while
PostgreSQL's schema differs from EDGES.
"""

from __future__ import annotations

from collections import defaultdict

# (app label, model, field): the foreign keys PostgreSQL checks per statement.
EDGES = (
    ("portfolio", "Debtor", "portfolio"),
    ("portfolio", "Contact", "debtor"),
    ("portfolio", "Obligation", "portfolio"),
    ("portfolio", "Obligation", "debtor"),
    ("ledger", "Entry", "payment"),
    ("ledger", "Entry", "reverses"),
    ("ledger", "Entry", "created_by"),
)


def _edges(apps) -> list[tuple]:
    """(child model, field, child table, column, parent table, parent column) for each edge."""
    out = []
    for app_label, model_name, field_name in EDGES:
        model = apps.get_model(app_label, model_name)
        field = model._meta.get_field(field_name)
        parent = field.related_model
        out.append((model, field, model._meta.db_table, field.column, parent._meta.db_table,
                    field.target_field.column))
    return out


def _child_sql(child: str, keys: list[tuple[str, str, str]]) -> str:
    """The statement trigger of one child table; keys: (column, parent table, parent column).

    One query per key: the statement's distinct keys, each looked up (and locked) through the parent's primary
    key by a LATERAL subquery. The subquery's row lock keeps it from being flattened, so the plan is always a
    nested loop of index probes, whatever the statistics say. Written as a plain semi-join, the planner chose a
    sequential scan of the whole parent table for each statement once it held some 40,000 rows (it prices every
    page as read from disk): measured on a million-row import, 25 million debtor rows read and 4.6 s of the
    server's 18, against under 1 s for the probes."""
    checks = []
    for column, parent, parent_column in keys:
        checks.append(f"""
  SELECT count(*), count(p.found) INTO wanted, found
  FROM (SELECT DISTINCT {column} AS key FROM new_rows WHERE {column} IS NOT NULL) k
  LEFT JOIN LATERAL (SELECT true AS found FROM {parent} WHERE {parent}.{parent_column} = k.key
                     FOR KEY SHARE OF {parent}) p ON true;
  IF found <> wanted THEN
    RAISE EXCEPTION 'insert on table "{child}" violates foreign key {child}.{column}: % of its % values name no '
      'row of {parent}', wanted - found, wanted USING ERRCODE = 'foreign_key_violation';
  END IF;""")
    return f"""
CREATE OR REPLACE FUNCTION {child}_keys() RETURNS trigger AS $$
DECLARE
  wanted bigint;
  found bigint;
BEGIN{''.join(checks)}
  RETURN NULL;
END;
$$ LANGUAGE plpgsql;
DROP TRIGGER IF EXISTS {child}_keys ON {child};
CREATE TRIGGER {child}_keys AFTER INSERT ON {child} REFERENCING NEW TABLE AS new_rows
FOR EACH STATEMENT EXECUTE FUNCTION {child}_keys();
"""


def _parent_sql(parent: str, parent_column: str, children: list[tuple[str, str]]) -> str:
    """The row triggers of one parent table; children: (child table, column)."""
    checks = "".join(f"""
  IF EXISTS (SELECT 1 FROM {child} c WHERE c.{column} = OLD.{parent_column}) THEN
    RAISE EXCEPTION 'update or delete on table "{parent}" violates foreign key {child}.{column}: a row of {child} '
      'names it' USING ERRCODE = 'foreign_key_violation';
  END IF;""" for child, column in children)
    return f"""
CREATE OR REPLACE FUNCTION {parent}_referenced() RETURNS trigger AS $$
BEGIN{checks}
  IF TG_OP = 'DELETE' THEN
    RETURN OLD;
  END IF;
  RETURN NEW;
END;
$$ LANGUAGE plpgsql;
DROP TRIGGER IF EXISTS {parent}_referenced_delete ON {parent};
CREATE TRIGGER {parent}_referenced_delete BEFORE DELETE ON {parent}
FOR EACH ROW EXECUTE FUNCTION {parent}_referenced();
DROP TRIGGER IF EXISTS {parent}_referenced_key ON {parent};
CREATE TRIGGER {parent}_referenced_key BEFORE UPDATE ON {parent}
FOR EACH ROW WHEN (OLD.{parent_column} IS DISTINCT FROM NEW.{parent_column}) EXECUTE FUNCTION {parent}_referenced();
"""


def _fk_names(cursor, child: str, column: str, parent: str) -> list[str]:
    cursor.execute(
        "SELECT c.conname FROM pg_constraint c JOIN pg_attribute a ON a.attrelid = c.conrelid "
        "AND a.attnum = c.conkey[1] WHERE c.contype = 'f' AND c.conrelid = %s::regclass "
        "AND c.confrelid = %s::regclass AND array_length(c.conkey, 1) = 1 AND a.attname = %s",
        [child, parent, column])
    return [row[0] for row in cursor.fetchall()]


def use_triggers(apps, schema_editor):
    """PostgreSQL: drop the foreign keys of EDGES and create the statement and parent triggers instead."""
    if schema_editor.connection.vendor != "postgresql":
        return
    edges = _edges(apps)
    per_child: dict[str, list] = defaultdict(list)
    per_parent: dict[tuple[str, str], list] = defaultdict(list)
    with schema_editor.connection.cursor() as cursor:
        for _model, _field, child, column, parent, parent_column in edges:
            for name in _fk_names(cursor, child, column, parent):
                schema_editor.execute(f'ALTER TABLE {child} DROP CONSTRAINT "{name}"')
            per_child[child].append((column, parent, parent_column))
            per_parent[(parent, parent_column)].append((child, column))
    for child, keys in per_child.items():
        schema_editor.execute(_child_sql(child, keys), params=None)  # RAISE's % is not a placeholder
    for (parent, parent_column), children in per_parent.items():
        schema_editor.execute(_parent_sql(parent, parent_column, children), params=None)


def use_constraints(apps, schema_editor):
    """PostgreSQL: the reverse of use_triggers, the foreign keys as Django creates them."""
    if schema_editor.connection.vendor != "postgresql":
        return
    edges = _edges(apps)
    for child in {e[2] for e in edges}:
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {child}_keys ON {child}; "
                              f"DROP FUNCTION IF EXISTS {child}_keys();")
    for parent in {e[4] for e in edges}:
        schema_editor.execute(
            f"DROP TRIGGER IF EXISTS {parent}_referenced_delete ON {parent}; "
            f"DROP TRIGGER IF EXISTS {parent}_referenced_key ON {parent}; "
            f"DROP FUNCTION IF EXISTS {parent}_referenced();")
    with schema_editor.connection.cursor() as cursor:
        for model, field, child, column, parent, _parent_column in edges:
            if not _fk_names(cursor, child, column, parent):
                schema_editor.execute(schema_editor._create_fk_sql(model, field, "_fk_%(to_table)s_%(to_column)s"))
