import io
from datetime import date, datetime
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from recaudo.core.exports import EXCEL_ES_CO, PLAIN, csv_dialect, safe_cell, write_csv, write_xlsx


@pytest.mark.parametrize("value", ["=1+1", "+57 300", "-2", "@SUM(A1)", "\tx", "\rx"])
def test_safe_cell_neutralizes_formulas(value):
    assert safe_cell(value) == "'" + value


@pytest.mark.parametrize("value", ["normal", "", "1=1", None, 5, Decimal("-3.50"), date(2026, 1, 1)])
def test_safe_cell_leaves_the_rest(value):
    assert safe_cell(value) == value


def test_write_csv():
    data = write_csv([["=cmd", Decimal("-1234.50"), 3, None, date(2026, 12, 31), "Ñandú"]],
                     ["a", "b", "c", "d", "e", "f"])
    assert data.startswith(b"\xef\xbb\xbf")
    assert data.decode("utf-8-sig") == "a,b,c,d,e,f\r\n'=cmd,-1234.50,3,,2026-12-31,Ñandú\r\n"
    assert not write_csv([["x"]], bom=False).startswith(b"\xef\xbb\xbf")


def test_write_xlsx():
    data = write_xlsx([["+cmd", Decimal("1234.5"), date(2026, 12, 31)]], ["=h", "amount", "date"], title="T:1")
    sheet = load_workbook(io.BytesIO(data)).active
    assert sheet.title == "T1"
    assert sheet["A1"].value == "'=h"
    assert sheet["A2"].value == "'+cmd"
    assert float(sheet["B2"].value) == 1234.5 and sheet["B2"].number_format == "#,##0.00"
    assert sheet["C2"].number_format == "dd/mm/yyyy"


ROW = [["=cmd", Decimal("1234567.89"), date(2026, 12, 31), "-2", "Ñandú;S.A.S."]]
HEADER = ["Nombre", "Valor", "Fecha", "Nota", "Razón"]


def test_write_csv_excel_es_co_exact_bytes():
    data = write_csv(ROW, HEADER, dialect=EXCEL_ES_CO)
    assert data == ("\ufeffNombre;Valor;Fecha;Nota;Razón\r\n"
                    "'=cmd;1234567,89;31/12/2026;'-2;\"Ñandú;S.A.S.\"\r\n").encode("utf-8")
    assert data.startswith(b"\xef\xbb\xbf")
    stamp = datetime(2026, 12, 31, 8, 5, 9)
    assert write_csv([[stamp]], dialect=EXCEL_ES_CO) == "\ufeff31/12/2026 08:05:09\r\n".encode()
    assert write_csv([[Decimal("-0.50")]], dialect=EXCEL_ES_CO, bom=False) == b"-0,50\r\n"


def test_write_csv_plain_exact_bytes():
    data = write_csv(ROW, HEADER, dialect=PLAIN)
    assert data == write_csv(ROW, HEADER)  # plain is the default of write_csv (commands, programs)
    assert data == ("\ufeffNombre,Valor,Fecha,Nota,Razón\r\n"
                    "'=cmd,1234567.89,2026-12-31,'-2,Ñandú;S.A.S.\r\n").encode("utf-8")


@pytest.mark.parametrize("language,requested,expected", [
    ("es-co", None, EXCEL_ES_CO), ("es", "", EXCEL_ES_CO), ("en", None, PLAIN), (None, None, PLAIN),
    ("es-co", "plain", PLAIN), ("en", "excel", EXCEL_ES_CO), ("es-co", "nonsense", EXCEL_ES_CO),
])
def test_csv_dialect_for_the_page(language, requested, expected):
    assert csv_dialect(language, requested) is expected
