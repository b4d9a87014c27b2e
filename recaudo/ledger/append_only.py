"""Database triggers that keep the ledger append-only (used by migrations).

Both engines refuse UPDATE of ledger entries; PostgreSQL also refuses row DELETE (TRUNCATE, used only by
test-database resets, is not a row operation). On SQLite, deletion is prevented by PROTECT foreign keys and the
absence of any delete path in the code. SQLite drops a table's triggers when a migration rebuilds the table, so
every migration that alters ledger_entry must call `recreate_triggers` afterwards.
"""

SQLITE_UP = """
CREATE TRIGGER IF NOT EXISTS ledger_entry_no_update BEFORE UPDATE ON ledger_entry
BEGIN SELECT RAISE(ABORT, 'ledger entries are append-only: post a reversal instead'); END;
"""
SQLITE_DOWN = "DROP TRIGGER IF EXISTS ledger_entry_no_update;"

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
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        schema_editor.execute(SQLITE_UP)
    elif vendor == "postgresql":
        schema_editor.execute(PG_UP)


def drop_triggers(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        schema_editor.execute(SQLITE_DOWN)
    elif vendor == "postgresql":
        schema_editor.execute(PG_DOWN)
