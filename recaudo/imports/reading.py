"""Streaming readers for import files: CSV (sniffed delimiter, UTF-8 with/without BOM or Latin-1) and XLSX.

A reader yields (row_number, values) where row_number is the row as the user sees it in the file (the header
is row 1) and values are str for CSV, or the cell values (str, int, float, datetime, None) for XLSX.
Memory stays bounded: CSV through the csv module line by line, XLSX through openpyxl's read-only mode.
"""

from __future__ import annotations

import codecs
import csv
import itertools
import math
import re
import struct
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from recaudo.core.errors import DomainError

ACCEPTED_ENCODINGS = gettext_noop("UTF-8 (with or without BOM) or Latin-1 (ISO-8859-1, Windows-1252)")
DELIMITERS = [",", ";", "\t", "|"]
SNIFF_BYTES = 1 << 20


# Limits of an XLSX workbook, checked on the zip before openpyxl opens it (an XLSX is a zip of XML parts; a few
# MB of zip can unpack to gigabytes: a "zip bomb"). openpyxl's read-only mode streams the worksheets but loads
# the shared strings, the styles and the workbook parts whole, so those get tighter limits than the sheets.
XLSX_MAX_TOTAL = 500 << 20  # all parts together, uncompressed
XLSX_MAX_SHEET = 500 << 20  # one worksheet (streamed)
XLSX_MAX_PART = 100 << 20  # any other part: shared strings, styles, workbook (loaded whole)
XLSX_MAX_RATIO = 100  # uncompressed / compressed size of a part larger than XLSX_RATIO_FROM
XLSX_RATIO_FROM = 1 << 20
XLSX_MAX_SHARED_STRINGS = 5_000_000
XLSX_MAX_PARTS = 10_000
XML_PROLOG_MAX = 64 << 10


class ImportFileError(DomainError):
    """A problem with the file as a whole (not one row): the message says what and where."""


def _say(ui: str, message: str, **params) -> str:
    """A message as the command line has always said it (English), or in the page's language for the web."""
    return (message if ui == "cli" else _(message)) % params  # noqa: INT001 - marked with gettext_noop


def _accepted(ui: str) -> str:
    return ACCEPTED_ENCODINGS if ui == "cli" else _(ACCEPTED_ENCODINGS)


def _unreadable(name: str, error: str, ui: str = "web") -> ImportFileError:
    """A workbook openpyxl or zipfile cannot read (`error`: the exception's class name, said on the command line
    only: a page's reader can do nothing with "BadZipFile")."""
    if ui == "cli":
        return ImportFileError(_say(ui, gettext_noop(
            "%(name)s is not a readable XLSX workbook (%(error)s); export it again as .xlsx or as CSV"), name=name,
            error=error))
    return ImportFileError(_("%(name)s is not a readable XLSX workbook (it may be damaged, or another kind of file "
                             "named .xlsx); export it again as .xlsx or as CSV") % {"name": name})


def _n(value: int) -> str:
    """A count as the active language writes it (5.000.000 in es-CO)."""
    from django.utils.formats import number_format

    return number_format(value, decimal_pos=0, force_grouping=True)


def _mb(size: int) -> str:
    return f"{_n(round(size / (1 << 20)))} MB"


def _delimiter_name(delimiter: str) -> str:
    return {"\t": "tab"}.get(delimiter, delimiter)


def decode_head(head: bytes, encoding: str) -> str:
    """The first bytes of a CSV file as text (a character cut at the end is dropped, a BOM removed)."""
    if encoding == "utf-8-sig":
        return head.decode("utf-8", errors="ignore").lstrip("\ufeff")
    return head.decode(encoding, errors="ignore")


def detect_delimiter(lines: list[str]) -> str:
    """The separator of a CSV file from its first lines: of comma, semicolon, tab and bar, the one that splits the
    most lines into the same number of cells (title rows, with no separator or fewer, do not decide), the
    largest number of cells breaking ties. Worked example: a Siigo-style file with "ACME S.A.S." on line 1 and
    "Factura;NIT;Valor" then "F-1;900123456;1.234,56" below -> ";" (3 cells on two lines; the comma gives 2
    cells on one line only)."""
    best, best_score = ",", (0, 0)
    sample = [line for line in lines[:50] if line.strip()]
    for delimiter in DELIMITERS:
        counts: dict[int, int] = {}
        for line in sample:
            try:
                cells = len(next(csv.reader([line], delimiter=delimiter)))
            except (csv.Error, StopIteration):
                continue
            if cells > 1:
                counts[cells] = counts.get(cells, 0) + 1
        if counts:
            cells, lines_with = max(counts.items(), key=lambda item: (item[1], item[0]))
            if (lines_with, cells) > best_score:
                best, best_score = delimiter, (lines_with, cells)
    return best


