"""One way to read an amount typed by a person or found in a file: web forms, commands and imports use it.

    parse_amount("1.500.000")                       -> Decimal("1500000")      es-CO: '.' groups thousands
    parse_amount("1.500.000,50", currency="COP")    -> Decimal("1500000.50")
    parse_amount("1,500,000.50", decimal=".")       -> Decimal("1500000.50")
    parse_amount("1.50")                            -> AmountError: '.' groups thousands in threes here
    parse_minor("1.500.000,50", decimal=",", currency="COP") -> 150000050   (the import's fast path)

Rules (docs/amounts.md):
- `decimal` is the decimal mark: "," (es-CO, the default) or "."; the other mark only groups thousands and must
  group them in threes ("1.50" is refused with ",", not read as 150). A space, a no-break space or an
  apostrophe may group thousands too, in threes. "auto" (imports only) guesses per value: the last mark when
  both appear, a repeated mark groups, a single mark followed by exactly three digits groups ("1.500"), any other
  single mark is the decimal one.
- At most MAX_MINOR (10^15) minor units of the currency: 10.000.000.000.000,00 COP (exponent 2),
  1.000.000.000.000.000 CLP (exponent 0); without a currency, `decimals` (else 0) stands for the exponent. At most
  the currency's decimals after the mark (COP 2, CLP 0; extra zeros are harmless: "1.500,00" is a valid CLP
  amount).
- Negative amounts ("-1.500", "(1.500)") only where the caller allows them; zero only where allowed.
- Surrounding spaces, a "$" and the currency's code ("COP 1.500", "$ 1.500", "1.500 COP") are tolerated; another
  currency's code is refused, and so is any code when the caller gives no currency.
- Numbers that are already numbers (a spreadsheet's numeric cell) are taken as they are; a float's binary noise
  (1234.5600000000002) is rounded half-up to the currency's decimals.

Errors are AmountError (a ValueError): `str(error)` is the English message (commands, import reports) and
`error.translated()` the message in the active language (es-CO in the web app).
"""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal

from django.utils.translation import gettext, gettext_noop

from recaudo.core.errors import DomainError

from .money import precision

# The largest amount of one entry, payment, obligation or any other single amount, in minor units of its currency
# (docs/amounts.md). Database check constraints hold every amount column to it, so a value typed or imported beyond
# it is refused here, never stored.
MAX_MINOR = 10**15
# What a portfolio's sums can hold: cached balances (an obligation's, a debtor's) and, on SQLite, the sum of the
# absolute amounts of every entry and payment of a portfolio (its ledger volume, kept by the database in the tally).
# Every SUM a page or report computes over a portfolio is at most that, well inside the 64-bit integers of SQLite's
# SUM() (about 9.2 * 10^18), which raises "integer overflow" beyond them. A thousand entries at MAX_MINOR.
MAX_SUM_MINOR = 10**18
# A cheap textual limit before the exact one: MAX_MINOR has 16 digits (CLP, exponent 0).
MAX_INTEGER_DIGITS = 16
MAX_LENGTH = 64
DECIMAL_MARKS = (",", ".")
EXAMPLES = {",": "1.500.000,50", ".": "1,500,000.50", "auto": "1.500.000,50 / 1,500,000.50"}
_OTHER = {",": ".", ".": ","}
_SPACES = "\u00a0\u202f\u2009 "


class AmountError(DomainError):
    """An amount that cannot be read: `code` says why, `str()` is English, `translated()` the active language."""

    def __init__(self, code: str, template: str, **params):
        self.code, self.template, self.params = code, template, params
        super().__init__(template % params)

    def translated(self) -> str:
        return gettext(self.template) % self.params

    @property
    def message(self) -> str:
        return self.translated()


def _error(code: str, **params) -> AmountError:
    return AmountError(code, MESSAGES[code], **params)


def _exponent(currency: str | None, decimals: int | None) -> int:
    """The minor unit's exponent the bound is counted in: the currency's, else `decimals`, else 0."""
    if currency:
        return precision(currency)
    return decimals or 0


def max_amount(currency: str | None = None, decimals: int | None = None) -> Decimal:
    """The largest amount of one entry (MAX_MINOR minor units), in the currency's units."""
    exponent = _exponent(currency, decimals)
    return Decimal(MAX_MINOR).scaleb(-exponent).quantize(Decimal(1).scaleb(-exponent))


def limit_text(currency: str | None = None, decimals: int | None = None, decimal: str = ",") -> str:
    """max_amount written with the decimal mark `decimal` (',' groups with '.', '.' with ','), then the code."""
    exponent = _exponent(currency, decimals)
    whole = f"{MAX_MINOR // 10**exponent:,}"
    if decimal != ".":
        whole = whole.replace(",", ".")
    text = whole + (("." if decimal == "." else ",") + "0" * exponent if exponent else "")
    return f"{text} {currency}" if currency else text


def _too_large(currency: str | None, decimals: int | None, decimal: str = ",") -> AmountError:
    return _error("too_large", limit=limit_text(currency, decimals, "." if decimal == "." else ","))


