"""Reading bank statements (extractos), pure: bytes in, normalised lines or the list of problems (row or movement
and the column or field named, in Spanish) out. Nothing here touches the database; the service imports a statement
only when this found no problem. Mirrors asobancaria.py.

Formats (docs/bank-files.md, "Bank statements"):
- CSV and XLSX through a saved column mapping (Mapping: which column holds the date, description, reference,
  amount or debit and credit, balance, transaction id and payer; separator, encoding, date format, decimal and
  thousands separators, header and footer lines to skip, the sign of credits);
- OFX 1.x (SGML) and 2.x (XML), parsed by ofxtools (its own tokenizer: no entities, no DTDs);
- CAMT.053 (ISO 20022 XML), camt.053.001.02 to .08, namespace-agnostic, parsed by defusedxml with DTDs refused;
- MT940 (SWIFT), parsed by the mt-940 package: :61: statement lines and their :86: details.

Every line is signed: a credit (money in) is positive, a debit negative.
"""

from __future__ import annotations

import csv
import html
import io
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext as _

from recaudo.core.amounts import MAX_MINOR

from .asobancaria import decode

CSV = "csv"
XLSX = "xlsx"
OFX = "ofx"
CAMT053 = "camt053"
MT940 = "mt940"
LAYOUTS = (CSV, XLSX, OFX, CAMT053, MT940)
MAPPED = (CSV, XLSX)  # the layouts read through a saved mapping

MAX_LINES = 200_000  # movements (or rows) of one statement
MAX_FIELD = 1000  # characters of one cell or field
MAX_COLUMNS = 200
MAX_AMOUNT = Decimal(MAX_MINOR)  # a cheap bound here; the service checks the currency's exact one
ENCODINGS = ("auto", "utf-8", "windows-1252")
DECIMAL_SEPARATORS = (",", ".")
THOUSANDS_SEPARATORS = ("", ".", ",", " ", "'")


@dataclass(frozen=True)
class Problem:
    place: str  # "fila 3", "movimiento 2": where, in words ("" for the file as a whole)
    field: str  # the column or field concerned
    message: str

    def __str__(self):
        if not self.place:
            return f"{self.field}: {self.message}"
        return f"{self.place}, {self.field}: {self.message}"


@dataclass(frozen=True)
class Line:
    line: int  # the row of a CSV/XLSX, the line of an MT940's :61:, the order of an OFX or CAMT movement
    booking_date: date
    amount: Decimal  # signed: a credit (money in) positive, a debit negative
    currency: str  # "" when the file does not say (CSV, XLSX): the portfolio's
    description: str = ""
    reference: str = ""
    payer_name: str = ""
    transaction_id: str = ""  # the bank's own id of the movement, when the format has one
    account: str = ""
    balance: Decimal | None = None

    @property
    def is_credit(self) -> bool:
        return self.amount > 0


@dataclass
class Statement:
    layout: str
    account: str
    currency: str
    lines: list[Line] = field(default_factory=list)


@dataclass
class Reading:
    statement: Statement | None
    problems: list[Problem]


@dataclass(frozen=True)
class Mapping:
    """How a CSV or XLSX statement is laid out. A column is its header's name (compared without accents and case)
    or its 1-based number; the amount is one column (signed) or a debit and a credit column."""

    date_column: str
    description_column: str = ""
    reference_column: str = ""
    amount_column: str = ""
    debit_column: str = ""
    credit_column: str = ""
    balance_column: str = ""
    transaction_id_column: str = ""
    payer_column: str = ""
    separator: str = ","
    encoding: str = "auto"  # auto: UTF-8 when it is, else Windows-1252
    date_format: str = "%d/%m/%Y"
    decimal_separator: str = ","
    thousands_separator: str = "."
    header_lines_skip: int = 0  # lines before the header row (a bank's title, the account...)
    footer_lines_skip: int = 0  # lines after the movements (totals...)
    has_header: bool = True
    credits_negative: bool = False  # the amount column writes money in as negative
    account: str = ""  # the account the statement is of (CSV files rarely say)


