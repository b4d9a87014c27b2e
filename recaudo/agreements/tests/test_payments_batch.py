"""payments_receive (a bank file's chunk at once) gives each payment what payment_receive gives it one by one: the
same allocation, installment interest, early-payment and settlement discounts, receipts and audit events."""

from collections import Counter
from datetime import date
from decimal import Decimal

import pytest
from django.db import transaction

from recaudo.agreements.models import AuthorityLimit
from recaudo.agreements.services.offers import offer_accept, offer_create
from recaudo.agreements.services.payments import payment_receive, payments_receive
from recaudo.audit.models import AuditEvent
from recaudo.core.errors import DomainError
from recaudo.demo.testing import make_debtor, make_obligation, make_portfolio, make_user
from recaudo.ledger.models import Entry, InterestSettings, Payment
from recaudo.ledger.posting import entry_post
from recaudo.ledger.services import PaymentIn, ledger_verify, obligation_set_dispute, payments_record
from recaudo.portfolio.models import Debtor, Obligation

from .helpers import MONDAY, NOW, debtor_with_debt

pytestmark = pytest.mark.django_db

DAY = date(2026, 3, 5)


def book(slug):
    """A portfolio where one batch meets every rule: Luz owes F1 (1.000.000 + 20.000 interest), F2 (500.000), F3
    (issued after the payments: not payable yet) and F4 (disputed); Pedro owes G1; Rosa's H1 closes with the
    2 % early-payment discount when paid within 10 days of its issue; Olga accepted a 10 % lump-sum offer."""
    portfolio = make_portfolio(slug=slug)
    InterestSettings.objects.create(portfolio=portfolio, early_discount_pct=Decimal("2"), early_discount_days=10)
    luz = make_debtor(portfolio, code="L")
    f1 = make_obligation(portfolio, luz, number="F1", amount="1000000", issue=date(2026, 1, 1), due=date(2026, 1, 31))
    entry_post(obligation=f1, kind="interest", amount=Decimal("20000"), value_date=date(2026, 2, 28))
    make_obligation(portfolio, luz, number="F2", amount="500000", issue=date(2026, 1, 15), due=date(2026, 2, 15))
    make_obligation(portfolio, luz, number="F3", amount="200000", issue=date(2026, 3, 10), due=date(2026, 4, 10))
    f4 = make_obligation(portfolio, luz, number="F4", amount="300000", issue=date(2026, 1, 20), due=date(2026, 2, 20))
    obligation_set_dispute(obligation=f4, disputed=True, reason="no recibió la mercancía")
    pedro = make_debtor(portfolio, code="P", name="Pedro Gómez")
    make_obligation(portfolio, pedro, number="G1", amount="400000", issue=date(2026, 1, 1), due=date(2026, 1, 31))
    rosa = make_debtor(portfolio, code="R", name="Rosa Díaz")
    make_obligation(portfolio, rosa, number="H1", amount="100000", issue=date(2026, 2, 25), due=date(2026, 3, 30))
    olga, o1, o2 = debtor_with_debt(portfolio, code="O")
    agent = make_user(f"agent-{slug}", portfolio, role="agent")
    AuthorityLimit.objects.create(portfolio=portfolio, role="agent", max_discount_pct=Decimal(10),
                                  max_installments=6, max_term_months=6)
    offer = offer_create(portfolio=portfolio, debtor=olga, kind="lump_sum_discount", obligations=[o1, o2],
                         params={"discount_pct": "10", "pay_by": "2026-03-20"}, actor=agent, today=MONDAY, now=NOW)
    offer_accept(offer=offer, actor=agent, evidence_text="acepta", today=MONDAY, now=NOW)
    payment_receive(portfolio=portfolio, debtor=pedro, amount=Decimal("1"), date=date(2026, 3, 1), source_ref="old")
    return portfolio


# (debtor, obligation named, amount, source reference)
PAYMENTS = [
    ("L", "F2", "300000", "b1"),  # the named obligation first
    ("P", None, "399999", "b2"),
    ("L", None, "2000000", "b3"),  # Luz's second: F1's interest, F1, what F2 still owes; the rest is credit
    ("R", None, "98000", "b4"),  # closes H1 with the early-payment discount
    ("O", None, "1000000", "b5"),
    ("L", "F4", "100000", "b6"),  # a disputed obligation takes a payment that names it
    ("O", None, "368000", "b7"),  # Olga's second reaches the agreed 1.368.000: the lump-sum discount is booked
    ("P", "F1", "1000", "b8"),  # Luz's obligation named by Pedro's payment: refused
    ("P", None, "5000", "old"),  # recorded before: nothing new
]


