"""Reading bank statements, pure: every format's worked example, refused files, hostile input."""

from datetime import date, datetime
from decimal import Decimal

import pytest
from django.utils import translation
from hypothesis import given
from hypothesis import strategies as st

from recaudo.banking import statements
from recaudo.banking.services import statement_keys
from recaudo.banking.statements import Mapping
from recaudo.banking.tests import statement_files as sf


@pytest.fixture(autouse=True)
def _spanish():
    with translation.override("es-co"):
        yield


VALOR = Mapping(date_column="Fecha", description_column="Descripción", amount_column="Valor")
SPLIT = Mapping(date_column="Fecha", reference_column="Referencia", description_column="descripcion",
                debit_column="Retiros", credit_column="Consignaciones", separator=";", header_lines_skip=1,
                footer_lines_skip=1, account="123-456789-01")


def _read(content, layout, mapping=None):
    reading = statements.read(content, layout, mapping)
    assert reading.problems == [], [str(p) for p in reading.problems]
    return reading.statement


def test_csv_bancolombia_fecha_descripcion_valor_with_spanish_numbers():
    st = _read(sf.BANCOLOMBIA_VALOR.encode(), "csv", VALOR)
    assert [(x.line, x.booking_date, x.amount, x.description) for x in st.lines] == [
        (2, date(2026, 3, 1), Decimal("1234567.89"), "PAGO PSE FV 1203 LUZ PEREZ"),
        (3, date(2026, 3, 2), Decimal("-12000.00"), "COMISION MANEJO"),
        (4, date(2026, 3, 3), Decimal("50000.00"), "CONSIGNACION"),
    ]
    assert st.lines[0].currency == "" and st.lines[0].reference == ""


def test_csv_bancolombia_retiros_consignaciones_windows_1252_title_and_total_skipped():
    st = _read(sf.BANCOLOMBIA_SPLIT.encode("cp1252"), "csv", SPLIT)
    assert [(x.line, x.reference, x.amount) for x in st.lines] == [
        (3, "1203", Decimal("1234567.89")), (4, "", Decimal("-200000.00")), (5, "C002", Decimal("500000.00"))]
    assert st.account == "123-456789-01" and st.lines[0].account == "123-456789-01"


def test_csv_columns_by_number_without_header_and_credits_negative():
    text = "2026-03-01|REF9|-1500.50|PEDRO|TX1\n2026-03-02|REF8|20.00|ANA|TX2\n"
    mapping = Mapping(date_column="1", reference_column="2", amount_column="3", payer_column="4",
                      transaction_id_column="5", separator="|", has_header=False, date_format="%Y-%m-%d",
                      decimal_separator=".", thousands_separator=",", credits_negative=True)
    st = _read(text.encode(), "csv", mapping)
    assert [(x.line, x.amount, x.payer_name, x.transaction_id) for x in st.lines] == [
        (1, Decimal("1500.50"), "PEDRO", "TX1"), (2, Decimal("-20.00"), "ANA", "TX2")]


def test_xlsx_through_a_mapping_with_real_dates_and_numbers():
    content = sf.xlsx([["Extracto"], ["Fecha", "Referencia", "Descripcion", "Retiros", "Consignaciones", "Saldo"],
                       [datetime(2026, 3, 1), 1203, "PAGO", None, 1234567.89, 1234567.89],
                       ["02/03/2026", "C002", "PAGO 2", None, "500.000,00", "1.734.567,89"],
                       [datetime(2026, 3, 3), None, "RETIRO", 1000, None, 1733567.89]])
    mapping = Mapping(date_column="Fecha", reference_column="Referencia", description_column="Descripcion",
                      debit_column="Retiros", credit_column="Consignaciones", balance_column="Saldo",
                      header_lines_skip=1)
    st = _read(content, "xlsx", mapping)
    assert [(x.line, x.booking_date, x.reference, x.amount, x.balance) for x in st.lines] == [
        (3, date(2026, 3, 1), "1203", Decimal("1234567.89"), Decimal("1234567.89")),
        (4, date(2026, 3, 2), "C002", Decimal("500000.00"), Decimal("1734567.89")),
        (5, date(2026, 3, 3), "", Decimal("-1000"), Decimal("1733567.89"))]
    assert statements.detect_layout(content) == "xlsx"


