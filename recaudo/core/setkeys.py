"""Foreign keys checked once per INSERT statement on PostgreSQL (docs/decisions/0006 and 0007).

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

The triggers are created by the initial migrations (portfolio 0001 for the portfolio's tables, ledger 0001 for the
entries'), their SQL frozen there. The models still declare these foreign keys (on SQLite they are real), so Django
believes PostgreSQL has them too: a migration that alters one of these fields on PostgreSQL would add the
constraint back, and must drop it again and recreate the triggers, with their SQL copied into it. A test
(recaudo/core/tests/test_setkeys.py) fails while PostgreSQL's schema differs from EDGES.
"""

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
