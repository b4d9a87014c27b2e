"""Shared pieces of the agreements commands: option parsing that names the option, es-CO rendering, JSON."""

from __future__ import annotations

import io
import json
from datetime import date
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from babel.dates import format_date
from babel.numbers import format_decimal
from django.core.management.base import CommandError
from rich.console import Console
from rich.table import Table

from recaudo.core.money import format_amount

LOCALE = "es_CO"
HUNDRED = Decimal(100)
COUNTRY_CURRENCY = {"CO": "COP", "PE": "PEN", "MX": "MXN", "CL": "CLP", "US": "USD"}


def option(name: str) -> str:
    return "--" + name.replace("_", "-")


def parse_decimal(value: str | None, name: str, *, positive: bool = False, allow_zero: bool = True) -> Decimal | None:
    if value is None:
        return None
    text = str(value).strip().replace("_", "")
    try:
        result = Decimal(text)
    except InvalidOperation:
        raise CommandError(f"{option(name)}: not a number: {value!r} (use a point for decimals: 1234.56)")
    if not result.is_finite():
        raise CommandError(f"{option(name)}: not a number: {value!r}")
    if result < 0 or (positive and not allow_zero and result == 0):
        raise CommandError(f"{option(name)}: must be {'positive' if positive else 'zero or positive'}, got {value}")
    return result


def parse_date(value: str | None, name: str) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(str(value).strip())
    except ValueError:
        raise CommandError(f"{option(name)}: not a date: {value!r} (use YYYY-MM-DD)")


def percent(rate: Decimal, places: int = 2) -> Decimal:
    """Fraction -> percent, rounded half-up to `places` decimals."""
    return (rate * HUNDRED).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def pct_str(rate: Decimal, places: int = 10) -> str:
    """Fraction -> plain percent string for JSON, trailing zeros dropped: 0.01 -> "1", 0.0199971988 -> "1.99971988"."""
    value = percent(rate, places).normalize()
    return format(value, "f") if value else "0"


def fmt_pct(rate: Decimal, places: int = 2) -> str:
    return format_decimal(percent(rate, places), format="#,##0." + "0" * places, locale=LOCALE) + " %"


def fmt_money(amount: Decimal, currency: str) -> str:
    return format_amount(amount, LOCALE, currency)


def fmt_date(value: date) -> str:
    return format_date(value, format="dd/MM/yyyy", locale=LOCALE)


def render(*items) -> str:
    buffer = io.StringIO()
    console = Console(file=buffer, width=120, color_system=None, force_terminal=False, highlight=False, markup=False)
    for item in items:
        console.print(item)
    return buffer.getvalue()


def new_table(*columns: tuple[str, str]) -> Table:
    table = Table(show_footer=True)
    for header, justify in columns:
        table.add_column(header, justify=justify)
    return table


def dump_json(data) -> str:
    return json.dumps(data, ensure_ascii=False, indent=2)
