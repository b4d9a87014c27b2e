"""The ledger is append-only: the database refuses UPDATE of entries (both engines) and DELETE of entries
(PostgreSQL row trigger; TRUNCATE, used only by test-database resets, is not a row operation).
On SQLite, deletion is prevented by PROTECT foreign keys and the absence of any delete path in the code."""

from django.db import migrations

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
CREATE TRIGGER ledger_entry_no_update BEFORE UPDATE OR DELETE ON ledger_entry
FOR EACH ROW EXECUTE FUNCTION ledger_entry_append_only();
"""
PG_DOWN = """
DROP TRIGGER IF EXISTS ledger_entry_no_update ON ledger_entry;
DROP FUNCTION IF EXISTS ledger_entry_append_only();
"""


def up(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        schema_editor.execute(SQLITE_UP)
    elif vendor == "postgresql":
        schema_editor.execute(PG_UP)


def down(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        schema_editor.execute(SQLITE_DOWN)
    elif vendor == "postgresql":
        schema_editor.execute(PG_DOWN)


class Migration(migrations.Migration):
    dependencies = [("ledger", "0001_initial")]
    operations = [migrations.RunPython(up, down)]