def detect_encoding(name: str, head: bytes, encoding: str) -> str:
    """The encoding a CSV file is read with, from its first bytes and the option ("auto": detected), as the
    import reads it: "utf-8-sig" (UTF-8 with or without BOM), "latin-1" or "cp1252"."""
    probe = CsvTable.__new__(CsvTable)
    probe.name, probe.ui = name, "cli"
    return probe._detect_encoding(head, encoding)


class Table:
    """An open import file: headers, an estimate of the number of data rows, and the rows."""

    headers: list[str]
    total_estimate: int | None
    kind: str  # "csv" | "xlsx"
    delimiter: str = ","

    def rows(self) -> Iterator[tuple[int, list]]:  # pragma: no cover - interface
        raise NotImplementedError

    def close(self) -> None:
        pass


def open_table(path: Path, *, encoding: str = "auto", sheet: str | None = None, header_row: int = 1,
               delimiter: str | None = None, name: str | None = None, ui: str = "cli") -> Table:
    """The file as a Table. `header_row`: the row of the headers (1: the first; title rows above it are skipped);
    `delimiter`: the CSV separator (None: sniffed); `name`: the file's name as its user knows it, for the
    messages (default: the path's name); `ui`: "cli" or "web", which the messages' advice is worded for."""
    path = Path(path)
    name = name or path.name
    if not path.exists():
        raise ImportFileError(_say(ui, gettext_noop("file not found: %(path)s"), path=path))
    if not path.is_file():
        raise ImportFileError(_say(ui, gettext_noop("not a file: %(path)s"), path=path))
    size = path.stat().st_size
    if size == 0:
        raise ImportFileError(_say(ui, gettext_noop("%(name)s is empty (0 bytes)"), name=name))
    with path.open("rb") as fh:
        head = fh.read(SNIFF_BYTES)
    header_row = max(1, int(header_row or 1))
    if _is_xlsx(path, head):
        return XlsxTable(path, sheet, header_row=header_row, name=name, ui=ui)
    if path.suffix.lower() == ".xls":
        raise ImportFileError(_say(ui, gettext_noop(
            "%(name)s: old Excel .xls files are not supported; save as .xlsx or CSV"), name=name))
    return CsvTable(path, head, size, encoding, header_row=header_row, delimiter=delimiter, name=name, ui=ui)


def _is_xlsx(path: Path, head: bytes) -> bool:
    return head[:4] == b"PK\x03\x04" or path.suffix.lower() in (".xlsx", ".xlsm")


