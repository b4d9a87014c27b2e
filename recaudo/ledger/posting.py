"""The ledger's one writer: the only code that writes entries (ledger_entry) and refreshes the balances cached
from them on obligations and debtors, for single writes and bulk imports alike.

The ledger's services (recaudo.ledger.services, recaudo.ledger.accruals) and the imports (recaudo.imports.obligations,
recaudo.imports.payments, the PostgreSQL initial load recaudo.imports.fastload) decide what to post; this module
writes it. Single writes build Entry instances (entry_build) and save them with entry_save / entries_save, which
refresh the cached balances set-based (refresh_summaries). The import paths hand over rows: principal_charges_insert
(executemany on SQLite, COPY on PostgreSQL), principal_charges_copy (COPY text made in the parse process) and
debtor_summaries_grow; they write no model instance per row.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import date
from decimal import Decimal

from django.db import connection, transaction
from django.db.models import Count, Exists, IntegerField, Min, OuterRef, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from recaudo.audit.services import audit_record
from recaudo.core.amounts import AmountError, check_minor
from recaudo.core.bulk import insert_rows, insert_values
from recaudo.core.errors import DomainError
from recaudo.core.money import from_minor, to_minor
from recaudo.portfolio.models import Debtor, Obligation, Portfolio

from .models import Component, Entry, EntryKind, Payment


class LedgerError(DomainError):
    pass


def bounded_minor(minor: int, currency: str, what: str = "amount") -> int:
    """`minor` within the bound of every amount (recaudo.core.amounts.MAX_MINOR, docs/amounts.md), else LedgerError:
    'payment amount too large: at most 10.000.000.000.000,00 COP'."""
    try:
        return check_minor(minor, currency)
    except AmountError as exc:
        raise LedgerError(f"{what} {exc}") from None


def refresh_summaries(*, obligation_ids: Iterable[int] | None = None, debtor_ids: Iterable[int] | None = None,
                      portfolio: Portfolio | None = None) -> None:
    """Recompute cached balances from the ledger for the given obligations/debtors (or a whole portfolio)."""
    obligations = Obligation.objects.all()
    debtors = Debtor.objects.all()
    if portfolio is not None:
        obligations = obligations.filter(portfolio=portfolio)
        debtors = debtors.filter(portfolio=portfolio)
    if obligation_ids is not None:
        obligation_ids = list(obligation_ids)
        obligations = obligations.filter(pk__in=obligation_ids)
        if debtor_ids is None:
            debtor_ids = set(Obligation.objects.filter(pk__in=obligation_ids).values_list("debtor_id", flat=True))
    if debtor_ids is not None:
        debtors = debtors.filter(pk__in=list(debtor_ids))

    balance = Coalesce(
        Subquery(
            Entry.objects.filter(obligation=OuterRef("pk"))
            .order_by()
            .values("obligation")
            .annotate(s=Sum("amount_minor"))
            .values("s")[:1]
        ),
        Value(0),
    )
    written_off = Exists(Entry.objects.filter(obligation=OuterRef("pk"), kind=EntryKind.WRITE_OFF))
    if obligation_ids is not None or portfolio is not None:
        obligations.update(balance_minor=balance)
        obligations.filter(balance_minor__gt=0).exclude(status="open").update(status="open")
        obligations.filter(balance_minor=0).filter(written_off).update(status="written_off")
        # "in_agreement" (settled into an accepted payment agreement) stays until the agreement says otherwise.
        obligations.filter(balance_minor=0).exclude(written_off).exclude(status__in=["paid", "in_agreement"]).update(
            status="paid")

    open_obligations = Obligation.objects.filter(debtor=OuterRef("pk"), balance_minor__gt=0).order_by().values("debtor")
    debtors.update(
        balance_minor=Coalesce(Subquery(open_obligations.annotate(s=Sum("balance_minor")).values("s")[:1]), Value(0)),
        open_count=Coalesce(
            Subquery(open_obligations.annotate(c=Count("pk")).values("c")[:1]), Value(0), output_field=IntegerField()
        ),
        oldest_due_date=Subquery(open_obligations.annotate(d=Min("due_date")).values("d")[:1]),
        disputed=Exists(Obligation.objects.filter(debtor=OuterRef("pk"), balance_minor__gt=0, disputed=True)),
        credit_minor=Coalesce(
            Subquery(
                Payment.objects.filter(debtor=OuterRef("pk"), reversed_at__isnull=True)
                .order_by()
                .values("debtor")
                .annotate(s=Sum("unapplied_minor"))
                .values("s")[:1]
            ),
            Value(0),
        ),
    )


def refresh_portfolio_debtors(portfolio_id: int) -> None:
    """Recompute every debtor summary of a portfolio from its obligations in two set-based statements
    (used after bulk writes that touch many debtors; same result as refresh_summaries(debtor_ids=...))."""
    debtor, obligation = Debtor._meta.db_table, Obligation._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            UPDATE {debtor} SET balance_minor = s.bal, open_count = s.cnt, oldest_due_date = s.oldest,
                   disputed = s.disp
            FROM (SELECT debtor_id, SUM(balance_minor) AS bal, COUNT(*) AS cnt, MIN(due_date) AS oldest,
                         MAX(CASE WHEN disputed THEN 1 ELSE 0 END) = 1 AS disp
                  FROM {obligation} WHERE portfolio_id = %s AND balance_minor > 0 GROUP BY debtor_id) AS s
            WHERE {debtor}.id = s.debtor_id
            """,
            [portfolio_id],
        )
        cursor.execute(
            f"""
            UPDATE {debtor} SET balance_minor = 0, open_count = 0, oldest_due_date = NULL, disputed = %s
            WHERE portfolio_id = %s AND (balance_minor <> 0 OR open_count <> 0 OR disputed)
              AND NOT EXISTS (SELECT 1 FROM {obligation} o WHERE o.debtor_id = {debtor}.id AND o.balance_minor > 0)
            """,
            [False, portfolio_id],
        )


