"""Pure rules of the ERP connectors: what an ERP's records become as import rows (the same rows a CSV file of the
import engine has, so mapping, validation report and idempotency are the import's), which pulled payments are
imported, the payment reference that makes a payment idempotent, and when the next run is due."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from .adapters.base import Pulled

DEBTOR_HEADERS = ["code", "name", "id_type", "id_number", "email", "phone", "address", "city"]
OBLIGATION_HEADERS = ["number", "debtor_code", "kind", "issue_date", "due_date", "amount", "currency", "description"]
PAYMENT_HEADERS = ["obligation", "date", "amount", "method", "reference"]
REFERENCE_PREFIX = "erp"  # every payment pulled from an ERP: its reference starts "erp<connector id>:"
MAX_INTERVAL_MINUTES = 7 * 24 * 60
MIN_INTERVAL_MINUTES = 5
MAX_BACKOFF_FACTOR = 8


@dataclass
class ImportRows:
    debtors: list[list[str]] = field(default_factory=list)
    obligations: list[list[str]] = field(default_factory=list)
    payments: list[list[str]] = field(default_factory=list)
    # what each row is in the ERP (row 2 of the file is the first record), for the run's report
    sources: dict[str, list[str]] = field(default_factory=dict)
    payments_unknown_invoice: int = 0  # payments of invoices the connector never imported (closed before)
    payments_pushed_here: int = 0      # payments Recaudo itself recorded in the ERP (not brought back)


def payment_reference(connector_id: int, payment_id: str, invoice_number: str) -> str:
    """The payment row's reference, its idempotency key in the import (Payment.source_ref): the connector, the
    ERP's payment and the invoice it pays. Worked example: (7, "88", "FV-1-3") -> "erp7:88:FV-1-3"."""
    return f"{REFERENCE_PREFIX}{connector_id}:{payment_id}:{invoice_number}"[:100]


def from_erp(source_ref: str) -> bool:
    """Did this payment come from an ERP (so it is never pushed back)?"""
    return source_ref.startswith(REFERENCE_PREFIX) and ":" in source_ref[:12]


def import_rows(pulled: Pulled, *, connector_id: int, label: str, known: dict[str, str],
                pushed_ids: set[str]) -> ImportRows:
    """The import rows of a pull. `known`: ERP invoice id -> number of the invoices imported by earlier runs;
    `pushed_ids`: the ERP ids of what Recaudo pushed (those payments are Recaudo's own, not brought back).
    A payment is imported only for an invoice this pull or an earlier one imported."""
    rows = ImportRows(sources={"debtors": [], "obligations": [], "payments": []})
    codes = {}
    for c in pulled.customers:
        codes[c.external_id] = c.code
        rows.debtors.append([c.code, c.name, c.id_type, c.id_number, c.email, c.phone, c.address, c.city])
        rows.sources["debtors"].append(f"{label} customer {c.external_id}")
    by_id = dict(known)
    numbers = set(known.values())
    for inv in pulled.invoices:
        by_id[inv.external_id] = inv.number
        numbers.add(inv.number)
        rows.obligations.append([inv.number, codes.get(inv.customer_id, inv.customer_id), "invoice",
                                 inv.issue_date, inv.due_date, inv.total, inv.currency, f"{label} {inv.number}"])
        rows.sources["obligations"].append(f"{label} invoice {inv.external_id} ({inv.number})")
    for pay in pulled.payments:
        if pay.external_id.split("/")[0] in pushed_ids:
            rows.payments_pushed_here += 1
            continue
        number = by_id.get(pay.invoice_id) if pay.invoice_id else pay.invoice_number
        if not number or number not in numbers:
            rows.payments_unknown_invoice += 1
            continue
        rows.payments.append([number, pay.date, pay.amount, pay.method,
                              payment_reference(connector_id, pay.external_id, number)])
        rows.sources["payments"].append(f"{label} payment {pay.external_id} ({number})")
    return rows


def next_due(now: datetime, interval_minutes: int, failures: int) -> datetime:
    """When the next scheduled run is due: the interval after now, doubled for each failure in a row up to 8 times
    the interval. Worked example: interval 60, 2 failures -> 240 minutes after now."""
    factor = min(2 ** failures, MAX_BACKOFF_FACTOR) if failures else 1
    return now + timedelta(minutes=interval_minutes * factor)
