"""Ledger writes: obligations (creation, dispute), charges, payments, reversals. Every function runs in one
transaction and records an audit event.

What to post is decided here; recaudo.ledger.posting writes it: the entries, and the balances on Obligation and
Debtor, caches of the ledger refreshed by set-based SQL after each write (`refresh_summaries`);
`recaudo ledger verify` (ledger_verify) checks them against the entries.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db import IntegrityError, connection, transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from recaudo.audit.services import audit_record, audit_records, diff, require_portal_debtor
from recaudo.core.amounts import AmountError, check_minor
from recaudo.core.bulk import insert_instances, new_instances, select_any
from recaudo.core.errors import DomainError
from recaudo.core.money import from_minor, to_minor
from recaudo.portfolio.models import Debtor, Document, Obligation, Portfolio
from recaudo.portfolio.services import document_attach, require_debtor_write
from recaudo.portfolio.validation import ValidationProblem

from .accruals import early_discount_apply, early_discounts_granted
from .models import Entry, EntryKind, Payment, Receipt, ReceiptCounter
from .posting import (
    LedgerError,
    bounded_minor,
    component_balances,  # noqa: F401 (callers read balances per component from here)
    entries_insert,
    entries_save,
    entry_build,
    entry_save,
    principal_charge_post,
    refresh_summaries,
)
from .rules import AllocationResult
from .selectors import payment_allocation, payment_date_check, payments_allocation
from .triggers import tally_mod, tally_term

_DEBTOR, _OBLIGATION, _PAYMENT = Debtor._meta.db_table, Obligation._meta.db_table, Payment._meta.db_table


@transaction.atomic
def obligation_create(*, portfolio: Portfolio, debtor: Debtor, number: str, amount: Decimal, issue_date: date,
                      due_date: date, kind: str = "invoice", currency: str | None = None, description: str = "",
                      external_ref: str = "", actor=None) -> Obligation:
    """Create an obligation and its principal charge (value date = issue date)."""
    number = (number or "").strip()
    if not number:
        raise ValidationProblem(_("required"), field="number")
    if currency and currency.upper() != portfolio.currency:
        raise ValidationProblem(_("%(currency)s differs from the portfolio's %(portfolio)s") % {
            "currency": currency.upper(), "portfolio": portfolio.currency}, field="currency")
    currency = portfolio.currency  # a Unit: the portfolio's recorded exponent
    if due_date < issue_date:
        raise ValidationProblem(_("the due date %(due)s is before the issue date %(issue)s") % {
            "due": date_format(due_date, "SHORT_DATE_FORMAT"), "issue": date_format(issue_date, "SHORT_DATE_FORMAT")},
            field="due_date")
    minor = to_minor(amount, currency)
    if minor <= 0:
        raise ValidationProblem(_("must be positive"), field="amount")
    try:
        check_minor(minor, currency)  # docs/amounts.md: at most MAX_MINOR, as the database's check says
    except AmountError as exc:
        raise ValidationProblem(exc.message, field="amount") from None
    kind = Obligation.Kind(kind)
    try:
        with transaction.atomic():
            obligation = Obligation.objects.create(
                portfolio=portfolio, debtor=debtor, number=number, kind=kind, issue_date=issue_date,
                due_date=due_date, original_minor=minor, currency=currency, description=description[:500],
                external_ref=external_ref[:100], balance_minor=minor,
            )
    except IntegrityError:
        raise ValidationProblem(_("obligation %(number)s already exists in this portfolio") % {"number": number},
                                field="number") from None
    principal_charge_post(obligation, actor=actor)
    audit_record(event_type="obligation.created", subject=obligation, actor=actor, debtor=debtor,
                 changes={"number": number, "amount": from_minor(minor, currency), "issue_date": issue_date,
                          "due_date": due_date, "kind": kind})
    return obligation


@transaction.atomic
def obligation_set_dispute(*, obligation: Obligation, disputed: bool, reason: str = "", actor=None) -> Obligation:
    """Mark an obligation disputed (a reason is required) or resolve its dispute (the reason then says how it was
    resolved, kept in the audit event). A disputed obligation takes no payment unless the payment names it. A user
    must hold the "write" permission of the portfolio (viewers may not)."""
    require_debtor_write(actor, obligation.debtor)
    reason = (reason or "").strip()
    if disputed and not reason:
        raise ValidationProblem(_("Say why the obligation is disputed."), field="reason")
    if len(reason) > 500:
        raise ValidationProblem(_("At most 500 characters."), field="reason")
    if disputed == obligation.disputed and (not disputed or reason == obligation.dispute_reason):
        return obligation
    old = {"disputed": obligation.disputed, "dispute_reason": obligation.dispute_reason}
    obligation.disputed = disputed
    obligation.dispute_reason = reason if disputed else ""
    obligation.save(update_fields=["disputed", "dispute_reason", "updated_at"])
    refresh_summaries(debtor_ids=[obligation.debtor_id])
    changes = diff(old, {"disputed": disputed, "dispute_reason": obligation.dispute_reason})
    changes["number"] = obligation.number
    if not disputed and reason:
        changes["reason"] = reason
    audit_record(event_type="obligation.disputed" if disputed else "obligation.dispute_resolved",
                 subject=obligation, actor=actor, debtor=obligation.debtor, changes=changes)
    return obligation


@transaction.atomic
def debtor_dispute_file(*, obligation: Obligation, reason: str, actor, attachment=None,
                        filename: str = "") -> Obligation:
    """The debtor disputes an obligation (the portal): it leaves collection exactly as an agent's dispute does
    (obligation_set_dispute: marked disputed with the reason, takes no payment unless named; the office sees it
    wherever disputes show), and an optional attachment (PDF, JPG or PNG told by its first bytes, at most 10 MB)
    is kept as the obligation's document (portfolio's document_attach). All or nothing."""
    require_portal_debtor(actor, obligation.debtor_id)
    if obligation.disputed:
        raise ValidationProblem(_("This obligation is already disputed; the office is reviewing it."),
                                field="obligation")
    obligation = obligation_set_dispute(obligation=obligation, disputed=True, reason=reason, actor=actor)
    document = None
    if attachment is not None:
        document = document_attach(debtor=obligation.debtor, upload=attachment, filename=filename or "disputa",
                                   kind=Document.Kind.CORRESPONDENCE, obligation=obligation, actor=actor)
    audit_record(event_type="obligation.disputed_by_debtor", subject=obligation, actor=actor,
                 debtor=obligation.debtor, changes={"number": obligation.number, "reason": obligation.dispute_reason,
                                                    "document": document.pk if document else None})
    return obligation


def reversal_reason(reason: str | None) -> str:
    """Every reversal says why (a payment's or an entry's): the reason, stripped; LedgerError when blank."""
    reason = (reason or "").strip()
    if not reason:
        raise LedgerError(_("a reversal needs a reason"))
    return reason


@transaction.atomic
def entry_reverse(*, entry: Entry, reason: str, actor=None, value_date: date | None = None) -> Entry:
    """Correct an entry by appending its opposite. The original stays. A reason is required."""
    reason = reversal_reason(reason)
    if entry.kind == EntryKind.REVERSAL:
        raise LedgerError(_("a reversal cannot itself be reversed; post a new entry instead"))
    if Entry.objects.filter(reverses=entry).exists():
        raise LedgerError(_("this entry is already reversed"))
    obligation = entry.obligation
    reversal = entry_build(obligation, kind=EntryKind.REVERSAL, component=entry.component,
                      amount_minor=-entry.amount_minor, value_date=value_date or entry.value_date,
                      reverses=entry, payment=entry.payment, actor=actor, memo=reason)
    entry_save(reversal)
    audit_record(event_type="ledger.reversal", subject=obligation, actor=actor, debtor=obligation.debtor,
                 changes={"reverses": entry.pk, "amount": from_minor(-entry.amount_minor, obligation.currency),
                          "reason": reason})
    return reversal


@transaction.atomic
def payment_record(*, portfolio: Portfolio, debtor: Debtor, amount: Decimal, date: date, source: str = "manual",
                   source_ref: str = "", reference: str = "", method: str = "", obligation: Obligation | None = None,
                   actor=None, audit: bool = True, charge_due: Callable[..., object] | None = None
                   ) -> tuple[Payment, bool]:
    """Record and allocate a payment. Returns (payment, created); the same source reference is never applied twice.

    A payment naming an obligation goes to it first (even if disputed); the rest follows the portfolio's order
    over undisputed obligations issued on or before the payment date. Overpayment stays on the payment as
    unapplied (debtor credit). A payment dated after the portfolio's today is refused.

    `charge_due(debtor=, through=, actor=)`: what a higher layer charges before the payment is allocated, called
    with the debtor locked (agreements.services.payments.payment_receive passes the installments' interest due by the
    payment date). Entry points record payments through payment_receive, not through this function.
    """
    payment_date_check(date, portfolio.today())
    if debtor.portfolio_id != portfolio.pk:
        raise LedgerError(_("the debtor belongs to another portfolio"))
    if obligation is not None and obligation.debtor_id != debtor.pk:
        raise LedgerError(_("obligation %(number)s belongs to another debtor") % {"number": obligation.number})
    minor = bounded_minor(to_minor(amount, portfolio.currency), portfolio.currency, "payment amount")
    if minor <= 0:
        raise LedgerError(_("a payment amount must be positive"))
    source_ref = (source_ref or reference or "").strip()
    if not source_ref:
        raise LedgerError(_("a payment needs a reference (or a source reference) so it is never applied twice"))
    existing = Payment.objects.filter(portfolio=portfolio, source=source, source_ref=source_ref).first()
    if existing is not None:
        return existing, False
    # Lock the debtor row so two payments for one debtor allocate one after the other.
    Debtor.objects.select_for_update().filter(pk=debtor.pk).first()
    if charge_due is not None:
        charge_due(debtor=debtor, through=date, actor=actor)
    result = payment_allocation(portfolio=portfolio, debtor=debtor, minor=minor, on=date, obligation=obligation)
    now = timezone.now()
    payment = Payment.objects.create(
        portfolio=portfolio, debtor=debtor, obligation=obligation, date=date, amount_minor=minor,
        currency=portfolio.currency, method=method[:40], reference=reference[:100], source=source,
        source_ref=source_ref[:120], unapplied_minor=result.unapplied_minor,
        created_by=actor if actor is not None and not isinstance(actor, str) else None,
    )
    by_id = {o.pk: o for o in Obligation.objects.filter(pk__in={a.obligation_id for a in result.allocations})}
    entries_save((entry_build(by_id[a.obligation_id], kind=EntryKind.PAYMENT, component=a.component,
                              amount_minor=-a.amount_minor, value_date=date, payment=payment, actor=actor, now=now)
                  for a in result.allocations), debtor_ids=[debtor.pk])
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
    early_discount_apply(payment=payment, actor=actor)
    return payment, True


@dataclass
class PaymentIn:
    """One payment of a batch for payments_record: payment_record's arguments, the debtor and obligation by id."""

    debtor_id: int
    minor: int
    source_ref: str
    reference: str = ""
    method: str = ""
    obligation_id: int | None = None


