"""Streaming readers for import files: CSV (sniffed delimiter, UTF-8 with/without BOM or Latin-1) and XLSX.

A reader yields (row_number, values) where row_number is the row as the user sees it in the file (the header
is row 1) and values are str for CSV, or the cell values (str, int, float, datetime, None) for XLSX.
Memory stays bounded: CSV through the csv module line by line, XLSX through openpyxl's read-only mode.
"""

from __future__ import annotations

import codecs
import csv
import re
import zipfile
from collections.abc import Iterator
from pathlib import Path

ACCEPTED_ENCODINGS = "UTF-8 (with or without BOM) or Latin-1 (ISO-8859-1, Windows-1252)"
DELIMITERS = [",", ";", "\t", "|"]
SNIFF_BYTES = 1 << 20


class ImportFileError(Exception):
    """A problem with the file as a whole (not one row): the message says what and where."""


def _delimiter_name(delimiter: str) -> str:
    return {"\t": "tab"}.get(delimiter, delimiter)


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


def open_table(path: Path, *, encoding: str = "auto", sheet: str | None = None) -> Table:
    path = Path(path)
    if not path.exists():
        raise ImportFileError(f"file not found: {path}")
    if not path.is_file():
        raise ImportFileError(f"not a file: {path}")
    size = path.stat().st_size
    if size == 0:
        raise ImportFileError(f"{path.name} is empty (0 bytes)")
    with path.open("rb") as fh:
        head = fh.read(SNIFF_BYTES)
    if head[:4] == b"PK\x03\x04" or path.suffix.lower() in (".xlsx", ".xlsm"):
        return XlsxTable(path, sheet)
    if path.suffix.lower() == ".xls":
        raise ImportFileError(f"{path.name}: old Excel .xls files are not supported; save as .xlsx or CSV")
    return CsvTable(path, head, size, encoding)


class CsvTable(Table):
    kind = "csv"

    def __init__(self, path: Path, head: bytes, size: int, encoding: str):
        self.path = path
        self.encoding = self._detect_encoding(head, encoding)
        text = head.decode(self.encoding, errors="ignore") if self.encoding != "utf-8-sig" else head.decode(
            "utf-8", errors="ignore").lstrip("\ufeff")
        if not text.strip():
            raise ImportFileError(f"{path.name} has no header row (the file holds only blank lines)")
        first_line = text.splitlines()[0] if text.splitlines() else ""
        self.delimiter = self._sniff(text, first_line)
        self._fh = path.open(encoding=self.encoding, newline="")
        self._reader = csv.reader(self._fh, delimiter=self.delimiter)
        try:
            self.headers = [h.strip() for h in next(self._reader)]
        except StopIteration:
            raise ImportFileError(f"{path.name} has no header row")
        except UnicodeDecodeError:
            raise self._decode_error(1)
        except csv.Error as exc:
            raise ImportFileError(f"{path.name}, row 1: {exc}")
        while self.headers and self.headers[-1] == "":
            self.headers.pop()
        if not any(self.headers):
            raise ImportFileError(f"{path.name}: the first row (the header) is empty")
        lines = text.count("\n")
        avg = len(head) / lines if lines else len(head)
        self.total_estimate = max(0, round(size / avg) - 1) if avg else None

    def _detect_encoding(self, head: bytes, encoding: str) -> str:
        name = self.path.name
        if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            raise ImportFileError(f"{name} is UTF-16 encoded; accepted encodings: {ACCEPTED_ENCODINGS}. "
                                  "Save it as CSV UTF-8")
        if b"\x00" in head[:65536]:
            raise ImportFileError(f"{name} is not a text file (binary data or UTF-16); accepted: CSV in "
                                  f"{ACCEPTED_ENCODINGS}, or XLSX")
        encoding = (encoding or "auto").lower().replace("_", "-")
        if encoding in ("utf8", "utf-8", "utf-8-sig"):
            return "utf-8-sig"
        if encoding in ("latin-1", "latin1", "iso-8859-1", "cp1252", "windows-1252"):
            return "cp1252" if encoding in ("cp1252", "windows-1252") else "latin-1"
        if encoding != "auto":
            raise ImportFileError(f"unknown encoding {encoding!r}; use utf-8, latin-1 or auto")
        try:
            codecs.getincrementaldecoder("utf-8")().decode(head, final=len(head) < SNIFF_BYTES)
            return "utf-8-sig"
        except UnicodeDecodeError:
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
        return ImportFileError(
            f"{self.path.name}, line {row}: the text is not valid {encoding}; "
            f"accepted encodings: {ACCEPTED_ENCODINGS} (choose one with --encoding)"
        )

    def rows(self) -> Iterator[tuple[int, list]]:
        row = 1
        try:
            for values in self._reader:
                row += 1
                yield row, values
        except UnicodeDecodeError:
            raise self._decode_error(row + 1)
        except csv.Error as exc:
            raise ImportFileError(f"{self.path.name}, row {row + 1}: {exc}")

    def close(self) -> None:
        self._fh.close()


