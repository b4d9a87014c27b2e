"""The daily snapshot, its flows and the month-end roll against a small real ledger (reports' build_book), and the
KPIs read from them, with exact numbers."""

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from recaudo.analytics.models import DailyFlow, DailySnapshot, RollSnapshot
from recaudo.analytics.selectors import kpi_report, roll_matrix, trend
from recaudo.analytics.services import PAID, AnalyticsError, snapshot_backfill, snapshot_write
from recaudo.audit.models import AuditEvent
from recaudo.demo.testing import make_portfolio
from recaudo.reports.tests.factories import build_book

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 11, 22, 20, 0, tzinfo=UTC)


@pytest.fixture
def book():
    portfolio = make_portfolio()
    return portfolio, build_book(portfolio)


def test_a_day_is_balances_per_bucket_with_its_flows(book):
    portfolio, _ = book
    snapshot_write(portfolio=portfolio, day=date(2026, 11, 22), now=NOW)
    rows = {r.bucket: (r.bucket_label, r.balance_minor, r.obligations, r.debtors) for r in DailySnapshot.objects.filter(
        portfolio=portfolio, day=date(2026, 11, 22), dimension="all")}
    assert rows == {0: ("current", 10_000_000, 1, 1), 1: ("1-30", 8_000_050, 1, 1), 2: ("31-60", 15_000_000, 1, 1),
                    6: ("over 360", 4_000_000, 1, 1)}
    flow = DailyFlow.objects.get(portfolio=portfolio, day=date(2026, 11, 22))
    assert (flow.receivables_minor, flow.current_minor, flow.debtors_with_balance) == (37_000_050, 10_000_000, 2)
    # segments and agents: nobody assigned, no segment -> everything under key 0
    seg = DailySnapshot.objects.filter(portfolio=portfolio, day=date(2026, 11, 22), dimension="segment")
    assert {r.key for r in seg} == {0} and sum(r.balance_minor for r in seg) == 37_000_050
    assert AuditEvent.objects.filter(event_type="analytics.snapshot_written").count() == 1


def test_a_past_day_is_exact_to_the_ledger_and_writing_it_again_replaces_it(book):
    portfolio, _ = book
    snapshot_write(portfolio=portfolio, day=date(2026, 11, 1), now=NOW)
    snapshot_write(portfolio=portfolio, day=date(2026, 11, 1), now=NOW)
    flow = DailyFlow.objects.get(portfolio=portfolio, day=date(2026, 11, 1))
    # F-1 100.000 + F-2 150.000 (paid 50.000 that day) + F-3 80.000,50 + F-4 40.000
    assert flow.receivables_minor == 37_000_050 and flow.collected_minor == 5_000_000
    # F-1 and F-3 not yet due, F-2 31 days, F-4 over 360
    assert DailySnapshot.objects.filter(portfolio=portfolio, day=date(2026, 11, 1), dimension="all").count() == 3


def test_a_month_end_writes_the_roll_from_the_previous_month_end(book):
    portfolio, _ = book
    snapshot_write(portfolio=portfolio, day=date(2026, 10, 31), now=NOW)
    rolls = {(r.from_bucket, r.to_bucket): (r.balance_minor, r.obligations)
             for r in RollSnapshot.objects.filter(portfolio=portfolio, month_end=date(2026, 10, 31))}
    # on 30 Sep: F-2 current (due 1 Oct) 200.000, F-4 over 360; F-5 was paid on 5 Sep
    assert rolls == {(0, 1): (20_000_000, 1), (6, 6): (4_000_000, 1)}
    snapshot_write(portfolio=portfolio, day=date(2026, 9, 30), now=NOW)
    rolls = {(r.from_bucket, r.to_bucket) for r in RollSnapshot.objects.filter(portfolio=portfolio,
                                                                               month_end=date(2026, 9, 30))}
    assert (0, PAID) in rolls  # F-5 had a balance on 31 Aug and owed nothing on 30 Sep
    matrix = roll_matrix(portfolio=portfolio, month_end=date(2026, 10, 31))
    # labels in the reader's language (es-CO by default)
    assert matrix.by_balance[("Corriente", "1–30 días")] == Decimal("100.00")
    assert matrix.by_count[("Más de 360 días", "Más de 360 días")] == Decimal("100.00")