@dataclass
class PaymentOut:
    """What became of a PaymentIn: its payment (created False: already recorded by that source reference), or the
    DomainError payment_record would have raised for it (nothing written)."""

    payment: Payment | None = None
    created: bool = False
    error: DomainError | None = None


@transaction.atomic(savepoint=False)  # no savepoint: see payments_receive
def payments_record(*, portfolio: Portfolio, payments: list[PaymentIn], date: date, source: str, actor=None,
                    audit: bool = True, charge_due: Callable[..., object] | None = None) -> list[PaymentOut]:
    """payment_record for many payments of one date, set-based: a few dozen queries for two thousand payments
    instead of about thirty each. At most one payment per debtor (agreements' payments_receive sends a debtor's
    next payment in a later call, so it sees what the first paid). Each payment gets what payment_record gives it:
    the same checks (one that fails gets payment_record's LedgerError in its PaymentOut and nothing is written
    for it), the same source-reference idempotency, its debtor locked, `charge_due(debtor_ids=, through=,
    actor=)` before allocating, the allocation of ledger.selectors.payments_allocation (payment_allocation's rule),
    its entries and the cached balances, its `payment.recorded` audit event and early-payment discount. Returns
    one PaymentOut per payment, in order."""
    outs = [PaymentOut() for _p in payments]
    currency = portfolio.currency
    try:
        payment_date_check(date, portfolio.today())
    except LedgerError as exc:
        return [PaymentOut(error=exc) for _p in payments]
    debtor_ids = sorted({p.debtor_id for p in payments})
    if len(debtor_ids) != len(payments):
        raise ValueError("payments_record takes at most one payment per debtor")
    debtors: dict[int, int] = {}  # debtor id -> portfolio id; the rows locked, in id order (no deadlock)
    named: dict[int, tuple[int, str]] = {}  # obligation id -> (debtor id, number)
    lock = " FOR UPDATE" if connection.features.has_select_for_update else ""
    debtors.update(select_any(f"SELECT id, portfolio_id FROM {_DEBTOR} WHERE {{any}} ORDER BY id{lock}", "id",
                              debtor_ids))
    named.update((pk, (debtor_id, number)) for pk, debtor_id, number in select_any(
        f"SELECT id, debtor_id, number FROM {_OBLIGATION} WHERE {{any}}", "id",
        sorted({p.obligation_id for p in payments if p.obligation_id})))
    valid: list[int] = []
    refs: dict[int, str] = {}
    for index, (p, out) in enumerate(zip(payments, outs, strict=True)):
        try:
            if debtors.get(p.debtor_id) != portfolio.pk:
                raise LedgerError(_("the debtor belongs to another portfolio"))
            if p.obligation_id is not None and named.get(p.obligation_id, (None, ""))[0] != p.debtor_id:
                raise LedgerError(_("obligation %(number)s belongs to another debtor")
                                  % {"number": named.get(p.obligation_id, (None, p.obligation_id))[1]})
            bounded_minor(p.minor, currency, "payment amount")
            if p.minor <= 0:
                raise LedgerError(_("a payment amount must be positive"))
            ref = (p.source_ref or p.reference or "").strip()[:120]
            if not ref:
                raise LedgerError(_("a payment needs a reference (or a source reference) so it is never applied "
                                    "twice"))
        except LedgerError as exc:
            out.error = exc
        else:
            valid.append(index)
            refs[index] = ref
    wanted = sorted(set(refs.values()))
    found = select_any(f"SELECT id FROM {_PAYMENT} WHERE portfolio_id = %s AND source = %s AND {{any}}",
                       "source_ref", wanted, [portfolio.pk, source])
    existing: dict[str, Payment] = {pay.source_ref: pay
                                    for pay in Payment.objects.in_bulk([pk for (pk,) in found]).values()}
    fresh = []
    for i in valid:
        if refs[i] in existing:
            outs[i].payment = existing[refs[i]]
        else:
            fresh.append(i)
    if not fresh:
        return outs
    if charge_due is not None:
        charge_due(debtor_ids=[payments[i].debtor_id for i in fresh], through=date, actor=actor)
    results, numbers = payments_allocation(portfolio=portfolio, on=date, payments=[
        (payments[i].debtor_id, payments[i].minor, payments[i].obligation_id) for i in fresh])
    now = timezone.now()
    user = actor if actor is not None and not isinstance(actor, str) else None
    chosen: dict[str, tuple[int, AllocationResult]] = {}  # the same source reference twice: recorded once
    for i, result in zip(fresh, results, strict=True):
        chosen.setdefault(refs[i], (i, result))
    built = new_instances(Payment, (
        {"debtor_id": payments[i].debtor_id, "obligation_id": payments[i].obligation_id, "date": date,
         "amount_minor": payments[i].minor, "currency": currency, "method": payments[i].method[:40],
         "reference": payments[i].reference[:100], "source": source, "source_ref": refs[i],
         "unapplied_minor": result.unapplied_minor} for i, result in chosen.values()),
        cached={"portfolio": portfolio} | ({"created_by": user} if user is not None else {}))
    created: list[tuple[Payment, AllocationResult]] = []
    for (i, result), payment in zip(chosen.values(), built, strict=True):
        existing[refs[i]] = payment
        outs[i].payment, outs[i].created = payment, True
        created.append((payment, result))
    for i in fresh:
        if outs[i].payment is None:
            outs[i].payment = existing[refs[i]]
    insert_instances([pay for pay, _result in created], returning_ids=True)
    user_id = user.pk if user is not None else None
    entries_insert([(portfolio.pk, pay.debtor_id, a.obligation_id, EntryKind.PAYMENT.value, a.component,
                     -a.amount_minor, date, now, pay.pk, None, "", user_id)
                    for pay, result in created for a in result.allocations],
                   debtor_ids=[pay.debtor_id for pay, _result in created])
    if audit:
        audit_records([{
            "event_type": "payment.recorded", "subject": pay, "actor": actor, "portfolio": portfolio,
            "debtor": pay.debtor_id, "at": now,
            "changes": {
                "amount": from_minor(pay.amount_minor, currency), "date": date, "reference": pay.reference,
                "source": source,
                "allocations": [{"obligation": numbers[a.obligation_id], "component": a.component,
                                 "amount": from_minor(a.amount_minor, currency)} for a in result.allocations],
                "unapplied": from_minor(result.unapplied_minor, currency),
            },
        } for pay, result in created])
    if early_discounts_granted(portfolio):
        for pay, _result in created:
            early_discount_apply(payment=pay, actor=actor)
    return outs


