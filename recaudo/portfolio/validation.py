"""Pure validators for portfolio data: national IDs (python-stdnum), phones (phonenumbers), emails, codes.

Each returns the normalized value or raises ValidationProblem with a message that says what is wrong.
"""

from __future__ import annotations

import csv
import io
import re
from functools import cache, lru_cache
from pathlib import Path
from unicodedata import combining, normalize

import phonenumbers
from django.utils.translation import gettext
from reportlab.lib.utils import ImageReader
from stdnum.cl import rut as cl_rut
from stdnum.co import nit as co_nit
from stdnum.exceptions import ValidationError as StdnumError
from stdnum.mx import curp as mx_curp
from stdnum.mx import rfc as mx_rfc
from stdnum.pe import cui as pe_cui
from stdnum.pe import ruc as pe_ruc

from recaudo.core.errors import DomainError


class ValidationProblem(DomainError):
    pass


def _co_cc(number: str) -> str:
    digits = number if number.isdigit() else re.sub(r"[\s.\-]", "", number)  # plain digits: nothing to remove
    if not digits.isdigit() or not 3 <= len(digits) <= 10:
        raise ValidationProblem("a cédula de ciudadanía has 3 to 10 digits")
    return digits.lstrip("0") or "0"


def _co_ce(number: str) -> str:
    value = re.sub(r"[\s.\-]", "", number).upper()
    if not value.isalnum() or not 3 <= len(value) <= 15:
        raise ValidationProblem("a cédula de extranjería has 3 to 15 letters or digits")
    return value


def _pe_dni(number: str) -> str:
    return pe_cui.compact(pe_cui.validate(number))[:8] if len(re.sub(r"\D", "", number)) == 9 else _digits(number, 8)


def _digits(number: str, length: int) -> str:
    digits = re.sub(r"[\s.\-]", "", number)
    if not digits.isdigit() or len(digits) != length:
        raise ValidationProblem(f"must have exactly {length} digits")
    return digits


def _stdnum(module):
    def validate(number: str) -> str:
        try:
            return module.compact(module.validate(number))
        except StdnumError as exc:
            raise ValidationProblem(str(exc) or exc.__class__.__name__)

    return validate


def _passport(number: str) -> str:
    value = re.sub(r"\s", "", number).upper()
    if not value.isalnum() or not 4 <= len(value) <= 20:
        raise ValidationProblem("a passport number has 4 to 20 letters or digits")
    return value


_co_nit_stdnum = _stdnum(co_nit)


_NIT_SEPARATORS = str.maketrans("", "", ".,- ")  # what stdnum.co.nit.compact removes


def _co_nit(number: str) -> str:
    """stdnum.co.nit's verdict. A NIT in ASCII (the usual export: 800197268-4, 800.197.268-4, 8001972684) is
    compacted and checked here as stdnum.co.nit.validate does (for ASCII text its cleaning only removes those
    separators), with stdnum's own check digit, without its character-by-character cleaning (measured: an
    eighth of the validation of a debtor); anything else, and every refusal, goes to stdnum for the verdict and
    the message."""
    if number.isascii():
        compact = number.translate(_NIT_SEPARATORS)
        if compact.isdigit() and 8 <= len(compact) <= 16 and co_nit.calc_check_digit(compact[:-1]) == compact[-1]:
            return compact
    return _co_nit_stdnum(number)


def _co_digits(number: str) -> str:
    digits = re.sub(r"[\s.\-]", "", number)
    if not digits.isdigit() or not 3 <= len(digits) <= 11:
        raise ValidationProblem("this document has 3 to 11 digits")
    return digits


def _co_alnum(number: str) -> str:
    value = re.sub(r"[\s.\-]", "", number).upper()
    if not value.isalnum() or not 3 <= len(value) <= 20:
        raise ValidationProblem("this document has 3 to 20 letters or digits")
    return value


def _id_key(text: str) -> str:
    """"C.C.", "Cédula  de Ciudadanía", " 13 " -> "cc", "cedula de ciudadania", "13"."""
    text = normalize("NFKD", str(text or "")).lower()
    text = "".join(c for c in text if not combining(c)).replace(".", "").replace("_", " ")
    return " ".join(text.split())