def entry_build(obligation: Obligation, *, kind, component, amount_minor, value_date, actor=None, payment=None,
           reverses=None, memo="", now=None) -> Entry:
    """An unsaved entry of `obligation` (saved by entry_save or entries_save). Every entry is bounded."""
    bounded_minor(amount_minor, obligation.currency)
    return Entry(
        portfolio_id=obligation.portfolio_id,
        debtor_id=obligation.debtor_id,
        obligation=obligation,
        kind=kind,
        component=component,
        amount_minor=amount_minor,
        value_date=value_date,
        created_at=now or timezone.now(),
        payment=payment,
        reverses=reverses,
        memo=memo[:300],
        created_by=actor if actor is not None and not isinstance(actor, str) else None,
    )



def entry_save(entry: Entry, *, debtor_ids: Iterable[int] | None = None) -> Entry:
    """Write one entry and refresh its obligation's (and debtor's) cached balances."""
    entry.save()
    refresh_summaries(obligation_ids=[entry.obligation_id], debtor_ids=debtor_ids)
    return entry


def entries_save(entries: Iterable[Entry], *, debtor_ids: Iterable[int] | None = None,
                 batch_size: int | None = None) -> list[Entry]:
    """Write entries in bulk and refresh the cached balances of their obligations and of `debtor_ids` (default:
    the obligations' debtors; given, they are refreshed even when there is no entry)."""
    entries = Entry.objects.bulk_create(list(entries), batch_size=batch_size)
    if entries or debtor_ids is not None:  # a debtor's credit may change with no entry (an unapplied payment)
        refresh_summaries(obligation_ids={e.obligation_id for e in entries}, debtor_ids=debtor_ids)
    return entries


ENTRY_COLUMNS = ("portfolio_id", "debtor_id", "obligation_id", "kind", "component", "amount_minor", "value_date",
                 "created_at", "payment_id", "reverses_id", "memo", "created_by_id")


def entries_insert(rows: list[tuple], *, debtor_ids: Iterable[int]) -> None:
    """entries_save for many entries whose ids nobody needs (a bank file's payments), given as tuples of
    ENTRY_COLUMNS (Python values; every amount bounded by the caller): one raw bulk insert
    (recaudo.core.bulk.insert_values, no model instance, no ORM compile per value), then the same refresh of the
    cached balances of their obligations and of `debtor_ids`."""
    insert_values(Entry, ENTRY_COLUMNS, rows)
    refresh_summaries(obligation_ids={row[2] for row in rows}, debtor_ids=debtor_ids)


def principal_charge_post(obligation: Obligation, *, actor=None) -> Entry:
    """The principal charge of a new obligation (value date = issue date, amount = the original amount), and its
    cached balances."""
    return entry_save(entry_build(obligation, kind=EntryKind.CHARGE, component=Component.PRINCIPAL,
                                  amount_minor=obligation.original_minor, value_date=obligation.issue_date,
                                  actor=actor), debtor_ids=[obligation.debtor_id])


# The principal charges of new obligations written in bulk. The import inserts each obligation with its cached
# balance already set (= its amount, status open) and its debtor's summary grown (debtor_summaries_grow), which is
# what refresh_summaries would compute from these charges; `recaudo ledger verify` checks it.
PRINCIPAL_CHARGE_COLUMNS = ("portfolio_id", "debtor_id", "obligation_id", "kind", "component", "amount_minor",
                            "value_date", "created_at", "payment_id", "reverses_id", "memo", "created_by_id")
# COPY text columns (recaudo.imports.fastload): created_at is left to its PostgreSQL default, the transaction's
# start (the initial migrations); payment_id, reverses_id: NULL; the id: the sequence's; the memo: empty
# (Entry.label shows the obligation's description).
PRINCIPAL_CHARGE_COPY = ("portfolio_id", "debtor_id", "obligation_id", "kind", "component", "amount_minor",
                         "value_date", "memo", "created_by_id")