def check_minor(minor: int, currency: str | None = None, *, what: str = "amount") -> int:
    """An amount in minor units within the bound (abs(minor) <= MAX_MINOR): the services' check of every amount they
    write. Raises AmountError (code "too_large") naming the largest amount."""
    if abs(int(minor)) > MAX_MINOR:
        raise _too_large(currency, None)
    return int(minor)


def _check_bound(number: Decimal, currency: str | None, decimals: int | None, decimal: str) -> Decimal:
    if abs(number).scaleb(_exponent(currency, decimals)) > MAX_MINOR:
        raise _too_large(currency, decimals, decimal)
    return number


MESSAGES = {
    "required": gettext_noop("an amount is required"),
    "invalid": gettext_noop("not a number: write it like %(example)s"),
    "grouping": gettext_noop("not a number: '%(group)s' only separates thousands, in groups of three, and "
                             "'%(decimal)s' marks the decimals (%(example)s)"),
    "too_large": gettext_noop("too large: at most %(limit)s"),
    "negative": gettext_noop("must not be negative"),
    "zero": gettext_noop("must be positive"),
    "no_decimals": gettext_noop("%(currency)s amounts have no decimals"),
    "decimals": gettext_noop("at most %(digits)s decimals"),
    "currency_decimals": gettext_noop("%(currency)s amounts have at most %(digits)s decimals"),
    "currency": gettext_noop("the amount is in %(found)s, not %(currency)s"),
}

_SURROUND = re.compile(
    r"(?P<sign>[-\u2212(])?\s*(?:(?P<pre>[A-Za-z]{3})\s*)?\$?\s*(?P<sign2>[-\u2212])?\s*"
    r"(?P<body>[\d.,'\u00a0\u202f\u2009 ]+?)\s*(?P<close>\))?\s*(?P<post>[A-Za-z]{3})?",
)
_STRICT = {
    mark: re.compile(
        r"(?P<int>[1-9]\d{0,2}(?P<g>[" + re.escape(_OTHER[mark]) + r"'\u00a0\u202f\u2009 ])\d{3}(?:(?P=g)\d{3})*"
        r"|\d+)(?:" + re.escape(mark) + r"(?P<frac>\d+))?"
    )
    for mark in DECIMAL_MARKS
}
_PLAIN = re.compile(r"(\d{1,16})(?:([.,])(\d{1,4}))?")


def decimal_mark(language: str | None) -> str:
    """The decimal mark people type in a language: "." in English, "," in Spanish (es-CO) and by default."""
    return "." if (language or "").lower().startswith("en") else ","


def _guess_mark(body: str) -> str:
    """`decimal="auto"`: which mark is the decimal one in this text (see the module's rules)."""
    comma, point = body.rfind(","), body.rfind(".")
    if comma >= 0 and point >= 0:
        return "," if comma > point else "."
    if comma < 0 and point < 0:
        return ","
    mark = "," if comma >= 0 else "."
    if body.count(mark) > 1:
        return _OTHER[mark]
    head, _, tail = body.rpartition(mark)
    if len(tail) == 3 and tail.isdigit() and 1 <= len(head) <= 3 and head.isdigit() and head[0] != "0":
        return _OTHER[mark]  # 1.500 / 1,500 / 12.500 / 999.999: thousands
    return mark


def _allowed_decimals(currency: str | None, decimals: int | None) -> int | None:
    if decimals is not None:
        return decimals
    if currency:
        return precision(currency)
    return None


def _check_decimals(frac: str, currency: str | None, decimals: int | None) -> str:
    """The fraction digits kept: at most the allowed ones; extra zeros are dropped, anything else refused."""
    allowed = _allowed_decimals(currency, decimals)
    if allowed is None or len(frac) <= allowed or not frac[allowed:].strip("0"):
        return frac if allowed is None else frac[:allowed]
    if currency and decimals is None:
        if allowed == 0:
            raise _error("no_decimals", currency=str(currency))
        raise _error("currency_decimals", currency=str(currency), digits=allowed)
    raise _error("decimals", digits=allowed)


def _check_sign(value: Decimal, allow_negative: bool, allow_zero: bool) -> Decimal:
    if value < 0 and not allow_negative:
        raise _error("negative")
    if value == 0 and not allow_zero:
        raise _error("zero")
    return value


def _number(value, currency: str | None, decimals: int | None, allow_negative: bool, allow_zero: bool) -> Decimal:
    """A value that is already a number (int, Decimal, float from a spreadsheet cell)."""
    number = Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
    if not number.is_finite():
        raise _error("invalid", example=EXAMPLES[","])
    sign, digits, exponent = abs(number).as_tuple()
    if len(digits) + exponent > MAX_INTEGER_DIGITS:
        raise _too_large(currency, decimals)
    allowed = _allowed_decimals(currency, decimals)
    if isinstance(value, float) and allowed is not None:  # a float's binary noise, not a typed decimal
        number = number.quantize(Decimal(1).scaleb(-allowed), rounding=ROUND_HALF_UP)
    elif exponent > 0:
        number = number.quantize(Decimal(1))  # 1E+3 -> 1000
    elif exponent < 0:
        text = format(abs(number), "f")
        frac = _check_decimals(text.partition(".")[2], currency, decimals)
        number = Decimal(text.partition(".")[0] + ("." + frac if frac else "")).copy_sign(number)
    _check_bound(number, currency, decimals, ",")
    return _check_sign(number, allow_negative, allow_zero)


