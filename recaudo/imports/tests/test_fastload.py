"""The initial-load path on PostgreSQL (recaudo.imports.fastload) gives what the general path gives: the same
counts, errors, rejected-rows CSV, debtors, contacts, obligations, ledger entries and audit events."""

import pytest
from django.db import connection

from recaudo.audit.models import AuditEvent
from recaudo.imports import fastload, services
from recaudo.imports.services import ImportFileError
from recaudo.ledger.models import Entry
from recaudo.ledger.services import ledger_verify
from recaudo.portfolio.models import Contact, Debtor, Obligation

from .helpers import errors, flat, run, write
from .test_obligations import ROW1, ROW2, ROW3
from .test_parse_process import many_rows, summary

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="the initial-load path is PostgreSQL's"),
]


def state(portfolio):
    return (
        sorted(Debtor.objects.filter(portfolio=portfolio).values_list(
            "code", "name", "kind", "id_type", "id_number", "customer_since", "tags", "language", "timezone",
            "balance_minor", "open_count", "oldest_due_date", "disputed", "credit_minor", "search_text")),
        sorted(Contact.objects.filter(debtor__portfolio=portfolio).values_list(
            "debtor__code", "channel", "value", "city", "role", "holder_name", "is_primary")),
        sorted(Obligation.objects.filter(portfolio=portfolio).values_list(
            "number", "debtor__code", "kind", "issue_date", "due_date", "original_minor", "currency", "balance_minor",
            "status", "description", "external_ref", "disputed")),
        sorted(Entry.objects.filter(portfolio=portfolio).values_list(
            "obligation__number", "debtor__code", "kind", "component", "amount_minor", "value_date", "memo",
            "payment_id", "created_by_id")),
        sorted((e.event_type, e.debtor.code if e.debtor else None, str(e.changes))
               for e in AuditEvent.objects.filter(portfolio=portfolio, event_type__in=["debtor.updated",
                                                                                     "obligation.updated"])),
    )


def both(monkeypatch, settings, portfolios, make_path, **options):
    """Import through the general path into one portfolio, through the initial-load path into the other."""
    outcomes = []
    for fast, portfolio in zip((False, True), portfolios, strict=True):
        settings.RECAUDO_IMPORT_FASTLOAD = fast
        used = []
        original = fastload.FastWriter.write

        def spy(self, chunk, _used=used, _original=original):
            _used.append(1)
            return _original(self, chunk)

        monkeypatch.setattr(fastload.FastWriter, "write", spy)
        result = run(portfolio, "obligations", make_path(), **options)
        monkeypatch.setattr(fastload.FastWriter, "write", original)
        assert bool(used) == (fast and result.rows > 0)
        outcomes.append((result, state(portfolio)))
    return outcomes


@pytest.mark.parametrize("parallel", ["0", "1"])
def test_valid_file_same_result(portfolio, other_portfolio, tmp_path, monkeypatch, parallel, settings):
    settings.RECAUDO_IMPORT_PARALLEL = parallel == "1"
    monkeypatch.setattr(services, "CHUNK_ROWS", 7)  # debtors span chunks: their summaries grow
    content = flat(ROW1, ROW2, ROW3, *many_rows(60))
    (a, state_a), (b, state_b) = both(monkeypatch, settings, (portfolio, other_portfolio),
                                      lambda: write(tmp_path, content))
    assert a.committed and a.created == 63 and a.debtors_created == 20 and a.debtors_updated == 7
    assert summary(a) == summary(b)
    assert state_a == state_b and len(state_a[3]) == 63
    assert ledger_verify(other_portfolio) == []


def test_creation_times_are_the_import_transaction_start(portfolio, other_portfolio, tmp_path, monkeypatch, settings):
    """The initial-load path leaves created_at and updated_at to PostgreSQL's default (the initial migrations): one
    time for every row, the start of the import's transaction."""
    both(monkeypatch, settings, (portfolio, other_portfolio), lambda: write(tmp_path, flat(ROW1, ROW2, ROW3)))
    with connection.cursor() as cursor:  # the test's own transaction, which holds the import's
        cursor.execute("SELECT transaction_timestamp()")
        start = cursor.fetchone()[0]
    times = set()
    for rows in (Debtor.objects.filter(portfolio=other_portfolio).values_list("created_at", "updated_at"),
                 Obligation.objects.filter(portfolio=other_portfolio).values_list("created_at", "updated_at"),
                 Contact.objects.filter(debtor__portfolio=other_portfolio).values_list("created_at", "created_at"),
                 Entry.objects.filter(portfolio=other_portfolio).values_list("created_at", "created_at")):
        for created, updated in rows:
            times |= {created, updated}
    assert times == {start}


