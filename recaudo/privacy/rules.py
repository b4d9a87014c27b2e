"""Habeas data rules: pure functions of plain values.

Masking follows Ley 1581 de 2012, art. 4 (f) and (g), principles of restricted access and security: personal data
is shown only to whom needs it. A viewer (read-only role) sees enough to recognise a contact, not to use it:
"+57 300 *** **67", "l***@dominio.co", "*****4567". Retention follows art. 4 (b), purpose: what no longer serves
the purpose it was collected for is not kept (docs/habeas-data.md).
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Container
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from recaudo.compliance.rules.contact import holiday_dates

ANONYMIZED_PREFIX = "Anonimizado"


def anonymized_label(number: int) -> str:
    """The placeholder that replaces a name or a contact value: 'Anonimizado 1234'."""
    return f"{ANONYMIZED_PREFIX} {number}"


def scrub(value, secrets: list[str], placeholder: str):
    """`value` (a string, or lists and dicts of them) with every occurrence of each secret replaced by the
    placeholder, case-insensitively; secrets shorter than 4 characters are left (they would match anywhere)."""
    if isinstance(value, str):
        for secret in sorted({s for s in secrets if s and len(s) >= 4}, key=len, reverse=True):
            value = re.sub(re.escape(secret), placeholder, value, flags=re.IGNORECASE)
        return value
    if isinstance(value, list):
        return [scrub(v, secrets, placeholder) for v in value]
    if isinstance(value, dict):
        return {k: scrub(v, secrets, placeholder) for k, v in value.items()}
    return value


def retention_cutoff(now: datetime, days: int | None) -> datetime | None:
    """The instant before which data is past its retention period; None when the setting keeps it forever."""
    if days is None:
        return None
    return now - timedelta(days=days)


def anonymization_blockers(*, balance_minor: int, open_agreements: int, pending_promises: int) -> list[str]:
    """Why a debtor may not be anonymized yet (empty: it may). While money is owed or a plan or promise is open the
    creditor still has a legitimate purpose for the data (Ley 1581 de 2012, art. 9 and 10; Ley 1266 de 2008,
    art. 13: a negative record stays while the debt is unpaid); an admin may force it with a reason."""
    reasons = []
    if balance_minor > 0:
        reasons.append("balance")
    if open_agreements:
        reasons.append("agreement")
    if pending_promises:
        reasons.append("promise")
    return reasons


# ---------------------------------------------------------------------------------------------------------------
# Habeas data requests: consultations and claims (Ley 1581 de 2012, arts. 14 and 15; docs/habeas-data.md)
# ---------------------------------------------------------------------------------------------------------------
CONSULTA, RECLAMO = "consulta", "reclamo"
# kind: (business days to answer, business days one extension may add)
TERMS = {CONSULTA: (10, 5), RECLAMO: (15, 8)}
COMPLETION_REQUEST_DAYS = 5  # art. 15: an incomplete claim is sent back within 5 (business) days of receipt
ABANDON_MONTHS = 2  # art. 15: 2 months after that request without the missing information, the claim is withdrawn


def is_business_day(day: date, holidays: Container[date]) -> bool:
    """Monday to Friday and not a national holiday (festivo)."""
    return day.weekday() < 5 and day not in holidays


def add_business_days(start: date, days: int, holidays: Container[date]) -> date:
    """The `days`-th business day after `start` (`start` itself never counts, business day or not): the terms run
    "a partir del día siguiente" (Ley 1581 art. 15; Ley 4 de 1913 art. 62 leaves out holidays)."""
    if days < 1:
        raise ValueError("days must be at least 1")
    day = start
    while days:
        day += timedelta(days=1)
        if is_business_day(day, holidays):
            days -= 1
    return day


def business_days_left(today: date, due: date, holidays: Container[date]) -> int:
    """Business days after `today` up to and including `due`: 0 when `due` is today, negative when overdue (minus
    the business days after `due` up to and including `today`)."""
    first, last, sign = (today, due, 1) if today <= due else (due, today, -1)
    count, day = 0, first
    while day < last:
        day += timedelta(days=1)
        if is_business_day(day, holidays):
            count += 1
    return sign * count


@dataclass(frozen=True)
class CountryHolidays:
    """The national holidays of `country` for any year (the `holidays` package, cached per year), as a container
    of dates."""

    country: str

    def __contains__(self, day) -> bool:
        return day in holiday_dates(self.country, day.year)


def response_due(kind: str, received_on: date, holidays: Container[date]) -> date:
    """The last day to answer a request received on `received_on`: a consultation in 10 business days (art. 14), a
    claim in 15 business days counted from the day after receipt (art. 15)."""
    return add_business_days(received_on, TERMS[kind][0], holidays)


def extended_due(kind: str, due: date, holidays: Container[date]) -> date:
    """The due date once extended: at most 5 (consultation) or 8 (claim) business days after the first term ends."""
    return add_business_days(due, TERMS[kind][1], holidays)


def extension_refusal(*, extended: bool, today: date, due: date) -> str:
    """Why the term may not be extended ("" when it may): only once, and the notice must go before the first term
    ends (arts. 14 and 15: "antes del vencimiento del término")."""
    if extended:
        return "once"
    if today > due:
        return "late"
    return ""


def completion_request_due(received_on: date, holidays: Container[date]) -> date:
    """The last day to ask the requester to complete an incomplete claim (art. 15: within 5 days of receipt)."""
    return add_business_days(received_on, COMPLETION_REQUEST_DAYS, holidays)


def abandoned_on(requested_on: date) -> date:
    """The day an incomplete claim counts as withdrawn: 2 calendar months after the request to complete it (the
    same day number, or the month's last day)."""
    month = requested_on.month - 1 + ABANDON_MONTHS
    year, month = requested_on.year + month // 12, month % 12 + 1
    day = min(requested_on.day, calendar.monthrange(year, month)[1])
    return date(year, month, day)
