"""The Today page: a preview before the day's cycle has run, then what it recorded."""

import pytest
from django.urls import reverse

from recaudo.demo.testing import TEST_PASSWORD, make_user, sign_in

from .helpers import debtor_owing

pytestmark = pytest.mark.django_db


@pytest.fixture
def people(portfolio):
    return {"juan": make_user("juan", portfolio, role="agent")}


def login(client, user):
    assert sign_in(client, username=user.username, password=TEST_PASSWORD)
    return client


def test_today_page_preview_then_executed(client, portfolio, people, outbox):
    from django.utils import timezone

    from recaudo.cycle.runner import cycle_run

    debtor_owing(portfolio, "C1", days_past_due=3, today=timezone.localdate())
    login(client, people["juan"])
    url = reverse("cycle_today", args=[portfolio.slug])
    page = client.get(url).content.decode()
    assert "sms-overdue" in page and ("saldo" in page or "balance" in page)
    cycle_run(portfolio=portfolio)
    page = client.get(url).content.decode()
    assert "sms-overdue" in page and "v1" in page