MAPPING_FIELDS = tuple(Mapping.__dataclass_fields__)
COLUMN_FIELDS = ("date_column", "description_column", "reference_column", "amount_column", "debit_column",
                 "credit_column", "balance_column", "transaction_id_column", "payer_column")


def column_label(name: str) -> str:
    return {
        "date_column": _("date"), "description_column": _("description"), "reference_column": _("reference"),
        "amount_column": _("amount"), "debit_column": _("debit"), "credit_column": _("credit"),
        "balance_column": _("balance"), "transaction_id_column": _("transaction id"),
        "payer_column": _("payer"),
    }.get(name, name)


def mapping_problems(mapping: Mapping) -> list[str]:
    """What makes a mapping unusable, in words (the service refuses to save it)."""
    problems = []
    if not mapping.date_column.strip():
        problems.append(_("the date column is required"))
    has_amount = bool(mapping.amount_column.strip())
    has_split = bool(mapping.debit_column.strip() or mapping.credit_column.strip())
    if has_amount == has_split:
        problems.append(_("give either the amount column or the debit and credit columns, not both"))
    for name in COLUMN_FIELDS:
        value = getattr(mapping, name).strip()
        if value.isdigit() and not 1 <= int(value) <= MAX_COLUMNS:
            problems.append(_("%(column)s: a column number goes from 1 to %(max)d")
                            % {"column": column_label(name), "max": MAX_COLUMNS})
        elif len(value) > 60:
            problems.append(_("%(column)s: up to 60 characters") % {"column": column_label(name)})
        elif value and not mapping.has_header and not value.isdigit():
            problems.append(_("%(column)s: without a header row, columns are given by number")
                            % {"column": column_label(name)})
    if len(mapping.separator) != 1 or mapping.separator in "\"\r\n":
        problems.append(_("the separator is one character (a tab is written \\t)"))
    if mapping.encoding not in ENCODINGS:
        problems.append(_("unknown encoding %(value)r (use %(known)s)")
                        % {"value": mapping.encoding, "known": ", ".join(ENCODINGS)})
    if mapping.decimal_separator not in DECIMAL_SEPARATORS:
        problems.append(_("the decimal separator is , or ."))
    if mapping.thousands_separator not in THOUSANDS_SEPARATORS \
            or mapping.thousands_separator == mapping.decimal_separator:
        problems.append(_("the thousands separator is empty, a dot, a comma, a space or an apostrophe, and not "
                          "the decimal separator"))
    try:
        sample = date(2026, 3, 1)
        if not mapping.date_format or len(mapping.date_format) > 20 \
                or datetime.strptime(sample.strftime(mapping.date_format), mapping.date_format).date() != sample:
            raise ValueError
    except ValueError:
        problems.append(_("the date format %(value)r cannot read a date back (e.g. %%d/%%m/%%Y)")
                        % {"value": mapping.date_format})
    for name in ("header_lines_skip", "footer_lines_skip"):
        value = getattr(mapping, name)
        if not isinstance(value, int) or not 0 <= value <= 100:
            problems.append(_("lines to skip: from 0 to 100"))
    if len(mapping.account) > 34:
        problems.append(_("the account: up to 34 characters"))
    return problems


# --- detecting the layout ------------------------------------------------------------------------------------------

def detect_layout(content: bytes) -> str | None:
    """xlsx (a zip), ofx, camt053 or mt940 by their content; None when it is none of them (a CSV, an Asobancaria
    file: the caller decides)."""
    if content[:4] == b"PK\x03\x04":
        return XLSX
    head = decode(content[:4096]).lstrip("\ufeff \t\r\n")
    upper = head.upper()
    if upper.startswith("OFXHEADER") or "<OFX>" in upper or "<?OFX" in upper:
        return OFX
    if "BKTOCSTMRSTMT" in upper or "CAMT.053" in upper:
        return CAMT053
    if re.search(r"(^|[\r\n{])\s*:20:", head) and ":61:" in decode(content):
        return MT940
    return None