class CsvTable(Table):
    kind = "csv"

    def __init__(self, path: Path, head: bytes, size: int, encoding: str, *, header_row: int = 1,
                 delimiter: str | None = None, name: str | None = None, ui: str = "cli"):
        self.path = path
        self.ui = ui
        self.name = name or path.name
        self.header_row = header_row
        self.encoding = self._detect_encoding(head, encoding)
        text = decode_head(head, self.encoding)
        if not text.strip():
            raise ImportFileError(_say(ui, gettext_noop(
                "%(name)s has no header row (the file holds only blank lines)"), name=self.name))
        lines = text.splitlines()[header_row - 1:]
        first_line = lines[0] if lines else ""
        self.delimiter = delimiter or self._sniff("\n".join(lines), first_line)
        self._fh = path.open(encoding=self.encoding, newline="")
        self._nul = False
        self._reader = csv.reader(self._lines(), delimiter=self.delimiter)
        try:
            for _skipped in range(header_row - 1):  # title rows above the headers
                next(self._reader)
            header = next(self._reader)
            self._check_nul(header_row, header)
            self.headers = [h.strip() for h in header]
        except StopIteration:
            raise ImportFileError(_say(self.ui, gettext_noop("%(name)s has no header row"), name=self.name))
        except UnicodeDecodeError:
            raise self._decode_error(header_row)
        except csv.Error as exc:
            raise ImportFileError(_say(self.ui, gettext_noop("%(name)s, row %(row)s: %(error)s"), name=self.name,
                                       row=header_row, error=exc))
        while self.headers and self.headers[-1] == "":
            self.headers.pop()
        if not any(self.headers):
            raise ImportFileError(
                _say(ui, gettext_noop("%(name)s: the header row (row %(row)s) is empty"), name=self.name,
                     row=header_row) if header_row > 1
                else _say(ui, gettext_noop("%(name)s: the first row (the header) is empty"), name=self.name))
        lines = text.count("\n")
        avg = len(head) / lines if lines else len(head)
        self.total_estimate = max(0, round(size / avg) - header_row) if avg else None

    def _detect_encoding(self, head: bytes, encoding: str) -> str:
        name = self.name
        if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            raise ImportFileError(_say(self.ui, gettext_noop(
                "%(name)s is UTF-16 encoded; accepted encodings: %(accepted)s. Save it as CSV UTF-8"),
                name=name, accepted=_accepted(self.ui)))
        if b"\x00" in head[:65536]:
            raise ImportFileError(_say(self.ui, gettext_noop(
                "%(name)s is not a text file (binary data or UTF-16); accepted: CSV in %(accepted)s, or XLSX"),
                name=name, accepted=_accepted(self.ui)))
        encoding = (encoding or "auto").lower().replace("_", "-")
        if encoding in ("utf8", "utf-8", "utf-8-sig"):
            return "utf-8-sig"
        if encoding in ("latin-1", "latin1", "iso-8859-1", "cp1252", "windows-1252"):
            return "cp1252" if encoding in ("cp1252", "windows-1252") else "latin-1"
        if encoding != "auto":
            raise ImportFileError(_say(self.ui, gettext_noop(
                "unknown encoding %(encoding)s; use utf-8, latin-1 or auto"), encoding=repr(encoding)))
        return self._auto_encoding(head)

    def _auto_encoding(self, head: bytes) -> str:
        """UTF-8 when the start of the file decodes as UTF-8; Latin-1 when no line of it does (a plain Latin-1
        or Windows-1252 export). A UTF-8 file with some line that is not UTF-8 (a line pasted from another
        file) is refused, naming the line: reading it all as Latin-1 would store "JosÃ©" for every "José"."""
        try:
            codecs.getincrementaldecoder("utf-8")().decode(head, final=len(head) < SNIFF_BYTES)
            return "utf-8-sig"
        except UnicodeDecodeError:
            pass
        lines = head.split(b"\n")
        if len(head) >= SNIFF_BYTES and len(lines) > 1:
            lines.pop()  # cut at the sniff limit: the last line may be a UTF-8 character cut in two
        bad, utf8 = None, False
        for number, line in enumerate(lines, start=1):
            if line.isascii():
                continue
            try:
                line.decode("utf-8")
                utf8 = True
            except UnicodeDecodeError:
                bad = bad or number
            if utf8 and bad:
                raise ImportFileError(_(
                    "%(name)s, line %(line)s: this line is not UTF-8 but the rest of the file is (mixed "
                    "encodings); fix that line, or save the whole file again as CSV UTF-8"
                ) % {"name": self.name, "line": bad})
        return "latin-1"

    def _sniff(self, text: str, first_line: str) -> str:
        sample = "\n".join(text.splitlines()[:50])
        try:
            return csv.Sniffer().sniff(sample, delimiters="".join(DELIMITERS)).delimiter
        except csv.Error:
            counts = {d: first_line.count(d) for d in DELIMITERS}
            best = max(counts, key=counts.get)
            return best if counts[best] else ","

    def _decode_error(self, row: int) -> ImportFileError:
        """Find the first line that does not decode (the reader decodes ahead, in blocks)."""
        encoding = self.encoding.replace("-sig", "")
        with self.path.open("rb") as fh:
            for number, line in enumerate(fh, start=1):
                try:
                    line.decode(encoding)
                except UnicodeDecodeError:
                    row = number
                    break
        if self.ui != "cli":
            return ImportFileError(_(
                "%(name)s, line %(line)s: the text is not valid %(encoding)s; accepted encodings: %(accepted)s "
                "(choose one in the options)"
            ) % {"name": self.name, "line": row, "encoding": encoding, "accepted": _(ACCEPTED_ENCODINGS)})
        return ImportFileError(
            f"{self.name}, line {row}: the text is not valid {encoding}; "
            f"accepted encodings: {ACCEPTED_ENCODINGS} (choose one with --encoding)"
        )

    def _lines(self) -> Iterator[str]:
        """The file's lines for the csv reader; flags a NUL character (checked per row only then)."""
        for line in self._fh:
            if "\x00" in line:
                self._nul = True
            yield line

    def _check_nul(self, row: int, values: list[str]) -> None:
        if not self._nul:
            return
        for index, value in enumerate(values):
            if "\x00" in value:
                raise ImportFileError(_(
                    "%(name)s, row %(row)s, column %(column)s: the value holds a NUL character (byte 0), which "
                    "text never has; the file is damaged or not text"
                ) % {"name": self.name, "row": row, "column": _column_label(self, index)})
        self._nul = False

    def rows(self) -> Iterator[tuple[int, list]]:
        row = self.header_row
        try:
            for values in self._reader:
                row += 1
                if self._nul:
                    self._check_nul(row, values)
                yield row, values
        except UnicodeDecodeError:
            raise self._decode_error(row + 1)
        except csv.Error as exc:
            raise ImportFileError(_say(self.ui, gettext_noop("%(name)s, row %(row)s: %(error)s"), name=self.name,
                                       row=row + 1, error=exc))

    def close(self) -> None:
        self._fh.close()


