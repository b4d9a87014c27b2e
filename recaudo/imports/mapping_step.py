"""The mapping step of a web upload: read the stored file's first rows, find its header row, propose (or apply)
a mapping and preview the first rows as the import will read them. Reads the storage, writes nothing; the rules
are in recaudo.imports.mapping."""

from __future__ import annotations

from dataclasses import dataclass, field

from recaudo.core.money import precision

from .fields import FieldError, resolve_columns, unique_headers
from .mapping import (
    PreviewRow,
    default_id_type,
    find_header_row,
    id_numbers_without_type,
    missing_required,
    preview,
    propose_mapping,
    unknown_headers,
)
from .reading import ImportFileError, Peek, peek_file
from .uploads import local_copy

ENCODING_OPTIONS = {"utf-8-sig": "utf-8", "latin-1": "latin-1", "cp1252": "cp1252"}


@dataclass
class MappingView:
    peek: Peek
    header_row: int
    headers: list[str]  # the header row's cells, same-named ones told apart
    mapping: dict[str, str]  # field -> header
    rows: list[PreviewRow]
    missing: list[str] = field(default_factory=list)  # required fields no column feeds
    ignored: list[str] = field(default_factory=list)  # a profile's headers this file lacks
    id_type: str = ""  # the type of an ID number whose row gives none (chosen, the profile's, or its header's)
    untyped: list[str] = field(default_factory=list)  # headers not read as an ID number: nothing gives their type

    @property
    def encoding_option(self) -> str:
        return ENCODING_OPTIONS.get(self.peek.encoding, "auto")


def _peek(stored_path: str, filename: str, options: dict) -> Peek:
    with local_copy(stored_path) as path:
        return peek_file(path, name=filename, encoding=options.get("encoding") or "auto",
                         sheet=options.get("sheet") or None, delimiter=options.get("delimiter") or None)


def upload_goes_straight(*, kind: str, stored_path: str, filename: str, options: dict) -> bool:
    """True when the upload can be imported without the mapping step: its header row (the option's, else the
    first) names every required field, by the fields' own names, the options' mapping (a profile's) or both. A
    file that cannot be read goes straight too: the import reports why, as before."""
    try:
        peek = _peek(stored_path, filename, options)
    except (ImportFileError, FileNotFoundError):
        return True
    if peek.kind == "xlsx" and len(peek.sheets) > 1 and not options.get("sheet"):
        return False
    header_row = int(options.get("header_row") or 1)
    if header_row > len(peek.rows):
        return False
    headers = [str(h).strip() if h is not None else "" for h in peek.rows[header_row - 1]]
    try:
        resolve_columns(kind, headers, options.get("mapping") or {}, filename, "web")
    except FieldError:
        return False
    return True


def mapping_view(*, portfolio, kind: str, stored_path: str, filename: str, options: dict,
                 header_row: int | None = None, mapping: dict[str, str] | None = None,
                 id_type: str | None = None) -> MappingView:
    """The mapping step's page: the file's header row (given, else found), the mapping (given; else the
    options' (a profile's) where this file has its headers, completed by the proposal), the default ID type
    (given; else the options' (a profile's); else the one the ID number's header names) and the preview. A
    proposed ID number column whose type nothing gives is left out (`untyped` says which)."""
    peek = _peek(stored_path, filename, options)
    if not header_row:
        header_row = int(options.get("header_row") or 0) or find_header_row(kind, peek.rows)
    header_row = max(1, min(header_row, max(len(peek.rows), 1)))
    headers = unique_headers(peek.rows[header_row - 1] if peek.rows else [])
    ignored, untyped = [], []
    country = portfolio.country
    proposed = mapping is None
    if proposed:
        given = dict(options.get("mapping") or {})
        ignored = unknown_headers(given, headers)
        mapping = propose_mapping(kind, headers)
        by_key = {h.casefold(): h for h in headers if h}
        for name, header in given.items():
            if header not in ignored:
                mapping[name] = by_key.get(header.strip().casefold(), header)
    mapping = {name: header for name, header in mapping.items() if header in headers}
    if id_type is None:
        id_type = str(options.get("id_type") or "")
    id_type = id_type or default_id_type(mapping, country)
    for name in id_numbers_without_type(mapping, country, id_type):
        untyped.append(mapping[name])
        if proposed:
            del mapping[name]
    data = [(header_row + 1 + i, values) for i, values in enumerate(peek.rows[header_row:])]
    currency = portfolio.currency  # a Unit: its recorded exponent
    rows = preview(kind, headers, data, mapping, country=portfolio.country, currency=currency,
                   exponent=precision(currency), date_format=options.get("date_format") or None,
                   decimal=options.get("decimal") or "auto", id_type=id_type)
    return MappingView(peek=peek, header_row=header_row, headers=headers, mapping=mapping, rows=rows,
                       missing=missing_required(kind, mapping), ignored=ignored, id_type=id_type, untyped=untyped)