_CHARGE, _PRINCIPAL = EntryKind.CHARGE.value, Component.PRINCIPAL.value


def principal_charges_insert(rows: Iterable[Sequence]) -> None:
    """Principal charges of new obligations, in bulk: rows of (portfolio id, debtor id, obligation id, amount minor,
    value date, created at, created by id), values as the database takes them."""
    charge, principal = _CHARGE, _PRINCIPAL
    insert_rows(Entry._meta.db_table, PRINCIPAL_CHARGE_COLUMNS, (
        (pid, did, oid, charge, principal, minor, value_date, created, None, None, "", user)
        for pid, did, oid, minor, value_date, created, user in rows
    ))


def principal_charge_copy_line(portfolio_id: str, debtor_id: str, obligation_id: str, minor: str, value_date: str,
                               user: str) -> str:
    """One principal charge as a line of COPY text (PRINCIPAL_CHARGE_COPY; every value already COPY text)."""
    return f"{portfolio_id}\t{debtor_id}\t{obligation_id}\t{_CHARGE}\t{_PRINCIPAL}\t{minor}\t{value_date}\t\t{user}"


def principal_charges_copy(raw_cursor, data: bytes) -> None:
    """Stream principal charges made by principal_charge_copy_line to the server (PostgreSQL, psycopg 3 cursor)."""
    with raw_cursor.copy(f"COPY {Entry._meta.db_table} ({', '.join(PRINCIPAL_CHARGE_COPY)}) FROM STDIN") as stream:
        stream.write(data)


def debtor_summaries_grow(rows: Sequence[tuple]) -> None:
    """Add new obligations to the cached summaries of debtors that already have one, in bulk: rows of
    (balance minor, open count, oldest due date, the same oldest due date, debtor id)."""
    if not rows:
        return
    with connection.cursor() as cursor:
        cursor.executemany(
            f"UPDATE {Debtor._meta.db_table} SET balance_minor = balance_minor + %s, "
            "open_count = open_count + %s, oldest_due_date = CASE WHEN oldest_due_date IS NULL OR "
            "oldest_due_date > %s THEN %s ELSE oldest_due_date END WHERE id = %s", rows)


KIND_COMPONENT = {
    EntryKind.CHARGE: Component.PRINCIPAL,
    EntryKind.INTEREST: Component.INTEREST,
    EntryKind.FEE: Component.FEE,
}


def component_balances(obligation_ids: Iterable[int]) -> dict[int, dict[str, int]]:
    """{obligation_id: {component: minor}} from the entries."""
    result: dict[int, dict[str, int]] = defaultdict(lambda: {c.value: 0 for c in Component})
    rows = (
        Entry.objects.filter(obligation_id__in=list(obligation_ids))
        .values("obligation_id", "component")
        .annotate(s=Sum("amount_minor"))
        .order_by()
    )
    for row in rows:
        result[row["obligation_id"]][row["component"]] = row["s"]
    return dict(result)


@transaction.atomic
def entry_post(*, obligation: Obligation, kind: str, amount: Decimal, value_date: date, memo: str = "",
               component: str | None = None, actor=None) -> Entry:
    """Append one charge, interest, fee, discount, write-off or adjustment to an obligation."""
    kind = EntryKind(kind)
    if kind in (EntryKind.PAYMENT, EntryKind.REVERSAL):
        raise LedgerError("payments and reversals have their own services")
    minor = bounded_minor(to_minor(amount, obligation.currency), obligation.currency)
    if minor == 0:
        raise LedgerError("amount must not be zero")
    if kind in KIND_COMPONENT:
        component = KIND_COMPONENT[kind]
        if minor < 0:
            raise LedgerError(f"a {kind.label.lower()} must be positive")
    elif kind in (EntryKind.DISCOUNT, EntryKind.WRITE_OFF):
        minor = -abs(minor)
        component = Component(component or Component.PRINCIPAL)
        owed = component_balances([obligation.pk]).get(obligation.pk, {}).get(component, 0)
        if -minor > owed:
            raise LedgerError(
                f"{kind.label} of {from_minor(-minor, obligation.currency)} exceeds the {component} owed "
                f"({from_minor(owed, obligation.currency)})"
            )
    else:
        component = Component(component or Component.PRINCIPAL)
        owed = component_balances([obligation.pk]).get(obligation.pk, {}).get(component, 0)
        if owed + minor < 0:
            raise LedgerError("an adjustment may not take a component below zero")
    entry = entry_save(entry_build(obligation, kind=kind, component=component, amount_minor=minor,
                                   value_date=value_date, actor=actor, memo=memo))
    audit_record(
        event_type=f"ledger.{kind.value}",
        subject=obligation,
        actor=actor,
        debtor=obligation.debtor,
        changes={"amount": from_minor(minor, obligation.currency), "component": component,
                 "value_date": value_date, "memo": memo},
    )
    return entry
