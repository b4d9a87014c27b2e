"""The mapping step's rules (pure: no database, no clock, no settings): which row of a file holds the headers,
telling same-named columns apart, proposing which column feeds which field from Spanish and English synonyms,
and the preview of the first rows as the import will read them, with each cell's problem.

Worked example (a Siigo-style export; tests in tests/test_mapping.py):

    row 1  "ACME S.A.S."                                    <- company name (title)
    row 2  "Cartera por edades"                             <- report name (title)
    row 3  (blank)
    row 4  "Factura", "NIT", "Nombre", "Fecha factura", "Vence", "Valor", "Valor", "Saldo"
    row 5  "FV-1", "900123456-1", "Ferretería El Tornillo", "01/10/2026", "31/10/2026", ...

find_header_row -> 4 (five fields recognised; the titles none); unique_headers -> ..., "Valor", "Valor (2)",
"Saldo"; propose_mapping("obligations", ...) -> number=Factura, debtor_code=NIT, debtor_id_number=NIT,
debtor_name=Nombre, issue_date=Fecha factura, due_date=Vence, amount=Saldo (the balance owed is preferred to
the invoice's value).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from recaudo.core.amounts import AmountError
from recaudo.portfolio.validation import (
    ValidationProblem,
    id_type_code,
    id_type_named,
    normalize_email,
    normalize_phone,
    validate_national_id,
)

from .fields import (
    FIELDS,
    REQUIRED,
    FieldError,
    normalize_header,
    parse_amount,
    parse_date,
    parse_kind,
    text,
    unique_headers,
)

__all__ = ["Cell", "PreviewRow", "SYNONYMS", "default_id_type", "find_header_row", "id_numbers_without_type",
           "missing_required", "preview", "propose_mapping", "recognised_fields", "unique_headers", "unknown_headers"]

HEADER_SEARCH_ROWS = 25  # the header row is looked for among the file's first rows
PREVIEW_ROWS = 8

# Words a header may use for each field, best first (compared ignoring case, accents, spaces and punctuation:
# "FECHA_VENCIMIENTO" is "Fecha de vencimiento" without "de"; both are listed). Where they come from: the
# Spanish words Colombian exports and spreadsheets use (the ERP columns in data/erp_profiles.yaml among them)
# and the project's own English field names.
_ID = ["nit", "cedula", "identificacion", "numero de identificacion", "numero identificacion", "nro identificacion",
       "numero documento", "numero de documento", "nro documento", "documento de identidad", "documento cliente",
       "identificacion cliente", "nit cliente", "cc", "cc nit", "nit cc", "nit o cc", "tercero", "id"]
_ID_TYPE = ["tipo documento", "tipo de documento", "tipo doc", "tipo de identificacion", "tipo identificacion",
            "tipo id", "tipo nit"]
_NAME = ["nombre", "razon social", "nombre o razon social", "nombre cliente", "nombre del cliente",
         "nombre tercero", "nombre completo", "cliente", "deudor", "primer nombre razon social", "tercero nombre"]
_CODE = ["codigo", "codigo cliente", "cod cliente", "codigo del cliente", "id cliente", "codigo tercero"]
_PHONE = ["telefono", "telefonos", "tel", "celular", "movil", "telefono celular", "numero celular", "contacto"]
_EMAIL = ["correo", "correo electronico", "email", "e mail", "mail"]
_ISSUE = ["fecha", "fecha factura", "fecha de factura", "fecha emision", "fecha de emision", "emision",
          "fecha documento", "fecha elaboracion", "fecha de elaboracion", "fecha expedicion", "expedicion"]
_DUE = ["vence", "vencimiento", "fecha vencimiento", "fecha de vencimiento", "fecha vence", "fecha limite",
        "fecha limite de pago", "vto", "fecha vto"]
_AMOUNT = ["saldo", "saldo cartera", "saldo pendiente", "saldo actual", "saldo factura", "deuda", "deuda por cobrar",
           "valor", "valor factura", "monto", "importe", "total", "valor total", "total factura"]

SYNONYMS: dict[str, dict[str, list[str]]] = {
    "debtors": {
        "code": _CODE + _ID, "name": _NAME, "kind": ["tipo persona", "tipo de persona", "naturaleza"],
        "id_type": _ID_TYPE, "id_number": _ID, "phone": _PHONE, "email": _EMAIL, "whatsapp": ["whatsapp"],
        "address": ["direccion", "direccion principal", "domicilio"],
        "city": ["ciudad", "municipio", "ciudad direccion"],
        "customer_since": ["cliente desde", "fecha de ingreso", "fecha ingreso", "fecha de creacion"],
        "tags": ["etiquetas"], "language": ["idioma"],
    },
    "obligations": {
        "number": ["factura", "numero", "numero factura", "numero de factura", "no factura", "nro factura",
                   "factura numero", "documento", "numero documento", "comprobante", "fact", "doc", "obligacion"],
        "debtor_code": _CODE + _ID, "debtor_name": _NAME, "debtor_id_type": _ID_TYPE, "debtor_id_number": _ID,
        "debtor_phone": _PHONE, "debtor_email": _EMAIL,
        "kind": ["tipo", "tipo obligacion", "tipo de obligacion", "clase"],
        "issue_date": _ISSUE, "due_date": _DUE, "amount": _AMOUNT, "currency": ["moneda", "divisa"],
        "description": ["descripcion", "concepto", "detalle", "observaciones", "observacion"],
    },
    "payments": {
        "obligation": ["factura", "numero factura", "no factura", "nro factura", "obligacion", "documento", "fact"],
        "debtor_code": _CODE + _ID,
        "date": ["fecha", "fecha pago", "fecha de pago", "fecha recaudo", "fecha consignacion", "fecha abono"],
        "amount": ["valor", "valor pagado", "valor pago", "monto", "abono", "valor abono", "pago", "valor recaudo",
                   "total"],
        "method": ["medio de pago", "medio pago", "forma de pago", "forma pago", "metodo", "medio"],
        "reference": ["referencia", "referencia pago", "comprobante", "recibo", "numero recibo", "numero",
                      "consecutivo"],
    },
}
# (field, other): the field reads the other's column when no column of its own names it (a file with a NIT and no
# customer code: the NIT is the code; a code is not an ID number, so never the other way)
SHARED = {"debtors": [("code", "id_number")], "obligations": [("debtor_code", "debtor_id_number")], "payments": []}

DATE_FIELDS = {"issue_date", "due_date", "date", "customer_since"}
AMOUNT_FIELDS = {"amount"}
ID_FIELDS = {"id_number": "id_type", "debtor_id_number": "debtor_id_type"}
PHONE_FIELDS = {"phone", "debtor_phone", "whatsapp"}
EMAIL_FIELDS = {"email", "debtor_email"}


def _key(header) -> str:
    return normalize_header(text(header))


def _synonym_rank(kind: str) -> dict[str, list[tuple[str, int]]]:
    """normalized word -> [(field, rank)], the field's own name first (rank 0)."""
    ranks: dict[str, list[tuple[str, int]]] = {}
    for name in FIELDS[kind]:
        words = [name, *SYNONYMS[kind].get(name, [])]
        for rank, word in enumerate(words):
            ranks.setdefault(normalize_header(word), []).append((name, rank))
    return ranks


