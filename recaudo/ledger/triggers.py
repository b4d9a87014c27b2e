"""Database triggers that keep the ledger append-only, and the entries' composite key (used by migrations).

Both engines refuse UPDATE and DELETE of ledger entries, PostgreSQL also TRUNCATE (from ledger migration 0014,
with the tally that `ledger verify` checks: see the end of this module).

SQLite drops a table's triggers when a migration rebuilds the table, so
every migration that alters ledger_entry must call `recreate_triggers` afterwards, and one that rebuilds
portfolio_obligation on SQLite must drop ledger_entry_obligation_key first (SQLite refuses to rename a table
that a trigger names while it is missing).

An entry's obligation, debtor and portfolio are checked together, as one composite key (obligation_id,
debtor_id, portfolio_id) -> portfolio_obligation (id, debtor_id, portfolio_id): the entry's denormalized debtor
and portfolio must be its obligation's. SQLite, which cannot add a constraint to an existing table, has a
trigger that refuses an entry whose triple does not match an obligation. PostgreSQL had the real foreign key
(ledger migration 0006) and from migration 0008 on checks it once per INSERT statement, with obligations that
are never deleted nor re-keyed (see PG_STATEMENT_KEY_UP below and docs/decisions/0005). Both look the obligation
up by its primary key, so the unique (id, debtor_id, portfolio_id) that was the foreign key's target is gone
(portfolio migration 0007).
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
    the work, and a trigger naming portfolio_obligation breaks SQLite's rebuilds of that table), the one that keeps
    the value-date marks from migration 0010 on."""
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        schema_editor.execute(SQLITE_APPEND_ONLY)
        if _applied(schema_editor, "0006_entry_composite_obligation_key"):
            schema_editor.execute(SQLITE_OBLIGATION_KEY)
        if _applied(schema_editor, "0010_value_date_marks"):
            schema_editor.execute(SQLITE_MARK_UP)
        if _applied(schema_editor, "0014_ledger_tally"):
            volume = _applied(schema_editor, "0017_amounts_bounded")
            for statement in SQLITE_TALLY_UP:
                if volume and statement is SQLITE_TALLY_UP[2]:
                    statement = SQLITE_TALLY_VOLUME_UP[1]
                schema_editor.execute(statement)
            if volume:
                schema_editor.execute(SQLITE_TALLY_VOLUME_UP[2])
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


