"""A collection file is applied a chunk at a time (services.CHUNK lines, each chunk its own transaction): a failure
midway keeps the chunks before it and a second import applies the rest; a line another import took meanwhile
sends its chunk line by line; a dry run keeps nothing whatever the chunks."""

import threading

import pytest
from django.db import connection
from django.utils import translation

from recaudo.audit.models import AuditEvent
from recaudo.banking import asobancaria, selectors, services
from recaudo.banking.models import BankLine
from recaudo.banking.tests import files
from recaudo.demo.testing import make_debtor, make_obligation, make_portfolio
from recaudo.ledger.models import Payment, Receipt
from recaudo.ledger.services import ledger_verify


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def _book():
    portfolio = make_portfolio()
    luz = make_debtor(portfolio, code="C001", id_type="CC", id_number="52123456")
    for n in range(1, 6):
        make_obligation(portfolio, luz, number=f"10{n}", amount="1000000")
    return portfolio


FIVE = files.file_2001([("7709998000011", [("101", 100_000), ("102", 200_000), ("103", 300_000),
                                           ("104", 400_000), ("nope", 500)])])


def _import(portfolio, text, **kwargs):
    return services.bank_file_import(portfolio=portfolio, content=text.encode(), actor="test", **kwargs)


def _crash_on_chunk(monkeypatch, n: int):
    """services._apply_chunk raising on its n-th call (the server stopping); returns the real one."""
    apply_chunk = services._apply_chunk
    calls = []

    def crashing(context, chunk):
        calls.append(len(chunk))
        if len(calls) == n:
            raise RuntimeError("the server stopped")
        apply_chunk(context, chunk)

    monkeypatch.setattr(services, "_apply_chunk", crashing)
    return apply_chunk


@pytest.mark.django_db(transaction=True)
def test_a_failure_midway_keeps_the_chunks_applied_and_a_second_import_applies_the_rest(monkeypatch):
    portfolio = _book()
    monkeypatch.setattr(services, "CHUNK", 2)
    monkeypatch.setattr(services, "WORKERS", 1)  # one thread: the chunks in the file's order (PostgreSQL below)
    apply_chunk = _crash_on_chunk(monkeypatch, 2)
    with pytest.raises(RuntimeError):
        _import(portfolio, FIVE)
    # the first chunk was committed on its own; the second rolled back; the file's audit event is not written
    assert sorted(Payment.objects.values_list("reference", flat=True)) == ["101", "102"]
    assert BankLine.objects.count() == 2 and Receipt.objects.count() == 2
    assert not AuditEvent.objects.filter(event_type="banking.file_imported").exists()
    monkeypatch.setattr(services, "_apply_chunk", apply_chunk)
    again = _import(portfolio, FIVE)
    assert [line.outcome for line in again.lines] == ["duplicate", "duplicate", "applied", "applied", "queued"]
    assert Payment.objects.count() == 4 and BankLine.objects.count() == 5
    assert sorted(Receipt.objects.values_list("number", flat=True)) == [1, 2, 3, 4]  # no gap, no repeat
    assert ledger_verify(portfolio) == []


@pytest.mark.django_db
def test_chunks_give_what_one_chunk_gives(monkeypatch):
    portfolio = _book()
    monkeypatch.setattr(services, "CHUNK", 2)
    seen = []
    result = _import(portfolio, FIVE, progress=lambda stage, done, total: seen.append((stage, done, total)))
    assert [line.outcome for line in result.lines] == ["applied"] * 4 + ["queued"]
    assert seen == [("read", 5, 5), ("match", 5, 5), ("apply", 2, 5), ("apply", 4, 5), ("apply", 5, 5)]
    assert list(Receipt.objects.order_by("number").values_list("payment__reference", flat=True)) == [
        "101", "102", "103", "104"]  # numbered in the file's order
    assert AuditEvent.objects.filter(event_type="payment.recorded").count() == 4
    assert AuditEvent.objects.filter(event_type="receipt.issued").count() == 4
    assert ledger_verify(portfolio) == []


@pytest.mark.django_db
def test_a_line_taken_meanwhile_sends_its_chunk_line_by_line(monkeypatch):
    portfolio = _book()
    # Another import reads the last line between this one's look-up of known keys and its insert: the chunk's
    # bank line breaks the unique key, the chunk is undone and its lines go one by one.
    file = asobancaria.read(FIVE.encode()).file
    BankLine.objects.create(portfolio=portfolio, source_key=services.source_keys(file)[4], layout=file.layout,
                            file_sha256="0" * 64, line_number=7, bank_date=file.header.collection_date,
                            amount_minor=500, status=BankLine.Status.QUEUED)
    monkeypatch.setattr(selectors, "known_keys", lambda portfolio, keys: set())
    result = _import(portfolio, FIVE)
    assert [line.outcome for line in result.lines] == ["applied"] * 4 + ["duplicate"]
    assert Payment.objects.count() == 4 and BankLine.objects.count() == 5
    assert ledger_verify(portfolio) == []


