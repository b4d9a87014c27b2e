"""Database triggers that keep the ledger append-only, and the entries' composite key (used by migrations).

Both engines refuse UPDATE of ledger entries; PostgreSQL also refuses row DELETE (TRUNCATE, used only by
test-database resets, is not a row operation). On SQLite, deletion is prevented by PROTECT foreign keys and the
absence of any delete path in the code. SQLite drops a table's triggers when a migration rebuilds the table, so
every migration that alters ledger_entry must call `recreate_triggers` afterwards, and one that rebuilds
portfolio_obligation on SQLite must drop ledger_entry_obligation_key first (SQLite refuses to rename a table
that a trigger names while it is missing).

An entry's obligation, debtor and portfolio are checked together, as one composite foreign key (obligation_id,
debtor_id, portfolio_id) -> portfolio_obligation (id, debtor_id, portfolio_id): the entry's denormalized debtor
and portfolio must be its obligation's. PostgreSQL has the real constraint (deferred, like Django's keys);
SQLite, which cannot add a constraint to an existing table, has a trigger that refuses an entry whose triple
does not match an obligation.
"""

SQLITE_APPEND_ONLY = """
CREATE TRIGGER IF NOT EXISTS ledger_entry_no_update BEFORE UPDATE ON ledger_entry
BEGIN SELECT RAISE(ABORT, 'ledger entries are append-only: post a reversal instead'); END;
"""
SQLITE_OBLIGATION_KEY = """
CREATE TRIGGER IF NOT EXISTS ledger_entry_obligation_key BEFORE INSERT ON ledger_entry
WHEN NOT EXISTS (SELECT 1 FROM portfolio_obligation o WHERE o.id = NEW.obligation_id
                 AND o.debtor_id = NEW.debtor_id AND o.portfolio_id = NEW.portfolio_id)
BEGIN SELECT RAISE(ABORT, 'FOREIGN KEY constraint failed: entry does not match its obligation'); END;
"""
SQLITE_DOWN = ["DROP TRIGGER IF EXISTS ledger_entry_no_update;", "DROP TRIGGER IF EXISTS ledger_entry_obligation_key;"]

PG_UP = """
CREATE OR REPLACE FUNCTION ledger_entry_append_only() RETURNS trigger AS $$
BEGIN
  RAISE EXCEPTION 'ledger entries are append-only: post a reversal instead';
END;
$$ LANGUAGE plpgsql;
DROP TRIGGER IF EXISTS ledger_entry_no_update ON ledger_entry;
CREATE TRIGGER ledger_entry_no_update BEFORE UPDATE OR DELETE ON ledger_entry
FOR EACH ROW EXECUTE FUNCTION ledger_entry_append_only();
"""
PG_DOWN = """
DROP TRIGGER IF EXISTS ledger_entry_no_update ON ledger_entry;
DROP FUNCTION IF EXISTS ledger_entry_append_only();
"""


def recreate_triggers(apps, schema_editor):
    """The triggers of ledger_entry (after a migration that may have rebuilt the table on SQLite). The SQLite
    trigger standing for the composite key exists from ledger migration 0006 on (before it, the single keys did
    the work, and a trigger naming portfolio_obligation breaks SQLite's rebuilds of that table)."""
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        schema_editor.execute(SQLITE_APPEND_ONLY)
        if _applied(schema_editor, "0006_entry_composite_obligation_key"):
            schema_editor.execute(SQLITE_OBLIGATION_KEY)
    elif vendor == "postgresql":
        schema_editor.execute(PG_UP)


def drop_triggers(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        for statement in SQLITE_DOWN:
            schema_editor.execute(statement)
    elif vendor == "postgresql":
        schema_editor.execute(PG_DOWN)


def _applied(schema_editor, name: str) -> bool:
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM django_migrations WHERE app = 'ledger' AND name = %s", [name])
        return cursor.fetchone() is not None


PG_KEY_UP = """
ALTER TABLE ledger_entry ADD CONSTRAINT ledger_entry_obligation_key
FOREIGN KEY (obligation_id, debtor_id, portfolio_id) REFERENCES portfolio_obligation (id, debtor_id, portfolio_id)
DEFERRABLE INITIALLY DEFERRED;
"""
PG_KEY_DOWN = "ALTER TABLE ledger_entry DROP CONSTRAINT IF EXISTS ledger_entry_obligation_key;"


def add_obligation_key(apps, schema_editor):
    """The composite key on PostgreSQL, the trigger that stands for it on SQLite."""
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(PG_KEY_UP)
    elif vendor == "sqlite":
        schema_editor.execute(SQLITE_APPEND_ONLY)
        schema_editor.execute(SQLITE_OBLIGATION_KEY)


def drop_obligation_key(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(PG_KEY_DOWN)
    elif schema_editor.connection.vendor == "sqlite":
        schema_editor.execute("DROP TRIGGER IF EXISTS ledger_entry_obligation_key;")