def read(content: bytes, layout: str, mapping: Mapping | None = None) -> Reading:
    """Read a statement of `layout` (one of LAYOUTS; csv and xlsx need a mapping). Returns its lines when every
    one could be read, else no statement and every problem found."""
    if not content or not content.strip():
        return Reading(None, [Problem("", _("file"), _("the file is empty"))])
    if layout in MAPPED:
        if mapping is None:
            return Reading(None, [Problem("", _("mapping"), _("a CSV or XLSX statement needs a column mapping"))])
        problems = mapping_problems(mapping)
        if problems:
            return Reading(None, [Problem("", _("mapping"), p) for p in problems])
        rows = _csv_rows(content, mapping) if layout == CSV else _xlsx_rows(content)
        if isinstance(rows, Problem):
            return Reading(None, [rows])
        return _Table(layout, mapping).read(rows)
    readers = {OFX: _read_ofx, CAMT053: _read_camt, MT940: _read_mt940}
    if layout not in readers:
        return Reading(None, [Problem("", _("layout"), _("unknown statement layout %(layout)r")
                                      % {"layout": layout})])
    return readers[layout](content)


# --- numbers, dates and text ---------------------------------------------------------------------------------------

def clean(value) -> str:
    """A text field: blanks collapsed, no control characters."""
    text = "" if value is None else str(value)
    return " ".join("".join(ch if ch.isprintable() else " " for ch in text).split())


def _fold(text: str) -> str:
    """A header as compared: no accents, no case, blanks collapsed ("Descripción " == "descripcion")."""
    decomposed = unicodedata.normalize("NFKD", clean(text))
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold()


def parse_amount(text: str, decimal_separator: str = ",", thousands_separator: str = ".") -> Decimal:
    """An amount as a bank writes it: "1.234.567,89", "$ -50.000", "(1.000,00)" (negative), "150000.5";
    ValueError when it is not one."""
    value = clean(text).replace("$", "").replace("COP", "").replace(" ", "")
    negative = False
    if value.startswith("(") and value.endswith(")"):
        negative, value = True, value[1:-1]
    if value.endswith("-"):
        negative, value = True, value[:-1]
    if value.startswith("-"):
        negative, value = not negative, value[1:]
    elif value.startswith("+"):
        value = value[1:]
    if thousands_separator and thousands_separator != " ":
        whole, _sep, part = value.partition(decimal_separator)
        groups = whole.split(thousands_separator)
        if len(groups) > 1 and (not groups[0] or len(groups[0]) > 3 or any(len(g) != 3 for g in groups[1:])):
            raise ValueError(value)
        value = "".join(groups) + (_sep + part if _sep else "")
    if decimal_separator != ".":
        value = value.replace(decimal_separator, ".")
    if not value or len(value) > 24 or not re.fullmatch(r"[0-9]+(\.[0-9]+)?|\.[0-9]+", value):
        raise ValueError(value)
    amount = Decimal(value)
    return -amount if negative else amount


# --- CSV and XLSX ------------------------------------------------------------------------------------------------

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _binary(content: bytes) -> bool:
    """Whether the file's start is not text (a NUL, or more than 1 in 20 control characters): a file sent as a CSV
    statement that is something else (a PDF, an image, a zip), whose "header" would be noise to show back."""
    head = content[:4096]
    if b"\x00" in head:
        return True
    text = decode(head)
    return len(_CONTROL.findall(text)) * 20 > len(text)


