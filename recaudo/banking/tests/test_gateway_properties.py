"""Property: whatever order and number of times a gateway delivers its notifications (retries, pending then
approved, approved then refunded, a wrong amount), each transaction becomes at most one payment, reversed at most
once, exactly as a simple model of the rules says; and the money applied is the approved, unreversed payments'."""

from decimal import Decimal

import pytest
from django.db import transaction
from django.db.models import Sum
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from recaudo.banking.gateways.base import APPROVED, CHARGEBACK, DECLINED, PENDING, REFUNDED, REVERSING, Notification
from recaudo.banking.models import PaymentLink
from recaudo.banking.services_gateways import _apply
from recaudo.demo.testing import make_debtor, make_obligation, make_portfolio
from recaudo.ledger.models import Payment

pytestmark = pytest.mark.django_db(transaction=False)

delivery = st.tuples(st.sampled_from(["tx-1", "tx-2"]),
                     st.sampled_from([APPROVED, APPROVED, PENDING, DECLINED, REFUNDED, CHARGEBACK]),
                     st.sampled_from(["300000", "300000", "299999"]))


def model(deliveries):
    """What the rules say: {tx: (paid, reversed)}."""
    state = {}
    for tx, status, amount in deliveries:
        last, paid, reversed_ = state.get(tx, (None, False, False))
        if status == last or (paid and status == APPROVED):
            continue
        if status in REVERSING:
            reversed_ = reversed_ or paid
        elif status == APPROVED and amount == "300000":
            paid = True
        state[tx] = (status, paid, reversed_)
    return {tx: (paid, reversed_) for tx, (_last, paid, reversed_) in state.items()}


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(delivery, min_size=1, max_size=10))
def test_each_transaction_is_applied_at_most_once_as_the_model_says(deliveries):
    from django.utils import timezone

    with transaction.atomic():
        portfolio = make_portfolio(slug="prop")
        luz = make_debtor(portfolio, code="C001")
        invoice = make_obligation(portfolio, luz, number="FV-1", amount="1000000")
        link = PaymentLink.objects.create(portfolio=portfolio, debtor=luz, obligation=invoice,
                                          amount_minor=30_000_000, currency="COP", reference="RCPROP",
                                          provider="wompi", url="https://checkout.wompi.co/l/p", provider_id="p",
                                          expires_at=timezone.now())
        for tx, status, amount in deliveries:
            _apply(portfolio, Notification(provider="wompi", transaction_id=tx, reference=link.reference,
                                           amount=Decimal(amount), currency="COP", status=status))
        expected = model(deliveries)
        for tx in ("tx-1", "tx-2"):
            payments = list(Payment.objects.filter(source_ref=f"gw:wompi:{tx}"))
            paid, reversed_ = expected.get(tx, (False, False))
            assert len(payments) == (1 if paid else 0), (tx, deliveries)
            if paid:
                assert (payments[0].reversed_at is not None) == reversed_, (tx, deliveries)
        live = Payment.objects.filter(source="gateway", reversed_at__isnull=True).aggregate(s=Sum("amount_minor"))
        assert (live["s"] or 0) == 30_000_000 * sum(1 for p, r in expected.values() if p and not r)
        transaction.set_rollback(True)
