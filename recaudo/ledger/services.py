"""Ledger writes. Every function runs in one transaction and records an audit event.

Balances on Obligation and Debtor are caches of the ledger, refreshed here by set-based SQL after each write
(`refresh_summaries`); `recaudo ledger verify` (ledger_verify) checks them against the entries.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date
from decimal import Decimal

from django.db import connection, transaction
from django.db.models import Count, Exists, IntegerField, Min, OuterRef, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from recaudo.audit.services import audit_record
from recaudo.core.amounts import AmountError, check_minor
from recaudo.core.errors import DomainError
from recaudo.core.money import from_minor, to_minor
from recaudo.portfolio.models import Debtor, Obligation, Portfolio

from .append_only import tally_mod, tally_term
from .models import Component, Entry, EntryKind, Payment
from .rules import OpenItem, allocate


class LedgerError(DomainError):
    pass


def bounded_minor(minor: int, currency: str, what: str = "amount") -> int:
    """`minor` within the bound of every amount (recaudo.core.amounts.MAX_MINOR, docs/amounts.md), else LedgerError:
    'payment amount too large: at most 10.000.000.000.000,00 COP'."""
    try:
        return check_minor(minor, currency)
    except AmountError as exc:
        raise LedgerError(f"{what} {exc}") from None


KIND_COMPONENT = {
    EntryKind.CHARGE: Component.PRINCIPAL,
    EntryKind.INTEREST: Component.INTEREST,
    EntryKind.FEE: Component.FEE,
}


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
    from django.db import connection

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


def _entry(obligation: Obligation, *, kind, component, amount_minor, value_date, actor=None, payment=None,
           reverses=None, memo="", now=None) -> Entry:
    bounded_minor(amount_minor, obligation.currency)  # every entry the ledger's services write
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
    entry = _entry(obligation, kind=kind, component=component, amount_minor=minor, value_date=value_date,
                   actor=actor, memo=memo)
    entry.save()
    refresh_summaries(obligation_ids=[obligation.pk])
    audit_record(
        event_type=f"ledger.{kind.value}",
        subject=obligation,
        actor=actor,
        debtor=obligation.debtor,
        changes={"amount": from_minor(minor, obligation.currency), "component": component,
                 "value_date": value_date, "memo": memo},
    )
    return entry


def reversal_reason(reason: str | None) -> str:
    """Every reversal says why (a payment's or an entry's): the reason, stripped; LedgerError when blank."""
    reason = (reason or "").strip()
    if not reason:
        raise LedgerError("a reversal needs a reason")
    return reason


def payment_date_check(day: date, today: date) -> None:
    """A payment is dated on or before the portfolio's today (in the portfolio's time zone): a payment not yet
    received is not recorded. Used by payment_record and by the payments import, row by row."""
    if day > today:
        raise LedgerError(f"the payment date {day.isoformat()} is after today ({today.isoformat()}) in the "
                          "portfolio's time zone")


@transaction.atomic
def entry_reverse(*, entry: Entry, reason: str, actor=None, value_date: date | None = None) -> Entry:
    """Correct an entry by appending its opposite. The original stays. A reason is required."""
    reason = reversal_reason(reason)
    if entry.kind == EntryKind.REVERSAL:
        raise LedgerError("a reversal cannot itself be reversed; post a new entry instead")
    if Entry.objects.filter(reverses=entry).exists():
        raise LedgerError("this entry is already reversed")
    obligation = entry.obligation
    reversal = _entry(obligation, kind=EntryKind.REVERSAL, component=entry.component,
                      amount_minor=-entry.amount_minor, value_date=value_date or entry.value_date,
                      reverses=entry, payment=entry.payment, actor=actor, memo=reason)
    reversal.save()
    refresh_summaries(obligation_ids=[obligation.pk])
    audit_record(event_type="ledger.reversal", subject=obligation, actor=actor, debtor=obligation.debtor,
                 changes={"reverses": entry.pk, "amount": from_minor(-entry.amount_minor, obligation.currency),
                          "reason": reason})
    return reversal


def _open_items(debtor: Debtor, on: date) -> list[OpenItem]:
    """Undisputed obligations with a balance, issued on or before the payment date."""
    obligations = list(
        Obligation.objects.filter(debtor=debtor, balance_minor__gt=0, disputed=False, issue_date__lte=on).values(
            "pk", "due_date", "number"
        )
    )
    balances = component_balances([o["pk"] for o in obligations])
    return [OpenItem(o["pk"], o["due_date"], o["number"], balances.get(o["pk"], {})) for o in obligations]


@transaction.atomic
def payment_record(*, portfolio: Portfolio, debtor: Debtor, amount: Decimal, date: date, source: str = "manual",
                   source_ref: str = "", reference: str = "", method: str = "", obligation: Obligation | None = None,
                   actor=None, audit: bool = True) -> tuple[Payment, bool]:
    """Record and allocate a payment. Returns (payment, created); the same source reference is never applied twice.

    A payment naming an obligation goes to it first (even if disputed); the rest follows the portfolio's order
    over undisputed obligations issued on or before the payment date. Overpayment stays on the payment as
    unapplied (debtor credit). A payment dated after the portfolio's today is refused.
    """
    payment_date_check(date, portfolio.today())
    if debtor.portfolio_id != portfolio.pk:
        raise LedgerError("the debtor belongs to another portfolio")
    if obligation is not None and obligation.debtor_id != debtor.pk:
        raise LedgerError(f"obligation {obligation.number} belongs to another debtor")
    minor = bounded_minor(to_minor(amount, portfolio.currency), portfolio.currency, "payment amount")
    if minor <= 0:
        raise LedgerError("a payment amount must be positive")
    source_ref = (source_ref or reference or "").strip()
    if not source_ref:
        raise LedgerError("a payment needs a reference (or a source reference) so it is never applied twice")
    existing = Payment.objects.filter(portfolio=portfolio, source=source, source_ref=source_ref).first()
    if existing is not None:
        return existing, False
    # Lock the debtor row so two payments for one debtor allocate one after the other.
    Debtor.objects.select_for_update().filter(pk=debtor.pk).first()
    from recaudo.agreements.services import installment_interest_post, settlement_discounts_apply  # imports us

    # An agreement installment due on or before the payment date owes its interest now (charged once).
    installment_interest_post(debtor=debtor, through=date, actor=actor)
    items = _open_items(debtor, date)
    if obligation is not None and obligation.disputed and obligation.balance_minor > 0:
        items.append(OpenItem(obligation.pk, obligation.due_date, obligation.number,
                              component_balances([obligation.pk]).get(obligation.pk, {})))
    result = allocate(minor, items, order=portfolio.allocation_order or ("fee", "interest", "principal"),
                      mode=portfolio.allocation_mode, on=date,
                      named_obligation_id=obligation.pk if obligation else None)
    now = timezone.now()
    payment = Payment.objects.create(
        portfolio=portfolio, debtor=debtor, obligation=obligation, date=date, amount_minor=minor,
        currency=portfolio.currency, method=method[:40], reference=reference[:100], source=source,
        source_ref=source_ref[:120], unapplied_minor=result.unapplied_minor,
        created_by=actor if actor is not None and not isinstance(actor, str) else None,
    )
    by_id = {o.pk: o for o in Obligation.objects.filter(pk__in={a.obligation_id for a in result.allocations})}
    Entry.objects.bulk_create(
        _entry(by_id[a.obligation_id], kind=EntryKind.PAYMENT, component=a.component, amount_minor=-a.amount_minor,
               value_date=date, payment=payment, actor=actor, now=now)
        for a in result.allocations
    )
    refresh_summaries(obligation_ids=list(by_id), debtor_ids=[debtor.pk])
    if audit:
        audit_record(
            event_type="payment.recorded", subject=payment, actor=actor, portfolio=portfolio, debtor=debtor,
            changes={
                "amount": from_minor(minor, portfolio.currency), "date": date, "reference": reference,
                "source": source,
                "allocations": [
                    {"obligation": by_id[a.obligation_id].number, "component": a.component,
                     "amount": from_minor(a.amount_minor, portfolio.currency)}
                    for a in result.allocations
                ],
                "unapplied": from_minor(result.unapplied_minor, portfolio.currency),
            },
        )
    from .charges import early_discount_apply  # here: charges imports this module

    early_discount_apply(payment=payment, actor=actor)
    settlement_discounts_apply(payment=payment, actor=actor)
    return payment, True


@transaction.atomic
def payment_reverse(*, payment: Payment, reason: str, actor=None) -> Payment:
    """Reverse a payment (bounced cheque, bank reversal): each of its entries gets a reversing entry. A reason is
    required."""
    reason = reversal_reason(reason)
    payment = Payment.objects.select_for_update().get(pk=payment.pk)
    if payment.reversed_at is not None:
        raise LedgerError("this payment is already reversed")
    now = timezone.now()
    entries = list(payment.entries.filter(kind=EntryKind.PAYMENT).select_related("obligation"))
    Entry.objects.bulk_create(
        _entry(e.obligation, kind=EntryKind.REVERSAL, component=e.component, amount_minor=-e.amount_minor,
               value_date=payment.date, payment=payment, reverses=e, actor=actor, memo=reason, now=now)
        for e in entries
    )
    Payment.objects.filter(pk=payment.pk).update(reversed_at=now)
    payment.reversed_at = now
    refresh_summaries(obligation_ids=[e.obligation_id for e in entries], debtor_ids=[payment.debtor_id])
    audit_record(event_type="payment.reversed", subject=payment, actor=actor, portfolio=payment.portfolio,
                 debtor=payment.debtor, changes={"reason": reason})
    from recaudo.agreements.services import settlement_discounts_revoke  # agreements imports this module

    settlement_discounts_revoke(payment=payment, actor=actor)  # a discount that payment earned goes with it
    return payment


def ledger_verify(portfolio: Portfolio) -> list[str]:
    """Problems found comparing cached balances with the entries (empty list = consistent)."""
    problems = []
    sums = dict(
        Entry.objects.filter(portfolio=portfolio).values("obligation_id").annotate(s=Sum("amount_minor"))
        .order_by().values_list("obligation_id", "s")
    )
    for pk, number, cached in Obligation.objects.filter(portfolio=portfolio).values_list(
        "pk", "number", "balance_minor"
    ).iterator(chunk_size=5000):
        if sums.get(pk, 0) != cached:
            problems.append(f"obligation {number}: cached {cached} != ledger {sums.get(pk, 0)}")
    negative = Entry.objects.filter(portfolio=portfolio).values("obligation_id", "component").annotate(
        s=Sum("amount_minor")).filter(s__lt=0).order_by()
    for row in negative:
        problems.append(f"obligation id {row['obligation_id']}: {row['component']} below zero ({row['s']})")
    problems.extend(_tally_problems(portfolio))
    return problems


def _tally_problems(portfolio: Portfolio) -> list[str]:
    """The entries' count and checksum against the tally the database kept as they were inserted: a difference
    means entries were removed (or changed) behind the application's back."""
    vendor = connection.vendor
    with connection.cursor() as cursor:
        checksum_sql = tally_mod("coalesce(sum(" + tally_term("e", vendor) + "), 0)", vendor)
        cursor.execute(f"SELECT count(*), {checksum_sql} "
                       "FROM ledger_entry e WHERE e.portfolio_id = %s", [portfolio.pk])
        count, checksum = cursor.fetchone()
        cursor.execute(f"SELECT coalesce(sum(entries), 0), {tally_mod('coalesce(sum(checksum), 0)', vendor)} "
                       "FROM ledger_tally WHERE portfolio_id = %s", [portfolio.pk])
        tallied, tallied_sum = cursor.fetchone()
    problems = []
    if int(count) != int(tallied):
        problems.append(f"ledger: {count} entries, but {tallied} were posted: entries were deleted outside Recaudo")
    elif int(checksum) != int(tallied_sum):
        problems.append("ledger: the entries' checksum differs from the one kept as they were posted: entries were "
                        "changed outside Recaudo")
    return problems