def _load_co_id_types() -> tuple[list[dict], dict[str, str]]:
    """Colombia's identity document types (data/id_types_co.csv, DIAN codes; see data/README.md for the source)
    and every word that names one -> its code."""
    with (Path(__file__).parent / "data" / "id_types_co.csv").open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    words: dict[str, str] = {}
    for row in rows:
        for word in [row["code"], row["dian"], row["name_es"], row["name_en"], *row["synonyms"].split("|")]:
            if word.strip():
                words.setdefault(_id_key(word), row["code"])
    return rows, words


CO_ID_TYPES, CO_ID_WORDS = _load_co_id_types()
_CO_CHECKS = {"cc": _co_cc, "ce": _co_ce, "nit": _co_nit, "digits": _co_digits, "alnum": _co_alnum}
_PASSPORT_WORDS = {"passport", "pasaporte", "pa", "pas", "pp"}


def id_type_code(country: str, id_type: str) -> str:
    """The stored code of an ID type written any way the country's documents or exports write it: for Colombia
    its DIAN code or its Spanish name ("13", "Cédula", "cedula de ciudadania" -> "CC"); otherwise (or when the
    words are unknown) the text in upper case without dots, as before."""
    key = _id_key(id_type)
    if country == "CO" and key in CO_ID_WORDS:
        return CO_ID_WORDS[key]
    if key in _PASSPORT_WORDS:
        return "PASSPORT"
    return (id_type or "").strip().upper().replace(".", "")


def id_type_named(country: str, header: str) -> str:
    """The ID type a column's header names, when it names exactly one ("NIT" -> "NIT", "Cédula cliente" -> "CC",
    "Nro. pasaporte" -> "PASSPORT"); "" when it names none ("TERCERO", "Identificación") or several ("NIT o CC").
    The longest run of words that names a type wins ("cédula de extranjería" is CE, not CC); codes that are
    numbers (DIAN's 13, 31) and two-letter passport abbreviations are not read from a header."""
    words = _id_key(str(header or "").replace("/", " ").replace("-", " ")).split()
    found: set[str] = set()
    start = 0
    while start < len(words):
        for length in range(min(6, len(words) - start), 0, -1):
            phrase = " ".join(words[start:start + length])
            if phrase.isdigit() or phrase in ("pa", "pas", "pp"):
                continue
            code = CO_ID_WORDS.get(phrase) if country == "CO" else None
            if code is None and phrase in _PASSPORT_WORDS:
                code = "PASSPORT"
            if code:
                found.add(code)
                start += length
                break
        else:
            start += 1
    return found.pop() if len(found) == 1 else ""


# (country, id type) -> validator. A type not listed is stored as given (trimmed), unvalidated.
ID_VALIDATORS = {
    **{("CO", row["code"]): _CO_CHECKS[row["check"]] for row in CO_ID_TYPES if row["check"] != "passport"},
    ("PE", "RUC"): _stdnum(pe_ruc),
    ("PE", "DNI"): _pe_dni,
    ("MX", "RFC"): _stdnum(mx_rfc),
    ("MX", "CURP"): _stdnum(mx_curp),
    ("CL", "RUT"): _stdnum(cl_rut),
}
ID_TYPES = sorted({t for _, t in ID_VALIDATORS} | {"PASSPORT", "OTHER"})


def validate_national_id(country: str, id_type: str, number: str) -> tuple[str, str]:
    """(id_type, normalized number). Empty number -> ("", "")."""
    id_type = id_type_code(country, id_type)
    number = (number or "").strip()
    if not number:
        return ("", "")
    if not id_type:
        raise ValidationProblem("an ID number needs an ID type (e.g. NIT, CC)")
    if id_type in ("PASSPORT", "PA", "PAS", "PP"):
        return ("PASSPORT", _passport(number))
    validator = ID_VALIDATORS.get((country, id_type))
    if validator is None:
        known = [t for c, t in ID_VALIDATORS if c == country]
        if id_type != "OTHER" and known:
            raise ValidationProblem(f"unknown ID type {id_type!r} for {country}; use one of {', '.join(known)}")
        return (id_type, number[:32])
    try:
        return (id_type, validator(number))
    except ValidationProblem as exc:
        raise ValidationProblem(f"invalid {id_type} {number!r}: {exc}")


