"""Ledger reads shaped for pages: the debtor page (debtor 360) with its obligations, ledger entries and timeline."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from django.db.models import Max, Sum

from recaudo.audit.models import AuditEvent
from recaudo.core.bulk import select_any
from recaudo.portfolio.aging import Aged, aged, days_past_due
from recaudo.portfolio.masking import mask_changes, mask_contact, mask_text
from recaudo.portfolio.models import Contact, Debtor, Obligation, Portfolio
from recaudo.portfolio.selectors import consents_prefetch, debtor_aging, mask_debtor

from .models import Entry, Payment, Receipt
from .posting import LedgerError, component_balances
from .rules import DEFAULT_ORDER, AllocationResult, OpenItem, allocate

LEDGER_LIMIT = 100
LEDGER_ALL_LIMIT = 5_000
OBLIGATION_LIMIT = 300
TIMELINE_LIMIT = 100
PAYMENT_LIMIT = 50


@dataclass
class Debtor360:
    """Obligations carry `aging` (open ones: days past due and bucket as of `as_of`) and `days_at_agreement`
    (refinanced ones: how late they were when the agreement was accepted); `aging` is the debtor's own."""

    debtor: Debtor
    as_of: date
    contacts: list[Contact]
    obligations: list[Obligation]
    obligations_total: int
    entries: list[Entry]
    entries_more: bool
    events: list[AuditEvent]
    events_more: bool
    aging: Aged | None = None
    payments: list[Payment] = field(default_factory=list)  # the latest, each with `receipt_label` (or "")

    @property
    def open_obligations(self) -> list[Obligation]:
        return [o for o in self.obligations if o.status == Obligation.Status.OPEN]


def debtor_360(portfolio: Portfolio, debtor_id: int, as_of: date, ledger_all: bool = False) -> Debtor360:
    """Everything the debtor page shows. Raises Debtor.DoesNotExist for a debtor outside the portfolio."""
    debtor = Debtor.objects.get(portfolio=portfolio, pk=debtor_id)
    contacts = list(
        Contact.objects.filter(debtor=debtor)
        .prefetch_related(consents_prefetch())
        .order_by("role", "-is_primary", "channel", "pk")
    )
    obligations_qs = Obligation.objects.filter(debtor=debtor)
    # An obligation refinanced into an agreement shows how late it was when the agreement was accepted.
    obligations = list(obligations_qs.annotate(agreed_on=Max("agreements__accepted_on"))
                       .order_by("due_date", "number")[:OBLIGATION_LIMIT])
    obligations_total = len(obligations)
    if obligations_total == OBLIGATION_LIMIT:
        obligations_total = obligations_qs.count()
    for obligation in obligations:
        obligation.aging = (aged(obligation.due_date, as_of, portfolio.buckets)
                            if obligation.status == Obligation.Status.OPEN else None)
        obligation.days_at_agreement = (
            days_past_due(obligation.due_date, obligation.agreed_on)
            if obligation.status == Obligation.Status.IN_AGREEMENT and obligation.agreed_on else None)
    open_first = sorted(obligations, key=lambda o: (o.status != Obligation.Status.OPEN, o.due_date, o.number))
    limit = LEDGER_ALL_LIMIT if ledger_all else LEDGER_LIMIT
    entries = list(
        Entry.objects.filter(debtor=debtor)
        .select_related("obligation", "payment__receipt")
        .only("pk", "value_date", "kind", "component", "amount_minor", "memo", "created_at", "reverses_id",
              "obligation__number", "obligation__currency", "obligation__description", "payment__id",
              "payment__receipt__number")
        .order_by("-value_date", "-pk")[: limit + 1]
    )
    payments = list(Payment.objects.filter(debtor=debtor).select_related("receipt").order_by("-date", "-pk")
                    [:PAYMENT_LIMIT])
    for row in [*payments, *(e.payment for e in entries if e.payment_id)]:  # a payment's line links its receipt
        row.receipt_label = receipt_label(row)
    events = list(AuditEvent.objects.filter(debtor=debtor).order_by("-at", "-pk")[: TIMELINE_LIMIT + 1])
    return Debtor360(
        debtor=debtor, as_of=as_of, contacts=contacts, obligations=open_first, obligations_total=obligations_total,
        entries=entries[:limit], entries_more=len(entries) > limit,
        events=events[:TIMELINE_LIMIT], events_more=len(events) > TIMELINE_LIMIT,
        aging=debtor_aging(debtor, as_of, portfolio.buckets), payments=payments,
    )