def test_text_that_copy_must_escape(portfolio, other_portfolio, tmp_path, monkeypatch, settings):
    row = ('F-9;C9;"Ana \\ Tab\tNueva\nLínea";CC;1020304050;;ana\\x@example.co;factura;01/02/2026;03/03/2026;100;;'
           '"a\\b\tc\r\nd"')
    content = flat(row)
    (a, state_a), (b, state_b) = both(monkeypatch, settings, (portfolio, other_portfolio),
                                      lambda: write(tmp_path, content))
    assert b.committed and summary(a) == summary(b) and state_a == state_b
    assert Obligation.objects.get(portfolio=other_portfolio).description.startswith("a\\b\tc")
    assert Contact.objects.get(debtor__portfolio=other_portfolio).value == "ana\\x@example.co"


def test_debtor_data_changed_in_a_later_chunk(portfolio, other_portfolio, tmp_path, monkeypatch, settings):
    """A later chunk brings another name and a new e-mail for a debtor created earlier: updated with an audit
    event and the contact added, as the general path does."""
    monkeypatch.setattr(services, "CHUNK_ROWS", 2)
    later = ROW2.replace("F-2", "F-4").replace("Ana Pérez", "Ana María Pérez").replace("ana@", "ana.maria@")
    content = flat(ROW1, ROW2, ROW3, later, ROW3.replace("F-3", "F-5"))
    (a, state_a), (b, state_b) = both(monkeypatch, settings, (portfolio, other_portfolio),
                                      lambda: write(tmp_path, content))
    assert b.committed and b.debtors_updated == 1
    assert summary(a) == summary(b) and state_a == state_b
    assert ("debtor.updated", "C1") in {(e[0], e[1]) for e in state_b[4]}
    assert Debtor.objects.get(portfolio=other_portfolio, code="C1").name == "Ana María Pérez"


def test_debtor_values_written_otherwise_in_a_later_chunk_change_nothing(portfolio, other_portfolio, tmp_path,
                                                                         monkeypatch, settings):
    """A later chunk writes the same debtor's phone and ID another way (same data once validated): the debtor goes
    through the general upsert, which finds nothing changed: no update, no audit event, no new contact."""
    monkeypatch.setattr(services, "CHUNK_ROWS", 2)
    later = ROW2.replace("F-2", "F-4").replace("3001234567", "300 123 4567").replace("1020304050", "1.020.304.050")
    content = flat(ROW1, ROW2, ROW3, later)
    (a, state_a), (b, state_b) = both(monkeypatch, settings, (portfolio, other_portfolio),
                                      lambda: write(tmp_path, content))
    assert b.committed and b.created == 4 and b.debtors_updated == 0
    assert summary(a) == summary(b) and state_a == state_b
    assert "debtor.updated" not in {e[0] for e in state_b[4]}
    assert Contact.objects.filter(debtor__portfolio=other_portfolio, debtor__code="C1").count() == 2


def test_row_errors_and_unknown_debtors(portfolio, other_portfolio, tmp_path, monkeypatch, settings):
    monkeypatch.setattr(services, "CHUNK_ROWS", 4)
    rows = many_rows(20)
    rows[5] = rows[5].replace("01/01/2026", "31/02/2026")
    rows[13] = rows[1].replace("fila", "otra")
    rows.append(ROW1.replace("Ana Pérez", "").replace(";C1;", ";ZZ;"))  # no name: cannot be created
    content = flat(*rows)
    (a, state_a), (b, state_b) = both(monkeypatch, settings, (portfolio, other_portfolio),
                                      lambda: write(tmp_path, content),
                                      skip_invalid=True)
    assert b.committed and b.rejected == 3
    assert (22, "debtor_code", "ZZ", "unknown debtor 'ZZ': not in the portfolio and the row has no debtor name "
                                     "to create it") in errors(b)
    assert summary(a)[:-1] == summary(b)[:-1] and state_a == state_b


def test_all_or_nothing_and_dry_run(portfolio, other_portfolio, tmp_path, monkeypatch, settings):
    content = flat(ROW1, ROW2, ROW3.replace("28/02/2026", "31/02/2026"))
    (a, state_a), (b, state_b) = both(monkeypatch, settings, (portfolio, other_portfolio),
                                      lambda: write(tmp_path, content))
    assert not b.committed and summary(a) == summary(b) and state_b == ([], [], [], [], [])
    content = flat(ROW1, ROW2, ROW3)
    (a, _), (b, state_b) = both(monkeypatch, settings, (portfolio, other_portfolio), lambda: write(tmp_path, content),
                                dry_run=True)
    assert b.dry_run and b.created == 3 and summary(a) == summary(b) and state_b == ([], [], [], [], [])


