"""Reading Asobancaria collection files (archivo de recaudo, bank -> company), pure: bytes in, typed records or the
list of problems (line and field named) out. Nothing here touches the database; the service applies a file only
when this found no problem.

Layouts (docs/bank-files.md has the tables and their sources):
- 2001: 162-character records 01 file header, 05 lot header, 06 detail, 08 lot control, 09 file control; amounts
  with 2 implied decimals. Order: 01, one or more lots (05, 06..., 08), 09.
- 1998: 128-character records 01 file header, 02 detail, 09 file control; no lots.

Lines shorter than the record (trailing blanks cut) are read padded with blanks; origin and channel codes outside
the published lists are kept as they come.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from django.utils.translation import gettext as _

ASOBANCARIA_2001 = "asobancaria-2001"
ASOBANCARIA_1998 = "asobancaria-1998"
LAYOUTS = (ASOBANCARIA_2001, ASOBANCARIA_1998)
WIDTH = {ASOBANCARIA_2001: 162, ASOBANCARIA_1998: 128}
REFERENCE_WIDTH = {ASOBANCARIA_2001: 48, ASOBANCARIA_1998: 25}  # the detail's main reference field
MAX_LINES = 2_000_000  # a collection file of 100,000 payments has about 100,010 lines

# Published codes (dnetix/asoban src/Entities/AsobanRecord.php); others are kept, not refused.
ORIGINS = {"01": "Bancos", "02": "CAV", "03": "ACH Colombia", "04": "Credibanco", "05": "ATH", "06": "CENIT",
           "07": "Red Multicolor", "08": "Servibanca"}
CHANNELS = {"01": "Efectivo en ventanilla", "02": "Cheque en ventanilla", "03": "Buzón",
            "11": "Débito a cuenta: audio", "12": "Débito a cuenta: cajero", "13": "Débito a cuenta: datáfono",
            "14": "Débito automático", "15": "Débito a cuenta: internet",
            "21": "Tarjeta de crédito: audio", "22": "Tarjeta de crédito: cajero",
            "23": "Tarjeta de crédito: datáfono", "24": "Tarjeta de crédito: débito automático",
            "25": "Tarjeta de crédito: internet"}


@dataclass(frozen=True)
class Problem:
    line: int | None  # 1-based line of the file, None for the file as a whole
    field: str  # the field concerned, in words
    message: str

    def __str__(self):
        if self.line is None:
            return f"{self.field}: {self.message}"
        return _("line %(line)d, %(field)s: %(message)s") % {"line": self.line, "field": self.field,
                                                            "message": self.message}


@dataclass(frozen=True)
class Header:
    line: int
    nit: str
    collection_date: date
    bank_code: str
    account: str
    file_date: date | None = None
    file_time: str = ""
    modifier: str = ""
    account_type: str = ""


@dataclass(frozen=True)
class Detail:
    line: int
    lot: str  # the lot number ("" in the 1998 layout, which has no lots)
    service_code: str  # of the lot ("" in 1998)
    reference: str  # the main reference as written (padding zeros kept; compared without them)
    amount_cents: int
    origin: str
    channel: str = ""
    operation: str = ""
    authorization: str = ""
    debited_bank: str = ""
    branch: str = ""
    sequence: str = ""
    return_cause: str = ""

    @property
    def origin_known(self) -> bool:
        return self.origin in ORIGINS

    @property
    def channel_known(self) -> bool:
        return self.channel in CHANNELS


@dataclass
class Lot:
    line: int
    service_code: str
    number: str
    details: list[Detail] = field(default_factory=list)
    control_count: int = 0
    control_total_cents: int = 0


@dataclass
class CollectionFile:
    layout: str
    header: Header
    lots: list[Lot]
    control_count: int
    control_total_cents: int

    @property
    def details(self) -> list[Detail]:
        return [d for lot in self.lots for d in lot.details]

    @property
    def total_cents(self) -> int:
        return sum(d.amount_cents for d in self.details)


@dataclass
class Reading:
    file: CollectionFile | None
    problems: list[Problem]


def decode(content: bytes | str) -> str:
    """Bytes as text: UTF-8 when they are, else Windows-1252 (what Colombian bank systems write), never failing."""
    if isinstance(content, str):
        return content
    if content.startswith(b"\xef\xbb\xbf"):
        content = content[3:]
    try:
        return content.decode("utf-8")
    except UnicodeDecodeError:
        return content.decode("cp1252", errors="replace")


def detect_layout(lines: list[str]) -> str | None:
    """2001 when a lot header (05) or detail (06) is there, 1998 when a 02 detail is; None when neither."""
    kinds = {line[:2] for line in lines}
    if kinds & {"05", "06", "08"}:
        return ASOBANCARIA_2001
    if "02" in kinds:
        return ASOBANCARIA_1998
    if lines and max(len(line.rstrip()) for line in lines) > WIDTH[ASOBANCARIA_1998]:
        return ASOBANCARIA_2001
    return None


_STOP, _SKIP = "stop", "skip"


def read(content: bytes | str, layout: str = "auto") -> Reading:
    """Read a collection file. Returns its records when every record, lot control and the file control agree,
    else no file and every problem found (line, field, what is wrong)."""
    text = decode(content)
    numbered = [(n, line.rstrip("\r\n")) for n, line in enumerate(text.split("\n"), start=1)]
    numbered = [(n, line) for n, line in numbered if line.strip()]
    if not numbered:
        return Reading(None, [Problem(None, _("file"), _("the file is empty: it has no records"))])
    if len(numbered) > MAX_LINES:
        return Reading(None, [Problem(None, _("file"), _("the file has more than %(max)d lines")
                                      % {"max": MAX_LINES})])
    if layout == "auto":
        layout = detect_layout([line for _n, line in numbered])
        if layout is None:
            return Reading(None, [Problem(None, _("file"), _("this is not an Asobancaria collection file (no "
                                                             "detail records 06 or 02)"))])
    if layout not in LAYOUTS:
        return Reading(None, [Problem(None, _("layout"), _("unknown layout %(layout)r") % {"layout": layout})])
    return _Reader(layout).read(numbered)


class _Reader:
    def __init__(self, layout: str):
        self.layout = layout
        self.width = WIDTH[layout]
        self.problems: list[Problem] = []

    def problem(self, line, field_name, message):
        self.problems.append(Problem(line, field_name, message))

    # positions are 1-based and inclusive, as the layout tables give them
    @staticmethod
    def cut(record: str, first: int, last: int) -> str:
        return record[first - 1:last]

    def number(self, n, record, first, last, label) -> int:
        value = self.cut(record, first, last)
        if not (value.isdigit() and value.isascii()):
            self.problem(n, label, _("%(value)r is not a number (positions %(first)d-%(last)d)")
                         % {"value": value, "first": first, "last": last})
            return 0
        return int(value)

    def day(self, n, record, first, last, label, required=True) -> date | None:
        value = self.cut(record, first, last)
        if not required and (not value.strip() or set(value) == {"0"}):
            return None
        try:
            if not (value.isdigit() and value.isascii()):
                raise ValueError
            return date(int(value[:4]), int(value[4:6]), int(value[6:8]))
        except ValueError:
            self.problem(n, label, _("%(value)r is not a date YYYYMMDD (positions %(first)d-%(last)d)")
                         % {"value": value, "first": first, "last": last})
            return None

    def read(self, numbered: list[tuple[int, str]]) -> Reading:
        records = []
        for n, line in numbered:
            if len(line) > self.width and line[self.width:].strip():
                self.problem(n, _("record"), _("the line has %(length)d characters; a record has %(width)d")
                             % {"length": len(line), "width": self.width})
                continue
            records.append((n, line[:self.width].ljust(self.width)))
        if self.problems:
            return Reading(None, self.problems)
        parsed = self.read_2001(records) if self.layout == ASOBANCARIA_2001 else self.read_1998(records)
        return Reading(None if self.problems else parsed, self.problems)

    def header(self, n, r) -> Header | None:
        if self.layout == ASOBANCARIA_2001:
            collected = self.day(n, r, 13, 20, _("collection date"))
            header = Header(line=n, nit=self.cut(r, 3, 12).strip(), collection_date=collected,
                            bank_code=self.cut(r, 21, 23).strip(), account=self.cut(r, 24, 40).strip(),
                            file_date=self.day(n, r, 41, 48, _("file date"), required=False),
                            file_time=self.cut(r, 49, 52).strip(), modifier=self.cut(r, 53, 53).strip(),
                            account_type=self.cut(r, 54, 55).strip())
        else:
            collected = self.day(n, r, 16, 23, _("collection date"))
            header = Header(line=n, nit=self.cut(r, 3, 15).strip(), collection_date=collected,
                            bank_code=self.cut(r, 24, 26).strip(), account=self.cut(r, 27, 41).strip())
        return header if collected else None

    def read_2001(self, records) -> CollectionFile | None:
        header, lots, lot, control = None, [], None, None
        for index, (n, r) in enumerate(records):
            kind = r[:2]
            step = self.framing(index, n, kind, control)
            if step == _STOP:
                return None
            if step == _SKIP:
                continue
            if kind == "01":
                header = self.header(n, r)
            elif kind == "05":
                if lot is not None:
                    self.problem(n, _("record type"), _("lot %(lot)s (line %(open)d) has no lot control (08) "
                                                        "before this lot header") % {"lot": lot.number,
                                                                                      "open": lot.line})
                lot = Lot(line=n, service_code=self.cut(r, 3, 15).strip(), number=self.cut(r, 16, 19))
                lots.append(lot)
            elif kind == "06":
                if lot is None:
                    self.problem(n, _("record type"), _("a detail (06) outside a lot (after 05, before 08)"))
                    continue
                lot.details.append(Detail(
                    line=n, lot=lot.number, service_code=lot.service_code, reference=self.cut(r, 3, 50).strip(),
                    amount_cents=self.number(n, r, 51, 64, _("amount")), origin=self.cut(r, 65, 66),
                    channel=self.cut(r, 67, 68), operation=self.cut(r, 69, 74).strip(),
                    authorization=self.cut(r, 75, 80).strip(), debited_bank=self.cut(r, 81, 83).strip(),
                    branch=self.cut(r, 84, 87).strip(), sequence=self.cut(r, 88, 94).strip(),
                    return_cause=self.cut(r, 95, 97).strip()))
            elif kind == "08":
                if lot is None:
                    self.problem(n, _("record type"), _("a lot control (08) without its lot header (05)"))
                    continue
                lot.control_count = self.number(n, r, 3, 11, _("number of details in the lot"))
                lot.control_total_cents = self.number(n, r, 12, 29, _("lot total"))
                number = self.cut(r, 30, 33)
                if number != lot.number:
                    self.problem(n, _("lot number"), _("the lot control says lot %(control)r, its header (line "
                                                       "%(open)d) lot %(lot)r") % {"control": number,
                                                                                   "open": lot.line,
                                                                                   "lot": lot.number})
                self.check_lot(n, lot)
                lot = None
            elif kind == "09":
                if lot is not None:
                    self.problem(n, _("record type"), _("lot %(lot)s (line %(open)d) has no lot control (08)")
                                 % {"lot": lot.number, "open": lot.line})
                    lot = None
                control = self.file_control(n, r)
            else:
                self.problem(n, _("record type"), _("unknown record type %(kind)r (2001: 01, 05, 06, 08, 09)")
                             % {"kind": kind})
        return self.finish(records, header, lots, control)

    def read_1998(self, records) -> CollectionFile | None:
        header, control = None, None
        lot = Lot(line=records[0][0], service_code="", number="")
        for index, (n, r) in enumerate(records):
            kind = r[:2]
            step = self.framing(index, n, kind, control)
            if step == _STOP:
                return None
            if step == _SKIP:
                continue
            if kind == "01":
                header = self.header(n, r)
            elif kind == "02":
                lot.details.append(Detail(
                    line=n, lot="", service_code="", reference=self.cut(r, 3, 27).strip(),
                    amount_cents=self.number(n, r, 28, 40, _("amount")), origin=self.cut(r, 41, 42),
                    sequence=self.cut(r, 43, 49).strip()))
            elif kind == "09":
                control = self.file_control(n, r)
            else:
                self.problem(n, _("record type"), _("unknown record type %(kind)r (1998: 01, 02, 09)")
                             % {"kind": kind})
        lot.control_count, lot.control_total_cents = len(lot.details), sum(d.amount_cents for d in lot.details)
        return self.finish(records, header, [lot], control)

    def framing(self, index: int, n: int, kind: str, control) -> str:
        """The record order both layouts share: a file header (01) first and only there, nothing after the file
        control (09). _STOP: stop reading; _SKIP: the record is done with (a second header); "" go on with it."""
        if index == 0 and kind != "01":
            self.problem(n, _("record type"), _("the file must start with a file header (01), not %(kind)r")
                         % {"kind": kind})
            return _STOP
        if control is not None:
            self.problem(n, _("record type"), _("nothing may follow the file control (09)"))
            return _STOP
        if kind == "01" and index != 0:
            self.problem(n, _("record type"), _("a second file header (01)"))
            return _SKIP
        return ""

    def file_control(self, n: int, r: str) -> tuple[int, int, int]:
        """A file control (09), the same positions in both layouts: its line, its count and its total."""
        return (n, self.number(n, r, 3, 11, _("number of details in the file")),
                self.number(n, r, 12, 29, _("file total")))

    def check_lot(self, n, lot: Lot) -> None:
        count, total = len(lot.details), sum(d.amount_cents for d in lot.details)
        if lot.control_count != count:
            self.problem(n, _("number of details in the lot"),
                         _("the control of lot %(lot)s says %(stated)d details, the lot has %(actual)d")
                         % {"lot": lot.number, "stated": lot.control_count, "actual": count})
        if lot.control_total_cents != total:
            self.problem(n, _("lot total"), _("the control of lot %(lot)s says %(stated)s, its details add up "
                                              "to %(actual)s") % {"lot": lot.number,
                                                                  "stated": cents(lot.control_total_cents),
                                                                  "actual": cents(total)})

    def finish(self, records, header, lots, control) -> CollectionFile | None:
        last = records[-1][0]
        if control is None:
            self.problem(last, _("record type"), _("the file has no file control (09) at the end"))
            return None
        n, stated_count, stated_total = control
        details = [d for lot in lots for d in lot.details]
        if not details:
            self.problem(None, _("file"), _("the file has no payments (no detail records)"))
        if stated_count != len(details):
            self.problem(n, _("number of details in the file"),
                         _("the file control says %(stated)d details, the file has %(actual)d")
                         % {"stated": stated_count, "actual": len(details)})
        total = sum(d.amount_cents for d in details)
        if stated_total != total:
            self.problem(n, _("file total"), _("the file control says %(stated)s, the details add up to "
                                               "%(actual)s") % {"stated": cents(stated_total),
                                                                "actual": cents(total)})
        if header is None or self.problems:
            return None
        return CollectionFile(layout=self.layout, header=header, lots=lots, control_count=stated_count,
                              control_total_cents=stated_total)


def cents(value: int) -> str:
    """An amount in cents as the file means it, es-CO: 1234567 -> "12.345,67"."""
    whole, part = divmod(value, 100)
    return f"{whole:,}".replace(",", ".") + f",{part:02d}"


# --- the billing file (company -> bank), Asobancaria 2001, 220 characters a record -------------------------------

BILLING_WIDTH = 220


@dataclass(frozen=True)
class BillingDetail:
    reference: str  # the main reference, digits, at most 48 (written zero-padded on the left)
    amount_cents: int
    due_date: date
    secondary_reference: str = ""  # 30, left-aligned
    customer_id: str = ""  # 10
    customer_name: str = ""  # 22


def _num(value: int | str, size: int) -> str:
    text = str(value)
    if not text.isdigit() or len(text) > size:
        raise ValueError(f"{text!r} does not fit {size} digits")
    return text.rjust(size, "0")


def _alpha(value: str, size: int) -> str:
    return " ".join((value or "").split())[:size].ljust(size)


def write_billing(*, nit: str, bank_code: str, service_code: str, service_name: str, created: date,
                  time: str, details: list[BillingDetail], modifier: str = "A") -> str:
    """The billing file of one convenio: file header 01, one lot (05, a 06 per obligation, 08), file control 09;
    numbers zero-padded on the left, text blank-padded on the right, amounts with 2 implied decimals, CRLF line
    ends. ValueError when a value does not fit its field (the caller checks references before)."""
    total = sum(d.amount_cents for d in details)
    lines = [
        "01" + _num(nit, 10) + "0" * 10 + _num(bank_code, 3) + created.strftime("%Y%m%d") + _num(time, 4)
        + _alpha(modifier, 1),
        "05" + _num(service_code, 13) + "0001" + _alpha(service_name, 15),
    ]
    for d in details:
        lines.append(
            "06" + _num(d.reference, 48) + _alpha(d.secondary_reference, 30) + "01" + " " * 3
            + _num(d.amount_cents, 14) + " " * 13 + "0" * 14 + d.due_date.strftime("%Y%m%d") + "0" * 8
            + " " * 17 + "00" + _alpha(d.customer_id, 10) + _alpha(d.customer_name, 22) + "000")
    lines.append("08" + _num(len(details), 9) + _num(total, 18) + "0" * 18 + "0001")
    lines.append("09" + _num(len(details), 9) + _num(total, 18) + "0" * 18)
    return "".join(line.ljust(BILLING_WIDTH) + "\r\n" for line in lines)
