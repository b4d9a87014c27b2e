"""The obligation's portfolio key, checked by the database without a per-row foreign key (used by migrations).

An obligation's portfolio must be its debtor's. Django's foreign key obligation.portfolio -> portfolio checked
only that the portfolio exists, once per row, and on PostgreSQL each of those checks runs a query and locks the
portfolio's row: about 6 s of a million-row load, the largest single cost left of the obligations' (measured;
docs/decisions/0005-entry-key-check-per-statement.md). So the field is `db_constraint=False` and:

- PostgreSQL checks, once per INSERT statement, that every new obligation's (debtor, portfolio) is a debtor's
  (id, portfolio): stronger than the key it replaces, since the portfolio must exist for the debtor to. The check
  takes no lock; it stays exact because the debtor cannot vanish (obligation.debtor is still a real foreign key)
  and a debtor's portfolio never changes (portfolio_debtor_keep_portfolio), while an obligation's debtor and
  portfolio never change either (recaudo.ledger.append_only's portfolio_obligation_keep_key).
- SQLite checks the same per row with a trigger (SQLite has one writer at a time; no lock question). SQLite drops a
  table's triggers when a migration rebuilds the table: a migration that rebuilds portfolio_obligation there must
  call `add_portfolio_key` again afterwards.
"""

SQLITE_UP = """
CREATE TRIGGER IF NOT EXISTS portfolio_obligation_portfolio_key BEFORE INSERT ON portfolio_obligation
WHEN NOT EXISTS (SELECT 1 FROM portfolio_debtor d WHERE d.id = NEW.debtor_id AND d.portfolio_id = NEW.portfolio_id)
BEGIN SELECT RAISE(ABORT, 'FOREIGN KEY constraint failed: an obligation''s portfolio must be its debtor''s'); END;
"""
SQLITE_DOWN = "DROP TRIGGER IF EXISTS portfolio_obligation_portfolio_key;"

PG_UP = """
CREATE OR REPLACE FUNCTION portfolio_obligation_portfolio_key() RETURNS trigger AS $$
BEGIN
  IF EXISTS (SELECT 1 FROM portfolio_obligation_inserted o WHERE NOT EXISTS (
      SELECT 1 FROM portfolio_debtor d WHERE d.id = o.debtor_id AND d.portfolio_id = o.portfolio_id)) THEN
    RAISE EXCEPTION 'insert or update on table "portfolio_obligation" violates the portfolio key: an obligation''s '
      'portfolio must be its debtor''s' USING ERRCODE = 'foreign_key_violation';
  END IF;
  RETURN NULL;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER portfolio_obligation_portfolio_key AFTER INSERT ON portfolio_obligation
REFERENCING NEW TABLE AS portfolio_obligation_inserted FOR EACH STATEMENT
EXECUTE FUNCTION portfolio_obligation_portfolio_key();
CREATE OR REPLACE FUNCTION portfolio_debtor_keep_portfolio() RETURNS trigger AS $$
BEGIN
  RAISE EXCEPTION 'a debtor''s portfolio never changes' USING ERRCODE = 'restrict_violation';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER portfolio_debtor_keep_portfolio BEFORE UPDATE ON portfolio_debtor
FOR EACH ROW WHEN (OLD.portfolio_id IS DISTINCT FROM NEW.portfolio_id)
EXECUTE FUNCTION portfolio_debtor_keep_portfolio();
"""
PG_DOWN = """
DROP TRIGGER IF EXISTS portfolio_debtor_keep_portfolio ON portfolio_debtor;
DROP FUNCTION IF EXISTS portfolio_debtor_keep_portfolio();
DROP TRIGGER IF EXISTS portfolio_obligation_portfolio_key ON portfolio_obligation;
DROP FUNCTION IF EXISTS portfolio_obligation_portfolio_key();
"""


def add_portfolio_key(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(PG_UP)
    elif vendor == "sqlite":
        schema_editor.execute(SQLITE_UP)


def drop_portfolio_key(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(PG_DOWN)
    elif vendor == "sqlite":
        schema_editor.execute(SQLITE_DOWN)
