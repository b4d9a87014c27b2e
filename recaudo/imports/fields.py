"""Field definitions per import kind, header matching and value parsing (dates, amounts, kinds, currency).

Parsers raise FieldError with the reason shown to the user; the caller adds row, column and value.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime
from functools import lru_cache

from django.utils.translation import gettext as _
from django.utils.translation import pgettext_lazy

from recaudo.core.amounts import AmountError, parse_minor
from recaudo.core.errors import DomainError
from recaudo.core.money import UnknownCurrency, validate_currency

DEBTOR_FIELDS = ["code", "name", "kind", "id_type", "id_number", "phone", "email", "whatsapp", "address", "city",
                 "customer_since", "tags", "language"]
OBLIGATION_FIELDS = ["number", "debtor_code", "debtor_name", "debtor_id_type", "debtor_id_number", "debtor_phone",
                     "debtor_email", "kind", "issue_date", "due_date", "amount", "currency", "description"]
PAYMENT_FIELDS = ["obligation", "debtor_code", "date", "amount", "method", "reference"]

FIELDS = {"debtors": DEBTOR_FIELDS, "obligations": OBLIGATION_FIELDS, "payments": PAYMENT_FIELDS}
REQUIRED = {
    "debtors": ["code", "name"],
    "obligations": ["number", "debtor_code", "issue_date", "due_date", "amount"],
    "payments": ["date", "amount"],
}

OBLIGATION_KINDS = {
    "invoice": "invoice", "factura": "invoice", "fact": "invoice",
    "installment": "installment", "cuota": "installment",
    "loan": "loan", "prestamo": "loan", "credito": "loan",
    "hoa_fee": "hoa_fee", "hoa fee": "hoa_fee", "cuota de administracion": "hoa_fee", "administracion": "hoa_fee",
    "fine": "fine", "multa": "fine",
    "other": "other", "otro": "other", "otra": "other",
}


# What each field is called on the pages (the mapping step), in the page's language.
FIELD_LABELS = {
    "code": pgettext_lazy("import field", "Customer code"),
    "name": pgettext_lazy("import field", "Name or company name"),
    "kind": pgettext_lazy("import field", "Person or company"),
    "id_type": pgettext_lazy("import field", "ID type"),
    "id_number": pgettext_lazy("import field", "ID number (NIT, cédula)"),
    "phone": pgettext_lazy("import field", "Phone"),
    "email": pgettext_lazy("import field", "E-mail"),
    "whatsapp": pgettext_lazy("import field", "WhatsApp"),
    "address": pgettext_lazy("import field", "Address"),
    "city": pgettext_lazy("import field", "City"),
    "customer_since": pgettext_lazy("import field", "Customer since"),
    "tags": pgettext_lazy("import field", "Tags"),
    "language": pgettext_lazy("import field", "Language"),
    "number": pgettext_lazy("import field", "Obligation number (invoice)"),
    "debtor_code": pgettext_lazy("import field", "Customer code"),
    "debtor_name": pgettext_lazy("import field", "Customer name"),
    "debtor_id_type": pgettext_lazy("import field", "Customer ID type"),
    "debtor_id_number": pgettext_lazy("import field", "Customer ID number (NIT, cédula)"),
    "debtor_phone": pgettext_lazy("import field", "Customer phone"),
    "debtor_email": pgettext_lazy("import field", "Customer e-mail"),
    "issue_date": pgettext_lazy("import field", "Issue date"),
    "due_date": pgettext_lazy("import field", "Due date"),
    "amount": pgettext_lazy("import field", "Amount"),
    "currency": pgettext_lazy("import field", "Currency"),
    "description": pgettext_lazy("import field", "Description"),
    "obligation": pgettext_lazy("import field", "Obligation number (invoice)"),
    "date": pgettext_lazy("import field", "Payment date"),
    "method": pgettext_lazy("import field", "Payment method"),
    "reference": pgettext_lazy("import field", "Reference"),
}


def field_label(kind: str, name: str) -> str:
    if name == "kind" and kind == "obligations":
        return str(pgettext_lazy("import field", "Obligation type"))
    return str(FIELD_LABELS.get(name, name))


class FieldError(DomainError):
    pass


def normalize_header(text: str) -> str:
    """Case, accent, space, underscore and hyphen insensitive key."""
    text = unicodedata.normalize("NFKD", str(text or "")).lower()
    return "".join(c for c in text if c.isalnum())


def plain(text: str) -> str:
    """Lower case, no accents, single spaces."""
    text = unicodedata.normalize("NFKD", str(text or "")).lower()
    text = "".join(c for c in text if not unicodedata.combining(c))
    return " ".join(text.replace("_", " ").split())


def unique_headers(headers: list) -> list[str]:
    """The headers trimmed, with same-named ones told apart: "Valor", "Valor" -> "Valor", "Valor (2)". Blank
    headers stay blank (such a column cannot be chosen)."""
    seen: dict[str, int] = {}
    result = []
    for header in headers:
        name = text(header)
        key = normalize_header(name)
        if not key:
            result.append(name)
            continue
        seen[key] = seen.get(key, 0) + 1
        result.append(name if seen[key] == 1 else f"{name} ({seen[key]})")
    return result


def resolve_columns(kind: str, headers: list[str], mapping: dict[str, str], filename: str,
                    ui: str = "cli") -> dict[str, int]:
    """canonical field -> column index. Raises ImportFileError-like FieldError for unknown/missing columns. A
    repeated header is found by its first column, or by the name unique_headers gives the others ("Valor (2)").
    `ui` "web": the messages name the fields as the page does and send to the mapping step, not to --map."""
    fields = FIELDS[kind]
    unknown = [f for f in mapping if f not in fields]
    if unknown:
        raise FieldError(f"unknown field {unknown[0]!r} for {kind}; fields: {', '.join(fields)}")
    by_key: dict[str, int] = {}
    for index, header in enumerate(headers):
        by_key.setdefault(normalize_header(header), index)
    for index, header in enumerate(unique_headers(headers)):
        by_key.setdefault(normalize_header(header), index)
    columns: dict[str, int] = {}
    for field in fields:
        if field in mapping:
            key = normalize_header(mapping[field])
            if key not in by_key:
                if ui != "cli":
                    raise FieldError(_(
                        "%(name)s: the column %(column)s (for %(field)s) is not in the file; columns found: "
                        "%(headers)s. Choose the columns in the mapping step"
                    ) % {"name": filename, "column": repr(mapping[field]), "field": field_label(kind, field),
                         "headers": ", ".join(repr(h) for h in headers)})
                raise FieldError(f"{filename}: column {mapping[field]!r} (mapped to {field}) not found; "
                                 f"headers found: {', '.join(repr(h) for h in headers)}")
            columns[field] = by_key[key]
        elif normalize_header(field) in by_key:
            columns[field] = by_key[normalize_header(field)]
    missing = [f for f in REQUIRED[kind] if f not in columns]
    if kind == "payments" and "obligation" not in columns and "debtor_code" not in columns:
        missing.append("obligation or debtor_code")
    if missing and ui != "cli":
        raise FieldError(_(
            "%(name)s: no column for %(fields)s; columns found: %(headers)s. Choose the columns in the mapping step"
        ) % {"name": filename, "headers": ", ".join(repr(h) for h in headers),
             "fields": ", ".join(field_label(kind, f) if f in fields else _("the obligation or the customer code")
                                 for f in missing)})
    if missing:
        raise FieldError(
            f"{filename}: missing required column{'s' if len(missing) > 1 else ''} {', '.join(missing)}; "
            f"headers found: {', '.join(repr(h) for h in headers)} (map them with --map field=Header)"
        )
    return columns


def text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.date().isoformat() if not (value.hour or value.minute or value.second) else value.isoformat()
    return str(value).strip()


_DAY_FIRST = re.compile(r"^(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4})$")
_ISO = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T]00:00(?::00)?)?$")


@lru_cache(maxsize=8192)
def _parse_date_text(value: str, fmt: str | None) -> date:
    try:
        if fmt:
            return datetime.strptime(value, fmt).date()
        m = _DAY_FIRST.match(value)
        if m:
            return date(int(m.group(3)), int(m.group(2)), int(m.group(1)))
        m = _ISO.match(value)
        if m:
            return date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    except ValueError:
        pass
    expected = fmt or "day first (31/12/2026) or ISO (2026-12-31)"
    raise FieldError(f"not a valid date (expected {expected})" if fmt else "not a valid date")


def parse_date(value, fmt: str | None = None) -> date:
    if type(value) is str:
        return _parse_date_text(value.strip(), fmt)
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return _parse_date_text(text(value), fmt)


DECIMAL_MARKS = {"comma": ",", "point": ".", "auto": "auto"}


def parse_amount(value, decimal: str, currency: str) -> int:
    """Text or number -> minor units (> 0), read by the project's one amount parser (recaudo.core.amounts):
    `decimal` is the import option (comma, point or auto)."""
    try:
        return parse_minor(value, decimal=DECIMAL_MARKS[decimal], currency=currency)
    except AmountError as exc:
        raise FieldError("required" if exc.code == "required" else str(exc))


@lru_cache(maxsize=256)
def _parse_kind_text(raw: str) -> str:
    if not raw:
        return "invoice"
    kind = OBLIGATION_KINDS.get(plain(raw))
    if kind is None:
        raise FieldError("unknown kind (use invoice/factura, installment/cuota, loan/prestamo, "
                         "hoa_fee/cuota de administracion, fine/multa, other/otro)")
    return kind


def parse_kind(value) -> str:
    return _parse_kind_text(text(value))


def parse_currency(value, portfolio_currency: str) -> str:
    _parse_currency_text(text(value).upper(), str(portfolio_currency))  # refuses another currency
    return portfolio_currency  # the portfolio's Unit (its recorded exponent), never a cached code


@lru_cache(maxsize=256)
def _parse_currency_text(raw: str, portfolio_currency: str) -> str:
    if not raw:
        return portfolio_currency
    try:
        code = validate_currency(raw)
    except UnknownCurrency:
        raise FieldError("unknown currency")
    if code != portfolio_currency:
        raise FieldError(f"currency {code} differs from the portfolio's {portfolio_currency}")
    return code