def _csv_rows(content: bytes, mapping: Mapping):
    if _binary(content):
        return Problem("", _("file"), _("the file is not text, so not a CSV statement: check that it is the bank's "
                                        "file and choose its layout"))
    if mapping.encoding == "auto":
        text = decode(content)
    else:
        try:
            text = content.decode("cp1252" if mapping.encoding == "windows-1252" else "utf-8")
        except UnicodeDecodeError as exc:
            return Problem("", _("encoding"), _("the file is not %(encoding)s (byte %(at)d)")
                           % {"encoding": mapping.encoding, "at": exc.start + 1})
        text = text.lstrip("\ufeff")
    physical = text.splitlines(keepends=True)
    skip = mapping.header_lines_skip
    body = "".join(physical[skip:])
    reader = csv.reader(io.StringIO(body, newline=""), delimiter=mapping.separator)
    rows = []
    try:
        while True:
            try:
                cells = next(reader)
            except StopIteration:
                break
            if len(rows) > MAX_LINES + 100:
                return Problem("", _("file"), _("the file has more than %(max)d rows") % {"max": MAX_LINES})
            rows.append((skip + reader.line_num, cells[:MAX_COLUMNS + 1]))
    except csv.Error as exc:
        return Problem(_("row %(row)d") % {"row": skip + max(reader.line_num, 1)}, _("file"),
                       _("not a readable CSV row (%(error)s)") % {"error": str(exc)[:100]})
    return rows


def _xlsx_rows(content: bytes):
    import zipfile

    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError, TypeError) as exc:
        return Problem("", _("file"), _("not a readable XLSX workbook (%(error)s)") % {"error": str(exc)[:100]})
    try:
        sheet = workbook.worksheets[0]
        rows = []
        for number, cells in enumerate(sheet.iter_rows(values_only=True, max_col=MAX_COLUMNS + 1), start=1):
            if number > MAX_LINES + 200:
                return Problem("", _("file"), _("the file has more than %(max)d rows") % {"max": MAX_LINES})
            rows.append((number, list(cells)))
        return rows
    except (KeyError, ValueError, TypeError, IndexError) as exc:
        return Problem("", _("file"), _("not a readable XLSX workbook (%(error)s)") % {"error": str(exc)[:100]})
    finally:
        workbook.close()


def _blank(cell) -> bool:
    return cell is None or (isinstance(cell, str) and not cell.strip())


