"""One line for a database error (IntegrityError, DataError, OperationalError...): what the command line prints,
the error page shows and a failed import says, instead of a traceback.

The bounds of amounts (recaudo.core.amounts.MAX_MINOR, MAX_SUM_MINOR) are the database's last word too: their
check constraints are named `..._bounded`, and a refusal by one of them reads as the bound it enforces."""

from __future__ import annotations

from django.utils.translation import gettext, gettext_noop

MAX_DETAIL = 300

BOUND = gettext_noop("an amount or a sum beyond what Recaudo keeps (at most 10^15 minor units per amount, 10^18 "
                     "for balances and a portfolio's ledger; see docs/amounts.md)")
OVERFLOW = gettext_noop("a sum beyond what the database can hold")
REFUSED = gettext_noop("the database refused the operation: %(detail)s")


def detail(exc: BaseException) -> str:
    """The error's own first line, cut to a readable length."""
    lines = [line.strip() for line in str(exc).strip().splitlines() if line.strip()]
    text = lines[0] if lines else type(exc).__name__
    return text if len(text) <= MAX_DETAIL else text[: MAX_DETAIL - 1] + "…"


def _reason(exc: BaseException) -> str:
    text = str(exc).lower()
    if "_bounded" in text or "out of range" in text:
        return BOUND
    if "integer overflow" in text:
        return OVERFLOW
    return ""


def database_message(exc: BaseException) -> str:
    """English, for commands and logs: 'the database refused the operation: <why>'."""
    reason = _reason(exc)
    return REFUSED % {"detail": reason or detail(exc)}


def database_message_translated(exc: BaseException) -> str:
    """The same in the active language (the error page); an unknown reason keeps the database's own words."""
    reason = _reason(exc)
    return gettext(REFUSED) % {"detail": gettext(reason) if reason else detail(exc)}
