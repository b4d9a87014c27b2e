"""The SQL of the ledger's database triggers that code outside the migrations needs at run time.

The triggers themselves are created by ledger migration 0001 (and the portfolio's key triggers by portfolio
migration 0001), frozen there as SQL for each engine; see that migration for what each one keeps:
- entries are append-only: both engines refuse UPDATE and DELETE of ledger entries, PostgreSQL also TRUNCATE of
  the ledger (docs/decisions/0011-ledger-tally.md);
- an entry's obligation, debtor and portfolio are checked together as one key (a trigger on SQLite, a statement
  trigger on PostgreSQL, where obligations are never deleted nor re-keyed: docs/decisions/0005);
- each portfolio's latest value date is kept in ledger_valuedatemark (docs/decisions/0006);
- every INSERT adds to the portfolio's tally (entries counted, and a checksum of each entry's id, obligation and
  amount), kept by the database in ledger_tally; `ledger verify` recomputes both from the entries with
  `tally_term` below, so an entry removed by direct SQL with the triggers disabled is still found. A test
  (recaudo/ledger/tests/test_tally.py) checks that the installed tally trigger computes the same term.

SQLite drops a table's triggers when a migration rebuilds it, and refuses to rebuild portfolio_obligation while the
entries' key trigger names it: a future migration that alters those tables on SQLite must drop the triggers and
create them again around the change, with their SQL copied into it (migrations never import project code).
"""

# The tally's checksum is a sum modulo 2^31-1 of non-negative terms, so the sum of the tally rows equals the
# entries' sum however the inserts were grouped; each term mixes the id with the other values, and both engines
# compute it with the same integer arithmetic.
TALLY_MODULUS = 2147483647


def tally_mod(a: str, vendor: str) -> str:
    """`a` modulo 2^31-1 (truncated, as both engines' % is); PostgreSQL's mod() keeps '%' out of statements that
    psycopg reads for placeholders."""
    return f"mod({a}, {TALLY_MODULUS})" if vendor == "postgresql" else f"(({a}) % {TALLY_MODULUS})"


def tally_term(alias: str, vendor: str) -> str:
    """SQL for one entry's checksum term (the same number on both engines): its amount and obligation, mixed with
    its id. Measured on SQLite, this and the tally trigger's upsert cost about 1.7 us an inserted row (a value-date
    term, through julianday(), doubled that)."""
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


# The deletion guards that test-database resets lift (SQLite drops them, PostgreSQL disables them), as ledger
# migration 0001 creates them.
SQLITE_DELETE_GUARDS = [
    """CREATE TRIGGER IF NOT EXISTS ledger_entry_no_delete BEFORE DELETE ON ledger_entry
BEGIN SELECT RAISE(ABORT, 'ledger entries are append-only: post a reversal instead'); END;""",
    """CREATE TRIGGER IF NOT EXISTS ledger_tally_no_delete BEFORE DELETE ON ledger_tally
BEGIN SELECT RAISE(ABORT, 'the ledger tally is kept by the database: it is never changed by hand'); END;""",
]
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
                *statements, *SQLITE_DELETE_GUARDS]
    return statements