class _Table:
    """The rows of a CSV or the first sheet of an XLSX, read through a mapping."""

    def __init__(self, layout: str, mapping: Mapping):
        self.layout = layout
        self.mapping = mapping
        self.problems: list[Problem] = []

    def problem(self, row, column, message):
        self.problems.append(Problem(_("row %(row)d") % {"row": row} if row else "", column, message))

    def read(self, rows) -> Reading:
        m = self.mapping
        if self.layout == XLSX:  # the sheet's own rows: skip the ones before the header as a CSV's lines are
            rows = rows[m.header_lines_skip:]
        rows = [(n, cells) for n, cells in rows if not all(_blank(c) for c in cells)]
        if m.footer_lines_skip:
            rows = rows[:-m.footer_lines_skip] if len(rows) > m.footer_lines_skip else []
        header = None
        if m.has_header:
            if not rows:
                return Reading(None, [Problem("", _("file"), _("the file has no header row"))])
            header, rows = rows[0], rows[1:]
        columns = self.columns(header)
        if self.problems:
            return Reading(None, self.problems)
        if not rows:
            return Reading(None, [Problem("", _("file"), _("the statement has no movements"))])
        if len(rows) > MAX_LINES:
            return Reading(None, [Problem("", _("file"), _("the file has more than %(max)d rows")
                                          % {"max": MAX_LINES})])
        lines = []
        for n, cells in rows:
            line = self.line(n, cells, columns)
            if line is not None:
                lines.append(line)
        if self.problems:
            return Reading(None, self.problems[:200])
        return Reading(Statement(self.layout, clean(m.account), "", lines), [])

    def columns(self, header) -> dict[str, tuple[int, str]]:
        """mapping field -> (0-based index, the column's name as the file writes it)."""
        names = [clean(c) for c in header[1]] if header else []
        folded = [_fold(c) for c in names]
        found = {}
        for name in COLUMN_FIELDS:
            spec = getattr(self.mapping, name).strip()
            if not spec:
                continue
            if spec.isdigit():
                index = int(spec) - 1
                found[name] = (index, names[index] if index < len(names) and names[index] else
                               _("column %(n)d") % {"n": index + 1})
            elif _fold(spec) in folded:
                index = folded.index(_fold(spec))
                found[name] = (index, names[index])
            else:
                self.problem(header[0], column_label(name),
                             _("the header has no column %(column)r (it has: %(names)s)")
                             % {"column": spec, "names": ", ".join(n for n in names if n)[:300]})
        return found

    def cell(self, n, cells, columns, name):
        if name not in columns:
            return None
        index, label = columns[name]
        value = cells[index] if index < len(cells) else None
        if isinstance(value, str):
            if len(value) > MAX_FIELD:
                self.problem(n, label, _("the field has more than %(max)d characters") % {"max": MAX_FIELD})
                return None
            value = value.strip()
        return value

    def text(self, n, cells, columns, name) -> str:
        value = self.cell(n, cells, columns, name)
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        return clean(value)

    def amount(self, n, cells, columns, name) -> Decimal | None:
        value = self.cell(n, cells, columns, name)
        if _blank(value):
            return None
        label = columns[name][1]
        try:
            if isinstance(value, bool):
                raise ValueError(value)
            if isinstance(value, int | float | Decimal):
                amount = Decimal(str(value))
            else:
                amount = parse_amount(value, self.mapping.decimal_separator, self.mapping.thousands_separator)
            if not amount.is_finite():
                raise ValueError(value)
        except (ValueError, InvalidOperation):
            example = "1.234.567,89" if self.mapping.decimal_separator == "," else "1,234,567.89"
            self.problem(n, label, _("%(value)r is not an amount (written like %(example)s)")
                         % {"value": clean(value)[:40], "example": example})
            return None
        if abs(amount) > MAX_AMOUNT:
            self.problem(n, label, _("the amount %(value)s is too large") % {"value": clean(value)[:40]})
            return None
        return amount

    def day(self, n, cells, columns) -> date | None:
        value = self.cell(n, cells, columns, "date_column")
        label = columns["date_column"][1]
        if isinstance(value, datetime):
            return value.date()
        if isinstance(value, date):
            return value
        try:
            return datetime.strptime(clean(value), self.mapping.date_format).date()
        except ValueError:
            self.problem(n, label, _("%(value)r is not a date %(format)s")
                         % {"value": clean(value)[:40], "format": self.mapping.date_format})
            return None

    def line(self, n, cells, columns) -> Line | None:
        m = self.mapping
        before = len(self.problems)
        booked = self.day(n, cells, columns)
        if "amount_column" in columns:
            amount = self.amount(n, cells, columns, "amount_column")
            if amount is None and len(self.problems) == before:
                self.problem(n, columns["amount_column"][1], _("the amount is empty"))
            elif amount is not None and m.credits_negative:
                amount = -amount
        else:
            debit = self.amount(n, cells, columns, "debit_column")
            credit = self.amount(n, cells, columns, "credit_column")
            amount = None
            if len(self.problems) == before:
                if debit and credit:
                    self.problem(n, columns["credit_column"][1],
                                 _("the row has both a debit (%(debit)s) and a credit (%(credit)s)")
                                 % {"debit": debit, "credit": credit})
                elif not debit and not credit:
                    label = columns.get("credit_column", columns.get("debit_column"))[1]
                    self.problem(n, label, _("the row has neither a debit nor a credit"))
                else:
                    amount = abs(credit) if credit else -abs(debit)
        balance = self.amount(n, cells, columns, "balance_column")
        texts = {name: self.text(n, cells, columns, name) for name in
                 ("description_column", "reference_column", "payer_column", "transaction_id_column")}
        if len(self.problems) != before or booked is None or amount is None:
            return None
        return Line(line=n, booking_date=booked, amount=amount, currency="", description=texts["description_column"],
                    reference=texts["reference_column"], payer_name=texts["payer_column"],
                    transaction_id=texts["transaction_id_column"], account=clean(m.account), balance=balance)