def test_a_bad_date_in_row_3_names_the_row_and_the_column_in_spanish():
    text = "Fecha,Descripción,Valor\n01/03/2026,A,\"1,00\"\n31/02/2026,B,\"2,00\"\n"
    reading = statements.read(text.encode(), "csv", VALOR)
    assert reading.statement is None
    assert [str(p) for p in reading.problems] == ["fila 3, Fecha: '31/02/2026' no es una fecha %d/%m/%Y"]


def test_a_bad_amount_is_refused_naming_row_and_column():
    text = "Fecha,Descripción,Valor\n01/03/2026,A,\"1.23,4\"\n02/03/2026,B,abc\n"
    reading = statements.read(text.encode(), "csv", VALOR)
    assert [str(p) for p in reading.problems] == [
        "fila 2, Valor: '1.23,4' no es un valor (escrito como 1.234.567,89)",
        "fila 3, Valor: 'abc' no es un valor (escrito como 1.234.567,89)"]


def test_a_missing_column_is_named_with_the_columns_the_header_has():
    reading = statements.read(b"Fecha,Detalle,Valor\n01/03/2026,A,1\n", "csv", VALOR)
    assert [str(p) for p in reading.problems] == [
        "fila 1, descripción: el encabezado no tiene la columna 'Descripción' (tiene: Fecha, Detalle, Valor)"]


@pytest.mark.parametrize("amount", ["1.234.567,89", "$ 1.234.567,89", "1234567,89", "+1.234.567,89"])
def test_spanish_amounts(amount):
    assert statements.parse_amount(amount) == Decimal("1234567.89")


@pytest.mark.parametrize("amount", ["-1.000,00", "(1.000,00)", "1.000,00-"])
def test_negative_amounts(amount):
    assert statements.parse_amount(amount) == Decimal("-1000.00")


@pytest.mark.parametrize("amount", ["", "1,2,3", "12.34.567", "1e5", "NaN", "١٢٣", "--1"])
def test_not_amounts(amount):
    with pytest.raises(ValueError):
        statements.parse_amount(amount)


def test_ofx_1_sgml():
    content = sf.ofx_sgml([("F1", "20260301120000[-5:COT]", "1234567.89", "LUZ PEREZ", "PAGO 1203"),
                           ("F2", "20260302", "-12000.00", "BANCO", "COMISION")])
    assert statements.detect_layout(content) == "ofx"
    st = _read(content, "ofx")
    assert [(x.line, x.booking_date, x.amount, x.currency, x.transaction_id, x.payer_name, x.description,
             x.account) for x in st.lines] == [
        (1, date(2026, 3, 1), Decimal("1234567.89"), "COP", "F1", "LUZ PEREZ", "LUZ PEREZ PAGO 1203", "123456789"),
        (2, date(2026, 3, 2), Decimal("-12000.00"), "COP", "F2", "BANCO", "BANCO COMISION", "123456789")]


def test_ofx_escapes_are_read_as_characters():
    content = sf.ofx_sgml([("F1", "20260301", "1.00", "PEREZ &amp; CIA &lt;SAS&gt;", "x")])
    assert _read(content, "ofx").lines[0].payer_name == "PEREZ & CIA <SAS>"


def test_ofx_2_xml():
    content = sf.ofx_xml([("X9", "20260303", "500000.00", "PEDRO GOMEZ", "C002")], currency="COP")
    assert statements.detect_layout(content) == "ofx"
    st = _read(content, "ofx")
    assert [(x.booking_date, x.amount, x.transaction_id, x.payer_name) for x in st.lines] == [
        (date(2026, 3, 3), Decimal("500000.00"), "X9", "PEDRO GOMEZ")]