# what openpyxl raises on a damaged workbook (SyntaxError: xml.etree's ParseError, malformed XML)
XLSX_ERRORS = (zipfile.BadZipFile, zlib.error, KeyError, OSError, ValueError, TypeError, AttributeError, IndexError,
               EOFError, SyntaxError)


def _failed_cell(exc: BaseException) -> tuple[str, str] | None:
    """(coordinate, raw value) of the cell openpyxl's sheet parser failed on, from the failing frame."""
    tb = exc.__traceback__
    while tb is not None:
        frame = tb.tb_frame
        if frame.f_code.co_name == "parse_cell" and frame.f_locals.get("coordinate"):
            return str(frame.f_locals["coordinate"]), str(frame.f_locals.get("value"))[:40]
        tb = tb.tb_next
    return None


_MERGE = re.compile(rb'<(?:\w+:)?mergeCell\s+ref="([A-Z]+\d+(?::[A-Z]+\d+)?)"')


class XlsxTable(Table):
    kind = "xlsx"

    def __init__(self, path: Path, sheet: str | None, *, header_row: int = 1, name: str | None = None,
                 ui: str = "cli"):
        import openpyxl

        self.path = path
        self.ui = ui
        self.name = name or path.name
        self.header_row = header_row
        inspect_xlsx(path, name=self.name)
        try:
            self._wb = openpyxl.load_workbook(path, read_only=True, data_only=False)
        except XLSX_ERRORS as exc:
            raise _unreadable(self.name, exc.__class__.__name__, self.ui)
        try:
            self._open_sheet(sheet)
        except BaseException:
            self._wb.close()
            raise

    def _open_sheet(self, sheet: str | None) -> None:
        names = self._wb.sheetnames
        if sheet is None:
            if len(names) > 1:
                raise ImportFileError(f"{self.name} has several sheets ({', '.join(names)}); choose one with "
                                      "--sheet" if self.ui == "cli" else _(
                                          "%(name)s has several sheets (%(sheets)s); choose one in the options")
                                      % {"name": self.name, "sheets": ", ".join(names)})
            sheet = names[0]
        elif sheet not in names:
            raise ImportFileError(_say(self.ui, gettext_noop("%(name)s has no sheet %(sheet)s; sheets: %(sheets)s"),
                                       name=self.name, sheet=repr(sheet), sheets=", ".join(names)))
        self.sheet = sheet
        try:
            self._ws = self._wb[sheet]
            self._check_merged()
            max_row = self._ws.max_row
        except ImportFileError:
            raise
        except XLSX_ERRORS as exc:
            raise self._damaged(exc, 0)
        self._iter = self._cells()
        for _skipped in range(self.header_row - 1):  # title rows above the headers
            next(self._iter, None)
        header_cells = next(self._iter, None)
        if header_cells is None:
            raise ImportFileError(_say(self.ui, gettext_noop("%(name)s, sheet %(sheet)s is empty"), name=self.name,
                                       sheet=repr(sheet)))
        header_values = [self._value(c) for c in header_cells]
        self.headers = ["" if v is None else str(v).strip() for v in header_values]
        while self.headers and self.headers[-1] == "":
            self.headers.pop()
        if not any(self.headers):
            raise ImportFileError(
                _say(self.ui, gettext_noop("%(name)s, sheet %(sheet)s: the first row (the header) is empty"),
                     name=self.name, sheet=repr(sheet)) if self.header_row == 1
                else _say(self.ui, gettext_noop("%(name)s, sheet %(sheet)s: the header row (row %(row)s) is empty"),
                          name=self.name, sheet=repr(sheet), row=self.header_row))
        self.total_estimate = max(0, max_row - self.header_row) if max_row else None

    def _cells(self) -> Iterator[tuple]:
        """The sheet's rows of cells; openpyxl's errors on a damaged sheet (malformed XML, a number cell holding
        "NaN" or "inf") become an ImportFileError naming the cell when it can be found."""
        row = 0
        try:
            for row, cells in enumerate(self._ws.iter_rows(), start=1):  # noqa: B007 - `row` is read after
                yield cells
        except ImportFileError:
            raise  # already says what and where (a DomainError is a ValueError, which XLSX_ERRORS catches)
        except XLSX_ERRORS as exc:
            raise self._damaged(exc, row)

    def _damaged(self, exc: BaseException, row: int) -> ImportFileError:
        cell = _failed_cell(exc)
        if cell is not None:
            return ImportFileError(_(
                "%(name)s, sheet %(sheet)r, cell %(cell)s: the value %(value)s is not a number (NaN or infinite "
                "values cannot be imported)"
            ) % {"name": self.name, "sheet": self.sheet, "cell": cell[0], "value": repr(cell[1])})
        return ImportFileError(_(
            "%(name)s, sheet %(sheet)r, after row %(row)s: the workbook is damaged (%(error)s); export it again as "
            ".xlsx or as CSV"
        ) % {"name": self.name, "sheet": self.sheet, "row": row, "error": exc.__class__.__name__})

    def _check_merged(self) -> None:
        """Read-only mode does not parse merged ranges: scan the sheet's XML for <mergeCell ref=...>."""
        tail = b""
        with self._ws._get_source() as src:
            while True:
                block = src.read(1 << 20)
                if not block:
                    break
                for found in _MERGE.finditer(tail + block):
                    last = re.search(rb"(\d+)$", found.group(1))
                    if last and int(last.group(1)) < self.header_row:
                        continue  # a title merged above the header row: skipped with it
                    raise ImportFileError(_say(self.ui, gettext_noop(
                        "%(name)s, sheet %(sheet)s: cells %(cells)s are merged; unmerge them (one value per cell) "
                        "and export again"), name=self.name, sheet=repr(self.sheet), cells=found.group(1).decode()))
                tail = block[-200:]

    @staticmethod
    def _value(cell):
        if getattr(cell, "data_type", None) == "f":
            raise ImportFileError(_("cell %(cell)s holds a formula; export values") % {"cell": cell.coordinate})
        return getattr(cell, "value", None)

    def rows(self) -> Iterator[tuple[int, list]]:
        for row, cells in enumerate(self._iter, start=self.header_row + 1):
            values = []
            for cell in cells:
                if getattr(cell, "data_type", None) == "f":
                    raise ImportFileError(_say(self.ui, gettext_noop(
                        "%(name)s, sheet %(sheet)s: cell %(cell)s holds a formula; export values"), name=self.name,
                        sheet=repr(self.sheet), cell=cell.coordinate))
                value = getattr(cell, "value", None)
                if type(value) is float and not math.isfinite(value) or type(value) is str and "\x00" in value:
                    raise ImportFileError(_(
                        "%(name)s, sheet %(sheet)r, row %(row)s, column %(column)s: the cell holds %(value)s, "
                        "which cannot be imported"
                    ) % {"name": self.name, "sheet": self.sheet, "row": row,
                         "column": _column_label(self, len(values)),
                         "value": repr(value) if type(value) is float else _("a NUL character (byte 0)")})
                values.append(value)
            yield row, values

    def close(self) -> None:
        self._wb.close()


