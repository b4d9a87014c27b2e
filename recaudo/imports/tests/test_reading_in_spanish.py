"""The file reader's messages in the page's language (es-CO by default; English on an English page), naming the
file, the sheet, the row and the cell; the command line keeps its English."""

import openpyxl
import pytest
from django.utils import translation

from recaudo.imports.reading import ImportFileError, open_table, peek_file

from .helpers import write


def _xlsx(tmp_path, name="libro.xlsx", *, merged=False, formula=False, sheets=("Hoja1",)):
    workbook = openpyxl.Workbook()
    workbook.active.title = sheets[0]
    for extra in sheets[1:]:
        workbook.create_sheet(extra)
    sheet = workbook[sheets[0]]
    sheet.append(["numero", "valor"])
    sheet.append(["F-1", "=1+1" if formula else 10])
    if merged:
        sheet.append(["a", "b"])
        sheet.merge_cells("A3:B3")
    path = tmp_path / name
    workbook.save(path)
    return path


def _message(path, **options):
    with pytest.raises(ImportFileError) as caught:
        table = open_table(path, ui="web", **options)
        list(table.rows())
    return caught.value.message


def test_xlsx_problems_name_the_sheet_and_cell_in_spanish(tmp_path):
    assert _message(_xlsx(tmp_path, merged=True)) == (
        "libro.xlsx, hoja 'Hoja1': las celdas A3:B3 están combinadas; sepárelas (un valor por celda) y exporte de "
        "nuevo")
    assert _message(_xlsx(tmp_path, formula=True)) == (
        "libro.xlsx, hoja 'Hoja1': la celda B2 contiene una fórmula; exporte los valores")
    assert _message(_xlsx(tmp_path, sheets=("Hoja1", "Otra")), sheet="Ventas") == (
        "libro.xlsx no tiene la hoja 'Ventas'; hojas: Hoja1, Otra")
    broken = write(tmp_path, b"PK\x03\x04 not a zip", name="roto.xlsx")
    assert ("roto.xlsx no es un libro XLSX legible (puede estar dañado o ser otra clase de archivo con el nombre "
            ".xlsx); expórtelo de nuevo como .xlsx o como CSV") in _message(broken)  # not "(BadZipFile)"


def test_csv_problems_name_the_file_and_row_in_spanish(tmp_path):
    utf16 = write(tmp_path, "a;b\n1;2\n".encode("utf-16"), name="datos.csv")
    assert _message(utf16) == (
        "datos.csv está codificado en UTF-16; codificaciones aceptadas: UTF-8 (con o sin BOM) o Latin-1 "
        "(ISO-8859-1, Windows-1252). Guárdelo como CSV UTF-8")
    assert _message(write(tmp_path, "a;b\n", name="x.csv"), encoding="ebcdic") == (
        "codificación desconocida 'ebcdic'; use utf-8, latin-1 o auto")
    import csv

    csv.field_size_limit(5)
    try:
        message = _message(write(tmp_path, "a,b\n1,abcdefghij\n", name="largo.csv"))
    finally:
        csv.field_size_limit(131072)
    assert message.startswith("largo.csv, fila 2: ")
    with pytest.raises(ImportFileError, match="no tiene la hoja|no es un libro XLSX legible"):
        peek_file(write(tmp_path, b"PK\x03\x04 not a zip", name="roto2.xlsx"), name="roto2.xlsx")


def test_english_pages_and_the_command_line_keep_english(tmp_path):
    with translation.override("en"):
        assert _message(_xlsx(tmp_path, formula=True)) == (
            "libro.xlsx, sheet 'Hoja1': cell B2 holds a formula; export values")
    with pytest.raises(ImportFileError, match="libro.xlsx, sheet 'Hoja1': cell B2 holds a formula"):
        list(open_table(_xlsx(tmp_path, formula=True)).rows())
