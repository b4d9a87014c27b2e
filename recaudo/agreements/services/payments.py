"""Payments as every entry point receives them: the interest of agreement installments due by the payment date
first (plans.installment_interest_post), then the ledger's allocation, then the lump-sum discounts the payment
earns (offers.settlement_discounts_apply); reversing one takes back a discount it earned."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.db import transaction
from django.utils.translation import gettext as _

from recaudo.core.bulk import select_any
from recaudo.ledger.models import Payment
from recaudo.ledger.services import (
    PaymentIn,
    PaymentOut,
    payment_record,
    payment_reverse,
    payments_record,
    receipt_issue,
    receipts_issue,
)
from recaudo.portfolio.models import Debtor, Obligation, Portfolio

from ..models import Offer
from .common import NotAllowed, acting_user
from .offers import settlement_discounts_apply, settlement_discounts_revoke
from .permissions import can_decide
from .plans import installment_interest_post


@transaction.atomic
def payment_receive(*, portfolio: Portfolio, debtor: Debtor, amount: Decimal, date: date, source: str = "manual",
                    source_ref: str = "", reference: str = "", method: str = "",
                    obligation: Obligation | None = None, actor=None, audit: bool = True) -> tuple[Payment, bool]:
    """Receive a payment, the way every entry point records one: ledger's payment_record, which first charges the
    interest of the debtor's agreement installments due on or before the payment date (once each, with the debtor
    locked) and then allocates the payment; then the lump-sum settlement discounts it earns are booked, and the
    payment gets its numbered receipt (recibo de caja, ledger's receipt_issue). Returns (payment, created); a
    payment already recorded (same source reference) changes nothing."""
    payment, created = payment_record(
        portfolio=portfolio, debtor=debtor, amount=amount, date=date, source=source, source_ref=source_ref,
        reference=reference, method=method, obligation=obligation, actor=actor, audit=audit,
        charge_due=installment_interest_post)
    if created:
        settlement_discounts_apply(payment=payment, actor=actor)
        receipt_issue(payment=payment, actor=actor, audit=audit)
    return payment, created


# No savepoint of its own when called inside a transaction (a failure breaks the caller's transaction, which a bank
# file's chunk rolls back whole): on SQLite with temp_store=MEMORY (the settings'), rows written inside a savepoint
# cost more the more were written (the in-memory sub-journal), about ten times the cost of a chunk's inserts.
@transaction.atomic(savepoint=False)
def payments_receive(*, portfolio: Portfolio, payments: list[PaymentIn], date: date, source: str, actor=None,
                     audit: bool = True) -> list[PaymentOut]:
    """Receive many payments of one date at once (a bank file's chunk), each as payment_receive receives it, in
    the order given: the ledger's payments_record (installment interest due by the date, allocation, early-payment
    discount, set-based), then the settlement discounts each earns, then the receipts, numbered in the order given.
    A debtor's second payment goes in the next round, after the first and its discounts, as it would one by one.
    Returns one PaymentOut per payment (a payment the rules refuse carries the error; nothing is written for it)."""
    outs: list[PaymentOut | None] = [None] * len(payments)
    pending = list(range(len(payments)))
    while pending:
        this_round, later, seen = [], [], set()
        for index in pending:
            debtor_id = payments[index].debtor_id
            (later if debtor_id in seen else this_round).append(index)
            seen.add(debtor_id)
        recorded = payments_record(portfolio=portfolio, payments=[payments[i] for i in this_round], date=date,
                                   source=source, actor=actor, audit=audit, charge_due=installment_interest_post)
        paid = [out.payment for out in recorded if out.created]
        offers = {debtor_id for (debtor_id,) in select_any(
            f"SELECT DISTINCT debtor_id FROM {Offer._meta.db_table} WHERE kind = %s AND status = %s AND {{any}}",
            "debtor_id", [pay.debtor_id for pay in paid],
            [Offer.Kind.LUMP_SUM_DISCOUNT.value, Offer.Status.ACCEPTED.value])}
        for index, out in zip(this_round, recorded, strict=True):
            outs[index] = out
            if out.created and out.payment.debtor_id in offers:
                settlement_discounts_apply(payment=out.payment, actor=actor)
        pending = later
    receipts_issue(payments=[out.payment for out in outs if out.created], actor=actor, audit=audit)
    return outs


@transaction.atomic
def payment_receipt_reverse(*, payment: Payment, reason: str, actor=None) -> Payment:
    """Reverse a received payment (ledger's payment_reverse); a settlement discount it earned goes with it. A user
    must be a supervisor or an administrator of the portfolio (NotAllowed otherwise); the command line ("cli") and
    the system may reverse. The receipt stays, marked as void (ANULADO) by the reversal."""
    user = acting_user(actor)
    if user is not None and not can_decide(user, payment.portfolio):
        raise NotAllowed(_("Only a supervisor or an administrator may reverse a payment."))
    payment = payment_reverse(payment=payment, reason=reason, actor=actor)
    settlement_discounts_revoke(payment=payment, actor=actor)
    return payment
