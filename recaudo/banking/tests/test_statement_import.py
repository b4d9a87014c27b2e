"""Importing a bank statement: credits as statement bank lines (applied or queued), debits skipped, idempotent
re-imports, identical lines, refusals, and the auto layout."""

from datetime import date
from decimal import Decimal

import pytest
from django.utils import translation

from recaudo.audit.models import AuditEvent
from recaudo.banking import services
from recaudo.banking.models import BankLine, StatementMapping
from recaudo.banking.services import BankingError
from recaudo.banking.tests import files
from recaudo.banking.tests import statement_files as sf
from recaudo.demo.testing import make_debtor, make_obligation, make_portfolio, make_user
from recaudo.ledger.models import Payment

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _spanish():
    with translation.override("es-co"):
        yield


@pytest.fixture
def book():
    portfolio = make_portfolio()
    luz = make_debtor(portfolio, code="C001", id_type="CC", id_number="52123456")
    pedro = make_debtor(portfolio, code="C002", name="Pedro Gómez", id_type="CC", id_number="79111222")
    make_obligation(portfolio, luz, number="1203", amount="2000000")
    make_obligation(portfolio, pedro, number="FV-77", amount="900000")
    return portfolio, luz, pedro


def _split_mapping(portfolio, name="bancolombia"):
    return services.statement_mapping_save(
        portfolio=portfolio, name=name, date_column="Fecha", reference_column="Referencia",
        description_column="Descripcion", debit_column="Retiros", credit_column="Consignaciones", separator=";",
        header_lines_skip=1, footer_lines_skip=1, account="123-456789-01", actor="test")


def _import(portfolio, content, **kwargs):
    return services.bank_statement_import(portfolio=portfolio, content=content, actor="test", **kwargs)


def test_csv_statement_credits_applied_or_queued_debits_skipped(book):
    portfolio, luz, pedro = book
    _split_mapping(portfolio)
    result = _import(portfolio, sf.BANCOLOMBIA_SPLIT.encode("cp1252"), layout="csv")
    assert [(x.line, x.reference, x.amount_cents, x.outcome) for x in result.lines] == [
        (3, "1203", 123_456_789, "applied"), (5, "C002", 50_000_000, "applied")]
    assert (result.debits_skipped, result.debits_skipped_total_cents) == (1, 20_000_000)
    summary = result.summary()
    assert (summary["read"], summary["applied"], summary["debits_skipped"]) == (2, 2, 1)
    first = Payment.objects.get(pk=result.lines[0].payment_id)
    assert (first.debtor, first.obligation.number, first.amount_minor, first.date, first.source) == (
        luz, "1203", 123_456_789, date(2026, 3, 1), "statement")
    assert first.method == "Extracto CSV" and first.reference == "1203"
    line = first.bank_line
    assert (line.kind, line.layout, line.line_number, line.description, line.status) == (
        "statement", "csv", 3, "PAGO FACTURA", "applied")
    assert line.source_key.startswith("stmt:")
    assert Payment.objects.get(pk=result.lines[1].payment_id).debtor == pedro
    luz.refresh_from_db()
    assert luz.balance_minor == 200_000_000 - 123_456_789
    assert BankLine.objects.count() == 2  # the debit is not kept
    event = AuditEvent.objects.get(event_type="banking.statement_imported")
    assert event.changes["applied"] == 2 and event.changes["mapping"] == "bancolombia"


def test_reimport_is_all_duplicates_and_nothing_twice(book):
    portfolio, luz, _pedro = book
    _split_mapping(portfolio)
    content = sf.BANCOLOMBIA_SPLIT.encode("cp1252")
    _import(portfolio, content)
    again = _import(portfolio, content)
    assert [x.outcome for x in again.lines] == ["duplicate", "duplicate"]
    assert Payment.objects.count() == 2 and BankLine.objects.count() == 2
    luz.refresh_from_db()
    assert luz.balance_minor == 200_000_000 - 123_456_789


