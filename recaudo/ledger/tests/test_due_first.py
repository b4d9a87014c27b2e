"""Issue 11, property over the recorded payments (database, the portfolio's default order): no part of a payment goes
to a not-yet-due obligation while a due obligation of the same debtor has a balance, and within one obligation
interest goes before principal."""

from datetime import date, timedelta
from decimal import Decimal
from itertools import count

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from recaudo.demo.testing import make_debtor, make_obligation
from recaudo.ledger.posting import entry_post
from recaudo.ledger.services import component_balances, ledger_verify, payment_record
from recaudo.portfolio.models import Obligation

pytestmark = pytest.mark.django_db

BASE = date(2026, 1, 1)
SEQ = count()

obligations = st.lists(
    st.tuples(st.integers(1, 2_000_000), st.integers(0, 120), st.integers(0, 50_000), st.integers(0, 90)),
    min_size=1, max_size=5)  # (principal, days from BASE to due, interest charged, days after issue it is charged)
payments = st.lists(st.tuples(st.integers(1, 3_000_000), st.integers(0, 150)), min_size=1, max_size=3)


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(obligations=obligations, payments=payments)
def test_recorded_payments_never_reach_not_yet_due_items_while_due_ones_owe(portfolio, obligations, payments):
    assert portfolio.allocation_mode == "obligation"  # the default
    n = next(SEQ)
    debtor = make_debtor(portfolio, code=f"P{n}", name=f"Propiedad {n}")
    for k, (principal, due_in, interest, charged_after) in enumerate(obligations):
        ob = make_obligation(portfolio, debtor, number=f"P{n}-{k}", amount=str(principal), issue=BASE,
                             due=BASE + timedelta(days=due_in))
        if interest:
            entry_post(obligation=ob, kind="interest", amount=Decimal(interest),
                       value_date=BASE + timedelta(days=charged_after))
    for j, (amount, day) in enumerate(sorted(payments, key=lambda p: p[1])):
        on = BASE + timedelta(days=day)
        obs = {o.pk: o for o in Obligation.objects.filter(debtor=debtor)}
        before = component_balances(list(obs))
        payment, _ = payment_record(portfolio=portfolio, debtor=debtor, amount=Decimal(amount), date=on,
                                    source_ref=f"P{n}-{j}")
        reached = {e.obligation_id: e for e in payment.entries.all()}
        due_owing = sum(sum(before.get(pk, {}).values()) for pk, o in obs.items() if o.due_date <= on)
        paid_to_due = -sum(e.amount_minor for e in payment.entries.all() if obs[e.obligation_id].due_date <= on)
        if any(obs[pk].due_date > on for pk in reached):
            assert paid_to_due == due_owing  # every due item was paid off first
        for pk in reached:
            principal_paid = payment.entries.filter(obligation_id=pk, component="principal").exists()
            if principal_paid:
                after = component_balances([pk])[pk]
                assert after["interest"] == 0 and after["fee"] == 0
    assert ledger_verify(portfolio) == []
