"""The shape of obligation rows shared by the two import paths (the general one, recaudo.imports.obligations, and
the PostgreSQL initial load, recaudo.imports.fastload): their columns, the debtor summaries they add up, and the
reason an unknown debtor's row is refused."""

from __future__ import annotations

OBLIGATION_COLUMNS = ("portfolio_id", "debtor_id", "number", "kind", "issue_date", "due_date", "original_minor",
                      "currency", "description", "external_ref", "disputed", "dispute_reason", "balance_minor",
                      "status", "created_at", "updated_at")


def unknown_debtor_reason(code: str, has_debtor_data: bool) -> str:
    return (f"unknown debtor {code!r}: not in the portfolio"
            + (" and the row has no debtor name to create it" if has_debtor_data
               else " (add debtor_name and the other customer columns to create it)"))


def debtor_summaries(items) -> dict[str, list]:
    """Debtor code -> [balance, open count, oldest due date] of the parsed obligation rows `items`
    ((row, number, debtor code, kind, issue date, due date, amount minor, description))."""
    summaries: dict[str, list] = {}
    for p in items:
        s = summaries.get(p[2])
        if s is None:
            summaries[p[2]] = [p[6], 1, p[5]]
        else:
            s[0] += p[6]
            s[1] += 1
            if p[5] < s[2]:
                s[2] = p[5]
    return summaries
