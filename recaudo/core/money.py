"""Money: Decimal amounts plus an ISO 4217 currency code.

Amounts are stored in the database as integers in the currency's minor unit (cents for COP, pesos for CLP),
so sums are exact on SQLite and PostgreSQL alike (see docs/decisions/0001-money-in-minor-units.md).
Precision comes from CLDR via Babel.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from functools import lru_cache

from babel.numbers import format_currency, format_decimal, get_currency_precision, list_currencies


class UnknownCurrency(ValueError):
    pass


@lru_cache(maxsize=512)
def known_currencies() -> frozenset[str]:
    return frozenset(list_currencies())


@lru_cache(maxsize=512)
def precision(currency: str) -> int:
    """Number of decimal places of the currency's minor unit (COP 2, CLP 0)."""
    if currency not in known_currencies():
        raise UnknownCurrency(f"unknown currency code {currency!r}")
    return get_currency_precision(currency)


def validate_currency(code: str) -> str:
    code = (code or "").strip().upper()
    precision(code)
    return code


@lru_cache(maxsize=64)
def _quantum(currency: str) -> Decimal:
    return Decimal(1).scaleb(-precision(currency))


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
    return format_currency(amount, currency, locale=locale.replace("-", "_"))


def format_amount(amount: Decimal, locale: str = "es_CO", currency: str | None = None) -> str:
    digits = precision(currency) if currency else 2
    fmt = "#,##0" + ("." + "0" * digits if digits else "")
    return format_decimal(amount, format=fmt, locale=locale.replace("-", "_"))