def recognised_fields(kind: str, row: list) -> int:
    """How many different fields of `kind` the cells of `row` name."""
    ranks = _synonym_rank(kind)
    found = set()
    for cell in row:
        for name, _rank in ranks.get(_key(cell), []):
            found.add(name)
            break
    return len(found)


def find_header_row(kind: str, rows: list[list]) -> int:
    """The 1-based row of the headers among the file's first rows: the one whose cells name the most fields (at
    least two); when none does, the first row with at least two filled cells (a file whose headers are all
    unknown words: the user maps them by hand); 1 for an empty sample."""
    best, best_count = 0, 1
    for index, row in enumerate(rows[:HEADER_SEARCH_ROWS]):
        count = recognised_fields(kind, row)
        if count > best_count:
            best, best_count = index + 1, count
    if best:
        return best
    for index, row in enumerate(rows[:HEADER_SEARCH_ROWS]):
        if sum(1 for cell in row if text(cell)) >= 2:
            return index + 1
    return 1


def propose_mapping(kind: str, headers: list[str], country: str | None = None) -> dict[str, str]:
    """field -> header (one of `headers`, as unique_headers gives them) for each field a header names. The best
    ranked synonym wins a column; a column feeds one field, except the pairs in SHARED (the NIT column is the
    customer's code and its ID number when nothing else is). With a `country`, an ID number is proposed only
    when a column gives its type or its header names one ("NIT", "Cédula"): a "TERCERO" column alone is the
    customer code, not an ID number every row would be refused for (id_numbers_without_type; the mapping step
    drops it itself, to say why)."""
    ranks = _synonym_rank(kind)
    candidates = []
    for position, header in enumerate(headers):
        base = header
        if header.endswith(")") and " (" in header:  # "Valor (2)": matched as "Valor", after the first
            stem, _sep, number = header.rpartition(" (")
            if number[:-1].isdigit():
                base = stem
        for name, rank in ranks.get(_key(base), []):
            candidates.append((rank, position, FIELDS[kind].index(name), name, header))
    mapping: dict[str, str] = {}
    used: set[str] = set()
    for _rank, _position, _order, name, header in sorted(candidates):
        if name in mapping or header in used:
            continue
        mapping[name] = header
        used.add(header)
    for name, other in SHARED[kind]:
        if name not in mapping and other in mapping:
            mapping[name] = mapping[other]
    for name in id_numbers_without_type(mapping, country) if country is not None else ():
        del mapping[name]
    return {name: mapping[name] for name in FIELDS[kind] if name in mapping}


