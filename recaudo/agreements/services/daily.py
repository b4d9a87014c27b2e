"""The agreements' part of the daily cycle."""

from __future__ import annotations

from datetime import date, datetime

from recaudo.portfolio.models import Portfolio

from .plans import agreements_check_breach, installment_interest_post
from .promises import promises_evaluate


def agreements_daily(*, portfolio: Portfolio, today: date, now: datetime | None = None) -> dict:
    """What the daily cycle calls before planning steps: the interest of installments falling due, promises, then
    agreement breaches/completions."""
    charged = installment_interest_post(portfolio=portfolio, through=today, actor=f"cycle {today.isoformat()}")
    result = promises_evaluate(portfolio=portfolio, today=today, now=now)
    result["installment_interest"] = charged
    result.update(agreements_check_breach(portfolio=portfolio, today=today, now=now))
    return result
