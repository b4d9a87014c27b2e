import io
from datetime import date
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from recaudo.core.exports import safe_cell, write_csv, write_xlsx


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