def id_numbers_without_type(mapping: dict[str, str], country: str, id_type: str = "") -> list[str]:
    """The ID number fields of `mapping` whose type nothing gives: no column of the type is mapped, no default
    type `id_type` is chosen, and the number's header names no type (as "NIT" or "Cédula" do)."""
    return [name for name, type_field in ID_FIELDS.items()
            if mapping.get(name) and not mapping.get(type_field) and not id_type
            and not id_type_named(country, mapping[name])]


def default_id_type(mapping: dict[str, str], country: str) -> str:
    """The ID type the mapped ID number's header names ("NIT" -> NIT), when no column gives the type; "" else."""
    for name, type_field in ID_FIELDS.items():
        if mapping.get(name) and not mapping.get(type_field):
            return id_type_named(country, mapping[name])
    return ""


# The columns the import page lists per kind, in this order (the others are accepted too: see FIELDS).
EXPECTED = {
    "debtors": ["code", "name", "kind", "id_type", "id_number", "phone", "email", "address", "city", "tags"],
    "obligations": ["number", "debtor_code", "issue_date", "due_date", "amount", "kind", "description"],
    "payments": ["obligation", "debtor_code", "date", "amount", "reference", "method"],
}


def expected_columns(kind: str, shown: int = 3) -> list[tuple[str, bool, list[str]]]:
    """(field, required, Spanish headers accepted) of the columns the import page lists for `kind`: the first
    `shown` synonyms (the field's own English name is accepted too)."""
    return [(name, name in REQUIRED[kind], SYNONYMS[kind].get(name, [])[:shown]) for name in EXPECTED[kind]]


def missing_required(kind: str, mapping: dict[str, str]) -> list[str]:
    """The required fields no column feeds (payments: an obligation or a debtor code)."""
    missing = [name for name in REQUIRED[kind] if not mapping.get(name)]
    if kind == "payments" and not mapping.get("obligation") and not mapping.get("debtor_code"):
        missing.append("obligation")
    return missing