def receipt_issue(*, payment: Payment, actor=None, audit: bool = True) -> Receipt:
    """Give a received payment its receipt (recibo de caja): the portfolio's next number, taken with the counter
    row locked (SELECT ... FOR UPDATE), so concurrent payments get consecutive numbers with no gap and no repeat
    (the number is taken in the payment's own transaction: a payment that rolls back gives its number back).
    A payment that already has one keeps it. Called by agreements.services.payments.payment_receive."""
    return receipts_issue(payments=[payment], actor=actor, audit=audit)[0]


def receipts_issue(*, payments: list[Payment], actor=None, audit: bool = True) -> list[Receipt]:
    """Receipts for several received payments of one portfolio, numbered consecutively in the order given, the
    counter locked once (the payments import issues a chunk's receipts this way; receipt_issue is the one-payment
    case, so a receipt from a file and one from the debtor page are the same thing, in one numbering). Payments
    that already have a receipt keep it. Returns the receipts in the order of `payments`."""
    if not transaction.get_connection().in_atomic_block:
        raise LedgerError(_("a receipt is issued inside the payment's transaction"))
    if not payments:
        return []
    portfolio_ids = {p.portfolio_id for p in payments}
    if len(portfolio_ids) != 1:
        raise LedgerError("receipts are numbered per portfolio: issue them one portfolio at a time")
    portfolio_id = portfolio_ids.pop()
    found = select_any(f"SELECT id FROM {Receipt._meta.db_table} WHERE {{any}}", "payment_id", [p.pk for p in payments])
    existing = {r.payment_id: r for r in Receipt.objects.in_bulk([pk for (pk,) in found]).values()}
    fresh = list({p.pk: p for p in payments if p.pk not in existing}.values())
    if fresh:
        ReceiptCounter.objects.get_or_create(portfolio_id=portfolio_id)
        counter = ReceiptCounter.objects.select_for_update().get(portfolio_id=portfolio_id)
        first = counter.last_number + 1
        counter.last_number += len(fresh)
        counter.save(update_fields=["last_number"])
        now = timezone.now()
        created = new_instances(Receipt, ({"portfolio_id": portfolio_id, "number": first + i, "issued_at": now}
                                          for i in range(len(fresh))))
        for payment, receipt in zip(fresh, created, strict=True):
            receipt.payment = payment  # cached both ways, as Receipt(payment=...) does
        insert_instances(created, returning_ids=True)
        for payment, receipt in zip(fresh, created, strict=True):
            existing[payment.pk] = receipt
        if audit:
            audit_records([{"event_type": "receipt.issued", "subject": payment, "actor": actor,
                            "portfolio": payment.portfolio, "debtor": payment.debtor_id,
                            "changes": {"receipt": receipt.label}}
                           for payment, receipt in zip(fresh, created, strict=True)])
    return [existing[p.pk] for p in payments]


