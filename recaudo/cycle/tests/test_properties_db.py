"""Properties of the real cycle on the database: exactly once, and catch-up without flooding."""

from datetime import timedelta

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from recaudo.cycle.runner import cycle_run
from recaudo.demo.testing import FakeOutbox, make_portfolio
from recaudo.strategies.models import StepExecution

from .helpers import MONDAY, debtor_owing

pytestmark = pytest.mark.django_db(transaction=False)


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    st.lists(st.integers(min_value=-8, max_value=120), min_size=1, max_size=4),
    st.lists(st.integers(min_value=0, max_value=60), min_size=1, max_size=8),
)
def test_cycle_days_with_repeats_and_gaps(monkeypatch, dpds, run_days):
    fake = FakeOutbox()
    from recaudo.cycle import comms

    monkeypatch.setattr(comms, "enqueue_bulk", fake.enqueue_bulk)
    with transaction.atomic():
        portfolio = make_portfolio(slug="prop")
        debtors = [debtor_owing(portfolio, f"D{i}", days_past_due=d) for i, d in enumerate(dpds)]
        for offset in sorted(run_days) + sorted(run_days):  # every day run twice
            before = StepExecution.objects.count()
            day = MONDAY + timedelta(days=offset)
            cycle_run(portfolio=portfolio, business_date=day)
            new = StepExecution.objects.filter(business_date=day).count()
            assert StepExecution.objects.count() - before <= len(debtors)
            assert new <= len(debtors)
        rows = list(StepExecution.objects.values_list("debtor_id", "step_key", "episode"))
        assert len(rows) == len(set(rows))  # no step twice for a debtor
        per_debtor_offsets = {}
        for debtor_id, offset, day in StepExecution.objects.order_by("business_date").values_list(
                "debtor_id", "offset", "business_date"):
            assert offset > per_debtor_offsets.get(debtor_id, -10**6)  # only forward, never an older missed step
            assert (day - (MONDAY - timedelta(days=dpds[[d.pk for d in debtors].index(debtor_id)]))).days >= offset
            per_debtor_offsets[debtor_id] = offset
        messages = [m["dedupe_key"] for m in fake.messages]
        assert len(messages) == len(set(messages))
        transaction.set_rollback(True)