def _column_label(table: Table, index: int) -> str:
    headers = getattr(table, "headers", None) or []
    if index < len(headers) and headers[index]:
        return f'"{headers[index]}"'
    return str(index + 1)


def _zip_entries(path: Path, name: str) -> int:
    """The number of parts the zip's end record declares, read before zipfile loads them all (each costs
    memory); 0xFFFF (zip64) counts as too many for a workbook."""
    with path.open("rb") as fh:
        fh.seek(0, 2)
        size = fh.tell()
        fh.seek(max(0, size - (1 << 16) - 22))
        tail = fh.read()
    at = tail.rfind(b"PK\x05\x06")
    if at < 0 or len(tail) < at + 22:
        raise _unreadable(name, "BadZipFile")
    return struct.unpack("<H", tail[at + 10:at + 12])[0]


_PROLOG = re.compile(rb"\s*(?:<\?.*?\?>|<!--.*?-->)", re.S)
_SHARED_STRING = re.compile(rb"<(?:\w+:)?si[\s>/]")


def _xml_prolog_ok(head: bytes) -> bool:
    """No document type declaration (<!DOCTYPE, where entities are declared: XXE, "billion laughs") before the
    root element, and UTF-8 (or ASCII) text: Excel writes nothing else."""
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE, b"\x00", b"<\x00")):
        return False
    position = 3 if head.startswith(codecs.BOM_UTF8) else 0
    while True:
        found = _PROLOG.match(head, position)
        if not found or found.end() == position:
            break
        position = found.end()
    rest = head[position:].lstrip()
    return not rest.startswith(b"<!") and (rest.startswith(b"<") or not rest)


