"""Shared argument parsing for the report commands (clear messages, never a traceback)."""

from __future__ import annotations

from datetime import date

from django.core.management.base import CommandError

from recaudo.core.exports import CSV_DIALECTS, PLAIN, CsvDialect
from recaudo.portfolio.models import Portfolio

CSV_HELP = ("CSV dialect (with --format csv): excel = what Excel set to Colombian Spanish opens into columns "
            "(';' separator, dd/mm/yyyy dates, decimal comma, Spanish headers); plain = ',' separator, ISO dates, "
            "decimal point (default)")


def add_csv_option(parser) -> None:
    """`--csv excel|plain`: the CSV dialect of an export (recaudo.core.exports)."""
    parser.add_argument("--csv", dest="csv", choices=tuple(CSV_DIALECTS), default=PLAIN.name, help=CSV_HELP)


def csv_dialect_option(value: str | None) -> CsvDialect:
    return CSV_DIALECTS.get(value or PLAIN.name, PLAIN)


def portfolio_or_error(slug: str) -> Portfolio:
    portfolio = Portfolio.objects.filter(slug=slug).first()
    if portfolio is None:
        known = ", ".join(Portfolio.objects.order_by("slug").values_list("slug", flat=True)[:20]) or "none yet"
        raise CommandError(f"unknown portfolio {slug!r} (known: {known})")
    return portfolio


def date_or_error(value: str | None, option: str) -> date | None:
    if value in (None, ""):
        return None
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise CommandError(f"{option}: {value!r} is not a date (use YYYY-MM-DD, e.g. 2026-11-22)")