_MERGE = re.compile(rb'<(?:\w+:)?mergeCell\s+ref="([A-Z]+\d+(?::[A-Z]+\d+)?)"')


class XlsxTable(Table):
    kind = "xlsx"

    def __init__(self, path: Path, sheet: str | None):
        import openpyxl

        self.path = path
        try:
            self._wb = openpyxl.load_workbook(path, read_only=True, data_only=False)
        except (zipfile.BadZipFile, KeyError, OSError, ValueError, TypeError) as exc:
            raise ImportFileError(f"{path.name} is not a readable XLSX workbook ({exc.__class__.__name__}); "
                                  "export it again as .xlsx or as CSV")
        names = self._wb.sheetnames
        if sheet is None:
            if len(names) > 1:
                raise ImportFileError(f"{path.name} has several sheets ({', '.join(names)}); choose one with "
                                      "--sheet")
            sheet = names[0]
        elif sheet not in names:
            raise ImportFileError(f"{path.name} has no sheet {sheet!r}; sheets: {', '.join(names)}")
        self.sheet = sheet
        self._ws = self._wb[sheet]
        self._check_merged()
        self._iter = self._ws.iter_rows()
        header_cells = next(self._iter, None)
        if header_cells is None:
            raise ImportFileError(f"{path.name}, sheet {sheet!r} is empty")
        header_values = [self._value(c) for c in header_cells]
        self.headers = ["" if v is None else str(v).strip() for v in header_values]
        while self.headers and self.headers[-1] == "":
            self.headers.pop()
        if not any(self.headers):
            raise ImportFileError(f"{path.name}, sheet {sheet!r}: the first row (the header) is empty")
        max_row = self._ws.max_row
        self.total_estimate = max_row - 1 if max_row else None

    def _check_merged(self) -> None:
        """Read-only mode does not parse merged ranges: scan the sheet's XML for <mergeCell ref=...>."""
        tail = b""
        with self._ws._get_source() as src:
            while True:
                block = src.read(1 << 20)
                if not block:
                    break
                found = _MERGE.search(tail + block)
                if found:
                    raise ImportFileError(
                        f"{self.path.name}, sheet {self.sheet!r}: cells {found.group(1).decode()} are merged; "
                        "unmerge them (one value per cell) and export again"
                    )
                tail = block[-200:]

    @staticmethod
    def _value(cell):
        if getattr(cell, "data_type", None) == "f":
            raise ImportFileError(f"cell {cell.coordinate} holds a formula; export values")
        return getattr(cell, "value", None)

    def rows(self) -> Iterator[tuple[int, list]]:
        for row, cells in enumerate(self._iter, start=2):
            values = []
            for cell in cells:
                if getattr(cell, "data_type", None) == "f":
                    raise ImportFileError(
                        f"{self.path.name}, sheet {self.sheet!r}: cell {cell.coordinate} holds a formula; "
                        "export values"
                    )
                values.append(getattr(cell, "value", None))
            yield row, values

    def close(self) -> None:
        self._wb.close()


def delimiter_label(table: Table) -> str:
    return _delimiter_name(getattr(table, "delimiter", ","))