@transaction.atomic
def payment_reverse(*, payment: Payment, reason: str, actor=None) -> Payment:
    """Reverse a payment (bounced cheque, bank reversal): each of its entries gets a reversing entry. A reason is
    required. Entry points reverse payments through agreements.services.payments.payment_receipt_reverse, which also
    revokes a settlement discount the payment earned."""
    reason = reversal_reason(reason)
    payment = Payment.objects.select_for_update().get(pk=payment.pk)
    if payment.reversed_at is not None:
        raise LedgerError(_("this payment is already reversed"))
    now = timezone.now()
    entries = list(payment.entries.filter(kind=EntryKind.PAYMENT).select_related("obligation"))
    Payment.objects.filter(pk=payment.pk).update(reversed_at=now)  # before the refresh: credit counts unreversed
    payment.reversed_at = now
    entries_save((entry_build(e.obligation, kind=EntryKind.REVERSAL, component=e.component,
                              amount_minor=-e.amount_minor, value_date=payment.date, payment=payment, reverses=e,
                              actor=actor, memo=reason, now=now)
                  for e in entries), debtor_ids=[payment.debtor_id])
    audit_record(event_type="payment.reversed", subject=payment, actor=actor, portfolio=payment.portfolio,
                 debtor=payment.debtor, changes={"reason": reason})
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
