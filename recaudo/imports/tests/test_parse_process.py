"""The parse process of large imports (recaudo.imports.parse_process), forced on small files: same results and errors
as the in-process path, errors of the child raised in the parent, no process left behind."""

import multiprocessing

import pytest

from recaudo.imports import obligations, services
from recaudo.imports import parse_process as parallel
from recaudo.imports.run_state import SeenKeys
from recaudo.imports.services import ImportFileError
from recaudo.ledger.models import Entry
from recaudo.ledger.services import ledger_verify
from recaudo.portfolio.models import Contact, Debtor, Obligation

from .helpers import errors, flat, run, write
from .test_obligations import ROW1, ROW2, ROW3

pytestmark = pytest.mark.django_db


def both(monkeypatch, settings, portfolios, make_path, **options):
    """Import in process into one portfolio, through the parse process into another: [(result, state)] x 2."""
    outcomes = []
    for forced, portfolio in zip(("0", "1"), portfolios, strict=True):
        settings.RECAUDO_IMPORT_PARALLEL = forced == "1"
        calls = []
        original = parallel.parsed_chunks

        def spy(*args, parallel, _original=original, _calls=calls, **kwargs):
            _calls.append(parallel)
            return _original(*args, parallel=parallel, **kwargs)

        monkeypatch.setattr(services, "parsed_chunks", spy)
        result = run(portfolio, "obligations", make_path(), **options)
        monkeypatch.setattr(services, "parsed_chunks", original)
        assert calls == [forced == "1"]
        outcomes.append((result, state(portfolio)))
    assert not multiprocessing.active_children()
    return outcomes


def state(portfolio):
    return (
        sorted(Debtor.objects.filter(portfolio=portfolio).values_list(
            "code", "name", "id_number", "balance_minor", "open_count", "oldest_due_date", "search_text")),
        sorted(Contact.objects.filter(debtor__portfolio=portfolio).values_list(
            "debtor__code", "channel", "value", "is_primary")),
        sorted(Obligation.objects.filter(portfolio=portfolio).values_list(
            "number", "debtor__code", "kind", "issue_date", "due_date", "original_minor", "balance_minor",
            "description")),
        sorted(Entry.objects.filter(portfolio=portfolio).values_list(
            "obligation__number", "kind", "amount_minor", "value_date")),
    )


def summary(result):
    return (result.created, result.updated, result.unchanged, result.rejected, result.rows, result.committed,
            result.debtors_created, result.debtors_updated, result.error_count, errors(result), result.message)


def many_rows(n, start=0):
    return [f"N-{i};C{i // 3};Cliente {i // 3};CC;{1020304050 + i // 3};30012345{i % 90 + 10};;factura;"
            f"01/01/2026;{(i % 27) + 1:02d}/02/2026;{1000 + i};;fila {i}" for i in range(start, start + n)]


def test_valid_file_same_result(portfolio, other_portfolio, tmp_path, monkeypatch, settings):
    monkeypatch.setattr(services, "CHUNK_ROWS", 7)
    content = flat(ROW1, ROW2, ROW3, *many_rows(60))
    (a, state_a), (b, state_b) = both(monkeypatch, settings, (portfolio, other_portfolio),
                                      lambda: write(tmp_path, content))
    assert a.committed and a.created == 63 and a.debtors_created == 20
    assert summary(a) == summary(b)
    assert state_a == state_b and state_a[2]


def test_row_errors_and_duplicates_across_chunks(portfolio, other_portfolio, tmp_path, monkeypatch, settings):
    monkeypatch.setattr(services, "CHUNK_ROWS", 4)
    rows = many_rows(20)
    rows[5] = rows[5].replace("01/01/2026", "31/02/2026")
    rows[9] = rows[9].replace(";factura;", ";bono;")
    rows[13] = rows[1].replace("fila", "otra")  # duplicate number across chunks
    rows.append(rows[2])
    rows.append(ROW1.replace("Ana Pérez", "").replace(";C1;", ";ZZ;"))  # unknown debtor, no name: rejected when writing
    content = flat(*rows)
    (a, state_a), (b, state_b) = both(monkeypatch, settings, (portfolio, other_portfolio),
                                      lambda: write(tmp_path, content))
    assert not a.committed and a.rejected == 5
    assert (3, "number", "N-1", "duplicate obligation number (also on row 15)") in errors(a)
    assert summary(a) == summary(b)
    assert state_a == state_b == ([], [], [], [])