def receipt_label(payment: Payment) -> str:
    """RC-000123 for a payment with a receipt, else ""."""
    try:
        return payment.receipt.label
    except Receipt.DoesNotExist:
        return ""


def mask_360(view: Debtor360) -> Debtor360:
    """The debtor page as a viewer sees it: ID, contact values, holders and the timeline's contact data masked
    (recaudo.portfolio.masking; Ley 1581 de 2012 art. 4 (g)). In memory only."""
    mask_debtor(view.debtor)
    for contact in view.contacts:
        contact.value = mask_contact(contact.channel, contact.value)
        contact.holder_name = mask_text(contact.holder_name)
    for event in view.events:
        event.changes = mask_changes(event.changes)
    return view


def open_items(debtor: Debtor, on: date) -> list[OpenItem]:
    """Undisputed obligations with a balance, issued on or before the payment date, with their balance per
    component: what a payment of the debtor on `on` may go to."""
    obligations = list(
        Obligation.objects.filter(debtor=debtor, balance_minor__gt=0, disputed=False, issue_date__lte=on).values(
            "pk", "due_date", "number"
        )
    )
    balances = component_balances([o["pk"] for o in obligations])
    return [OpenItem(o["pk"], o["due_date"], o["number"], balances.get(o["pk"], {})) for o in obligations]


def payment_date_check(day: date, today: date) -> None:
    """A payment is dated on or before the portfolio's today (in the portfolio's time zone): a payment not yet
    received is not recorded. Used by payment_record and by the payments import, row by row."""
    if day > today:
        raise LedgerError(f"the payment date {day.isoformat()} is after today ({today.isoformat()}) in the "
                          "portfolio's time zone")


def payment_allocation(*, portfolio: Portfolio, debtor: Debtor, minor: int, on: date,
                       obligation: Obligation | None = None) -> AllocationResult:
    """How a payment of `minor` on `on` is allocated (rules.allocate in the portfolio's order and mode), read
    without writing: payment_record allocates with it, the payment page previews with it. A named obligation goes
    first, even if disputed."""
    items = open_items(debtor, on)
    if obligation is not None and obligation.disputed and obligation.balance_minor > 0:
        items.append(OpenItem(obligation.pk, obligation.due_date, obligation.number,
                              component_balances([obligation.pk]).get(obligation.pk, {})))
    return allocate(minor, items, order=portfolio.allocation_order or DEFAULT_ORDER,
                    mode=portfolio.allocation_mode, on=on,
                    named_obligation_id=obligation.pk if obligation else None)


def payments_allocation(*, portfolio: Portfolio, payments: list[tuple[int, int, int | None]],
                        on: date) -> tuple[list[AllocationResult], dict[int, str]]:
    """payment_allocation for many payments of one date at once, set-based (a few queries per two thousand
    debtors): `payments` as (debtor id, minor, named obligation id or None), at most one per debtor (each is
    allocated over its debtor's balances as they stand). The same open items and rule as payment_allocation.
    Returns the results, in order, and the number of every obligation an allocation may name (by id: the caller's
    audit shows them without reading them again)."""
    debtor_ids = [debtor_id for debtor_id, _minor, _named in payments]
    if len(set(debtor_ids)) != len(debtor_ids):
        raise ValueError("payments_allocation takes at most one payment per debtor")
    named = {obligation_id for _debtor, _minor, obligation_id in payments if obligation_id}
    rows = select_any("SELECT id, debtor_id, due_date, number, disputed, issue_date "
                      f"FROM {Obligation._meta.db_table} WHERE {{any}} AND balance_minor > 0", "debtor_id", debtor_ids)
    # open_items' undisputed obligations issued by the date, and a named disputed one (payment_allocation's rule)
    rows = [r for r in rows if (not r[4] and r[5] <= on) or (r[4] and r[0] in named)]
    balances = component_balances([r[0] for r in rows])
    open_by_debtor: dict[int, list[OpenItem]] = {}
    disputed_named: dict[int, OpenItem] = {}
    for pk, debtor_id, due_date, number, disputed, _issue in rows:
        item = OpenItem(pk, due_date, number, balances.get(pk, {}))
        if disputed:
            disputed_named[pk] = item
        else:
            open_by_debtor.setdefault(debtor_id, []).append(item)
    order = portfolio.allocation_order or DEFAULT_ORDER
    results = []
    for debtor_id, minor, obligation_id in payments:
        items = list(open_by_debtor.get(debtor_id, ()))
        if obligation_id in disputed_named:
            items.append(disputed_named[obligation_id])
        results.append(allocate(minor, items, order=order, mode=portfolio.allocation_mode, on=on,
                                named_obligation_id=obligation_id))
    return results, {pk: number for pk, _debtor, _due, number, _disputed, _issue in rows}


