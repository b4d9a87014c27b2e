"""Writing the analytics' history: a portfolio's daily snapshot (balances and counts per aging bucket, for the
whole portfolio, per segment and per agent), the day's flows, and at each month's end the roll between buckets
since the month before. Each is set-based (a few INSERT ... SELECT whatever the size of the book) and idempotent:
writing a day again replaces it."""

from __future__ import annotations

import calendar
from datetime import date, datetime, timedelta

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from recaudo.agents.models import Assignment
from recaudo.audit.services import audit_record
from recaudo.core.errors import DomainError
from recaudo.ledger.models import Payment
from recaudo.portfolio.models import Obligation, Portfolio
from recaudo.reports.selectors import bucketed_balances_sql, roll_sql
from recaudo.strategies.models import DebtorStrategyState

from .models import DailyFlow, DailySnapshot, RollSnapshot

PAID = -1  # the roll's "to" bucket of an obligation that owes nothing at the month's end
MAX_BACKFILL_DAYS = 3 * 366


class AnalyticsError(DomainError):
    pass


def month_end(day: date) -> date:
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


def is_month_end(day: date) -> bool:
    return day == month_end(day)


def _previous_month_end(day: date) -> date:
    return day.replace(day=1) - timedelta(days=1)


def _write_day(portfolio: Portfolio, day: date, now: datetime) -> dict:
    balances_sql, params, buckets = bucketed_balances_sql(portfolio, day)
    snap = DailySnapshot._meta.db_table
    ops = connection.ops
    day_param = ops.adapt_datefield_value(day)
    DailySnapshot.objects.filter(portfolio=portfolio, day=day).delete()
    joins = {
        DailySnapshot.Dimension.ALL: ("0", ""),
        DailySnapshot.Dimension.SEGMENT: (
            "COALESCE(s.segment_id, 0)",
            f"LEFT JOIN {DebtorStrategyState._meta.db_table} s ON s.debtor_id = x.debtor_id"),
        DailySnapshot.Dimension.AGENT: (
            "COALESCE(a.agent_id, 0)", f"LEFT JOIN {Assignment._meta.db_table} a ON a.debtor_id = x.debtor_id"),
    }
    with connection.cursor() as cursor:
        for dimension, (key_sql, join_sql) in joins.items():
            cursor.execute(
                f"INSERT INTO {snap} (portfolio_id, day, dimension, key, bucket, bucket_label, balance_minor, "
                f"obligations, debtors) "
                f"SELECT %s, %s, %s, {key_sql}, x.bucket, '', SUM(x.bal), COUNT(*), COUNT(DISTINCT x.debtor_id) "
                f"FROM ({balances_sql}) x {join_sql} GROUP BY {key_sql + ', ' if join_sql else ''}x.bucket",
                [portfolio.pk, day_param, dimension.value] + params,
            )
        cursor.execute(f"SELECT COUNT(DISTINCT x.debtor_id) FROM ({balances_sql}) x", params)
        debtors = int(cursor.fetchone()[0] or 0)
    for index, bucket in enumerate(buckets):
        DailySnapshot.objects.filter(portfolio=portfolio, day=day, bucket=index).update(bucket_label=bucket.label)
    totals = {row["bucket"]: row["balance_minor"] for row in DailySnapshot.objects.filter(
        portfolio=portfolio, day=day, dimension=DailySnapshot.Dimension.ALL).values("bucket", "balance_minor")}
    sales = sum(Obligation.objects.filter(portfolio=portfolio, issue_date=day).values_list("original_minor",
                                                                                           flat=True).iterator())
    collected = sum(Payment.objects.filter(portfolio=portfolio, date=day, reversed_at__isnull=True)
                    .values_list("amount_minor", flat=True).iterator())
    first_is_current = bool(buckets) and buckets[0].min_days is None and buckets[0].max_days == 0
    DailyFlow.objects.update_or_create(portfolio=portfolio, day=day, defaults={
        "credit_sales_minor": sales, "collected_minor": collected, "receivables_minor": sum(totals.values()),
        "current_minor": totals.get(0, 0) if first_is_current else 0, "debtors_with_balance": debtors,
        "written_at": now})
    rolled = _write_roll(portfolio, day, buckets) if is_month_end(day) else 0
    return {"buckets": len(totals), "receivables_minor": sum(totals.values()), "rolled": rolled}


def _write_roll(portfolio: Portfolio, day: date, buckets) -> int:
    """The roll from the previous month's end to this one: every obligation with a balance then, by its bucket
    then and now (PAID when it owes nothing now), weighted by its balance then; one pass over the ledger."""
    sql, params = roll_sql(portfolio, _previous_month_end(day), day)
    table = RollSnapshot._meta.db_table
    RollSnapshot.objects.filter(portfolio=portfolio, month_end=day).delete()
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (portfolio_id, month_end, from_bucket, to_bucket, balance_minor, obligations) "
            f"SELECT %s, %s, r.fb, r.tb, r.s, r.n FROM ({sql}) r",
            [portfolio.pk, connection.ops.adapt_datefield_value(day)] + params,
        )
        return cursor.rowcount


@transaction.atomic
def snapshot_write(*, portfolio: Portfolio, day: date, actor="cycle", now: datetime | None = None) -> dict:
    """Write (or rewrite) the portfolio's snapshot and flows of `day`, and its roll when `day` ends a month."""
    now = now or timezone.now()
    if day > portfolio.today(now):
        raise AnalyticsError(_("%(day)s has not come yet in the portfolio's time zone") % {"day": day.isoformat()},
                             field="day")
    result = _write_day(portfolio, day, now)
    audit_record(event_type="analytics.snapshot_written", subject=portfolio, actor=actor, portfolio=portfolio,
                 changes={"day": day.isoformat(), **result}, at=now)
    return result


def snapshot_for_cycle(*, portfolio: Portfolio, day: date, now: datetime) -> dict | None:
    """The daily cycle's snapshot of its business date (nothing for a date that has not come yet: a cycle run
    ahead of time, e.g. a dry rehearsal of tomorrow)."""
    if day > portfolio.today(now):
        return None
    return snapshot_write(portfolio=portfolio, day=day, actor="cycle", now=now)


def snapshot_backfill(*, portfolio: Portfolio, start: date, end: date, actor="cli", now: datetime | None = None,
                      progress=None) -> int:
    """Rebuild the snapshots of every day in [start, end] from the ledger (the aging as of each date), one day per
    transaction. Segments and agents are today's (the history of assignments is in the audit trail, not in
    tables). Returns the number of days written."""
    now = now or timezone.now()
    if start > end:
        raise AnalyticsError(_("the start date is after the end date"), field="from")
    end = min(end, portfolio.today(now))
    if (end - start).days + 1 > MAX_BACKFILL_DAYS:
        raise AnalyticsError(_("at most %(n)d days per rebuild") % {"n": MAX_BACKFILL_DAYS}, field="from")
    day, written = start, 0
    while day <= end:
        snapshot_write(portfolio=portfolio, day=day, actor=actor, now=now)
        written += 1
        if progress:
            progress(day)
        day += timedelta(days=1)
    return written
