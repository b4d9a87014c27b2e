"""The English texts the import's parsers and the portfolio's validators give a cell's problem, marked here for
translation (makemessages finds them), and `problem_text`, which says one of them in the active language: the
mapping step's preview and the import's report show a problem in the page's language, the command line and the
stored report keep the English."""

from __future__ import annotations

import csv
import io
import itertools
import re
from collections.abc import Iterator
from functools import lru_cache

from babel import Locale, UnknownLocaleError
from django.utils.translation import get_language, gettext, gettext_noop, pgettext

from recaudo.core.amounts import MESSAGES as AMOUNT_MESSAGES

PROBLEMS = [
    gettext_noop("required"),
    gettext_noop("not a valid date"),
    gettext_noop("unknown currency"),
    gettext_noop("unknown kind (use invoice/factura, installment/cuota, loan/prestamo, "
                 "hoa_fee/cuota de administracion, fine/multa, other/otro)"),
    gettext_noop("a cédula de ciudadanía has 3 to 10 digits"),
    gettext_noop("a cédula de extranjería has 3 to 15 letters or digits"),
    gettext_noop("a passport number has 4 to 20 letters or digits"),
    gettext_noop("this document has 3 to 11 digits"),
    gettext_noop("this document has 3 to 20 letters or digits"),
    gettext_noop("an ID number needs an ID type (e.g. NIT, CC)"),
    gettext_noop("The number's checksum or check digit is invalid."),
    gettext_noop("The number has an invalid length."),
    gettext_noop("The number has an invalid format."),
    gettext_noop("required for a new debtor"),
    gettext_noop("longer than 64 characters"),
    gettext_noop("required: name an obligation or a debtor"),
]

# Problems with values in them, written as the code that finds them writes them (an f-string or %), so each one is
# recognised in a report's English and said again in the active language. `reason` is itself a problem.
TEMPLATES = [
    gettext_noop("invalid %(type)s %(value)s: %(reason)s"),
    gettext_noop("invalid phone %(value)s for %(country)s"),
    gettext_noop("invalid phone %(value)s: not a phone number"),
    gettext_noop("invalid email %(value)s"),
    gettext_noop("must have exactly %(length)s digits"),
    gettext_noop("unknown ID type %(type)s for %(country)s; use one of %(known)s"),
    gettext_noop("not a valid date (expected %(expected)s)"),
    gettext_noop("currency %(found)s differs from the portfolio's %(currency)s"),
    gettext_noop("duplicate obligation number (also on row %(row)s)"),
    gettext_noop("duplicate debtor code (also on row %(row)s)"),
    gettext_noop("due date is before the issue date (%(date)s)"),
    gettext_noop("obligation %(number)s belongs to another debtor; it cannot be moved by an import"),
    gettext_noop("the new amount is below what was already paid (%(paid)s)"),
    gettext_noop("unknown obligation %(number)s"),
    gettext_noop("obligation %(number)s belongs to debtor %(code)s"),
    gettext_noop("unknown debtor %(code)s"),
    gettext_noop("unknown debtor %(code)s: not in the portfolio and the row has no debtor name to create it"),
    gettext_noop("unknown debtor %(code)s: not in the portfolio (add debtor_name and the other customer columns to "
                 "create it)"),
    *AMOUNT_MESSAGES.values(),
]
_PLACEHOLDER = re.compile(r"%\\\((\w+)\\\)[sd]")


def _pattern(template: str) -> re.Pattern:
    return re.compile(_PLACEHOLDER.sub(lambda m: f"(?P<{m.group(1)}>.+?)", re.escape(template)), re.DOTALL)


# the longest first, so "unknown debtor 'X': not in the portfolio..." is not read as "unknown debtor %(code)s"
_PATTERNS = [(t, _pattern(t)) for t in sorted(TEMPLATES, key=len, reverse=True) if "%(" in t]


@lru_cache(maxsize=64)
def _country_name(code: str, language: str) -> str:
    try:
        return Locale.parse(language.replace("-", "_")).territories.get(code, code)
    except (UnknownLocaleError, ValueError):
        return code


def problem_text(reason: str) -> str:
    """An import problem (`reason`, in English as the parsers give it) in the active language; a text this module
    does not know is returned as it is. Worked example, in es-CO: "invalid phone '12' for CO" -> "'12' no es un
    número de teléfono válido en Colombia"."""
    reason = str(reason or "")
    for template, pattern in _PATTERNS:
        found = pattern.fullmatch(reason)
        if found:
            params = found.groupdict()
            if "reason" in params:
                params["reason"] = problem_text(params["reason"])
            if "country" in params:
                params["country"] = _country_name(params["country"], get_language() or "es-co")
            return gettext(template) % params
    return gettext(reason) if reason else reason


# The rejected rows' file (services._RejectedWriter): the file's own columns, then these two, in English; each reason
# of the last one written as REJECTED_REASON, joined by "; ".
REJECTED_COLUMNS = ("row", "errors")
_REJECTED_REASON = re.compile(r'column "(?P<column>.*?)" \(value "(?P<value>.*?)"\): (?P<reason>.*?)'
                              r'(?=; column "|$)', re.DOTALL)


def rejected_rows_text(lines) -> Iterator[str]:
    """The rejected rows' file, read line by line from `lines` (text, as stored), said in the active language:
    its two last headers and each reason (problem_text), the file's own cells untouched; CSV text lines out.
    A file this does not recognise passes through as it is."""
    lines = iter(lines)
    first = next(lines, "")
    header = first.rstrip("\r\n")
    delimiter = header[-len(REJECTED_COLUMNS[1]) - 1:-len(REJECTED_COLUMNS[1])] if header.endswith(
        REJECTED_COLUMNS[1]) else ""
    if delimiter not in (",", ";", "\t", "|"):
        yield first
        yield from lines
        return
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter)

    def flush() -> str:
        text = out.getvalue()
        out.seek(0)
        out.truncate()
        return text

    reader = csv.reader(itertools.chain([first], lines), delimiter=delimiter)
    cells = next(reader)
    writer.writerow([*cells[:-2], pgettext("rejected rows file", "row"), pgettext("rejected rows file", "errors")])
    yield flush()
    for cells in reader:
        if cells:
            cells[-1] = "; ".join(
                gettext('column "%(column)s" (value "%(value)s"): %(reason)s')
                % {**m.groupdict(), "reason": problem_text(m.group("reason"))}
                for m in _REJECTED_REASON.finditer(cells[-1])) or cells[-1]
        writer.writerow(cells)
        yield flush()