# --- OFX ---------------------------------------------------------------------------------------------------------

def _child(element, *path) -> str:
    for tag in path:
        element = element.find(tag) if element is not None else None
    return clean(html.unescape(element.text)) if element is not None and element.text else ""  # &lt; &amp;...


def _ofx_date(text: str) -> date:
    digits = text[:8]
    if len(digits) != 8 or not digits.isdigit():
        raise ValueError(text)
    return date(int(digits[:4]), int(digits[4:6]), int(digits[6:8]))


def _read_ofx(content: bytes) -> Reading:
    from ofxtools.header import OFXHeaderError
    from ofxtools.Parser import OFXTree, ParseError

    tree = OFXTree()
    try:
        tree.parse(io.BytesIO(content))
    except (OFXHeaderError, ParseError, ValueError, KeyError, IndexError, UnicodeError) as exc:
        return Reading(None, [Problem("", _("file"), _("not a readable OFX file (%(error)s)")
                                      % {"error": clean(str(exc))[:120]})])
    root = tree.getroot()
    problems, lines = [], []
    accounts, currencies = set(), set()
    statements = root.findall(".//STMTRS") + root.findall(".//CCSTMTRS")
    number = 0
    for stmt in statements:
        currency = _child(stmt, "CURDEF").upper()
        account = _child(stmt, "BANKACCTFROM", "ACCTID") or _child(stmt, "CCACCTFROM", "ACCTID")
        accounts.add(account)
        currencies.add(currency)
        for trn in stmt.findall("./BANKTRANLIST/STMTTRN"):
            number += 1
            place = _("movement %(n)d") % {"n": number}
            if number > MAX_LINES:
                return Reading(None, [Problem("", _("file"), _("more than %(max)d movements") % {"max": MAX_LINES})])
            values = {tag: _child(trn, tag) for tag in ("DTPOSTED", "TRNAMT", "FITID", "NAME", "MEMO", "REFNUM",
                                                        "CHECKNUM", "CURRENCY")}
            values["PAYEE"] = _child(trn, "PAYEE", "NAME")
            too_long = [tag for tag, v in values.items() if len(v) > MAX_FIELD]
            if too_long:
                problems.append(Problem(place, too_long[0], _("the field has more than %(max)d characters")
                                        % {"max": MAX_FIELD}))
                continue
            try:
                booked = _ofx_date(values["DTPOSTED"])
            except ValueError:
                problems.append(Problem(place, "DTPOSTED", _("%(value)r is not a date YYYYMMDD")
                                        % {"value": values["DTPOSTED"][:40]}))
                continue
            try:
                raw = values["TRNAMT"]
                amount = parse_amount(raw, "," if "," in raw and "." not in raw else ".", "")
                if abs(amount) > MAX_AMOUNT:
                    raise ValueError(raw)
            except (ValueError, InvalidOperation):
                problems.append(Problem(place, "TRNAMT", _("%(value)r is not an amount")
                                        % {"value": values["TRNAMT"][:40]}))
                continue
            memo, name = values["MEMO"], values["NAME"] or values["PAYEE"]
            lines.append(Line(line=number, booking_date=booked, amount=amount,
                              currency=(_child(trn, "CURRENCY", "CURSYM") or currency).upper(),
                              description=" ".join(v for v in (name, memo) if v),
                              reference=values["REFNUM"] or values["CHECKNUM"], payer_name=name,
                              transaction_id=values["FITID"], account=account))
    if not statements:
        problems.append(Problem("", _("file"), _("the OFX file has no bank statement (STMTRS)")))
    elif not lines and not problems:
        problems.append(Problem("", _("file"), _("the statement has no movements")))
    if problems:
        return Reading(None, problems[:200])
    return Reading(Statement(OFX, "/".join(sorted(a for a in accounts if a)), "/".join(sorted(currencies)),
                             lines), [])