@pytest.mark.django_db
def test_a_dry_run_in_chunks_keeps_nothing(monkeypatch):
    portfolio = _book()
    monkeypatch.setattr(services, "CHUNK", 2)
    result = _import(portfolio, FIVE, dry_run=True)
    assert [line.outcome for line in result.lines] == ["applied"] * 4 + ["queued"]
    assert not Payment.objects.exists() and not BankLine.objects.exists() and not AuditEvent.objects.filter(
        event_type__startswith="banking").exists()


def _many_debtors():
    """Six debtors of two obligations each (numbers 2n1 and 2n2), and a file paying each obligation, the first
    debtor's first obligation twice (in two payments), plus a reference that names nothing."""
    portfolio = make_portfolio()
    for n in range(1, 7):
        debtor = make_debtor(portfolio, code=f"C{n}", id_type="CC", id_number=f"5200000{n}")
        for k in (1, 2):
            make_obligation(portfolio, debtor, number=f"{n}0{k}", amount="1000000")
    lines = [(f"{n}0{k}", 100_000_000) for n in range(1, 7) for k in (1, 2)]
    lines[1:1] = [("101", 10_000)]  # the first debtor's second payment, after the first in the file
    lines.append(("nope", 500))
    return portfolio, files.file_2001([("7709998000011", lines)])


@pytest.mark.skipif(connection.vendor != "postgresql", reason="threads apply the chunks on PostgreSQL only")
@pytest.mark.django_db(transaction=True)
def test_on_postgresql_threads_apply_the_chunks_shared_out_by_debtor(monkeypatch):
    portfolio, text = _many_debtors()
    monkeypatch.setattr(services, "CHUNK", 2)
    threads, debtors_by_thread = set(), {}
    apply_chunk = services._apply_chunk

    def watched(context, chunk):
        name = threading.current_thread().name
        threads.add(name)
        for item in chunk:
            if item.target is not None:
                debtors_by_thread.setdefault(item.target.debtor_id, set()).add(name)
        apply_chunk(context, chunk)

    monkeypatch.setattr(services, "_apply_chunk", watched)
    seen = []
    result = _import(portfolio, text, progress=lambda stage, done, total: seen.append((stage, done, total)))
    assert [line.outcome for line in result.lines] == ["applied"] * 13 + ["queued"]
    assert len(threads) == 2 and all(name.startswith("bank-file") for name in threads)
    assert all(len(names) == 1 for names in debtors_by_thread.values())  # a debtor's lines in one thread
    applied = [done for stage, done, _total in seen if stage == "apply"]
    assert applied == sorted(applied) and applied[-1] == 14
    assert sorted(Receipt.objects.values_list("number", flat=True)) == list(range(1, 14))  # no gap, no repeat
    # the first debtor's second payment came after the first (101 already paid): it went to 102
    second = Payment.objects.get(reference="101", amount_minor=10_000)
    assert set(second.entries.values_list("obligation__number", flat=True)) == {"102"}
    assert AuditEvent.objects.filter(event_type="payment.recorded").count() == 13
    assert AuditEvent.objects.filter(event_type="banking.file_imported").count() == 1
    assert ledger_verify(portfolio) == []
    again = _import(portfolio, text)
    assert [line.outcome for line in again.lines] == ["duplicate"] * 14


@pytest.mark.skipif(connection.vendor != "postgresql", reason="threads apply the chunks on PostgreSQL only")
@pytest.mark.django_db(transaction=True)
def test_on_postgresql_a_thread_failing_stops_the_others_and_a_second_import_applies_the_rest(monkeypatch):
    portfolio, text = _many_debtors()
    monkeypatch.setattr(services, "CHUNK", 2)
    apply_chunk = _crash_on_chunk(monkeypatch, 3)
    with pytest.raises(RuntimeError):
        _import(portfolio, text)
    assert not AuditEvent.objects.filter(event_type="banking.file_imported").exists()
    kept = Payment.objects.count()
    assert 0 < kept < 13 and Receipt.objects.count() == kept
    monkeypatch.setattr(services, "_apply_chunk", apply_chunk)
    again = _import(portfolio, text)
    assert again.count("applied") == 13 - kept
    assert sorted(Receipt.objects.values_list("number", flat=True)) == list(range(1, 14))
    assert BankLine.objects.count() == 14 and ledger_verify(portfolio) == []