def test_kpis_from_the_snapshots(book):
    portfolio, _ = book
    assert snapshot_backfill(portfolio=portfolio, start=date(2026, 9, 30), end=date(2026, 11, 22), now=NOW) == 54
    report = kpi_report(portfolio=portfolio, start=date(2026, 10, 1), end=date(2026, 11, 22))
    k = {x.code: x.value for x in report.kpis}
    assert k["receivables"] == 37_000_050
    assert k["credit_sales"] == 18_000_050  # F-1 and F-3 issued in the period
    assert k["collected"] == 5_000_000
    assert k["dso"] == Decimal("108.94")  # 37,000,050 x 53 / 18,000,050
    assert k["best_dso"] == Decimal("29.44")  # 10,000,000 x 53 / 18,000,050
    assert k["add"] == Decimal("79.50")
    # (24,000,000 + 18,000,050 - 37,000,050) / (24,000,000 + 18,000,050 - 10,000,000)
    assert k["cei"] == Decimal("15.62")
    assert k["recovery"] == Decimal("11.90")  # 5,000,000 / 42,000,050
    labels, days = trend(portfolio=portfolio, start=date(2026, 11, 21), end=date(2026, 11, 22))
    assert labels == ["Corriente", "1–30 días", "31–60 días", "Más de 360 días"]
    assert days[-1] == (date(2026, 11, 22), [10_000_000, 8_000_050, 15_000_000, 4_000_000])


def test_kpis_without_snapshots_say_how_to_get_them(book):
    portfolio, _ = book
    with pytest.raises(AnalyticsError, match="snapshots backfill"):
        kpi_report(portfolio=portfolio, start=date(2026, 10, 1), end=date(2026, 11, 22))


def test_a_day_not_yet_come_is_refused(book):
    portfolio, _ = book
    with pytest.raises(AnalyticsError):
        snapshot_write(portfolio=portfolio, day=date(2026, 11, 23), now=NOW)


def test_commands(book, capsys):
    portfolio, _ = book
    call_command("snapshots", "backfill", "--portfolio", portfolio.slug, "--from", "2026-11-20", "--to", "2026-11-22")
    call_command("kpis", "--portfolio", portfolio.slug, "--from", "2026-11-20", "--to", "2026-11-22",
                 "--format", "json")
    out = capsys.readouterr().out
    assert '"receivables"' in out and "37000050" in out
    call_command("kpis", "--portfolio", portfolio.slug, "--from", "2026-11-20", "--to", "2026-11-22", "--by",
                 "segment")
    assert "KPIs" in capsys.readouterr().out
    with pytest.raises(CommandError, match="--from"):
        call_command("kpis", "--portfolio", portfolio.slug, "--from", "2026-11-23", "--to", "2026-11-22")


def test_satisfaction_from_the_portals_ratings(book):
    from recaudo.audit.services import portal_actor
    from recaudo.portfolio.services import service_rating_add

    portfolio, rows = book
    debtor = rows["c1"]
    for score in (5, 4, 2):
        service_rating_add(debtor=debtor, score=score, action="payment", actor=portal_actor(debtor.pk),
                           now=datetime(2026, 11, 20, 15, 0, tzinfo=UTC))
    snapshot_backfill(portfolio=portfolio, start=date(2026, 11, 20), end=date(2026, 11, 22), now=NOW)
    report = kpi_report(portfolio=portfolio, start=date(2026, 11, 20), end=date(2026, 11, 22))
    k = {x.code: x.value for x in report.kpis}
    assert k["satisfaction"] == Decimal("3.67") and k["csat"] == Decimal("66.67")