def test_skip_invalid_rejected_csv_same(portfolio, other_portfolio, tmp_path, monkeypatch, settings):
    monkeypatch.setattr(services, "CHUNK_ROWS", 3)
    rows = many_rows(10)
    rows[4] = rows[4].replace("3001234", "12")
    rows.append(rows[0])
    content = flat(*rows, ROW3.replace("28/02/2026", "31/02/2026"))
    outputs = []

    def make():
        path = write(tmp_path, content, name="cartera.csv")
        outputs.append(path.with_name("cartera.rejected.csv"))
        return path

    results = []
    for forced, target in (("0", portfolio), ("1", other_portfolio)):
        settings.RECAUDO_IMPORT_PARALLEL = forced == "1"
        result = run(target, "obligations", make(), skip_invalid=True)
        results.append((result, state(target), outputs[-1].read_text(encoding="utf-8-sig")))
    (a, state_a, csv_a), (b, state_b, csv_b) = results
    assert a.committed and a.rejected == 3 and a.created == 9
    assert summary(a) == summary(b) and state_a == state_b
    assert csv_a == csv_b and len(csv_a.splitlines()) == 4


def test_dry_run_same(portfolio, other_portfolio, tmp_path, monkeypatch, settings):
    monkeypatch.setattr(services, "CHUNK_ROWS", 5)
    content = flat(ROW1, ROW2, ROW3, *many_rows(12))
    (a, state_a), (b, state_b) = both(monkeypatch, settings, (portfolio, other_portfolio),
                                      lambda: write(tmp_path, content),
                                      dry_run=True)
    assert a.dry_run and not a.committed and a.created == 15 and a.debtors_created == 4
    assert summary(a) == summary(b) and state_a == state_b == ([], [], [], [])


def test_encoding_error_in_the_middle_is_raised_with_its_message(portfolio, tmp_path, monkeypatch, settings):
    monkeypatch.setattr(services, "CHUNK_ROWS", 3)
    head = flat(*many_rows(2000)).encode("utf-8")
    content = head + "N-X;CX;Peña;CC;123456;;;;01/01/2026;31/01/2026;5;;\n".encode("latin-1")
    messages = []
    for forced in ("0", "1"):
        settings.RECAUDO_IMPORT_PARALLEL = forced == "1"
        with pytest.raises(ImportFileError) as exc:
            run(portfolio, "obligations", write(tmp_path, content), encoding="utf-8")
        messages.append(str(exc.value))
        assert Obligation.objects.count() == 0
    assert messages[0] == messages[1]
    assert messages[0].startswith("file.csv, line 2002: the text is not valid utf-8")
    assert not multiprocessing.active_children()


def test_parent_failure_stops_the_child(portfolio, tmp_path, monkeypatch, settings):
    monkeypatch.setattr(services, "CHUNK_ROWS", 2)
    settings.RECAUDO_IMPORT_PARALLEL = True
    monkeypatch.setattr(parallel, "QUEUE_CHUNKS", 1)
    calls = []

    def boom(self, parsed):
        calls.append(parsed.rows)
        if len(calls) == 2:
            raise RuntimeError("disk full")
        return original(self, parsed)

    original = obligations.ObligationImporter.write
    monkeypatch.setattr(obligations.ObligationImporter, "write", boom)
    with pytest.raises(RuntimeError, match="disk full"):
        run(portfolio, "obligations", write(tmp_path, flat(*many_rows(400))))
    assert not multiprocessing.active_children()
    assert Obligation.objects.count() == 0


def test_child_exception_comes_back(portfolio, tmp_path, monkeypatch, settings):
    settings.RECAUDO_IMPORT_PARALLEL = True

    class Odd(Exception):
        def __init__(self, a, b):  # does not unpickle from its args: sent back as a RuntimeError
            super().__init__(f"{a}/{b}")

    def explode(self, chunk, keep_values=False):
        raise Odd("x", "y")

    monkeypatch.setattr(obligations.ObligationParser, "parse_chunk", explode)
    with pytest.raises(RuntimeError, match="Odd: x/y"):
        run(portfolio, "obligations", write(tmp_path, flat(ROW1)))

    def fail(self, chunk, keep_values=False):
        raise ValueError("bad value")

    monkeypatch.setattr(obligations.ObligationParser, "parse_chunk", fail)
    with pytest.raises(ValueError, match="bad value"):
        run(portfolio, "obligations", write(tmp_path, flat(ROW1)))
    assert not multiprocessing.active_children()


def test_threshold(monkeypatch, settings):
    settings.RECAUDO_IMPORT_PARALLEL = None
    monkeypatch.setattr(services.os, "cpu_count", lambda: 2)
    assert services._parallel(services.PARALLEL_MIN_ROWS) and not services._parallel(1000)
    monkeypatch.setattr(services.os, "cpu_count", lambda: 1)
    assert not services._parallel(10**6)
    settings.RECAUDO_IMPORT_PARALLEL = True
    assert services._parallel(0)


def test_seen_keys_grows_and_finds_first_rows():
    seen = SeenKeys(capacity=4)
    for i in range(1000):
        assert seen.first_or_add(hash(f"N-{i}"), i + 2) is None
    assert len(seen) == 1000
    assert seen.first_or_add(hash("N-10"), 5000) == 12
    assert seen.first_or_add(0, 7) is None and seen.first_or_add(0, 8) == 7