def display_id_number(id_type: str, number: str) -> str:
    """An ID number as people write it, for display only (stored numbers stay compact): a Colombian NIT with
    its dots and check digit, "8001972684" -> "800.197.268-4" (stdnum.co.nit.format); any other type, and a
    NIT that is not a valid one (masked, imported unchecked), as stored."""
    if id_type == "NIT" and number and number.isdigit() and co_nit.is_valid(number):
        return co_nit.format(number)
    return number or ""


_PHONE_PUNCTUATION = str.maketrans("", "", " -.()/")


def _fast_phone(raw: str, country: str) -> str | None:
    """E.164 for the common plain shapes ("3001234567", "+57 300 123 4567") without phonenumbers.parse.

    Only answers when the digits form a number phonenumbers itself calls valid (so the result is the same as
    the full parse); returns None to fall back to the full parse for anything else.
    """
    compact = raw.translate(_PHONE_PUNCTUATION)
    if compact.startswith("+"):
        digits = compact[1:]
        if not digits.isdigit() or digits.startswith("0"):  # no calling code starts with 0
            return None
        for length in (1, 2, 3):
            code = int(digits[:length])
            if code in phonenumbers.COUNTRY_CODE_TO_REGION_CODE:
                national = digits[length:]
                break
        else:
            return None
    else:
        if not compact.isdigit() or compact.startswith("0"):
            return None
        code, national = phonenumbers.country_code_for_region(country), compact
    if not national or national.startswith("0") or len(national) > 17:
        return None
    descs = _number_descs(code)
    if descs is not None:
        valid = _matches(national, descs)
    else:
        valid = phonenumbers.is_valid_number(phonenumbers.PhoneNumber(country_code=code,
                                                                     national_number=int(national)))
    return f"+{code}{national}" if valid else None


_NUMBER_TYPES = ("premium_rate", "toll_free", "shared_cost", "voip", "personal_number", "pager", "uan", "voicemail",
                 "fixed_line", "mobile")


@cache
def _number_descs(code: int):
    """phonenumbers' validity rules of a calling code that belongs to one region (as (possible lengths,
    compiled pattern) pairs: the general description, then each number type), or None (shared codes such as +1,
    non-geographic ones): phonenumbers.is_valid_number decides those."""
    regions = phonenumbers.COUNTRY_CODE_TO_REGION_CODE.get(code, ())
    if len(regions) != 1 or regions[0] == phonenumbers.REGION_CODE_FOR_NON_GEO_ENTITY:
        return None
    metadata = phonenumbers.PhoneMetadata.metadata_for_region(regions[0])
    if metadata is None:
        return None

    def desc(d):
        if d is None or not d.national_number_pattern:
            return None
        return frozenset(d.possible_length or ()), re.compile(d.national_number_pattern)

    general = desc(metadata.general_desc)
    if general is None:
        return None
    return general, tuple(t for t in (desc(getattr(metadata, name)) for name in _NUMBER_TYPES) if t is not None)


def _matches(national: str, descs) -> bool:
    """What phonenumbers.is_valid_number answers for a number of that calling code (its _number_type_helper is
    not UNKNOWN: the general description matches, and so does one of the types), without its per-call overhead
    (the validation of a contact column is most of an import's debtor work)."""
    (lengths, pattern), types = descs
    n = len(national)
    if (lengths and n not in lengths) or not pattern.fullmatch(national):
        return False
    return any((not lengths or n in lengths) and pattern.fullmatch(national) for lengths, pattern in types)


