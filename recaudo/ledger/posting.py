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

from collections.abc import Iterable, Sequence
from datetime import date
from decimal import Decimal

from django.db import connection, transaction
from django.utils import timezone

from recaudo.audit.services import audit_record
from recaudo.core.amounts import AmountError, check_minor
from recaudo.core.bulk import any_of, insert_rows, insert_values, select_any
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
    """Recompute cached balances from the ledger for the given obligations/debtors (or a whole portfolio).

    An obligation's balance is the sum of its entries, and its status follows it: open while it owes; at zero
    written off if it has a write-off entry, else paid ("in_agreement", settled into an accepted payment agreement,
    stays until the agreement says otherwise). A debtor's balance, open count and oldest due date are those of its
    obligations that owe, disputed when one of those is, and its credit the unapplied part of its unreversed
    payments. Obligation ids without debtor ids refresh the obligations' debtors too.

    Raw SQL, one UPDATE for the obligations and one for the debtors (per SUMMARY_BATCH ids), each row's values
    from one correlated subquery that reads its entries or its obligations once by their index (the ORM's four
    subqueries read them four times, and its EXISTS became a hashed subplan that scanned every obligation or entry
    of the database on PostgreSQL), the ids one array parameter on PostgreSQL (core.bulk.any_of): a single write
    and a bank file's chunk of thousands of payments refresh alike."""
    if obligation_ids is not None:
        obligation_ids = sorted(set(obligation_ids))
        if debtor_ids is None:
            debtor_ids = _debtors_of(obligation_ids)
    if debtor_ids is not None:
        debtor_ids = sorted(set(debtor_ids))
    with connection.cursor() as cursor:
        if obligation_ids is not None:
            for start in range(0, len(obligation_ids), SUMMARY_BATCH):
                _refresh_obligations(cursor, *_where(obligation_ids[start:start + SUMMARY_BATCH], portfolio))
        elif portfolio is not None:
            _refresh_obligations(cursor, *_where(None, portfolio))
        if debtor_ids is not None:
            for start in range(0, len(debtor_ids), SUMMARY_BATCH):
                _refresh_debtors(cursor, *_where(debtor_ids[start:start + SUMMARY_BATCH], portfolio))
        elif portfolio is not None:
            _refresh_debtors(cursor, *_where(None, portfolio))


SUMMARY_BATCH = 5000  # ids per statement (SQLite's IN list: its parameters)
_OBLIGATION, _DEBTOR, _ENTRY, _PAYMENT = (Obligation._meta.db_table, Debtor._meta.db_table, Entry._meta.db_table,
                                          Payment._meta.db_table)


def _where(ids: list[int] | None, portfolio: Portfolio | None) -> tuple[str, list]:
    """The rows to refresh: by id and/or portfolio."""
    parts, params = [], []
    if ids is not None:
        sql, params = any_of("id", ids)
        parts.append(sql)
    if portfolio is not None:
        parts.append("portfolio_id = %s")
        params = [*params, portfolio.pk]
    return " AND ".join(parts), params


def _debtors_of(obligation_ids: list[int]) -> list[int]:
    return sorted({row[0] for row in select_any(f"SELECT DISTINCT debtor_id FROM {_OBLIGATION} WHERE {{any}}", "id",
                                                obligation_ids)})


def _refresh_obligations(cursor, where: str, params: list) -> None:
    o, S = _OBLIGATION, Obligation.Status
    balance = "COALESCE(SUM(e.amount_minor), 0)"
    # one pass over the obligation's entries gives both (a row-value SET: PostgreSQL, and SQLite since 3.15)
    cursor.execute(
        f"UPDATE {o} SET (balance_minor, status) = (SELECT {balance}, CASE "
        f"WHEN {balance} > 0 THEN '{S.OPEN.value}' "
        f"WHEN MAX(CASE WHEN e.kind = '{EntryKind.WRITE_OFF.value}' THEN 1 ELSE 0 END) = 1 "
        f"THEN '{S.WRITTEN_OFF.value}' "
        f"WHEN {o}.status IN ('{S.PAID.value}', '{S.IN_AGREEMENT.value}') THEN {o}.status "
        f"ELSE '{S.PAID.value}' END FROM {_ENTRY} e WHERE e.obligation_id = {o}.id) WHERE {where}", params)


def _refresh_debtors(cursor, where: str, params: list) -> None:
    d = _DEBTOR
    cursor.execute(
        f"UPDATE {d} SET (balance_minor, open_count, oldest_due_date, disputed) = ("
        "SELECT COALESCE(SUM(o.balance_minor), 0), COUNT(*), MIN(o.due_date), "
        "COALESCE(MAX(CASE WHEN o.disputed THEN 1 ELSE 0 END), 0) = 1 "
        f"FROM {_OBLIGATION} o WHERE o.debtor_id = {d}.id AND o.balance_minor > 0), "
        f"credit_minor = COALESCE((SELECT SUM(p.unapplied_minor) FROM {_PAYMENT} p "
        f"WHERE p.debtor_id = {d}.id AND p.reversed_at IS NULL), 0) WHERE {where}", params)


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
    """{obligation_id: {component: minor}} from the entries (an obligation without entries is left out); raw SQL
    (core.bulk.select_any), as a bank file's chunk asks for thousands at once."""
    components = [c.value for c in Component]
    result: dict[int, dict[str, int]] = {}
    for obligation_id, component, minor in select_any(
            f"SELECT obligation_id, component, SUM(amount_minor) FROM {_ENTRY} WHERE {{any}} "
            "GROUP BY obligation_id, component", "obligation_id", sorted(set(obligation_ids))):
        if obligation_id not in result:
            result[obligation_id] = dict.fromkeys(components, 0)
        result[obligation_id][component] = int(minor)
    return result


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