@dataclass
class AllocationLine:
    obligation: Obligation
    component: str
    amount_minor: int
    balance_after_minor: int  # the obligation's balance once this line is applied


@dataclass
class PaymentPreview:
    """What a payment will do, shown before it is confirmed: its allocation lines, the unapplied credit, and the
    debtor's balance before and after."""

    amount_minor: int
    lines: list[AllocationLine]
    unapplied_minor: int
    balance_before_minor: int
    balance_after_minor: int


def payment_preview(*, portfolio: Portfolio, debtor: Debtor, minor: int, on: date,
                    obligation: Obligation | None = None) -> PaymentPreview:
    """The allocation of a payment not yet recorded (payment_allocation, the ledger's own rule), shaped for the
    payment page. Installment interest an agreement owes by the payment date is charged when the payment is
    recorded, before allocating; the preview does not include it. LedgerError for a date after today."""
    payment_date_check(on, portfolio.today())
    result = payment_allocation(portfolio=portfolio, debtor=debtor, minor=minor, on=on, obligation=obligation)
    by_id = Obligation.objects.in_bulk({a.obligation_id for a in result.allocations})
    paid: dict[int, int] = {}
    lines = []
    for a in result.allocations:  # the obligation's balance once this line is applied
        paid[a.obligation_id] = paid.get(a.obligation_id, 0) + a.amount_minor
        obligation = by_id[a.obligation_id]
        lines.append(AllocationLine(obligation, a.component, a.amount_minor,
                                    obligation.balance_minor - paid[a.obligation_id]))
    return PaymentPreview(amount_minor=minor, lines=lines, unapplied_minor=result.unapplied_minor,
                          balance_before_minor=debtor.balance_minor,
                          balance_after_minor=debtor.balance_minor - result.applied_minor)


@dataclass
class ReceiptView:
    """Everything a receipt (recibo de caja) shows: the payment, its number, its allocation lines (the payment's
    entries), the debtor's balance after it, and whether it was reversed."""

    receipt: Receipt
    payment: Payment
    lines: list[Entry]
    balance_after_minor: int
    reversed: bool


def receipt_view(portfolio: Portfolio, payment_id: int) -> ReceiptView:
    """Raises Receipt.DoesNotExist for a payment outside the portfolio or without a receipt. The balance after is
    the debtor's balance counting the entries recorded up to and including this payment's."""
    receipt = Receipt.objects.select_related("payment__debtor", "payment__portfolio").get(
        portfolio=portfolio, payment_id=payment_id)
    payment = receipt.payment
    lines = list(payment.entries.filter(kind="payment").select_related("obligation").order_by("pk"))
    last = max((e.pk for e in lines), default=None)
    balance = Entry.objects.filter(debtor_id=payment.debtor_id, **({"pk__lte": last} if last else {}))
    if last is None:
        balance = balance.filter(created_at__lte=payment.created_at)
    total = balance.aggregate(total=Sum("amount_minor"))["total"] or 0
    return ReceiptView(receipt=receipt, payment=payment, lines=lines, balance_after_minor=total,
                       reversed=payment.reversed_at is not None)

