"""Exports to CSV and XLSX that are safe to open in a spreadsheet.

Every export goes through these helpers: text cells that a spreadsheet would read as a formula (starting with
= + - @, a tab or a carriage return) get a leading apostrophe (OWASP "CSV injection"). Numbers stay numbers:
Decimal and int values are written as they are (CSV: plain decimal strings with a point; XLSX: numeric cells,
with a number format for Decimal amounts).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from decimal import Decimal

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value):
    """The value, with text that a spreadsheet would run as a formula neutralized by a leading apostrophe."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def _csv_value(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, datetime | date):
        return value.isoformat()
    return str(safe_cell(value) if isinstance(value, str) else value)


def write_csv(rows: Iterable[Sequence], header: Sequence[str] | None = None, *, bom: bool = True) -> bytes:
    """CSV (UTF-8, with a BOM by default so Excel reads accents; comma-separated, CRLF) as bytes."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    if header is not None:
        writer.writerow([_csv_value(h) for h in header])
    for row in rows:
        writer.writerow([_csv_value(v) for v in row])
    return (("\ufeff" if bom else "") + buffer.getvalue()).encode("utf-8")


def amount_format(decimals: int) -> str:
    return "#,##0" + ("." + "0" * decimals if decimals > 0 else "")


def write_xlsx(rows: Iterable[Sequence], header: Sequence[str] | None = None, *, title: str = "Sheet1",
               amount_decimals: int = 2, column_widths: Sequence[int] | None = None) -> bytes:
    """One-sheet XLSX as bytes; Decimal cells become numbers with a thousands/decimals format."""
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    workbook = Workbook(write_only=False)
    sheet = workbook.active
    sheet.title = safe_sheet_title(title)
    number_format = amount_format(amount_decimals)
    if header is not None:
        sheet.append([safe_cell(str(h)) for h in header])
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        sheet.freeze_panes = "A2"
    for row in rows:
        values = []
        for value in row:
            if isinstance(value, datetime) and value.tzinfo is not None:
                value = value.replace(tzinfo=None)
            values.append(safe_cell(value))
        sheet.append(values)
        current = sheet.max_row
        for col, value in enumerate(values, start=1):
            cell = sheet.cell(row=current, column=col)
            if isinstance(value, Decimal):
                cell.number_format = number_format
            elif isinstance(value, date | datetime):
                cell.number_format = "dd/mm/yyyy" if not isinstance(value, datetime) else "dd/mm/yyyy hh:mm"
    if column_widths:
        for col, width in enumerate(column_widths, start=1):
            sheet.column_dimensions[get_column_letter(col)].width = width
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def safe_sheet_title(title: str) -> str:
    cleaned = "".join(c for c in title if c not in '[]:*?/\\')[:31]
    return cleaned or "Sheet1"