def unknown_headers(mapping: dict[str, str], headers: list[str]) -> list[str]:
    """The mapped headers that the file does not have (a saved profile against another file)."""
    known = {normalize_header(h) for h in headers if h}
    return [header for header in mapping.values() if normalize_header(header) not in known]


@dataclass
class Cell:
    field: str
    raw: str
    value: object = None  # date, Decimal, str (as read); None when empty or refused
    problem: str = ""  # English, as the import's parsers say it; the page translates it
    error: Exception | None = None  # an amount's error, which can say itself in the page's language

    @property
    def kind(self) -> str:
        """How a page shows the value: "date", "amount" or "text"."""
        return "date" if self.field in DATE_FIELDS else "amount" if self.field in AMOUNT_FIELDS else "text"


@dataclass
class PreviewRow:
    row: int  # as the user sees it in the file
    cells: list[Cell] = field(default_factory=list)

    @property
    def problems(self) -> int:
        return sum(1 for cell in self.cells if cell.problem)


def preview_fields(kind: str, mapping) -> list[str]:
    """The fields the preview shows, in the import's order: the mapped ones, but an ID type only when its ID
    number is not mapped (the number's cell shows the type it was read with, "CC 52123456")."""
    types = {t: n for n, t in ID_FIELDS.items()}
    return [name for name in FIELDS[kind] if name in mapping and not (name in types and types[name] in mapping)]


def preview(kind: str, headers: list[str], rows: list[tuple[int, list]], mapping: dict[str, str], *,
            country: str, currency: str, exponent: int, date_format: str | None = None,
            decimal: str = "auto", id_type: str = "") -> list[PreviewRow]:
    """The first data rows as the import will read them: per mapped field the raw text, the value read (a date,
    an amount, a normalized ID, phone or e-mail) or the problem. `rows` are (row number, values) after the
    header row; blank rows are skipped. `id_type`: the type of an ID number whose row gives none."""
    index = {h: i for i, h in enumerate(headers) if h}
    columns = {name: index[header] for name, header in mapping.items() if header in index}
    result = []
    for number, values in rows:
        if not any(text(v) for v in values):
            continue
        line = PreviewRow(row=number)

        def cell_of(name, values=values):
            position = columns.get(name)
            return values[position] if position is not None and position < len(values) else None

        for name in preview_fields(kind, columns):
            raw = cell_of(name)
            cell = Cell(field=name, raw=text(raw))
            try:
                cell.value = _read(name, raw, cell_of, kind=kind, country=country, currency=currency,
                                   exponent=exponent, date_format=date_format, decimal=decimal, id_type=id_type)
            except AmountError as exc:
                cell.problem = "required" if exc.code == "required" else str(exc)
                cell.error = None if exc.code == "required" else exc
            except (FieldError, ValidationProblem) as exc:
                cell.problem = str(exc)
            line.cells.append(cell)
        result.append(line)
        if len(result) >= PREVIEW_ROWS:
            break
    return result


def _read(name, raw, cell_of, *, kind, country, currency, exponent, date_format, decimal, id_type=""):
    value = text(raw)
    if not value:
        if name in REQUIRED[kind]:
            raise FieldError("required")
        return None
    if name in DATE_FIELDS:
        return parse_date(raw, date_format)
    if name in AMOUNT_FIELDS:
        minor = parse_amount(raw, decimal, currency)
        return Decimal(minor).scaleb(-exponent)
    if name in ID_FIELDS:
        given, number = validate_national_id(country, text(cell_of(ID_FIELDS[name])) or id_type, value)
        return f"{given} {number}"
    if name in ("id_type", "debtor_id_type"):
        return id_type_code(country, value)  # the number's cell says when the type is unknown
    if name in PHONE_FIELDS:
        return normalize_phone(value, country)
    if name in EMAIL_FIELDS:
        return normalize_email(value)
    if name == "kind" and kind == "obligations":
        return parse_kind(raw)
    return value
