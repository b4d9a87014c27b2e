"""Exports to CSV and XLSX that are safe to open in a spreadsheet.

Every export goes through these helpers: text cells that a spreadsheet would read as a formula (starting with
= + - @, a tab or a carriage return) get a leading apostrophe (OWASP "CSV injection"). Numbers stay numbers:
Decimal and int values are written as they are (XLSX: numeric cells, with a number format for Decimal amounts).

CSV comes in two dialects, chosen here for every CSV export (`csv_dialect`):
- EXCEL_ES_CO, "Excel (es-CO)", the default for es-CO pages: what Excel set to Colombian Spanish opens by double
  click into columns: `;` separator, UTF-8 with a BOM, dates dd/mm/yyyy, amounts with a decimal comma and no
  thousands separator (1234567,89, so Excel reads a number).
- PLAIN, "CSV (estándar)", the default for English pages, the commands and programs: `,` separator, ISO dates
  (2026-12-31), amounts with a decimal point (1234567.89), UTF-8 with a BOM unless bom=False.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value):
    """The value, with text that a spreadsheet would run as a formula neutralized by a leading apostrophe."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


@dataclass(frozen=True)
class CsvDialect:
    """How a CSV export writes separators, dates and amounts."""

    name: str  # the value of the `csv` query parameter: "excel" or "plain"
    delimiter: str
    bom: bool
    decimal_separator: str
    date_format: str | None  # strftime; None: ISO 8601
    datetime_format: str | None


PLAIN = CsvDialect("plain", ",", True, ".", None, None)
EXCEL_ES_CO = CsvDialect("excel", ";", True, ",", "%d/%m/%Y", "%d/%m/%Y %H:%M:%S")
CSV_DIALECTS = {d.name: d for d in (EXCEL_ES_CO, PLAIN)}


def csv_dialect(language: str | None, requested: str | None = None) -> CsvDialect:
    """The dialect asked for (`excel` or `plain`), else the language's default: Excel (es-CO) for Spanish pages,
    plain CSV otherwise."""
    if requested in CSV_DIALECTS:
        return CSV_DIALECTS[requested]
    return EXCEL_ES_CO if (language or "").lower().startswith("es") else PLAIN


def _csv_value(value, dialect: CsvDialect = PLAIN) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal):
        return format(value, "f").replace(".", dialect.decimal_separator)
    if isinstance(value, datetime):
        return value.strftime(dialect.datetime_format) if dialect.datetime_format else value.isoformat()
    if isinstance(value, date):
        return value.strftime(dialect.date_format) if dialect.date_format else value.isoformat()
    return str(safe_cell(value) if isinstance(value, str) else value)


def write_csv(rows: Iterable[Sequence], header: Sequence[str] | None = None, *, bom: bool | None = None,
              dialect: CsvDialect = PLAIN) -> bytes:
    """CSV as bytes (CRLF line ends) in the dialect: PLAIN (comma-separated, ISO dates, decimal point) by default;
    UTF-8 with a BOM (so Excel reads accents) unless bom=False."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=dialect.delimiter)
    if header is not None:
        writer.writerow([_csv_value(h, dialect) for h in header])
    for row in rows:
        writer.writerow([_csv_value(v, dialect) for v in row])
    with_bom = dialect.bom if bom is None else bom
    return (("\ufeff" if with_bom else "") + buffer.getvalue()).encode("utf-8")


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