def test_without_a_reference_the_line_waits_for_review(book):
    portfolio, _luz, _pedro = book
    services.statement_mapping_save(portfolio=portfolio, name="valor", date_column="Fecha",
                                    description_column="Descripción", amount_column="Valor", actor="test")
    result = _import(portfolio, sf.BANCOLOMBIA_VALOR.encode())  # auto: CSV through the only mapping
    assert result.layout == "csv"
    # line 2's description names obligation 1203 (50 points, matching): a suggestion, under the score of 90
    assert [(x.line, x.outcome, x.reason) for x in result.lines] == [
        (2, "queued", "la mejor sugerencia tiene puntaje 50, por debajo del 90 de la cartera para aplicarse sola"),
        (4, "queued", "la línea no trae referencia")]
    queued = BankLine.objects.get(line_number=2)
    assert [(s["score"], s["reasons"][0]["code"]) for s in queued.suggestions] == [(50, "description_obligation")]
    assert queued.description == "PAGO PSE FV 1203 LUZ PEREZ" and queued.amount_minor == 123_456_789
    assert Payment.objects.count() == 0


def test_identical_lines_in_one_file_are_two_payments(book):
    portfolio, luz, _pedro = book
    services.statement_mapping_save(portfolio=portfolio, name="m", date_column="Fecha", reference_column="Ref",
                                    amount_column="Valor", actor="test")
    text = "Fecha,Ref,Valor\n01/03/2026,1203,\"100,00\"\n01/03/2026,1203,\"100,00\"\n"
    result = _import(portfolio, text.encode())
    assert [x.outcome for x in result.lines] == ["applied", "applied"]
    keys = list(BankLine.objects.order_by("line_number").values_list("source_key", flat=True))
    assert keys[1] == keys[0] + "-2"
    # a later statement with the same two lines and a third identical one: only the third is new
    text3 = text + "01/03/2026,1203,\"100,00\"\n"
    assert [x.outcome for x in _import(portfolio, text3.encode()).lines] == ["duplicate", "duplicate", "applied"]
    luz.refresh_from_db()
    assert luz.balance_minor == 200_000_000 - 30_000


def test_the_bank_transaction_id_is_the_key_whatever_else_changes(book):
    portfolio, _luz, _pedro = book
    first = sf.ofx_sgml([("F1", "20260301", "1000.00", "LUZ", "1203")])
    _import(portfolio, first)
    renamed = sf.ofx_sgml([("F1", "20260301", "1000.00", "LUZ MARINA", "otra descripción")])
    assert [x.outcome for x in _import(portfolio, renamed).lines] == ["duplicate"]
    other = sf.ofx_sgml([("F2", "20260301", "1000.00", "LUZ", "1203")])
    assert [x.outcome for x in _import(portfolio, other).lines] == ["queued"]


def test_ofx_sgml_and_xml_import(book):
    portfolio, _luz, pedro = book
    result = _import(portfolio, sf.ofx_xml([("X9", "20260303", "500000.00", "PEDRO GOMEZ", "pago")]))
    assert result.layout == "ofx" and [x.outcome for x in result.lines] == ["queued"]
    line = BankLine.objects.get()
    assert (line.transaction_id, line.payer_name, line.kind) == ("X9", "PEDRO GOMEZ", "statement")
    result = _import(portfolio, sf.ofx_sgml([("F2", "20260302", "-12000.00", "BANCO", "COMISION")]))
    assert result.lines == [] and result.debits_skipped == 1


@pytest.mark.parametrize("version", ["02", "08"])
def test_camt053_import_applies_the_structured_reference(book, version):
    portfolio, luz, _pedro = book
    content = sf.camt053([
        {"amount": "150000.00", "indicator": "CRDT", "date": "2026-03-01", "ref": "BK1", "strd": "1203",
         "payer": "LUZ PEREZ"},
        {"amount": "20000.00", "indicator": "DBIT", "date": "2026-03-02", "ref": "BK2"}], version=version)
    result = _import(portfolio, content)
    assert [(x.outcome, x.amount_cents) for x in result.lines] == [("applied", 15_000_000)]
    payment = Payment.objects.get()
    assert payment.debtor == luz and payment.method == "Extracto CAMT053"
    assert payment.bank_line.payer_name == "LUZ PEREZ" and payment.bank_line.transaction_id == "BK1"


def test_mt940_import(book):
    portfolio, luz, _pedro = book
    result = _import(portfolio, sf.MT940.encode(), layout="mt940")
    assert [(x.line, x.outcome) for x in result.lines] == [(5, "applied"), (9, "queued")]
    assert result.debits_skipped == 1
    assert Payment.objects.get().debtor == luz