def test_ofx_bad_amount_names_the_movement_and_the_field():
    content = sf.ofx_sgml([("F1", "20260301", "12x", "A", "B")])
    assert [str(p) for p in statements.read(content, "ofx").problems] == [
        "movimiento 1, TRNAMT: '12x' no es un valor"]


@pytest.mark.parametrize("version", ["02", "08"])
def test_camt053_any_version_namespace(version):
    content = sf.camt053([
        {"amount": "1234567.89", "indicator": "CRDT", "date": "2026-03-01", "ref": "BK1", "e2e": "E2E-1",
         "ustrd": "PAGO FACTURA 1203", "strd": "1203", "payer": "LUZ PEREZ"},
        {"amount": "200000.00", "indicator": "DBIT", "date": "2026-03-02", "ref": "BK2"},
        {"amount": "500000.00", "indicator": "CRDT", "date": "2026-03-03", "e2e": "E2E-3", "ustrd": "C002"},
    ], version=version)
    assert statements.detect_layout(content) == "camt053"
    st = _read(content, "camt053")
    assert [(x.line, x.booking_date, x.amount, x.currency, x.reference, x.transaction_id, x.payer_name,
             x.description) for x in st.lines] == [
        (1, date(2026, 3, 1), Decimal("1234567.89"), "COP", "1203", "BK1", "LUZ PEREZ", "PAGO FACTURA 1203"),
        (2, date(2026, 3, 2), Decimal("-200000.00"), "COP", "", "BK2", "", ""),
        (3, date(2026, 3, 3), Decimal("500000.00"), "COP", "E2E-3", "", "", "C002")]
    assert st.account == "123456789"


def test_camt053_xml_bomb_is_refused_without_expanding():
    bomb = (b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">'
            b'<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;">]><Document><BkToCstmrStmt>&lol3;</BkToCstmrStmt></Document>')
    reading = statements.read(bomb, "camt053")
    assert reading.statement is None
    assert [str(p) for p in reading.problems] == ["archivo: el XML declara un DTD o entidades, que se rechazan"]


def test_camt053_external_entity_is_refused():
    xxe = (b'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
           b'<Document><BkToCstmrStmt><Stmt>&x;</Stmt></BkToCstmrStmt></Document>')
    assert statements.read(xxe, "camt053").statement is None


def test_camt053_bad_indicator_and_date():
    content = sf.camt053([{"amount": "10.00", "indicator": "XXXX", "date": "2026-03-01"},
                          {"amount": "10.00", "indicator": "CRDT", "date": "2026-02-30"}])
    assert [str(p) for p in statements.read(content, "camt053").problems] == [
        "movimiento 1, CdtDbtInd: 'XXXX' no es CRDT ni DBIT",
        "movimiento 2, BookgDt: '2026-02-30' no es una fecha AAAA-MM-DD"]


def test_mt940():
    content = sf.MT940.encode()
    assert statements.detect_layout(content) == "mt940"
    st = _read(content, "mt940")
    assert [(x.line, x.booking_date, x.amount, x.currency, x.reference, x.transaction_id, x.description)
            for x in st.lines] == [
        (5, date(2026, 3, 1), Decimal("1234567.89"), "COP", "1203", "BCO0001", "PAGO FACTURA 1203 LUZ PEREZ"),
        (7, date(2026, 3, 2), Decimal("-200000.00"), "COP", "", "BCO0002", "RETIRO"),
        (9, date(2026, 3, 3), Decimal("500000.00"), "COP", "", "BCO0003", "TRANSFERENCIA SIN REFERENCIA")]
    assert st.account == "007/123456789"


def test_a_huge_field_is_refused_not_read():
    text = "Fecha,Descripción,Valor\n01/03/2026," + "A" * 5000 + ",1\n"
    reading = statements.read(text.encode(), "csv", VALOR)
    assert reading.statement is None
    assert len(reading.problems) == 1 and reading.problems[0].place == "fila 2"
    huge = "Fecha,Descripción,Valor\n01/03/2026,\"" + "A" * 100_000 + "\",1\n"
    assert statements.read(huge.encode(), "csv", VALOR).statement is None
    beyond_csv_limit = "Fecha,Descripción,Valor,Otra\n01/03/2026,A,1,\"" + "B" * 200_000 + "\"\n"
    problems = statements.read(beyond_csv_limit.encode(), "csv", VALOR).problems
    assert [(p.place, p.field) for p in problems] == [("fila 2", "archivo")]


