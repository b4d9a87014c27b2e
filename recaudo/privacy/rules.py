"""Habeas data rules: pure functions of plain values.

Masking follows Ley 1581 de 2012, art. 4 (f) and (g), principles of restricted access and security: personal data
is shown only to whom needs it. A viewer (read-only role) sees enough to recognise a contact, not to use it:
"+57 300 *** **67", "l***@dominio.co", "*****4567". Retention follows art. 4 (b), purpose: what no longer serves
the purpose it was collected for is not kept (docs/habeas-data.md).
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta

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
