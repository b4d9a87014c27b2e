"""The mapping step's rules, worked examples without a database: the header row under title rows, same-named
columns told apart, the mapping proposed from Spanish and English words, the preview with each cell's problem,
the separator detected."""

from datetime import date
from decimal import Decimal

import pytest

from recaudo.imports.mapping import (
    default_id_type,
    find_header_row,
    id_numbers_without_type,
    missing_required,
    preview,
    propose_mapping,
    unique_headers,
    unknown_headers,
)
from recaudo.imports.reading import detect_delimiter
from recaudo.portfolio.validation import id_type_named

SIIGO_ROWS = [
    ["ACME S.A.S.  "],
    ["Cartera por edades"],
    [],
    [],
    ["Factura ", "NIT", "Nombre   ", "Fecha factura", "Vence", "Valor", "Valor", "Saldo"],
    ["FV-1", "900123456-1", "Ferretería El Tornillo  ", "01/10/2026", "31/10/2026", "1.000.000", "200.000",
     "800.000"],
]


def test_the_header_row_is_found_under_the_title_rows():
    assert find_header_row("obligations", SIIGO_ROWS) == 5
    assert find_header_row("obligations", [["number", "debtor_code", "amount"], ["F-1", "C1", "5"]]) == 1


def test_headers_nothing_recognises_fall_back_to_the_first_filled_row():
    assert find_header_row("obligations", [["Informe"], ["Col A", "Col B"], ["1", "2"]]) == 2
    assert find_header_row("obligations", []) == 1


def test_same_named_columns_are_told_apart_and_padding_trimmed():
    assert unique_headers(SIIGO_ROWS[4]) == ["Factura", "NIT", "Nombre", "Fecha factura", "Vence", "Valor",
                                             "Valor (2)", "Saldo"]
    assert unique_headers(["Valor", "VALOR", "", "valor"]) == ["Valor", "VALOR (2)", "", "valor (3)"]


def test_a_spanish_export_gets_a_whole_mapping():
    headers = unique_headers(SIIGO_ROWS[4])
    assert propose_mapping("obligations", headers) == {
        "number": "Factura", "debtor_code": "NIT", "debtor_name": "Nombre", "debtor_id_number": "NIT",
        "issue_date": "Fecha factura", "due_date": "Vence", "amount": "Saldo",
    }
    assert missing_required("obligations", propose_mapping("obligations", headers)) == []


def test_siigo_column_names_and_the_field_names():
    getsal = ["TERCERO", "NOMBRE", "CUENTA", "NOMBRE_CUENTA", "FECHA_FACTURA", "FECHA_VENCIMIENTO",
              "DIAS_VENCIDOS", "VALOR_FACTURA", "VALOR_ABONOS", "SALDO"]
    mapping = propose_mapping("obligations", getsal)
    assert mapping["debtor_id_number"] == "TERCERO" and mapping["debtor_code"] == "TERCERO"
    assert mapping["issue_date"] == "FECHA_FACTURA" and mapping["due_date"] == "FECHA_VENCIMIENTO"
    assert mapping["amount"] == "SALDO" and mapping["debtor_name"] == "NOMBRE"
    assert missing_required("obligations", mapping) == ["number"]  # GETSAL's published columns have none
    english = ["number", "debtor_code", "issue_date", "due_date", "amount"]
    assert propose_mapping("obligations", english) == {f: f for f in english}


def test_debtors_and_payments():
    mapping = propose_mapping("debtors", ["Cédula", "Razón social", "Teléfono", "Correo", "Ciudad", "Celular"])
    assert mapping == {"code": "Cédula", "name": "Razón social", "id_number": "Cédula", "phone": "Teléfono",
                       "email": "Correo", "city": "Ciudad"}
    mapping = propose_mapping("payments", ["Fecha de pago", "Valor pagado", "Factura", "Referencia"])
    assert mapping == {"obligation": "Factura", "date": "Fecha de pago", "amount": "Valor pagado",
                       "reference": "Referencia"}
    assert missing_required("payments", {"date": "F", "amount": "V"}) == ["obligation"]


def test_a_saved_mapping_against_another_file():
    assert unknown_headers({"number": "Factura", "amount": "Saldo"}, ["FACTURA", "Valor"]) == ["Saldo"]


def test_the_preview_reads_dates_amounts_and_ids_and_says_what_is_wrong():
    headers = ["Factura", "Tipo doc", "NIT", "Fecha", "Vence", "Saldo"]
    mapping = propose_mapping("obligations", headers)
    assert mapping["debtor_id_type"] == "Tipo doc"
    rows = [(6, ["F-1", "13", "52.123.456", "01/10/2026", "31/10/2026", "1.234.567,50"]),
            (7, ["", "", "", "", "", ""]),
            (8, ["F-2", "Cédula", "12AB", "2026-10-01", "mañana", "-5"])]
    first, second = preview("obligations", headers, rows, mapping, country="CO", currency="COP", exponent=2)
    cells = {c.field: c for c in first.cells}
    assert first.row == 6 and first.problems == 0
    assert cells["issue_date"].value == date(2026, 10, 1) and cells["amount"].value == Decimal("1234567.50")
    assert cells["debtor_id_number"].value == "CC 52123456" and "debtor_id_type" not in cells
    cells = {c.field: c for c in second.cells}
    assert second.row == 8 and second.problems == 3
    assert "invalid CC" in cells["debtor_id_number"].problem
    assert cells["due_date"].problem == "not a valid date"
    assert cells["amount"].problem == "must not be negative" and not cells["number"].problem


def test_the_separator_is_detected_under_title_rows():
    lines = ["ACME S.A.S.", "Cartera, a 30 de noviembre", "", "Factura;NIT;Valor", "F-1;900123456;1.234,56",
             "F-2;800197268;99,5"]
    assert detect_delimiter(lines) == ";"
    assert detect_delimiter(["a\tb\tc", "1\t2,5\t3"]) == "\t"
    assert detect_delimiter(["number,amount", "F-1,5"]) == ","
    assert detect_delimiter(["solo"]) == ","


@pytest.mark.parametrize(("header", "id_type"), [
    ("NIT", "NIT"), ("NIT cliente", "NIT"), ("Cédula", "CC"), ("C.C.", "CC"), ("CE", "CE"),
    ("Cédula de extranjería", "CE"), ("Nro. Pasaporte", "PASSPORT"), ("TERCERO", ""), ("Identificación", ""),
    ("NIT o CC", ""), ("13", ""), ("Documento", ""),
])
def test_the_id_type_a_header_names(header, id_type):
    assert id_type_named("CO", header) == id_type


def test_an_id_number_is_proposed_only_with_its_type():
    assert propose_mapping("debtors", ["TERCERO", "Nombre"], "CO") == {"code": "TERCERO", "name": "Nombre"}
    assert propose_mapping("debtors", ["NIT", "Nombre"], "CO") == {"code": "NIT", "name": "Nombre", "id_number": "NIT"}
    with_type = propose_mapping("debtors", ["Tipo doc", "TERCERO", "Nombre"], "CO")
    assert with_type["id_number"] == "TERCERO" and with_type["id_type"] == "Tipo doc"
    assert id_numbers_without_type({"id_number": "TERCERO"}, "CO") == ["id_number"]
    assert id_numbers_without_type({"id_number": "TERCERO"}, "CO", "NIT") == []
    assert default_id_type({"debtor_id_number": "Cédula"}, "CO") == "CC"