def test_not_taken_when_the_portfolio_has_debtors(portfolio, tmp_path, monkeypatch, settings):
    run(portfolio, "obligations", write(tmp_path, flat(ROW1)))
    settings.RECAUDO_IMPORT_FASTLOAD = True
    monkeypatch.setattr(fastload.FastWriter, "write", lambda self, chunk: pytest.fail("initial-load path taken"))
    result = run(portfolio, "obligations", write(tmp_path, flat(ROW1, ROW2)))
    assert result.committed and result.created == 1 and result.unchanged == 1


def test_a_debtor_added_meanwhile_is_a_clear_error(portfolio, tmp_path, monkeypatch):
    """Another session adds a debtor with a code of the file while the import runs (simulated: the check that
    the portfolio is empty is skipped): a message, and nothing imported."""
    run(portfolio, "obligations", write(tmp_path, flat(ROW3)))
    monkeypatch.setattr(fastload, "enabled", lambda ctx: True)
    with pytest.raises(ImportFileError, match="received debtors or obligations from elsewhere"):
        run(portfolio, "obligations", write(tmp_path, flat(ROW1, ROW3.replace("F-3", "F-7"))))
    assert Obligation.objects.filter(portfolio=portfolio).count() == 1


def test_enabled_for_an_empty_portfolio_unless_turned_off(portfolio, monkeypatch, settings):
    ctx = type("Ctx", (), {"portfolio": portfolio})()
    assert fastload.enabled(ctx)
    settings.RECAUDO_IMPORT_FASTLOAD = False
    assert not fastload.enabled(ctx)


def test_copy_text():
    from datetime import date

    assert [fastload.copy_text(v) for v in (None, True, False, "a\\b\tc\nd\re", date(2026, 1, 2), 5)] == [
        "\\N", "t", "f", "a\\\\b\\tc\\nd\\re", "2026-01-02", "5"]


def test_created_debtors_table_keeps_every_code():
    """Open addressing over two 64-bit hashes of the code: every code back with its id and data hash, across
    the table's growth; unknown codes are None; set replaces."""
    table = fastload.CreatedDebtors(capacity=8)
    for i in range(5000):
        table.set(f"C{i:05d}", 10_000 + i, i + 1)
    assert all(table.get(f"C{i:05d}") == (10_000 + i, i + 1) for i in range(5000))
    assert table.get("C99999") is None and table.get("") is None
    table.set("C00007", 10_007, 42)
    assert table.get("C00007") == (10_007, 42)


def test_ids_are_drawn_from_the_sequences_and_never_reused(portfolio):
    """IdBlocks draws ascending ids from the table's sequence; the next ordinary insert gets a later one."""
    blocks = fastload.IdBlocks(Debtor._meta.db_table)
    ids = blocks.take(5)
    assert ids == sorted(ids) and len(set(ids)) == 5 and blocks.take(0) == []
    from recaudo.demo.testing import make_debtor

    assert make_debtor(portfolio, code="LATER", name="Después").pk > max(ids)


def test_outside_its_process_ids_come_through_a_connection_of_its_own():
    """In the forked parse process (simulated: another owner pid) IdBlocks opens its own connection, never the
    inherited one, and close() closes it."""
    blocks = fastload.IdBlocks(Obligation._meta.db_table)
    blocks.owner = -1
    ids = blocks.take(3)
    own = blocks.own
    assert len(ids) == 3 and own is not None and not own.closed
    assert blocks.take(2)[0] > max(ids)
    blocks.close()
    assert own.closed and blocks.own is None


def test_outside_its_process_blocks_are_drawn_ahead_and_handed_out_in_order():
    """The parse process's ids come from blocks a thread draws ahead: a request may span several blocks, every id
    is handed out once and in ascending order, and close() stops the thread."""
    blocks = fastload.IdBlocks(Obligation._meta.db_table)
    blocks.owner = -1
    blocks.PREFETCH = 4
    taken = [blocks.take(3), blocks.take(3), blocks.take(9), blocks.take(1)]
    ids = [i for block in taken for i in block]
    assert [len(b) for b in taken] == [3, 3, 9, 1]
    assert ids == sorted(ids) and len(set(ids)) == len(ids)
    thread = blocks._thread
    blocks.close()
    assert not thread.is_alive()


def test_a_parallel_initial_load_leaves_no_connection_behind(portfolio, tmp_path, monkeypatch, settings):
    """The parse process draws ids through a connection of its own: gone when the import ends."""
    import time

    settings.RECAUDO_IMPORT_PARALLEL = True
    monkeypatch.setattr(services, "CHUNK_ROWS", 7)

    def backends():
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()")
            return cursor.fetchone()[0]

    before = backends()
    result = run(portfolio, "obligations", write(tmp_path, flat(*many_rows(40))))
    assert result.committed and result.created == 40
    for _ in range(50):  # the server ends the backend a moment after the client closes
        if backends() == before:
            break
        time.sleep(0.1)
    assert backends() == before