# --- CAMT.053 ----------------------------------------------------------------------------------------------------

def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def _find(element, *path):
    """The first descendant along `path` of local names (namespaces ignored), or None."""
    for name in path:
        if element is None:
            return None
        element = next((c for c in element if _local(c.tag) == name), None)
    return element


def _findall(element, name):
    return [c for c in element if _local(c.tag) == name] if element is not None else []


def _text(element, *path) -> str:
    found = _find(element, *path)
    return clean(found.text) if found is not None and found.text else ""


def _read_camt(content: bytes) -> Reading:
    from xml.etree.ElementTree import ParseError

    from defusedxml import DefusedXmlException
    from defusedxml.ElementTree import fromstring

    try:
        root = fromstring(content, forbid_dtd=True)
    except DefusedXmlException:
        return Reading(None, [Problem("", _("file"), _("the XML declares a DTD or entities, which are refused"))])
    except ParseError as exc:
        return Reading(None, [Problem("", _("file"), _("not readable XML (%(error)s)") % {"error": str(exc)[:120]})])
    container = root if _local(root.tag) == "BkToCstmrStmt" else _find(root, "BkToCstmrStmt")
    if container is None:
        return Reading(None, [Problem("", _("file"), _("not a CAMT.053 statement (no BkToCstmrStmt)"))])
    problems, lines, accounts, currencies = [], [], set(), set()
    number = 0
    for stmt in _findall(container, "Stmt"):
        acct = _find(stmt, "Acct")
        account = _text(acct, "Id", "IBAN") or _text(acct, "Id", "Othr", "Id")
        currency = _text(acct, "Ccy").upper()
        accounts.add(account)
        for entry in _findall(stmt, "Ntry"):
            number += 1
            if number > MAX_LINES:
                return Reading(None, [Problem("", _("file"), _("more than %(max)d movements") % {"max": MAX_LINES})])
            line = _camt_entry(entry, number, account, currency, problems)
            if line is not None:
                lines.append(line)
                currencies.add(line.currency)
    if not number and not problems:
        problems.append(Problem("", _("file"), _("the statement has no movements")))
    if problems:
        return Reading(None, problems[:200])
    return Reading(Statement(CAMT053, "/".join(sorted(a for a in accounts if a)),
                             "/".join(sorted(c for c in currencies if c)), lines), [])


def _camt_entry(entry, number, account, currency, problems) -> Line | None:
    place = _("movement %(n)d") % {"n": number}
    for element in entry.iter():
        if element.text and len(element.text) > MAX_FIELD:
            problems.append(Problem(place, _local(element.tag), _("the field has more than %(max)d characters")
                                    % {"max": MAX_FIELD}))
            return None
    status = _text(entry, "Sts") or _text(entry, "Sts", "Cd")
    if status.upper() in ("PDNG", "INFO"):  # pending or informative: not booked money
        return None
    amount_element = _find(entry, "Amt")
    raw = _text(entry, "Amt")
    try:
        amount = parse_amount(raw, ".", "")
        if abs(amount) > MAX_AMOUNT:
            raise ValueError(raw)
    except (ValueError, InvalidOperation):
        problems.append(Problem(place, "Amt", _("%(value)r is not an amount") % {"value": raw[:40]}))
        return None
    indicator = _text(entry, "CdtDbtInd").upper()
    if indicator not in ("CRDT", "DBIT"):
        problems.append(Problem(place, "CdtDbtInd", _("%(value)r is neither CRDT nor DBIT")
                                % {"value": indicator[:10]}))
        return None
    if indicator == "DBIT":
        amount = -amount
    raw_date = _text(entry, "BookgDt", "Dt") or _text(entry, "BookgDt", "DtTm")[:10] \
        or _text(entry, "ValDt", "Dt")
    try:
        booked = date.fromisoformat(raw_date[:10])
    except ValueError:
        problems.append(Problem(place, "BookgDt", _("%(value)r is not a date YYYY-MM-DD") % {"value": raw_date[:40]}))
        return None
    tx = _find(entry, "NtryDtls", "TxDtls")
    end_to_end = _text(tx, "Refs", "EndToEndId")
    if end_to_end.upper() == "NOTPROVIDED":
        end_to_end = ""
    creditor_ref = _text(tx, "RmtInf", "Strd", "CdtrRefInf", "Ref")
    unstructured = " ".join(clean(u.text) for u in _findall(_find(tx, "RmtInf"), "Ustrd") if u.text)
    parties = _find(tx, "RltdPties")
    payer = _text(parties, "Dbtr", "Nm") or _text(parties, "Dbtr", "Pty", "Nm")
    description = unstructured or _text(entry, "AddtlNtryInf") or _text(tx, "AddtlTxInf")
    transaction_id = _text(entry, "AcctSvcrRef") or _text(tx, "Refs", "AcctSvcrRef") or _text(entry, "NtryRef")
    ccy = (amount_element.get("Ccy", "") if amount_element is not None else "").upper() or currency
    return Line(line=number, booking_date=booked, amount=amount, currency=ccy, description=description,
                reference=creditor_ref or end_to_end, payer_name=payer, transaction_id=transaction_id,
                account=account)