def _inputs(portfolio):
    debtors = dict(Debtor.objects.filter(portfolio=portfolio).values_list("code", "pk"))
    obligations = dict(Obligation.objects.filter(portfolio=portfolio).values_list("number", "pk"))
    return [PaymentIn(debtor_id=debtors[code], minor=int(Decimal(amount) * 100), source_ref=ref, reference=ref,
                      method="Asobancaria", obligation_id=obligations[number] if number else None)
            for code, number, amount, ref in PAYMENTS]


def _one_by_one(portfolio):
    outcomes = []
    for p in _inputs(portfolio):
        try:
            with transaction.atomic():
                payment, created = payment_receive(
                    portfolio=portfolio, debtor=Debtor.objects.get(pk=p.debtor_id), amount=Decimal(p.minor) / 100,
                    date=DAY, source="bank_file" if p.source_ref != "old" else "manual", source_ref=p.source_ref,
                    reference=p.reference, method=p.method,
                    obligation=Obligation.objects.get(pk=p.obligation_id) if p.obligation_id else None)
        except DomainError as exc:
            outcomes.append(("error", exc.message))
        else:
            outcomes.append(("created" if created else "existing", payment.source_ref))
    return outcomes


def _at_once(portfolio):
    # "old" was recorded with source manual: receive the batch with that source for it, the rest as bank_file
    inputs = _inputs(portfolio)
    outs = payments_receive(portfolio=portfolio, payments=inputs[:-1], date=DAY, source="bank_file")
    outs += payments_receive(portfolio=portfolio, payments=inputs[-1:], date=DAY, source="manual")
    return [("error", out.error.message) if out.error else ("created" if out.created else "existing",
                                                             out.payment.source_ref) for out in outs]


def _state(portfolio):
    """Everything the payments changed, by debtor code and obligation number (ids differ between portfolios)."""
    payments = [
        (p.source_ref, p.debtor.code, p.obligation.number if p.obligation else None, p.amount_minor,
         p.unapplied_minor, p.receipt.number, p.method,
         sorted((e.obligation.number, e.kind, e.component, e.amount_minor) for e in p.entries.all()))
        for p in Payment.objects.filter(portfolio=portfolio).order_by("source_ref")]
    others = sorted((e.obligation.number, e.kind, e.component, e.amount_minor, e.value_date)
                    for e in Entry.objects.filter(portfolio=portfolio, payment__isnull=True))
    obligations = sorted(Obligation.objects.filter(portfolio=portfolio).values_list("number", "balance_minor",
                                                                                     "status"))
    debtors = sorted(Debtor.objects.filter(portfolio=portfolio).values_list(
        "code", "balance_minor", "open_count", "oldest_due_date", "disputed", "credit_minor"))
    events = Counter(AuditEvent.objects.filter(portfolio=portfolio).values_list("event_type", flat=True))
    recorded = sorted((e.changes["reference"], str(e.changes["allocations"]), e.changes["unapplied"])
                      for e in AuditEvent.objects.filter(portfolio=portfolio, event_type="payment.recorded"))
    return payments, others, obligations, debtors, events, recorded


def test_a_batch_gives_what_payment_receive_gives_one_by_one():
    one = book("one")
    batch = book("batch")
    expected = _one_by_one(one)
    assert _at_once(batch) == expected
    assert expected[7] == ("error", "la obligación F1 pertenece a otro deudor")
    assert expected[8] == ("existing", "old")
    assert _state(batch) == _state(one)
    payments, others, *_rest = _state(batch)
    by_ref = {p[0]: p for p in payments}
    assert by_ref["b3"][4] == 200_000_000 - (102_000_000 + 20_000_000)  # the rest of Luz's 2.000.000 is credit
    assert ("H1", "discount", "principal", -200_000, DAY) in others  # Rosa's early-payment discount
    assert [o for o in others if o[1] in ("write_off", "discount") and o[0].startswith("O-")] == [
        ("O-F2", "discount", "principal", -15_200_000, DAY)]  # Olga's lump sum, earned by her second payment
    assert [by_ref[ref][5] for ref in ("old", "b1", "b2", "b3", "b4", "b5", "b6", "b7")] == list(range(1, 9))
    assert ledger_verify(batch) == []


def test_a_payment_dated_after_today_refuses_the_batch_and_writes_nothing(portfolio):
    debtor = make_debtor(portfolio)
    make_obligation(portfolio, debtor)
    outs = payments_receive(portfolio=portfolio, payments=[PaymentIn(debtor_id=debtor.pk, minor=100, source_ref="x")],
                            date=date(2099, 1, 1), source="bank_file")
    assert "after today" in outs[0].error.message and outs[0].payment is None
    assert not Payment.objects.exists()


def test_payments_record_takes_one_payment_per_debtor(portfolio):
    debtor = make_debtor(portfolio)
    twice = [PaymentIn(debtor_id=debtor.pk, minor=100, source_ref=ref) for ref in ("a", "b")]
    with pytest.raises(ValueError):
        payments_record(portfolio=portfolio, payments=twice, date=DAY, source="bank_file")
