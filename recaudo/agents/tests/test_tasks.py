import pytest
from django.db import IntegrityError
from django.utils import timezone

from recaudo.agents.models import AgentTask
from recaudo.demo.testing import make_debtor

pytestmark = pytest.mark.django_db


def test_dedupe_key_unique_per_portfolio(portfolio, other_portfolio):
    debtor = make_debtor(portfolio)
    other = make_debtor(other_portfolio)
    now = timezone.now()
    AgentTask.objects.create(portfolio=portfolio, debtor=debtor, kind="call", due_at=now, dedupe_key="k")
    AgentTask.objects.create(portfolio=other_portfolio, debtor=other, kind="call", due_at=now, dedupe_key="k")
    assert AgentTask.objects.bulk_create(
        [AgentTask(portfolio=portfolio, debtor=debtor, kind="visit", due_at=now, dedupe_key="k")],
        ignore_conflicts=True)
    assert AgentTask.objects.filter(portfolio=portfolio).count() == 1
    with pytest.raises(IntegrityError):
        AgentTask.objects.create(portfolio=portfolio, debtor=debtor, kind="call", due_at=now, dedupe_key="k")


def test_kind_and_status_checked_by_the_database(portfolio):
    debtor = make_debtor(portfolio)
    with pytest.raises(IntegrityError):
        AgentTask.objects.create(portfolio=portfolio, debtor=debtor, kind="fax", due_at=timezone.now(),
                                 dedupe_key="x")