def inspect_xlsx(path: Path, name: str | None = None) -> None:
    """Refuse a workbook that would unpack to more than the limits (sizes, compression ratio, number of shared
    strings), or whose XML declares a document type or entities, before openpyxl reads any of it."""
    name = name or path.name
    entries = _zip_entries(path, name)
    if entries > XLSX_MAX_PARTS:
        raise ImportFileError(_("%(name)s holds %(count)s parts; an XLSX workbook may hold at most %(limit)s") % {
            "name": name, "count": _n(entries), "limit": _n(XLSX_MAX_PARTS)})
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
            total = sum(m.file_size for m in members)
            if total > XLSX_MAX_TOTAL:
                raise ImportFileError(_(
                    "%(name)s unpacks to %(size)s; the limit for an XLSX workbook is %(limit)s uncompressed. "
                    "Split it, or export it as CSV"
                ) % {"name": name, "size": _mb(total), "limit": _mb(XLSX_MAX_TOTAL)})
            for member in members:
                part = member.filename
                limit = XLSX_MAX_SHEET if part.startswith("xl/worksheets/") else XLSX_MAX_PART
                if member.file_size > limit:
                    raise ImportFileError(_(
                        "%(name)s: the part %(part)s unpacks to %(size)s; the limit is %(limit)s. Split the "
                        "workbook, or export it as CSV"
                    ) % {"name": name, "part": part, "size": _mb(member.file_size), "limit": _mb(limit)})
                if (member.file_size > XLSX_RATIO_FROM
                        and member.file_size > XLSX_MAX_RATIO * max(member.compress_size, 1)):
                    raise ImportFileError(_(
                        "%(name)s: the part %(part)s is compressed %(ratio)s to 1; the limit is %(limit)s to 1 "
                        "(a zip bomb?). Export the workbook again, or as CSV"
                    ) % {"name": name, "part": part, "ratio": _n(member.file_size // max(member.compress_size, 1)),
                         "limit": XLSX_MAX_RATIO})
            strings = 0
            for member in members:
                if not member.filename.endswith((".xml", ".rels", ".vml")) or member.is_dir():
                    continue
                with archive.open(member) as fh:
                    head = fh.read(XML_PROLOG_MAX)
                    if not _xml_prolog_ok(head):
                        raise ImportFileError(_(
                            "%(name)s: the part %(part)s declares a document type or entities (<!DOCTYPE, "
                            "<!ENTITY>) or is not UTF-8; Excel never writes that, so it is refused. Export the "
                            "workbook again, or as CSV"
                        ) % {"name": name, "part": member.filename})
                    if not member.filename.startswith("xl/worksheets/"):  # wherever the rels put them
                        strings = _count_shared_strings(name, head, fh, strings)
    except (zipfile.BadZipFile, zlib.error, OSError, EOFError, NotImplementedError) as exc:
        raise _unreadable(name, exc.__class__.__name__)


def _count_shared_strings(name: str, head: bytes, fh, count: int) -> int:
    """Add the part's <si> elements (shared strings), counted as it streams by (a declared count may lie), to
    `count`; refuse past the limit."""
    data = head
    while data:
        block = fh.read(1 << 20)
        cut = len(data) - 32 if block else len(data)  # a tag cut at the block's end is counted with the next
        count += sum(1 for found in _SHARED_STRING.finditer(data) if found.start() < cut)
        if count > XLSX_MAX_SHARED_STRINGS:
            raise ImportFileError(_(
                "%(name)s holds more than %(limit)s different texts (shared strings); split the workbook, or "
                "export it as CSV"
            ) % {"name": name, "limit": _n(XLSX_MAX_SHARED_STRINGS)})
        data = data[cut:] + block if block else b""
    return count


def delimiter_label(table: Table) -> str:
    return _delimiter_name(getattr(table, "delimiter", ","))


PEEK_ROWS = 40  # rows the mapping step reads: title rows, the header row and the first data rows


@dataclass
class Peek:
    """The first rows of a file as read, before its header row is known (the mapping step's input)."""

    kind: str  # "csv" | "xlsx"
    rows: list[list]  # rows[i] is the file's row i + 1: str cells for CSV, cell values for XLSX
    encoding: str = ""  # CSV: as detected or chosen ("utf-8-sig", "latin-1", "cp1252")
    delimiter: str = ","  # CSV
    sheet: str | None = None  # XLSX: the sheet read
    sheets: list[str] = field(default_factory=list)  # XLSX: all of them


def peek_file(path: Path, *, name: str, encoding: str = "auto", sheet: str | None = None,
              delimiter: str | None = None, limit: int = PEEK_ROWS) -> Peek:
    """The first `limit` rows of a CSV or XLSX file, whatever is above the header row; the CSV's encoding and
    separator detected unless given. File-level problems raise ImportFileError naming `name`."""
    path = Path(path)
    if not path.is_file() or path.stat().st_size == 0:
        raise ImportFileError(_("%(name)s is empty (0 bytes)") % {"name": name})
    with path.open("rb") as fh:
        head = fh.read(SNIFF_BYTES)
    if _is_xlsx(path, head):
        return _peek_xlsx(path, name, sheet, limit)
    if path.suffix.lower() == ".xls":
        raise ImportFileError(_say("web", gettext_noop(
            "%(name)s: old Excel .xls files are not supported; save as .xlsx or CSV"), name=name))
    chosen = detect_encoding(name, head, encoding)
    text = decode_head(head, chosen)
    lines = text.splitlines()
    if len(head) >= SNIFF_BYTES and len(lines) > 1:
        lines.pop()  # cut at the sniff limit
    delimiter = delimiter or detect_delimiter(lines)
    try:
        rows = [[cell.strip() for cell in row]
                for row in itertools.islice(csv.reader(lines, delimiter=delimiter), limit)]
    except csv.Error as exc:
        raise ImportFileError(_("%(name)s: %(error)s") % {"name": name, "error": exc})
    return Peek(kind="csv", rows=rows, encoding=chosen, delimiter=delimiter)


def _peek_xlsx(path: Path, name: str, sheet: str | None, limit: int) -> Peek:
    import openpyxl

    inspect_xlsx(path, name=name)
    try:
        workbook = openpyxl.load_workbook(path, read_only=True, data_only=False)
    except XLSX_ERRORS as exc:
        raise _unreadable(name, exc.__class__.__name__)
    try:
        sheets = list(workbook.sheetnames)
        if sheet not in sheets:
            sheet = sheets[0]
        rows = []
        for values in workbook[sheet].iter_rows(max_row=limit, values_only=True):
            values = [v.strip() if isinstance(v, str) else v for v in values]
            while values and values[-1] in (None, ""):
                values.pop()
            rows.append(values)
    except XLSX_ERRORS as exc:
        raise _unreadable(name, exc.__class__.__name__)
    finally:
        workbook.close()
    return Peek(kind="xlsx", rows=rows, sheet=sheet, sheets=sheets)
