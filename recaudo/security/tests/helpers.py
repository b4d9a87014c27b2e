"""Small readers for the security suite: the text of a PDF, the cells of a CSV or XLSX export."""

from __future__ import annotations

import base64
import csv
import io
import re
import zlib

_STREAM = re.compile(rb"stream\r?\n(.*?)endstream", re.S)


def pdf_text(data: bytes) -> str:
    """Every content stream of a ReportLab PDF, inflated (ASCII85 and/or Flate), as Latin-1 text: enough to look
    for a string drawn on a page (ReportLab draws text as literal strings)."""
    chunks = []
    for raw in _STREAM.findall(data):
        chunk = raw.strip()
        if chunk.endswith(b"~>"):
            try:
                chunk = base64.a85decode(chunk[:-2], adobe=False)
            except ValueError:
                pass
        try:
            chunk = zlib.decompress(chunk)
        except zlib.error:
            pass
        chunks.append(chunk)
    return b"\n".join(chunks).decode("latin-1")


def csv_cells(data: bytes) -> list[str]:
    text = data.decode("utf-8-sig", errors="replace")
    first = text.split("\n", 1)[0]
    delimiter = ";" if first.count(";") > first.count(",") else ","  # the Excel (es-CO) dialect or plain CSV
    return [cell for row in csv.reader(io.StringIO(text), delimiter=delimiter) for cell in row]


def xlsx_cells(data: bytes) -> list[str]:
    import openpyxl

    wb = openpyxl.load_workbook(io.BytesIO(data), read_only=True)
    return [str(c) for ws in wb.worksheets for row in ws.iter_rows(values_only=True) for c in row if c is not None]


# What the suite checked, printed at the end of the run (conftest.py's pytest_terminal_summary).
COUNTS: dict[str, int] = {}


def count(what: str, n: int = 1) -> None:
    COUNTS[what] = COUNTS.get(what, 0) + n
