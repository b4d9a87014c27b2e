"""Scheduled summaries: who may subscribe, when they are due, the e-mail with its PDF, retries with backoff, and a
claim that two workers cannot both send."""

from datetime import UTC, date, datetime, timedelta

import pytest

from recaudo.analytics.models import ReportSubscription
from recaudo.analytics.services import AnalyticsError, snapshot_backfill
from recaudo.analytics.subscriptions import subscription_set, summaries_send_due
from recaudo.communications.transports import TransportError
from recaudo.communications.transports.console import MemoryTransport
from recaudo.core.errors import NotAllowed
from recaudo.demo.testing import login, make_portfolio, make_user
from recaudo.reports.tests.factories import build_book

pytestmark = pytest.mark.django_db
# Wednesday 25 Nov 2026, 15:00 in Bogotá
NOW = datetime(2026, 11, 25, 20, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _memory(settings):
    settings.RECAUDO_TRANSPORTS = {"email": "memory"}
    MemoryTransport.reset()
    yield
    MemoryTransport.reset()


@pytest.fixture
def setup():
    portfolio = make_portfolio()
    build_book(portfolio)
    snapshot_backfill(portfolio=portfolio, start=date(2026, 11, 16), end=date(2026, 11, 25), now=NOW)
    sup = make_user("sup", portfolio, role="supervisor")
    sup.email = "Sup@Example.COM"
    sup.save()
    return portfolio, sup


def test_a_weekly_summary_is_due_next_monday_at_seven_and_carries_the_pdf(setup):
    portfolio, sup = setup
    sub = subscription_set(portfolio=portfolio, user=sup, frequency="weekly", now=NOW)
    assert sub.email == "Sup@example.com"
    assert sub.next_due_at == datetime(2026, 11, 30, 12, 0, tzinfo=UTC)  # Monday 07:00 in Bogotá
    assert summaries_send_due(now=NOW) == {"sent": 0, "failed": 0}  # not yet
    monday = datetime(2026, 11, 30, 12, 5, tzinfo=UTC)
    assert summaries_send_due(now=monday) == {"sent": 1, "failed": 0}
    sent = MemoryTransport.sent[0]
    assert sent["to"] == "Sup@example.com" and "23/11/2026 - 29/11/2026" in sent["subject"]
    assert sent["attachments"] == ["resumen-pyme-2026-11-29.pdf"]
    sub.refresh_from_db()
    assert sub.next_due_at == datetime(2026, 12, 7, 12, 0, tzinfo=UTC) and sub.last_sent_at == monday
    assert summaries_send_due(now=monday) == {"sent": 0, "failed": 0}  # once


def test_a_failed_send_retries_with_backoff_and_keeps_the_error(setup):
    portfolio, sup = setup
    subscription_set(portfolio=portfolio, user=sup, frequency="monthly", now=NOW)
    MemoryTransport.fail = {"Sup@example.com": TransportError("SMTP connection failed", permanent=False)}
    due = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
    assert summaries_send_due(now=due) == {"sent": 0, "failed": 1}
    sub = ReportSubscription.objects.get()
    assert sub.attempts == 1 and sub.next_due_at == due + timedelta(hours=1) and "SMTP" in sub.last_error
    MemoryTransport.fail = {}
    assert summaries_send_due(now=due + timedelta(hours=1)) == {"sent": 1, "failed": 0}
    sub.refresh_from_db()
    assert sub.attempts == 0 and sub.last_error == "" and sub.next_due_at == datetime(2027, 1, 1, 12, 0, tzinfo=UTC)


def test_a_claimed_row_is_not_sent_twice(setup):
    portfolio, sup = setup
    subscription_set(portfolio=portfolio, user=sup, frequency="weekly", now=NOW)
    monday = datetime(2026, 11, 30, 12, 5, tzinfo=UTC)
    ReportSubscription.objects.update(claim_token="other-worker", claimed_at=monday)
    assert summaries_send_due(now=monday) == {"sent": 0, "failed": 0}
    # a claim older than the timeout is taken over
    assert summaries_send_due(now=monday + timedelta(minutes=20)) == {"sent": 1, "failed": 0}


def test_only_supervisors_with_an_email_subscribe_and_cancelling_removes_it(setup):
    portfolio, sup = setup
    agent = make_user("ag", portfolio, role="agent")
    agent.email = "ag@example.com"
    agent.save()
    with pytest.raises(NotAllowed):
        subscription_set(portfolio=portfolio, user=agent, frequency="weekly", now=NOW)
    sup.email = ""
    sup.save()
    with pytest.raises(AnalyticsError, match="correo"):
        subscription_set(portfolio=portfolio, user=sup, frequency="weekly", now=NOW)
    sup.email = "sup@example.com"
    sup.save()
    with pytest.raises(AnalyticsError):
        subscription_set(portfolio=portfolio, user=sup, frequency="daily", now=NOW)
    subscription_set(portfolio=portfolio, user=sup, frequency="weekly", now=NOW)
    assert subscription_set(portfolio=portfolio, user=sup, frequency="none", now=NOW) is None
    assert not ReportSubscription.objects.exists()


def test_the_page_form(client, setup):
    portfolio, sup = setup
    login(client, "sup")
    response = client.post("/p/pyme/analytics/summary/", {"frequency": "monthly"})
    assert response.status_code == 302
    assert ReportSubscription.objects.get().frequency == "monthly"
    html = client.get("/p/pyme/analytics/", HTTP_ACCEPT_LANGUAGE="es-co").content.decode()
    assert "Resumen por correo" in html and "Sup@example.com" in html
