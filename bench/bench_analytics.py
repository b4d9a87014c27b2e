"""Benchmark: the analytics' daily snapshot and KPIs over a large portfolio, on SQLite and PostgreSQL.

    .venv/bin/python bench/bench_analytics.py                  # 1,000,000 obligations, both databases
    .venv/bin/python bench/bench_analytics.py -n 100000 --only sqlite
    .venv/bin/python bench/bench_analytics.py -n 400           # what scripts/bench-smoke.sh runs (no timing)

Loads N obligations exactly as bench_aging.py does (N/4 debtors, about 1.5 ledger entries per obligation), puts
the debtors in 5 segments and assigns them to 20 agents (raw SQL), then times:
- the daily snapshot of today (recaudo.analytics.services.snapshot_write: cached balances, per bucket, segment
  and agent, plus the day's flows), best of 3;
- the snapshot of a past month's end (the ledger summed as of that day, plus the month's roll from the month
  before: three ledger passes);
- the KPIs over a year: 365 days of snapshots are written straight into the history tables (the same number of
  rows the cycle would write: buckets x (1 + segments + agents) per day), then kpi_report over the year and the
  analytics page's data (analytics_page), best of 3.
Targets (issue 17 §6): the daily snapshot <= 30 s and KPIs over a year of daily snapshots <= 2 s, on both engines.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from _common import (  # bench/ is on the path when a script runs
    PG_SERVER,
    django_child,
    fresh_postgres,
    fresh_sqlite,
    run_child,
)
from bench_aging import best_of, load

ROOT = Path(__file__).resolve().parent.parent
PG_DB = "recaudo_bench_analytics"
SEGMENTS = 5
AGENTS = 20
TARGETS = {"daily snapshot (today)": 30, "KPIs over a year": 2, "analytics page over a year": 2}


def _people(portfolio) -> None:
    """5 segments, 20 agents, every debtor in a segment and assigned to an agent (raw SQL, set-based)."""
    from django.contrib.auth import get_user_model
    from django.db import connection

    from recaudo.agents.models import Assignment
    from recaudo.strategies.models import DebtorStrategyState, Segment

    segments = [Segment.objects.create(portfolio=portfolio, name=f"Segmento {i}", order=i) for i in range(SEGMENTS)]
    User = get_user_model()
    agents = [User.objects.create(username=f"agente{i}") for i in range(AGENTS)]
    now = datetime.now(UTC)
    with connection.cursor() as cursor:
        seg_case = " ".join(f"WHEN {i} THEN {s.pk}" for i, s in enumerate(segments))
        cursor.execute(
            f"INSERT INTO {DebtorStrategyState._meta.db_table} (debtor_id, portfolio_id, segment_id, priority, "
            f"priority_balance_minor, priority_days, segment_name, stage) "
            f"SELECT id, portfolio_id, CASE id %% {SEGMENTS} {seg_case} END, 0, 0, 0, '', '' FROM portfolio_debtor "
            f"WHERE portfolio_id = %s", [portfolio.pk])
        agent_case = " ".join(f"WHEN {i} THEN {a.pk}" for i, a in enumerate(agents))
        cursor.execute(
            f"INSERT INTO {Assignment._meta.db_table} (portfolio_id, debtor_id, agent_id, at) "
            f"SELECT portfolio_id, id, CASE id %% {AGENTS} {agent_case} END, %s FROM portfolio_debtor "
            f"WHERE portfolio_id = %s", [now, portfolio.pk])


def _year_of_history(portfolio, today: date) -> int:
    """365 days of snapshot and flow rows (seeded), as many as the cycle writes; returns the rows written."""
    from django.db import connection

    from recaudo.analytics.models import DailyFlow, DailySnapshot, RollSnapshot
    from recaudo.portfolio.aging import parse_buckets

    rng = random.Random(17)
    buckets = parse_buckets(portfolio.buckets)
    keys = [("all", 0)] + [("segment", k) for k in range(1, SEGMENTS + 1)] + [("agent", k) for k in
                                                                                range(1, AGENTS + 1)]
    snaps, flows, rolls = [], [], []
    now = datetime.now(UTC)
    for d in range(365, 0, -1):  # today's row is the real snapshot
        day = today - timedelta(days=d)
        for dim, key in keys:
            for b, bucket in enumerate(buckets):
                snaps.append((portfolio.pk, day, dim, key, b, bucket.label, rng.randint(10**9, 10**12),
                              rng.randint(100, 100_000), rng.randint(50, 50_000)))
        flows.append((portfolio.pk, day, rng.randint(10**10, 10**11), rng.randint(10**10, 10**11),
                      rng.randint(10**13, 10**14), rng.randint(10**12, 10**13), rng.randint(10_000, 250_000), now))
        if (day + timedelta(days=1)).day == 1:
            for a in range(len(buckets)):
                for b in (*range(len(buckets)), -1):
                    rolls.append((portfolio.pk, day, a, b, rng.randint(10**9, 10**12), rng.randint(1, 50_000)))
    with connection.cursor() as cursor:
        def put(model, cols, rows):
            marks = ", ".join(["%s"] * len(cols))
            cursor.executemany(f"INSERT INTO {model._meta.db_table} ({', '.join(cols)}) VALUES ({marks})", rows)
        put(DailySnapshot, ("portfolio_id", "day", "dimension", "key", "bucket", "bucket_label", "balance_minor",
                            "obligations", "debtors"), snaps)
        put(DailyFlow, ("portfolio_id", "day", "credit_sales_minor", "collected_minor", "receivables_minor",
                        "current_minor", "debtors_with_balance", "written_at"), flows)
        put(RollSnapshot, ("portfolio_id", "month_end", "from_bucket", "to_bucket", "balance_minor", "obligations"),
            rolls)
    return len(snaps) + len(flows) + len(rolls)


def child(backend: str, n: int) -> None:
    import json

    django_child()
    from recaudo.analytics.models import DailyFlow
    from recaudo.analytics.selectors import analytics_page, kpi_report
    from recaudo.analytics.services import snapshot_write
    from recaudo.portfolio.services import portfolio_create

    portfolio = portfolio_create(slug="bench", name="Bench", country="CO", currency="COP")
    today = portfolio.today()
    t0 = time.perf_counter()
    counts = load(n, portfolio.pk, today)
    _people(portfolio)
    load_s = time.perf_counter() - t0
    timings = {}
    seconds, result = best_of(lambda: snapshot_write(portfolio=portfolio, day=today, actor="bench"))
    flow = DailyFlow.objects.get(portfolio=portfolio, day=today)
    timings["daily snapshot (today)"] = seconds
    month_end = today.replace(day=1) - timedelta(days=1)
    seconds, _ = best_of(lambda: snapshot_write(portfolio=portfolio, day=month_end, actor="bench"), repeat=1)
    timings["snapshot of a past month end (ledger, with its roll)"] = seconds
    # the cached balances and the ledger agree on today's receivables (the snapshot's own check)
    from recaudo.reports.selectors import aging_report
    ledger_total = sum(t.amount_minor for t in aging_report(portfolio=portfolio, as_of=today,
                                                            use_cache=False).totals)
    if ledger_total != flow.receivables_minor:
        raise SystemExit(f"FAILED: snapshot receivables {flow.receivables_minor} != ledger {ledger_total}")
    from recaudo.analytics.models import DailySnapshot, RollSnapshot
    DailySnapshot.objects.filter(portfolio=portfolio).exclude(day=today).delete()
    RollSnapshot.objects.filter(portfolio=portfolio).delete()
    DailyFlow.objects.filter(portfolio=portfolio).exclude(day=today).delete()
    rows = _year_of_history(portfolio, today)
    start = today - timedelta(days=364)
    seconds, report = best_of(lambda: kpi_report(portfolio=portfolio, start=start, end=today))
    timings["KPIs over a year"] = seconds
    seconds, _ = best_of(lambda: analytics_page(portfolio=portfolio, start=start, end=today))
    if os.environ.get("BENCH_CPROFILE"):  # where the page's time goes (--profile)
        import cProfile

        with cProfile.Profile() as profiler:
            analytics_page(portfolio=portfolio, start=start, end=today)
        profiler.dump_stats(os.environ["BENCH_CPROFILE"])
    timings["analytics page over a year"] = seconds
    print(json.dumps({"backend": backend, "counts": counts, "load_s": load_s, "history_rows": rows,
                      "receivables": flow.receivables_minor, "buckets": result["buckets"],
                      "dso": str(report.kpi("dso").value), "timings": timings}))


def run_backend(backend: str, n: int, pg_url: str, profile: str | None = None) -> dict:
    env = dict(os.environ)
    if profile:
        env["BENCH_CPROFILE"] = f"{profile}.{backend}"
    with tempfile.TemporaryDirectory(prefix="bench-analytics-") as home:
        env["RECAUDO_HOME"] = home
        env["DJANGO_SETTINGS_MODULE"] = "recaudo.settings"
        env["DATABASE_URL"] = fresh_sqlite(home) if backend == "sqlite" else fresh_postgres(pg_url)
        return run_child([__file__, "--child", backend, "-n", str(n)], env, f"{backend} benchmark")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("-n", type=int, default=1_000_000, help="obligations (default 1,000,000)")
    parser.add_argument("--only", choices=["sqlite", "postgresql"])
    parser.add_argument("--pg-url", default=f"{PG_SERVER}/{PG_DB}")
    parser.add_argument("--profile", metavar="FILE",
                        help="write the analytics page's cProfile statistics to FILE.<database> (read with pstats)")
    parser.add_argument("--child", choices=["sqlite", "postgresql"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    if args.child:
        child(args.child, args.n)
        return
    results = [run_backend(b, args.n, args.pg_url, args.profile) for b in ("sqlite", "postgresql")
               if args.only in (None, b)]
    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"analytics over {args.n:,} obligations ({SEGMENTS} segments, {AGENTS} agents)")
    for col in ("database", "load s", "step", "seconds", "target s"):
        table.add_column(col, justify="left" if col in ("database", "step") else "right")
    for r in results:
        for i, (label, seconds) in enumerate(r["timings"].items()):
            table.add_row(r["backend"] if i == 0 else "", f"{r['load_s']:.1f}" if i == 0 else "", label,
                          f"{seconds:.3f}", str(TARGETS.get(label, "")))
    Console(width=160).print(table)


if __name__ == "__main__":
    main()