def test_ledger_consistent_after_parallel_import(portfolio, tmp_path, monkeypatch, settings):
    monkeypatch.setattr(services, "CHUNK_ROWS", 4)
    settings.RECAUDO_IMPORT_PARALLEL = True
    result = run(portfolio, "obligations", write(tmp_path, flat(*many_rows(40))))
    assert result.committed and result.created == 40
    assert ledger_verify(portfolio) == []


def test_the_import_collects_young_objects_less_often_and_restores_the_thresholds(portfolio, tmp_path):
    """During an import the youngest generation is collected every GC_YOUNG allocations (a chunk's rows are
    freed by reference counting; scanning them cost a sixth of the parse); afterwards, as before, and nothing the
    import froze stays frozen."""
    import gc

    before, frozen = gc.get_threshold(), gc.get_freeze_count()
    seen = []
    result = services.import_file(portfolio=portfolio, kind="obligations", path=write(tmp_path, flat(*many_rows(3))),
                                  options=services.ImportOptions(), progress=lambda done, total: seen.append(
                                      gc.get_threshold()))
    assert result.committed
    assert seen[-1] == (services.GC_YOUNG, *before[1:])  # the first report comes before the rows
    assert gc.get_threshold() == before and gc.get_freeze_count() == frozen


def test_the_parse_process_collects_garbage_every_few_chunks_only(monkeypatch):
    """The forked parse process turns automatic collections off and collects every COLLECT_EVERY chunks (run here
    in this process, with the collector's switches recorded instead of thrown)."""
    calls = []
    monkeypatch.setattr(parallel.gc, "freeze", lambda: calls.append("freeze"))
    monkeypatch.setattr(parallel.gc, "disable", lambda: calls.append("disable"))
    monkeypatch.setattr(parallel.gc, "collect", lambda *args: calls.append("collect"))

    class Channel:
        def __init__(self):
            self.items = []

        def put(self, item):
            self.items.append(item)

        def close(self):
            pass

        def join_thread(self):
            pass

    channel = Channel()
    parallel._child_main(lambda: iter(range(2 * parallel.COLLECT_EVERY + 3)), lambda chunk: chunk * 2, channel)
    assert calls == ["freeze", "disable", "collect", "collect"]
    assert channel.items[0] == ("ready", None) and channel.items[-1] == ("done", None)
    assert len(channel.items) == 2 * parallel.COLLECT_EVERY + 5  # ready, 23 chunks, done


def _allocate(chunk):
    return bytearray(512 << 20)  # more than the budget below


def test_the_parse_process_memory_is_capped(settings):
    settings.RECAUDO_IMPORT_MEMORY_MB = 256
    with pytest.raises(MemoryError):
        list(parallel.parsed_chunks(lambda: [1], _allocate, parallel=True))
    assert not multiprocessing.active_children()
    settings.RECAUDO_IMPORT_MEMORY_MB = 2048
    assert [len(b) for b in parallel.parsed_chunks(lambda: [1], _allocate, parallel=True)] == [512 << 20]


def test_running_out_of_memory_is_a_failed_import_not_an_internal_error(portfolio, tmp_path, monkeypatch,
                                                                         settings):
    from recaudo.imports.models import ImportJob
    from recaudo.imports.tasks import run_import_job

    settings.RECAUDO_IMPORT_MEMORY_MB = 300
    settings.RECAUDO_IMPORT_PARALLEL = True
    monkeypatch.setattr(obligations.ObligationImporter, "parse_chunk", lambda self, chunk, keep: _allocate(chunk))
    path = write(tmp_path, flat(ROW1, ROW2))
    with pytest.raises(ImportFileError, match=r"file.csv: la importación se quedó sin memoria \(el límite es 300 MB, "
                                              r"RECAUDO_IMPORT_MEMORY_MB\) y no se importó nada"):
        run(portfolio, "obligations", path)
    job = ImportJob.objects.create(portfolio=portfolio, kind="obligations", filename="file.csv", stored_path=str(path))
    run_import_job.enqueue(job.pk)
    job.refresh_from_db()
    assert job.status == "failed" and job.message.startswith("file.csv: la importación se quedó sin memoria")
    assert not Obligation.objects.exists() and not multiprocessing.active_children()


def test_the_task_worker_is_capped_during_an_import_only(portfolio, tmp_path, settings):
    import resource

    settings.RECAUDO_IMPORT_MEMORY_MB = 1024
    before = resource.getrlimit(resource.RLIMIT_AS)
    seen = []
    with parallel.memory_limit():
        seen.append(resource.getrlimit(resource.RLIMIT_AS)[0])
        with pytest.raises(MemoryError):
            bytearray(2048 << 20)
    assert resource.getrlimit(resource.RLIMIT_AS) == before
    assert seen[0] != resource.RLIM_INFINITY and seen[0] - parallel._address_space() < 1100 << 20