# From ledger migration 0008 on, PostgreSQL checks the entries' key once per INSERT statement, over the rows the
# statement inserted (a transition table), instead of the foreign key's check per row: that check also locks
# each obligation it reads (FOR KEY SHARE, a WAL record per row when the obligation is new), the largest single
# cost of a bulk load of charges (measured: a million charges load in about 13 s instead of 17 s). Without those
# locks the check is exact only if a checked obligation cannot vanish or change its key before the entry's
# transaction commits, so obligations are never deleted and never change id, debtor or portfolio (the triggers
# below; the application never does either: an obligation is written off or corrected by entries). Unlike the
# foreign key, the check is not deferred: an entry goes in after its obligation, as every write path does.
# See docs/decisions/0005-entry-key-check-per-statement.md. PostgreSQL refuses to change the type of a column a
# trigger's WHEN names: a migration altering portfolio_obligation's id, debtor_id or portfolio_id there must drop
# portfolio_obligation_keep_key first and create it again after.
PG_STATEMENT_KEY_UP = """
ALTER TABLE ledger_entry DROP CONSTRAINT IF EXISTS ledger_entry_obligation_key;
CREATE OR REPLACE FUNCTION ledger_entry_obligation_key() RETURNS trigger AS $$
BEGIN
  -- NOT EXISTS: for the few rows of one statement against a large table the planner probes the obligations'
  -- primary key row by row (a per-row scalar subquery measured 1-2 s slower over a million rows).
  IF EXISTS (SELECT 1 FROM ledger_entry_inserted e WHERE NOT EXISTS (
      SELECT 1 FROM portfolio_obligation o
      WHERE o.id = e.obligation_id AND o.debtor_id = e.debtor_id AND o.portfolio_id = e.portfolio_id)) THEN
    RAISE EXCEPTION 'insert or update on table "ledger_entry" violates the obligation key: an entry''s obligation '
      'must exist, with the entry''s debtor and portfolio' USING ERRCODE = 'foreign_key_violation';
  END IF;
  RETURN NULL;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER ledger_entry_obligation_key AFTER INSERT ON ledger_entry
REFERENCING NEW TABLE AS ledger_entry_inserted FOR EACH STATEMENT EXECUTE FUNCTION ledger_entry_obligation_key();
CREATE OR REPLACE FUNCTION portfolio_obligation_keep() RETURNS trigger AS $$
BEGIN
  IF TG_OP = 'DELETE' THEN
    RAISE EXCEPTION 'obligations are never deleted: write one off, or correct it with ledger entries'
      USING ERRCODE = 'restrict_violation';
  END IF;
  RAISE EXCEPTION 'an obligation''s id, debtor and portfolio never change' USING ERRCODE = 'restrict_violation';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER portfolio_obligation_no_delete BEFORE DELETE ON portfolio_obligation
FOR EACH ROW EXECUTE FUNCTION portfolio_obligation_keep();
CREATE TRIGGER portfolio_obligation_keep_key BEFORE UPDATE ON portfolio_obligation
FOR EACH ROW WHEN (OLD.id IS DISTINCT FROM NEW.id OR OLD.debtor_id IS DISTINCT FROM NEW.debtor_id
                   OR OLD.portfolio_id IS DISTINCT FROM NEW.portfolio_id)
EXECUTE FUNCTION portfolio_obligation_keep();
"""
PG_STATEMENT_KEY_DOWN = """
DROP TRIGGER IF EXISTS portfolio_obligation_keep_key ON portfolio_obligation;
DROP TRIGGER IF EXISTS portfolio_obligation_no_delete ON portfolio_obligation;
DROP FUNCTION IF EXISTS portfolio_obligation_keep();
DROP TRIGGER IF EXISTS ledger_entry_obligation_key ON ledger_entry;
DROP FUNCTION IF EXISTS ledger_entry_obligation_key();
""" + PG_KEY_UP


def check_key_per_statement(apps, schema_editor):
    """PostgreSQL: the statement-level key check and the obligation guards replace the composite foreign key."""
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(PG_STATEMENT_KEY_UP)


