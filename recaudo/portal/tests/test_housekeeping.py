"""Housekeeping of the portal's own rows (expired challenges, old throttle rows, ended sessions, nonces of links too
old to open) by the worker's pass, set-based; and the guard that keeps a portfolio's slug off the portal's fixed
path segments."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import URLPattern, get_resolver
from django.utils import timezone

from recaudo.cycle.runner import worker_tick
from recaudo.demo.testing import make_luz, make_portfolio
from recaudo.portal.models import Challenge, LinkUse, PortalSession, Throttle
from recaudo.portal.services import portal_purge
from recaudo.portfolio.rules import PORTAL_RESERVED_SLUGS
from recaudo.portfolio.services import PortfolioError

pytestmark = pytest.mark.django_db


def _rows(portfolio, debtor, now, tag, age):
    """One row of each kind, `age` old (for a challenge and a session: expired `age` ago)."""
    at = now - age
    Challenge.objects.create(portfolio=portfolio, debtor=debtor, key_hash=f"k{tag}", code_hash="c", identifier_hash="i",
                             created_at=at - timedelta(minutes=10), expires_at=at)
    Throttle.objects.create(portfolio=portfolio, kind="request", identifier_hash="i", at=at)
    PortalSession.objects.create(portfolio=portfolio, debtor=debtor, key_hash=f"s{tag}", via="code",
                                 created_at=at - timedelta(minutes=30), expires_at=at)
    LinkUse.objects.create(nonce=f"n{tag}", portfolio=portfolio, debtor=debtor, used_at=at)


def test_the_worker_pass_deletes_only_what_no_check_needs(settings):
    settings.RECAUDO_PORTAL_LINK_HOURS = 168
    portfolio = make_portfolio()
    luz = make_luz(portfolio)
    now = timezone.now()
    for i in range(5):  # old: past every window
        _rows(portfolio, luz, now, f"old{i}", timedelta(days=8))
    _rows(portfolio, luz, now, "recent", timedelta(minutes=20))  # a throttle row inside the 30-minute window...
    # ...a session that ended 2 hours ago although it would expire later
    PortalSession.objects.create(portfolio=portfolio, debtor=luz, key_hash="ended", via="link",
                                 created_at=now - timedelta(hours=3), expires_at=now + timedelta(hours=1),
                                 ended_at=now - timedelta(hours=2))
    # a challenge expired 2 hours ago, a nonce used 2 days ago (its link may still be young enough to open)
    Challenge.objects.create(portfolio=portfolio, debtor=None, key_hash="k2h", code_hash="c", identifier_hash="i",
                             created_at=now - timedelta(hours=2, minutes=10), expires_at=now - timedelta(hours=2))
    LinkUse.objects.create(nonce="n2d", portfolio=portfolio, debtor=luz, used_at=now - timedelta(days=2))
    report = worker_tick(worker_id="test", now=now, outbox=False)
    assert report["housekeeping"]["recaudo.portal.services.portal_purge"] == {
        "challenges": 6, "throttle": 5, "sessions": 6, "links": 5}
    assert set(Challenge.objects.values_list("key_hash", flat=True)) == {"krecent"}
    assert Throttle.objects.count() == 1
    assert set(PortalSession.objects.values_list("key_hash", flat=True)) == {"srecent"}
    assert set(LinkUse.objects.values_list("nonce", flat=True)) == {"nrecent", "n2d"}


def test_the_purge_is_one_delete_per_table_whatever_the_number_of_rows():
    portfolio = make_portfolio()
    luz = make_luz(portfolio)
    now = timezone.now()
    for i in range(30):
        _rows(portfolio, luz, now, f"x{i}", timedelta(days=30))
    with CaptureQueriesContext(connection) as queries:
        counts = portal_purge(now=now)
    assert counts == {"challenges": 30, "throttle": 30, "sessions": 30, "links": 30}
    deletes = [q["sql"] for q in queries.captured_queries if q["sql"].startswith("DELETE")]
    assert len(deletes) == 4 and len(queries.captured_queries) <= 6  # 4 deletes (+ savepoint in a test)


def test_a_portfolio_slug_never_takes_a_fixed_segment_of_the_portal():
    for slug in ("l", "static"):
        with pytest.raises(PortfolioError) as refused:
            make_portfolio(slug=slug)
        assert refused.value.field == "slug" and "fixed part of the portal" in refused.value.message
    assert make_portfolio(slug="edificio-l").slug == "edificio-l"
    # every literal first segment of the portal's patterns is reserved
    portal = next(r for r in get_resolver().url_patterns if str(r.pattern) == "portal/")
    literal = {str(p.pattern).split("/")[0] for p in portal.url_patterns
               if isinstance(p, URLPattern) and not str(p.pattern).startswith("<")}
    assert literal and literal <= PORTAL_RESERVED_SLUGS


def test_the_admin_refuses_a_reserved_slug():
    from recaudo.portfolio.admin import PortfolioAdminForm

    form = PortfolioAdminForm(data={"slug": "l"})
    form.is_valid()
    assert "fixed part of the portal" in str(form.errors["slug"])
