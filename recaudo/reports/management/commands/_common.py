"""Shared argument parsing for the report commands (clear messages, never a traceback)."""

from __future__ import annotations

from datetime import date

from django.core.management.base import CommandError

from recaudo.portfolio.models import Portfolio


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