@lru_cache(maxsize=65536)
def normalize_phone(raw: str, country: str) -> str:
    """E.164 (+573001234567). Local numbers are read in the portfolio's country."""
    raw = (raw or "").strip()
    if not raw:
        return ""
    fast = _fast_phone(raw, country)
    if fast is not None:
        return fast
    try:
        parsed = phonenumbers.parse(raw, country)
    except phonenumbers.NumberParseException as exc:
        raise ValidationProblem(f"invalid phone {raw!r}: not a phone number") from exc
    if not phonenumbers.is_valid_number(parsed):
        raise ValidationProblem(f"invalid phone {raw!r} for {country}")
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


_EMAIL = re.compile(r"^[^@\s,;]+@[^@\s,;]+\.[A-Za-z]{2,}$")


def normalize_email(raw: str) -> str:
    raw = (raw or "").strip()
    if not raw:
        return ""
    if not _EMAIL.match(raw):
        raise ValidationProblem(f"invalid email {raw!r}")
    local, domain = raw.rsplit("@", 1)
    return f"{local}@{domain.lower()}"


def search_text_for(*parts: str) -> str:
    """Lower-case text the debtor search looks in (name, code, ID, phones, emails), without accents. Each part is
    decomposed on its own, and only when it is not ASCII (usually the name alone): the same text as decomposing
    them joined (a space is where no decomposition or reordering crosses), in 40% of the time."""
    out = []
    for part in parts:
        if part:
            part = part.lower()
            out.append(part if part.isascii() else normalize("NFKD", part).translate(_COMBINING_MARKS))
    return " ".join(out)


class _CombiningMarks(dict):
    """str.translate table deleting every combining character (unicodedata.combining): each code point is
    looked up once, when a text first holds it (building the whole table took 0.2 s, once per import process)."""

    def __missing__(self, code: int):
        value = self[code] = None if combining(chr(code)) else code
        return value


_COMBINING_MARKS = _CombiningMarks()


# --- The creditor as documents present it (portfolio settings) --------------------------------------------------

def creditor_nit_check(text: str) -> str:
    """A Colombian NIT with its check digit (python-stdnum), as it is printed: "900.123.456-8". Empty stays empty.
    Without the check digit, or with a wrong one, it is refused: the statement must carry the creditor's real NIT."""
    text = (text or "").strip()
    if not text:
        return ""
    if len(text) > 20:
        raise ValidationProblem(gettext("A NIT has at most 15 digits and its check digit."), field="creditor_nit")
    try:
        number = co_nit.validate(text)
    except StdnumError:
        raise ValidationProblem(
            gettext("%(value)s is not a valid NIT: write it with its check digit, e.g. 900.123.456-8.")
            % {"value": text}, field="creditor_nit")
    return co_nit.format(number)


LOGO_TYPES = {b"\x89PNG\r\n\x1a\n": "image/png", b"\xff\xd8\xff": "image/jpeg"}
LOGO_MAX_SIDE = 4000


def logo_check(data: bytes, max_bytes: int) -> str:
    """The content type of a logo for documents (PNG or JPEG, at most max_bytes, sides up to LOGO_MAX_SIDE pixels,
    readable as an image), or ValidationProblem at the field "logo"."""
    if not data:
        raise ValidationProblem(gettext("The logo file is empty."), field="logo")
    if len(data) > max_bytes:
        raise ValidationProblem(gettext("The logo is too large (%(size)s KB): the limit is %(max)s KB.")
                                % {"size": -(-len(data) // 1024), "max": max_bytes // 1024}, field="logo")
    kind = next((t for magic, t in LOGO_TYPES.items() if data.startswith(magic)), None)
    if kind is None:
        raise ValidationProblem(gettext("The logo must be a PNG or JPEG image."), field="logo")
    try:
        width, height = ImageReader(io.BytesIO(data)).getSize()
    except Exception:  # noqa: BLE001 - any decoding failure means the file is not a usable image
        raise ValidationProblem(gettext("The logo file is damaged or is not an image."), field="logo")
    if not (0 < width <= LOGO_MAX_SIDE and 0 < height <= LOGO_MAX_SIDE):
        raise ValidationProblem(gettext("The logo is too big: at most %(max)d pixels a side.")
                                % {"max": LOGO_MAX_SIDE}, field="logo")
    return kind
