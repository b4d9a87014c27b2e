"""Benchmark: the daily cycle over 1,000,000 open obligations and 250,000 debtors, on SQLite and PostgreSQL.

    .venv/bin/python bench/bench_cycle.py                    # both databases, full size
    .venv/bin/python bench/bench_cycle.py -n 100000 --only sqlite

Loads N open obligations over N/4 debtors (due dates mostly in the last 75 days, a fifth
over the last 400, some up to 10 days ahead; 1% disputed;
1,000 debtors on hold; four in five debtors with a phone and an email contact with consent, the rest without
consent so the compliance block path runs too) straight into a fresh database with raw SQL (seeded). Cached debtor
columns (balance, open count, oldest due date, disputed) are computed by the generator as the ledger would.
Ledger entries are not loaded: the cycle reads only the cached columns and obligations.

Then, each in its own child process (so peak RSS is the cycle's), times:
  1. the first cycle (catch-up: most debtors have a step due),
  2. the same day again, forced to plan every chunk again (exactly once: nothing new is written),
  3. the next day (a normal day).
Prints wall time, peak RSS and what was created. Targets: <= 240 s SQLite, <= 120 s PostgreSQL, <= 1 GB.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from _common import PG_SERVER, fresh_postgres, fresh_sqlite, run_child  # bench/ is on the path when a script runs

ROOT = Path(__file__).resolve().parent.parent
PG_DB = "recaudo_bench_cycle"
CHUNK = 50_000
TODAY = date(2026, 3, 2)  # a Monday: contacts allowed in Colombia at 08:00

COLUMNS = {
    "debtor": ("portfolio_debtor", "id, code, kind, id_type, id_number, name, customer_since, tags, language, "
               "timezone, balance_minor, open_count, oldest_due_date, disputed, credit_minor, search_text, "
               "created_at, updated_at, portfolio_id"),
    "obligation": ("portfolio_obligation", "id, number, kind, issue_date, due_date, original_minor, currency, "
                   "description, external_ref, disputed, dispute_reason, balance_minor, status, created_at, "
                   "updated_at, debtor_id, portfolio_id"),
    "contact": ("portfolio_contact", "id, channel, value, city, role, holder_name, is_primary, created_at, debtor_id"),
    "consent": ("portfolio_consent", "id, channel, status, at, source, method, given_on, contact_id"),
    "hold": ("strategies_hold", "id, reason, until, notes, released_at, created_at, created_by_id, "
             "created_by_step_id, debtor_id, obligation_id, portfolio_id"),
}


def generate(n: int, portfolio_id: int, seed: int = 20260302):
    """Yield (table, row) tuples, ids assigned from 1, in insert order: each debtor (with its contacts and consents)
    before the obligations that name it, because PostgreSQL checks those keys at the end of each statement
    (decision 0007), not at the commit. The debtors' cached columns come from a first pass over the same seeded
    obligations, which the second pass yields."""
    now = datetime.now(UTC)
    n_debtors = max(1, n // 4)
    balance = [0] * (n_debtors + 1)
    count = [0] * (n_debtors + 1)
    oldest: list[date | None] = [None] * (n_debtors + 1)
    disputed = [False] * (n_debtors + 1)

    def obligations():
        rng = random.Random(seed)
        for i in range(1, n + 1):
            d = rng.randint(1, n_debtors)
            due = TODAY - timedelta(days=rng.randint(-10, 400) if rng.random() < 0.2 else rng.randint(-10, 75))
            amount = rng.randint(50_000, 5_000_000) * 100
            yield i, d, due, amount, rng.random() < 0.01

    for _i, d, due, amount, is_disputed in obligations():
        balance[d] += amount
        count[d] += 1
        disputed[d] = disputed[d] or is_disputed
        if oldest[d] is None or due < oldest[d]:
            oldest[d] = due
    contact_id = consent_id = 0
    for d in range(1, n_debtors + 1):
        kind = "company" if d % 7 == 0 else "person"
        yield "debtor", (d, f"C{d:07d}", kind, "CC", str(10_000_000 + d), f"Deudor {d}", None, "", "es", "",
                         balance[d], count[d], oldest[d], disputed[d], 0, f"deudor {d}", now, now, portfolio_id)
        if d % 5:
            for channel, value, consents in (("phone", f"+5730{d:08d}", ("call", "sms")),
                                             ("email", f"d{d}@example.com", ("email",))):
                contact_id += 1
                yield "contact", (contact_id, channel, value, "", "debtor", "", True, now, d)
                for c in consents:
                    consent_id += 1
                    yield "consent", (consent_id, c, "granted", now, "bench", "other", None, contact_id)
    for i, d, due, amount, is_disputed in obligations():
        yield "obligation", (i, f"F-{i:07d}", "invoice", due - timedelta(days=30), due, amount, "COP", "", "",
                             is_disputed, "disputed" if is_disputed else "", amount, "open", now, now, d,
                             portfolio_id)
    # 1,000 debtors on hold at full size; one in 250 at small sizes, so most debtors still have a step due.
    holds = min(1000, n_debtors // 250)
    for h in range(1, holds + 1):
        d = h * max(1, n_debtors // holds)
        yield "hold", (h, "promise", TODAY + timedelta(days=10), "", None, now, None, None, d, None, portfolio_id)


def _sqlite_value(value):
    if isinstance(value, datetime):
        return value.replace(tzinfo=None).isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    return value


def load(n: int, portfolio_id: int, chunk: int = CHUNK) -> dict[str, int]:
    from django.db import connection, transaction

    counts = dict.fromkeys(COLUMNS, 0)
    buffers: dict[str, list] = {k: [] for k in COLUMNS}
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")
            raw = cursor.cursor

            def flush(kind):
                table, cols = COLUMNS[kind]
                with raw.copy(f"COPY {table} ({cols}) FROM STDIN") as copy:
                    for row in buffers[kind]:
                        copy.write_row(row)
                buffers[kind].clear()
        else:
            cursor.execute("PRAGMA defer_foreign_keys = ON")

            def flush(kind):
                table, cols = COLUMNS[kind]
                marks = ", ".join(["%s"] * len(cols.split(",")))
                cursor.executemany(f"INSERT INTO {table} ({cols}) VALUES ({marks})",
                                   [tuple(_sqlite_value(v) for v in r) for r in buffers[kind]])
                buffers[kind].clear()

        for kind, row in generate(n, portfolio_id):
            buffers[kind].append(row)
            counts[kind] += 1
            if len(buffers[kind]) >= chunk:
                # every table in COLUMNS order (parents first): a debtor's contacts go in after it
                for name in COLUMNS:
                    if buffers[name]:
                        flush(name)
        for kind in COLUMNS:
            if buffers[kind]:
                flush(kind)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            for table, _ in COLUMNS.values():
                cursor.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                               f"(SELECT COALESCE(MAX(id), 1) FROM {table}))")
            cursor.execute("VACUUM ANALYZE")
        else:
            cursor.execute("ANALYZE")
    return counts


def child(phase: str, n: int, chunk: int = CHUNK) -> None:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "recaudo.settings")
    django.setup()
    from django.core.management import call_command

    from recaudo.cycle.engine import Cycle
    from recaudo.cycle.runner import cycle_run
    from recaudo.portfolio.models import Portfolio
    from recaudo.portfolio.services import portfolio_create
    from recaudo.strategies.models import CycleRun, StepExecution
    from recaudo.strategies.services import strategy_ensure_default

    t0 = time.perf_counter()
    out: dict = {"phase": phase}
    if phase == "load":
        call_command("migrate", verbosity=0)
        portfolio = portfolio_create(slug="bench", name="Bench", country="CO", currency="COP")
        strategy_ensure_default(portfolio)
        out["counts"] = load(n, portfolio.pk, chunk)
    else:
        portfolio = Portfolio.objects.get(slug="bench")
        day = TODAY + timedelta(days=1) if phase == "next_day" else TODAY
        if phase == "same_day_again":
            run = CycleRun.objects.get(portfolio=portfolio, business_date=TODAY)
            before = StepExecution.objects.count()
            CycleRun.objects.filter(pk=run.pk).update(status="running", claimed_by="bench", progress_debtor_id=0,
                                                      counts={})
            run.refresh_from_db()
            cycle = Cycle(portfolio=portfolio, business_date=TODAY)
            cycle.execute(run, "bench")
            out["new_steps"] = StepExecution.objects.count() - before
            out["counts"] = cycle.counts
        else:
            result = cycle_run(portfolio=portfolio, business_date=day, worker_id="bench")
            out["status"], out["counts"] = result.status, result.counts
    out["seconds"] = time.perf_counter() - t0
    out["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps(out, default=str))


def run_backend(backend: str, n: int, pg_url: str, chunk: int = CHUNK) -> list[dict]:
    env = dict(os.environ)
    results = []
    with tempfile.TemporaryDirectory(prefix="bench-cycle-") as home:
        env["RECAUDO_HOME"] = home
        env["DJANGO_SETTINGS_MODULE"] = "recaudo.settings"
        env["DATABASE_URL"] = (fresh_sqlite(home) if backend == "sqlite"
                               else fresh_postgres(pg_url))
        for phase in ("load", "first_run", "same_day_again", "next_day"):
            result = run_child([__file__, "--child", phase, "-n", str(n), "--chunk", str(chunk)], env,
                               f"{backend} {phase}")
            result["backend"] = backend
            print(json.dumps(result), file=sys.stderr)
            results.append(result)
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("-n", type=int, default=1_000_000, help="open obligations (default 1,000,000)")
    parser.add_argument("--only", choices=["sqlite", "postgresql"])
    parser.add_argument("--pg-url", default=f"{PG_SERVER}/{PG_DB}")
    parser.add_argument("--chunk", type=int, default=CHUNK, help="rows per INSERT/COPY while loading (default 50,000)")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    if args.child:
        child(args.child, args.n, args.chunk)
        return
    results = []
    for backend in ("sqlite", "postgresql"):
        if args.only in (None, backend):
            results.extend(run_backend(backend, args.n, args.pg_url, args.chunk))
    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"daily cycle over {args.n:,} open obligations, {args.n // 4:,} debtors")
    for col in ("database", "phase", "seconds", "peak RSS MB", "result"):
        table.add_column(col, justify="right" if col in ("seconds", "peak RSS MB") else "left")
    for r in results:
        c = r.get("counts", {})
        if r["phase"] == "load":
            what = ", ".join(f"{v:,} {k}s" for k, v in c.items())
        else:
            what = (f"debtors {c.get('debtors', 0):,}, steps {c.get('steps', 0):,} (done "
                    f"{c.get('outcome:done', 0):,}, blocked {c.get('outcome:blocked', 0):,}), skipped "
                    f"{c.get('skipped', 0):,}")
            if "new_steps" in r:
                what += f"; new rows written: {r['new_steps']}"
        table.add_row(r["backend"], r["phase"], f"{r['seconds']:.1f}", f"{r['peak_rss_mb']:.0f}", what)
    Console(width=200).print(table)
    again = [r for r in results if r["phase"] == "same_day_again" and r["new_steps"] != 0]
    if again:
        raise SystemExit(f"FAILED: running the same day again wrote new steps: {again}")


if __name__ == "__main__":
    main()
