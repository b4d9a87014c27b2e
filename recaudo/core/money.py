"""Money: Decimal amounts plus an ISO 4217 currency code.

Amounts are stored in the database as integers in the currency's minor unit (cents for COP, pesos for CLP),
so sums are exact on SQLite and PostgreSQL alike (see docs/decisions/0001-money-in-minor-units.md).

The exponent of each currency's minor unit is the project's own data (core/data/currencies.csv, from ISO 4217),
never a library's: Babel's CLDR data gave COP 2 decimals up to 2.18 and 0 from 2.19, which would have made every
stored peso amount mean something else after an upgrade (docs/decisions/0008-money-scale-is-ours.md). Each
portfolio records the exponent its amounts are stored with (Portfolio.money_exponent) and its `currency` reads
back as a `Unit` carrying that exponent, which every conversion below honours. Babel is used for display only.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from functools import lru_cache
from pathlib import Path

from babel.numbers import format_currency, format_decimal
from django.utils.translation import get_language

from recaudo.core.errors import DomainError

CURRENCY_TABLE = Path(__file__).with_name("data") / "currencies.csv"


class UnknownCurrency(DomainError):
    pass


class Unit(str):
    """A currency code that carries the exponent its amounts are stored with (a portfolio's recorded one).

    It compares, hashes and is stored as the plain code ("COP"), so it goes anywhere a code goes. `shown` is the
    portfolio's display choice (decimals shown, None: the stored precision); it never affects conversions."""

    def __new__(cls, code: str, exponent: int, shown: int | None = None):
        unit = super().__new__(cls, code)
        unit.exponent = int(exponent)
        unit.shown = None if shown is None else min(int(shown), unit.exponent)
        return unit

    def __reduce__(self):
        return (Unit, (str(self), self.exponent, self.shown))


@lru_cache(maxsize=1)
def exponents() -> dict[str, int]:
    """ISO 4217 code -> minor-unit exponent, from the project's own table."""
    table = {}
    for line in CURRENCY_TABLE.read_text(encoding="utf-8").splitlines()[1:]:
        if line and not line.startswith("#") and line != "code,exponent":
            code, exponent = line.split(",")
            table[code] = int(exponent)
    return table


def known_currencies() -> frozenset[str]:
    return frozenset(exponents())


def table_precision(currency: str) -> int:
    """The table's exponent for a currency code (what a new portfolio records)."""
    try:
        return exponents()[str(currency)]
    except KeyError:
        raise UnknownCurrency(f"unknown currency code {currency!r}")


def precision(currency: str) -> int:
    """Number of decimal places of the currency's minor unit (COP 2, CLP 0): a Unit's recorded exponent, else the
    project's table."""
    exponent = getattr(currency, "exponent", None)
    return exponent if exponent is not None else table_precision(currency)


def validate_currency(code: str) -> str:
    code = (code or "").strip().upper()
    table_precision(code)
    return code


def _quantum(currency: str) -> Decimal:
    return _QUANTA[precision(currency)]


_QUANTA = {e: Decimal(1).scaleb(-e) for e in range(0, 5)}


def quantize(amount: Decimal, currency: str) -> Decimal:
    """Round half-up to the currency's precision."""
    return Decimal(amount).quantize(_quantum(currency), rounding=ROUND_HALF_UP)


def to_minor(amount: Decimal | int | str, currency: str) -> int:
    """Decimal amount -> integer minor units, rounding half-up to the currency's precision."""
    try:
        value = Decimal(amount)
    except (InvalidOperation, TypeError, ValueError):
        raise ValueError(f"not an amount: {amount!r}")
    return int(quantize(value, currency).scaleb(precision(currency)))


def from_minor(minor: int | None, currency: str) -> Decimal:
    """Integer minor units -> Decimal with exactly the currency's precision."""
    return Decimal(int(minor or 0)).scaleb(-precision(currency)).quantize(_quantum(currency))


def split_evenly(total_minor: int, parts: int) -> list[int]:
    """Split an amount in minor units into `parts` that add back up exactly; the last absorbs the rest."""
    if parts <= 0:
        raise ValueError("parts must be positive")
    base = int(total_minor / parts)
    return [base] * (parts - 1) + [total_minor - base * (parts - 1)]


def format_money(amount: Decimal, currency: str, locale: str = "es_CO") -> str:
    return format_currency(amount, str(currency), locale=locale.replace("-", "_"))


def format_amount(amount: Decimal, locale: str = "es_CO", currency: str | None = None,
                  digits: int | None = None) -> str:
    """Display only: grouping and decimal marks of the locale, `digits` decimals (default: the currency's stored
    precision; a portfolio may choose fewer, e.g. whole pesos, without changing what is stored)."""
    if digits is None:
        shown = getattr(currency, "shown", None)
        digits = shown if shown is not None else precision(currency) if currency else 2
    amount = Decimal(amount).quantize(_QUANTA[digits], rounding=ROUND_HALF_UP)
    fmt = "#,##0" + ("." + "0" * digits if digits else "")
    return format_decimal(amount, format=fmt, locale=locale.replace("-", "_"))


def active_locale() -> str:
    """The babel locale of the active language: es-CO (es_CO) unless the page is in English (en_US)."""
    return "en_US" if (get_language() or "").lower().startswith("en") else "es_CO"


def format_number(value, digits: int = 0) -> str:
    """A number said in a sentence in the active language: 40,00 and 1.500.000 (es-CO), 40.00 and 1,500,000 (en).
    Not a number: as given."""
    try:
        return format_amount(Decimal(str(value)), active_locale(), digits=digits)
    except (ArithmeticError, ValueError, TypeError):
        return str(value)