def test_an_amount_beyond_the_bound_is_refused():
    text = "Fecha,Descripción,Valor\n01/03/2026,A,9999999999999999999\n"
    mapping = Mapping(date_column="Fecha", description_column="Descripción", amount_column="Valor",
                      thousands_separator="")
    problems = statements.read(text.encode(), "csv", mapping).problems
    assert [p.place for p in problems] == ["fila 2"] and "demasiado grande" in problems[0].message


def test_empty_and_garbage_files():
    assert [str(p) for p in statements.read(b"", "ofx").problems] == ["archivo: el archivo está vacío"]
    assert statements.read(b"not ofx at all", "ofx").statement is None
    assert statements.read(b"<not xml", "camt053").statement is None
    assert statements.read(b"PK\x03\x04garbage", "xlsx", VALOR).statement is None
    assert statements.read(b"Fecha,Descripcion,Valor\n", "csv", VALOR).problems[0].message == (
        "el extracto no tiene movimientos")


def test_a_binary_file_read_as_a_csv_is_one_problem_not_its_noise_as_a_header():
    junk = bytes(range(256)) * 20  # a NUL and every control character, as a PDF, an image or a zip has
    for content in (junk, junk.replace(b"\x00", b"\x01")):
        problems = statements.read(content, "csv", VALOR).problems
        assert [str(p) for p in problems] == [
            "archivo: el archivo no es texto, así que no es un extracto CSV: verifique que es el archivo del banco y "
            "elija su formato"]
    accented = "Fecha,Descripción,Valor\n01/03/2026,PAGO ÑANDÚ,\"1.000,00\"\n".encode("cp1252")
    assert statements.read(accented, "csv", VALOR).statement is not None


def test_a_mapping_with_both_amount_and_debit_credit_is_refused():
    problems = statements.mapping_problems(Mapping(date_column="Fecha", amount_column="Valor", debit_column="D"))
    assert problems == ["dé la columna del valor o las columnas de débito y crédito, no ambas"]
    assert statements.mapping_problems(Mapping(date_column="Fecha", amount_column="V", date_format="%Q")) == [
        "el formato de fecha '%Q' no permite leer una fecha (p. ej. %d/%m/%Y)"]


# --- properties --------------------------------------------------------------------------------------------------


def _spanish_text(amount: Decimal) -> str:
    sign = "-" if amount < 0 else ""
    whole, part = divmod(abs(int(amount * 100)), 100)
    return sign + f"{whole:,}".replace(",", ".") + f",{part:02d}"


@given(st.integers(min_value=-10**15, max_value=10**15))
def test_property_spanish_amounts_read_back_exactly(cents):
    amount = Decimal(cents) / 100
    assert statements.parse_amount(_spanish_text(amount)) == amount


_LINES = st.builds(
    statements.Line, line=st.just(1), booking_date=st.sampled_from([date(2026, 3, 1), date(2026, 3, 2)]),
    amount=st.sampled_from([Decimal("100.00"), Decimal("250.50")]), currency=st.just("COP"),
    reference=st.sampled_from(["", "1203", "0001203"]), payer_name=st.sampled_from(["", "LUZ", "luz "]),
    transaction_id=st.sampled_from(["", "", "T1"]), account=st.just("123"))


@given(st.lists(_LINES, max_size=12), st.lists(_LINES, max_size=6))
def test_property_statement_keys_are_distinct_and_an_extended_statement_keeps_them(lines, more):
    keys = statement_keys(lines)
    assert len(set(keys)) == len(keys)  # identical lines in one file are distinct payments
    assert statement_keys(lines + more)[:len(lines)] == keys  # a later, longer statement repeats the same keys
    assert all(k.startswith("stmt:") and len(k) <= 120 for k in keys)
