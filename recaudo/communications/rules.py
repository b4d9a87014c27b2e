"""Communications rules: pure functions of plain data."""

from __future__ import annotations

from datetime import timedelta

APPLYING_ROLES = frozenset({"supervisor", "admin"})


def template_edit_needs_approval(role: str | None) -> bool:
    """A portfolio's templates go to every debtor of the portfolio: an agent's edit waits for a supervisor's or an
    administrator's approval; theirs apply at once. `role` None is not a person (a command, the system): at once.

    >>> [template_edit_needs_approval(r) for r in ("agent", "supervisor", "admin", None)]
    [True, False, False, False]
    """
    return role is not None and role not in APPLYING_ROLES


def template_can_decide(role: str | None) -> bool:
    """Who approves or rejects an agent's edit: supervisors and administrators."""
    return role in APPLYING_ROLES


BACKOFF_BASE = timedelta(minutes=1)
BACKOFF_CAP = timedelta(hours=6)
# After a permanent failure, the next channels to try, in order (only those the debtor consented to).
FALLBACK_ORDER = {"email": ("whatsapp", "sms", "letter"), "sms": ("whatsapp", "email", "letter"),
                  "whatsapp": ("sms", "email", "letter"), "letter": ("email",)}


def retry_delay(attempts: int) -> timedelta:
    """Exponential backoff after the `attempts`-th failed try: 1, 2, 4, 8 ... minutes, at most 6 hours."""
    return min(BACKOFF_BASE * (2 ** max(attempts - 1, 0)), BACKOFF_CAP)