def check_key_per_row(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(PG_STATEMENT_KEY_DOWN)


# From ledger migration 0010 on, each portfolio's latest entry value date is kept in ledger_valuedatemark by the
# database (docs/decisions/0006): an INSERT into ledger_entry whose latest value date for a portfolio is later than
# every mark of that portfolio adds a mark. A mark is never updated nor deleted, so no posting waits on another's
# row lock; two concurrent transactions may both add a mark, which only adds a row. Every entry's value date is
# at most a committed mark once its transaction commits, and every mark is some entry's value date (entries are
# never deleted), so the largest mark is the latest value date. PostgreSQL runs the check once per statement, over
# the statement's new rows; SQLite once per row.
PG_MARK_UP = """
CREATE OR REPLACE FUNCTION ledger_entry_value_date_mark() RETURNS trigger AS $$
BEGIN
  INSERT INTO ledger_valuedatemark (portfolio_id, value_date)
  SELECT n.portfolio_id, n.latest FROM (SELECT portfolio_id, max(value_date) AS latest FROM ledger_entry_marked
                                        GROUP BY portfolio_id) n
  WHERE NOT EXISTS (SELECT 1 FROM ledger_valuedatemark m
                    WHERE m.portfolio_id = n.portfolio_id AND m.value_date >= n.latest);
  RETURN NULL;
END;
$$ LANGUAGE plpgsql;
DROP TRIGGER IF EXISTS ledger_entry_value_date_mark ON ledger_entry;
CREATE TRIGGER ledger_entry_value_date_mark AFTER INSERT ON ledger_entry
REFERENCING NEW TABLE AS ledger_entry_marked FOR EACH STATEMENT EXECUTE FUNCTION ledger_entry_value_date_mark();
"""
PG_MARK_DOWN = """
DROP TRIGGER IF EXISTS ledger_entry_value_date_mark ON ledger_entry;
DROP FUNCTION IF EXISTS ledger_entry_value_date_mark();
"""
SQLITE_MARK_UP = """
CREATE TRIGGER IF NOT EXISTS ledger_entry_value_date_mark AFTER INSERT ON ledger_entry
WHEN NOT EXISTS (SELECT 1 FROM ledger_valuedatemark m
                 WHERE m.portfolio_id = NEW.portfolio_id AND m.value_date >= NEW.value_date)
BEGIN INSERT INTO ledger_valuedatemark (portfolio_id, value_date) VALUES (NEW.portfolio_id, NEW.value_date); END;
"""
SQLITE_MARK_DOWN = "DROP TRIGGER IF EXISTS ledger_entry_value_date_mark;"
MARK_BACKFILL = """
INSERT INTO ledger_valuedatemark (portfolio_id, value_date)
SELECT portfolio_id, max(value_date) FROM ledger_entry GROUP BY portfolio_id
"""


def add_value_date_marks(apps, schema_editor):
    """The marks of the entries already there, then the trigger that keeps them."""
    vendor = schema_editor.connection.vendor
    schema_editor.execute(MARK_BACKFILL)
    if vendor == "postgresql":
        schema_editor.execute(PG_MARK_UP)
    elif vendor == "sqlite":
        schema_editor.execute(SQLITE_MARK_UP)


def drop_value_date_marks(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(PG_MARK_DOWN)
    elif vendor == "sqlite":
        schema_editor.execute(SQLITE_MARK_DOWN)


def drop_sqlite_obligation_key(apps, schema_editor):
    """SQLite: before a migration rebuilds portfolio_obligation (SQLite refuses to while a trigger names it)."""
    if schema_editor.connection.vendor == "sqlite":
        schema_editor.execute("DROP TRIGGER IF EXISTS ledger_entry_obligation_key")


def create_sqlite_obligation_key(apps, schema_editor):
    """SQLite: after such a rebuild."""
    if schema_editor.connection.vendor == "sqlite":
        schema_editor.execute(SQLITE_OBLIGATION_KEY)


# From ledger migration 0014 on, nothing deletes entries silently (docs/decisions/0011-ledger-tally.md):
# - SQLite refuses DELETE of entries as PostgreSQL always did; PostgreSQL also refuses TRUNCATE of the ledger (and
#   of obligations and payments, whose keys it checks with triggers, so no cascade would reach the entries);
# - every INSERT adds to the portfolio's tally (entries counted, and a checksum of each entry's id, obligation and
#   amount), kept by the database in ledger_tally; `ledger verify` recomputes both from the entries,
#   so an entry removed by direct SQL with the triggers disabled is still found.
# PostgreSQL adds one tally row per portfolio per INSERT statement (insert-only, so concurrent postings never wait
# on each other's row lock, like the value-date marks) and refuses any UPDATE, DELETE or TRUNCATE of the tally
# that does not come from a trigger; SQLite, whose writers are serialized anyway, keeps one row per portfolio and
# refuses its DELETE. The checksum is a sum modulo 2^31-1 of non-negative terms, so the sum of the tally rows equals
# the entries' sum however the inserts were grouped; each term mixes the id with the other values, and both
# engines compute it with the same integer arithmetic.
TALLY_MODULUS = 2147483647


def tally_mod(a: str, vendor: str) -> str:
    """`a` modulo 2^31-1 (truncated, as both engines' % is); PostgreSQL's mod() keeps '%' out of statements that
    psycopg reads for placeholders."""
    return f"mod({a}, {TALLY_MODULUS})" if vendor == "postgresql" else f"(({a}) % {TALLY_MODULUS})"


def tally_term(alias: str, vendor: str) -> str:
    """SQL for one entry's checksum term (the same number on both engines): its amount and obligation, mixed with
    its id. Measured on SQLite, this and the upsert below cost about 1.7 us an inserted row (a value-date term,
    through julianday(), doubled that)."""
    m = TALLY_MODULUS

    def mod(a):
        return tally_mod(a, vendor)

    column = f"{alias}.%s::bigint" if vendor == "postgresql" else f"{alias}.%s"  # 64-bit arithmetic throughout
    amount = mod(mod(column % "amount_minor") + f" + {m}")  # in [0, m)
    inner = mod(f"{amount} + " + mod(column % "obligation_id") + " * 13")
    entry_id = mod(column % "id")
    # Multiplied by the id (both below 2^31, so the product fits in 64 bits): moving an amount from one entry to
    # another changes the checksum too.
    return mod(f"{entry_id} * {inner} + {entry_id}")


PG_TALLY_UP = f"""
CREATE OR REPLACE FUNCTION ledger_entry_tally() RETURNS trigger AS $$
BEGIN
  INSERT INTO ledger_tally (portfolio_id, entries, checksum)
  SELECT portfolio_id, count(*), {tally_mod("sum(" + tally_term("t", "postgresql") + ")", "postgresql")}::bigint
  FROM ledger_entry_tallied t GROUP BY portfolio_id;
  RETURN NULL;
END;
$$ LANGUAGE plpgsql;
DROP TRIGGER IF EXISTS ledger_entry_tally ON ledger_entry;
CREATE TRIGGER ledger_entry_tally AFTER INSERT ON ledger_entry
REFERENCING NEW TABLE AS ledger_entry_tallied FOR EACH STATEMENT EXECUTE FUNCTION ledger_entry_tally();
CREATE OR REPLACE FUNCTION ledger_refuse_truncate() RETURNS trigger AS $$
BEGIN
  RAISE EXCEPTION USING MESSAGE = 'the ledger is append-only: ' || TG_TABLE_NAME || ' cannot be truncated',
    ERRCODE = 'restrict_violation';
END;
$$ LANGUAGE plpgsql;
DROP TRIGGER IF EXISTS ledger_entry_no_truncate ON ledger_entry;
CREATE TRIGGER ledger_entry_no_truncate BEFORE TRUNCATE ON ledger_entry
FOR EACH STATEMENT EXECUTE FUNCTION ledger_refuse_truncate();
DROP TRIGGER IF EXISTS ledger_tally_no_truncate ON ledger_tally;
CREATE TRIGGER ledger_tally_no_truncate BEFORE TRUNCATE ON ledger_tally
FOR EACH STATEMENT EXECUTE FUNCTION ledger_refuse_truncate();
DROP TRIGGER IF EXISTS ledger_payment_no_truncate ON ledger_payment;
CREATE TRIGGER ledger_payment_no_truncate BEFORE TRUNCATE ON ledger_payment
FOR EACH STATEMENT EXECUTE FUNCTION ledger_refuse_truncate();
DROP TRIGGER IF EXISTS portfolio_obligation_no_truncate ON portfolio_obligation;
CREATE TRIGGER portfolio_obligation_no_truncate BEFORE TRUNCATE ON portfolio_obligation
FOR EACH STATEMENT EXECUTE FUNCTION ledger_refuse_truncate();
CREATE OR REPLACE FUNCTION ledger_tally_keep() RETURNS trigger AS $$
BEGIN
  IF pg_trigger_depth() > 1 THEN
    RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
  END IF;
  RAISE EXCEPTION 'the ledger tally is kept by the database: it is never changed by hand'
    USING ERRCODE = 'restrict_violation';
END;
$$ LANGUAGE plpgsql;
DROP TRIGGER IF EXISTS ledger_tally_keep ON ledger_tally;
CREATE TRIGGER ledger_tally_keep BEFORE UPDATE OR DELETE ON ledger_tally
FOR EACH ROW EXECUTE FUNCTION ledger_tally_keep();
"""
PG_TALLY_DOWN = """
DROP TRIGGER IF EXISTS ledger_tally_keep ON ledger_tally;
DROP FUNCTION IF EXISTS ledger_tally_keep();
DROP TRIGGER IF EXISTS portfolio_obligation_no_truncate ON portfolio_obligation;
DROP TRIGGER IF EXISTS ledger_payment_no_truncate ON ledger_payment;
DROP TRIGGER IF EXISTS ledger_tally_no_truncate ON ledger_tally;
DROP TRIGGER IF EXISTS ledger_entry_no_truncate ON ledger_entry;
DROP FUNCTION IF EXISTS ledger_refuse_truncate();
DROP TRIGGER IF EXISTS ledger_entry_tally ON ledger_entry;
DROP FUNCTION IF EXISTS ledger_entry_tally();
"""
SQLITE_TALLY_UP = [
    """CREATE TRIGGER IF NOT EXISTS ledger_entry_no_delete BEFORE DELETE ON ledger_entry
BEGIN SELECT RAISE(ABORT, 'ledger entries are append-only: post a reversal instead'); END;""",
    # One row per portfolio (the unique index), created by its first entry.
    "CREATE UNIQUE INDEX IF NOT EXISTS ledger_tally_one_per_portfolio ON ledger_tally (portfolio_id);",
    f"""CREATE TRIGGER IF NOT EXISTS ledger_entry_tally AFTER INSERT ON ledger_entry
BEGIN
  INSERT INTO ledger_tally (portfolio_id, entries, checksum) VALUES (NEW.portfolio_id, 1, {tally_term("NEW", "sqlite")})
  ON CONFLICT (portfolio_id) DO UPDATE
  SET entries = entries + 1, checksum = {tally_mod("checksum + excluded.checksum", "sqlite")};
END;""",
    """CREATE TRIGGER IF NOT EXISTS ledger_tally_no_delete BEFORE DELETE ON ledger_tally
BEGIN SELECT RAISE(ABORT, 'the ledger tally is kept by the database: it is never changed by hand'); END;""",
]
SQLITE_TALLY_DOWN = ["DROP TRIGGER IF EXISTS ledger_tally_no_delete;", "DROP TRIGGER IF EXISTS ledger_entry_tally;",
                     "DROP INDEX IF EXISTS ledger_tally_one_per_portfolio;",
                     "DROP TRIGGER IF EXISTS ledger_entry_no_delete;"]


def tally_backfill_sql(vendor: str) -> str:
    return (f"INSERT INTO ledger_tally (portfolio_id, entries, checksum) SELECT portfolio_id, count(*), "
            f"{tally_mod('sum(' + tally_term('e', vendor) + ')', vendor)} FROM ledger_entry e GROUP BY portfolio_id")


def add_tally(apps, schema_editor):
    """The tally of the entries already there, then the triggers that keep it and refuse deletions."""
    vendor = schema_editor.connection.vendor
    schema_editor.execute(tally_backfill_sql(vendor))
    if vendor == "postgresql":
        schema_editor.execute(PG_TALLY_UP)
    elif vendor == "sqlite":
        for statement in SQLITE_TALLY_UP:
            schema_editor.execute(statement)


def drop_tally(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(PG_TALLY_DOWN)
    elif vendor == "sqlite":
        for statement in SQLITE_TALLY_DOWN:
            schema_editor.execute(statement)


TRUNCATE_GUARDED = ("ledger_entry", "ledger_tally", "ledger_payment", "portfolio_obligation")


def flush_sql(vendor: str, statements: list[str]) -> list[str]:
    """Test-database resets only (pytest-django's flush between transactional tests): the statements that empty
    every table, with the ledger's deletion guards lifted around them inside the flush's transaction."""
    if vendor == "postgresql":
        lift = [f"ALTER TABLE {t} DISABLE TRIGGER {t}_no_truncate;" for t in TRUNCATE_GUARDED]
        back = [f"ALTER TABLE {t} ENABLE TRIGGER {t}_no_truncate;" for t in TRUNCATE_GUARDED]
        return lift + statements + back
    if vendor == "sqlite":
        return ["DROP TRIGGER IF EXISTS ledger_entry_no_delete;", "DROP TRIGGER IF EXISTS ledger_tally_no_delete;",
                *statements, SQLITE_TALLY_UP[0], SQLITE_TALLY_UP[3]]
    return statements


# From ledger migration 0017 on, SQLite's tally also keeps each portfolio's ledger volume: the absolute amounts of
# its entries plus its payments' amounts, held by the tally's check (ledger_tally_volume_bounded) to
# recaudo.core.amounts.MAX_SUM_MINOR (10^18). Every sum a page, report or command computes over a portfolio (a
# balance, an aging bucket, the portfolio's total, a debtor's credit) is then at most that, inside the 64-bit
# integers that SQLite's SUM() needs (it raises "integer overflow" beyond them). Each entry and payment is at most
# MAX_MINOR (their own checks run first), so the addition never overflows before the check refuses it.
# PostgreSQL sums bigints in numeric and needs no such bound: its volume stays 0 (docs/amounts.md).
SQLITE_TALLY_VOLUME_UP = [
    "DROP TRIGGER IF EXISTS ledger_entry_tally;",
    f"""CREATE TRIGGER IF NOT EXISTS ledger_entry_tally AFTER INSERT ON ledger_entry
BEGIN
  INSERT INTO ledger_tally (portfolio_id, entries, checksum, volume)
  VALUES (NEW.portfolio_id, 1, {tally_term("NEW", "sqlite")}, abs(NEW.amount_minor))
  ON CONFLICT (portfolio_id) DO UPDATE
  SET entries = entries + 1, checksum = {tally_mod("checksum + excluded.checksum", "sqlite")},
      volume = volume + excluded.volume;
END;""",
    """CREATE TRIGGER IF NOT EXISTS ledger_payment_volume AFTER INSERT ON ledger_payment
BEGIN
  INSERT INTO ledger_tally (portfolio_id, entries, checksum, volume) VALUES (NEW.portfolio_id, 0, 0, NEW.amount_minor)
  ON CONFLICT (portfolio_id) DO UPDATE SET volume = volume + excluded.volume;
END;""",
]
SQLITE_VOLUME_BACKFILL = """
INSERT INTO ledger_tally (portfolio_id, entries, checksum, volume)
SELECT v.portfolio_id, 0, 0, sum(v.amount) FROM (
  SELECT portfolio_id, sum(abs(amount_minor)) AS amount FROM ledger_entry GROUP BY portfolio_id
  UNION ALL SELECT portfolio_id, sum(amount_minor) FROM ledger_payment GROUP BY portfolio_id) v
WHERE true GROUP BY v.portfolio_id
ON CONFLICT (portfolio_id) DO UPDATE SET volume = excluded.volume
"""


def add_tally_volume(apps, schema_editor):
    """The tally's volume column and its check (both engines); on SQLite the volume of what is already there and
    the triggers that keep it. Raw SQL: Django would rebuild ledger_tally on SQLite, which the triggers naming it
    forbid."""
    bound = "volume >= 0 AND volume <= 1000000000000000000"
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        schema_editor.execute("ALTER TABLE ledger_tally ADD COLUMN volume bigint NOT NULL DEFAULT 0 "
                              f"CONSTRAINT ledger_tally_volume_bounded CHECK ({bound})")
        schema_editor.execute(SQLITE_VOLUME_BACKFILL)
        for statement in SQLITE_TALLY_VOLUME_UP:
            schema_editor.execute(statement)
    else:
        schema_editor.execute("ALTER TABLE ledger_tally ADD COLUMN volume bigint NOT NULL DEFAULT 0")
        schema_editor.execute(f"ALTER TABLE ledger_tally ADD CONSTRAINT ledger_tally_volume_bounded CHECK ({bound})")


def drop_tally_volume(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        schema_editor.execute("DROP TRIGGER IF EXISTS ledger_payment_volume;")
        schema_editor.execute("DROP TRIGGER IF EXISTS ledger_entry_tally;")
        schema_editor.execute(SQLITE_TALLY_UP[2])
        schema_editor.execute("ALTER TABLE ledger_tally DROP COLUMN volume")
    else:
        schema_editor.execute("ALTER TABLE ledger_tally DROP CONSTRAINT IF EXISTS ledger_tally_volume_bounded")
        schema_editor.execute("ALTER TABLE ledger_tally DROP COLUMN volume")