# --- MT940 -------------------------------------------------------------------------------------------------------

def _read_mt940(content: bytes) -> Reading:
    import mt940

    text = decode(content)
    if len(text) and max((len(x) for x in text.splitlines()), default=0) > MAX_FIELD:
        return Reading(None, [Problem("", _("file"), _("a line has more than %(max)d characters")
                                      % {"max": MAX_FIELD})])
    positions = [n for n, x in enumerate(text.splitlines(), start=1) if x.startswith(":61:")]
    if len(positions) > MAX_LINES:
        return Reading(None, [Problem("", _("file"), _("more than %(max)d movements") % {"max": MAX_LINES})])
    try:
        transactions = mt940.parse(io.StringIO(text))
        parsed = list(transactions)
    except Exception as exc:  # noqa: BLE001 - a third-party parser: anything it raises means "unreadable"
        return Reading(None, [Problem("", _("file"), _("not a readable MT940 statement (%(error)s)")
                                      % {"error": clean(str(exc))[:120]})])
    account = clean(transactions.data.get("account_identification", ""))
    problems, lines = [], []
    if len(parsed) != len(positions):
        problems.append(Problem("", ":61:", _("the file has %(lines)d :61: lines and %(read)d could be read")
                                % {"lines": len(positions), "read": len(parsed)}))
    for index, transaction in enumerate(parsed):
        data = transaction.data
        number = positions[index] if index < len(positions) else index + 1
        place = _("line %(n)d") % {"n": number}
        money = data.get("amount")
        booked = data.get("entry_date") or data.get("date")
        if money is None or booked is None:
            problems.append(Problem(place, ":61:", _("the movement has no amount or no date")))
            continue
        amount = Decimal(money.amount)
        if abs(amount) > MAX_AMOUNT:
            problems.append(Problem(place, ":61:", _("the amount %(value)s is too large") % {"value": amount}))
            continue
        reference = clean(data.get("customer_reference"))
        lines.append(Line(line=number, booking_date=date(booked.year, booked.month, booked.day), amount=amount,
                          currency=clean(money.currency or data.get("currency")).upper(),
                          description=clean(data.get("transaction_details")),
                          reference="" if reference.upper() == "NONREF" else reference,
                          transaction_id=clean(data.get("bank_reference")), account=account))
    if not parsed and not problems:
        problems.append(Problem("", _("file"), _("the statement has no movements")))
    if problems:
        return Reading(None, problems[:200])
    return Reading(Statement(MT940, account, "/".join(sorted({x.currency for x in lines if x.currency})), lines), [])