def parse_amount(value, *, decimal: str = ",", currency: str | None = None, decimals: int | None = None,
                 allow_negative: bool = False, allow_zero: bool = True) -> Decimal:
    """Read an amount (see the module's rules). `decimal`: ",", "." or "auto"; `currency` enforces its decimals
    and is the only code tolerated around the number; `decimals` overrides the number of decimals allowed.

    Returns the Decimal as written (with the currency's decimals at most); raises AmountError."""
    if decimal not in ("auto", *DECIMAL_MARKS):
        raise ValueError(f"decimal mark must be ',', '.' or 'auto', not {decimal!r}")
    if isinstance(value, bool):
        raise _error("invalid", example=EXAMPLES.get(decimal, EXAMPLES[","]))
    if isinstance(value, (int, float, Decimal)):
        return _number(value, currency, decimals, allow_negative, allow_zero)
    text = str(value if value is not None else "").strip().strip(_SPACES)
    if not text:
        raise _error("required")
    example = EXAMPLES[decimal]
    m = _SURROUND.fullmatch(text) if len(text) <= MAX_LENGTH else None
    if m is None:
        raise _error("invalid", example=example)
    for code in (m["pre"], m["post"]):
        if code is not None:
            found = code.upper()
            if currency is None:  # which code would be the right one is unknown
                raise _error("invalid", example=example)
            if found != str(currency).upper():
                raise _error("currency", found=found, currency=str(currency))
    if (m["sign"] == "(") != (m["close"] is not None) or (m["sign"] and m["sign2"]):
        raise _error("invalid", example=example)
    negative = bool(m["sign"] or m["sign2"])
    body = m["body"]
    mark = _guess_mark(body) if decimal == "auto" else decimal
    parts = _STRICT[mark].fullmatch(body)
    if parts is None:
        if decimal != "auto" and (_OTHER[mark] in body or body.count(mark) > 1):
            raise _error("grouping", group=_OTHER[mark], decimal=mark, example=example)
        raise _error("invalid", example=example)
    whole = re.sub(r"\D", "", parts["int"])
    if len(whole.lstrip("0")) > MAX_INTEGER_DIGITS:
        raise _too_large(currency, decimals, mark)
    frac = _check_decimals(parts["frac"] or "", currency, decimals)
    number = Decimal(f"{'-' if negative else ''}{whole}.{frac}" if frac else f"{'-' if negative else ''}{whole}")
    _check_bound(number, currency, decimals, mark)
    return _check_sign(number, allow_negative, allow_zero)


def parse_minor(value, *, decimal: str = ",", currency: str, allow_negative: bool = False,
                allow_zero: bool = False) -> int:
    """parse_amount, in the currency's minor units (what the database stores). Plain values ("1500000",
    "1500000.50", "1500000,50") and well grouped ones ("1.500.000,50") take a fast path with the same result: an
    import reads millions of them."""
    if type(value) is str:
        m = _PLAIN.fullmatch(value)
        if m is not None:
            whole, mark, frac = m.groups()
            if mark is None or mark == decimal or (decimal == "auto" and len(frac) != 3):
                digits = precision(currency)
                if frac is None or len(frac) <= digits:
                    minor = int(whole) * 10**digits + (int(frac.ljust(digits, "0")) if frac else 0)
                    if (minor or allow_zero) and minor <= MAX_MINOR:
                        return minor
        else:
            for mark in _FAST_MARKS[decimal]:
                m = _GROUPED[mark].fullmatch(value)
                if m is not None:
                    whole, frac = m.groups()
                    whole = whole.replace(_OTHER[mark], "")
                    digits = precision(currency)
                    if len(whole) <= MAX_INTEGER_DIGITS and (frac is None or len(frac) <= digits):
                        minor = int(whole) * 10**digits + (int(frac.ljust(digits, "0")) if frac else 0)
                        if minor <= MAX_MINOR:
                            return minor
                    break
    amount = parse_amount(value, decimal=decimal, currency=currency, allow_negative=allow_negative,
                          allow_zero=allow_zero)
    return int(amount.scaleb(precision(currency)))


# Grouped thousands with an optional decimal part: 1.500.000,50 (decimal ",") and 1,500,000.50 (decimal "."). With
# "auto" both are tried: a match always reads the same as the guess of _guess_mark (the repeated or single mark
# before three digits groups; the other one is the decimal mark).
_GROUPED = {
    ",": re.compile(r"([1-9]\d{0,2}(?:\.\d{3})+)(?:,(\d{1,4}))?"),
    ".": re.compile(r"([1-9]\d{0,2}(?:,\d{3})+)(?:\.(\d{1,4}))?"),
}
_FAST_MARKS = {",": (",",), ".": (".",), "auto": (",", ".")}