def test_a_statement_in_another_currency_is_refused_whole(book):
    portfolio, _luz, _pedro = book
    with pytest.raises(BankingError) as caught:
        _import(portfolio, sf.ofx_sgml([("F1", "20260301", "10.00", "A", "B")], currency="USD"))
    assert caught.value.problems == ["movimiento 1, moneda: el movimiento está en USD y la cartera en COP"]
    assert BankLine.objects.count() == 0


def test_a_refused_file_writes_nothing(book):
    portfolio, _luz, _pedro = book
    _split_mapping(portfolio)
    bad = sf.BANCOLOMBIA_SPLIT.replace("03/03/2026", "33/03/2026").encode()
    with pytest.raises(BankingError) as caught:
        _import(portfolio, bad)
    assert caught.value.problems == ["fila 5, Fecha: '33/03/2026' no es una fecha %d/%m/%Y"]
    assert BankLine.objects.count() == 0 and Payment.objects.count() == 0
    assert not AuditEvent.objects.filter(event_type="banking.statement_imported").exists()


def test_more_decimals_than_the_currency_is_refused(book):
    portfolio, _luz, _pedro = book
    with pytest.raises(BankingError) as caught:
        _import(portfolio, sf.ofx_sgml([("F1", "20260301", "10.001", "A", "B")]))
    assert caught.value.problems == ["movimiento 1, valor: 10.001 tiene más de 2 decimales"]


def test_a_csv_needs_a_mapping_and_names_unknown_ones(book):
    portfolio, _luz, _pedro = book
    with pytest.raises(BankingError) as caught:
        _import(portfolio, sf.BANCOLOMBIA_VALOR.encode())
    assert caught.value.field == "mapping"
    with pytest.raises(BankingError):
        _import(portfolio, sf.BANCOLOMBIA_VALOR.encode(), mapping_name="nope")


def test_dry_run_keeps_nothing(book):
    portfolio, _luz, _pedro = book
    result = _import(portfolio, sf.MT940.encode(), dry_run=True)
    assert [x.outcome for x in result.lines] == ["applied", "queued"]
    assert BankLine.objects.count() == 0 and Payment.objects.count() == 0


def test_bank_import_auto_routes_asobancaria_and_statements(book):
    portfolio, _luz, _pedro = book
    asob = files.file_2001([("7709998000011", [("1203", 1_000_000)])]).encode()
    assert services.bank_import(portfolio=portfolio, content=asob, actor="test").layout == "asobancaria-2001"
    assert services.bank_import(portfolio=portfolio, content=sf.MT940.encode(), actor="test").layout == "mt940"
    _split_mapping(portfolio)
    csv = sf.BANCOLOMBIA_SPLIT.encode()
    assert services.bank_import(portfolio=portfolio, content=csv, actor="test").layout == "csv"
    with pytest.raises(BankingError):
        services.bank_import(portfolio=portfolio, content=csv, layout="pdf", actor="test")


def test_a_statement_mapping_is_checked_and_changed_in_place(book):
    portfolio, _luz, _pedro = book
    with pytest.raises(BankingError) as caught:
        services.statement_mapping_save(portfolio=portfolio, name="x", date_column="Fecha", amount_column="V",
                                        decimal_separator=";", actor="test")
    assert caught.value.problems == ["el separador decimal es , o ."]
    mapping = _split_mapping(portfolio)
    services.statement_mapping_save(portfolio=portfolio, name="bancolombia", separator="\\t", actor="test")
    mapping.refresh_from_db()
    assert mapping.separator == "\t" and mapping.credit_column == "Consignaciones"
    assert StatementMapping.objects.count() == 1
    assert AuditEvent.objects.filter(event_type="banking.statement_mapping_saved").count() == 2


def test_a_queued_statement_line_applied_by_hand_is_a_statement_payment(book):
    portfolio, luz, _pedro = book
    _import(portfolio, sf.ofx_sgml([("F1", "20260301", "1000.00", "LUZ", "sin ref")]))
    line = BankLine.objects.get()
    boss = make_user("boss", portfolio, role="supervisor")
    services.bank_line_apply(portfolio=portfolio, line_id=line.pk, debtor_query="C001", actor=boss)
    payment = Payment.objects.get()
    assert (payment.source, payment.amount_minor, payment.method) == ("statement", 100_000, "Extracto OFX")
    assert payment.debtor == luz and Decimal(payment.amount_minor) == Decimal(100_000)
