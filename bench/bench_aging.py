"""Benchmark: aging over a large portfolio on SQLite and PostgreSQL.

    .venv/bin/python bench/bench_aging.py                 # 1,000,000 obligations, both databases
    .venv/bin/python bench/bench_aging.py -n 100000 --only sqlite

Loads N obligations (N/4 debtors; half of the obligations get a payment, four in five of those in full:
about 1.5 entries per obligation) straight into a fresh database with raw SQL (executemany on SQLite, COPY on
PostgreSQL; seeded random data), then times recaudo.reports.selectors.aging_report as of today (cached-balance
path and forced ledger path) and as of a past date (ledger path), best of 3, and prints a table.

Each database runs in its own child process (Django settings are read once per process): a fresh SQLite file
under a temporary RECAUDO_HOME, and a fresh PostgreSQL database recaudo_bench_aging (--pg-url).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from _common import PG_SERVER, fresh_postgres, fresh_sqlite, run_child  # bench/ is on the path when a script runs

ROOT = Path(__file__).resolve().parent.parent
PG_DB = "recaudo_bench_aging"
CHUNK = 50_000


def generate(n: int, portfolio_id: int, today: date, seed: int = 20261122):
    """Yield ('debtor'|'obligation'|'payment'|'entry', row) tuples, ids assigned from 1, in insert order: the
    debtors first (PostgreSQL checks keys at the end of each statement), with the cached totals of their
    obligations, which a first pass over the same seeded obligations adds up."""
    now = datetime.now(UTC)
    n_debtors = max(1, n // 4)
    debtor_balance = [0] * (n_debtors + 1)
    debtor_open = [0] * (n_debtors + 1)
    debtor_oldest: list[date | None] = [None] * (n_debtors + 1)
    totals = (debtor_balance, debtor_open, debtor_oldest)
    for _ in _obligations(n, portfolio_id, today, seed, now, totals):
        pass
    for d in range(1, n_debtors + 1):
        yield "debtor", (d, f"C{d:07d}", "person", "CC", str(10_000_000 + d), f"Deudor {d}", None, "", "es", "",
                         debtor_balance[d], debtor_open[d], debtor_oldest[d], False, 0, f"deudor {d} c{d:07d}",
                         now, now, portfolio_id)
    yield from _obligations(n, portfolio_id, today, seed, now, None)


def _obligations(n: int, portfolio_id: int, today: date, seed: int, now: datetime, totals):
    """The obligations, payments and entries; totals (balance, open count, oldest due date per debtor) are added
    up when given."""
    rng = random.Random(seed)
    n_debtors = max(1, n // 4)
    payment_id = 0
    entry_id = 0
    start = today - timedelta(days=3 * 365)
    for i in range(1, n + 1):
        debtor_id = rng.randint(1, n_debtors)
        issue = start + timedelta(days=rng.randint(0, 3 * 365))
        due = issue + timedelta(days=rng.choice((15, 30, 30, 60)))
        amount = rng.randint(50_000, 5_000_000) * 100
        entries = []
        entry_id += 1
        entries.append((entry_id, "charge", "principal", amount, issue, None))
        balance = amount
        roll = rng.random()
        payment = None
        if roll < 0.5:
            paid = amount if roll < 0.4 else rng.randint(1, amount - 1)
            pay_date = min(issue + timedelta(days=rng.randint(0, 120)), today)
            payment_id += 1
            payment = (payment_id, debtor_id, pay_date, paid)
            entry_id += 1
            entries.append((entry_id, "payment", "principal", -paid, pay_date, payment_id))
            balance -= paid
        status = "open" if balance > 0 else "paid"
        if balance > 0 and totals is not None:
            debtor_balance, debtor_open, debtor_oldest = totals
            debtor_balance[debtor_id] += balance
            debtor_open[debtor_id] += 1
            if debtor_oldest[debtor_id] is None or due < debtor_oldest[debtor_id]:
                debtor_oldest[debtor_id] = due
        yield "obligation", (i, f"F-{i:07d}", "invoice", issue, due, amount, "COP", "", "", False, "", balance,
                             status, now, now, debtor_id, portfolio_id)
        if payment is not None:
            pid, did, pdate, pamount = payment
            yield "payment", (pid, pdate, pamount, "COP", "", f"R{pid}", "import", f"R{pid}", 0, None, now, None,
                              did, None, portfolio_id)
        for eid, kind, component, minor, value_date, pay in entries:
            yield "entry", (eid, kind, component, minor, value_date, now, "", None, debtor_id, i, portfolio_id, pay,
                            None)


COLUMNS = {
    "debtor": ("portfolio_debtor", "id, code, kind, id_type, id_number, name, customer_since, tags, language, "
               "timezone, balance_minor, open_count, oldest_due_date, disputed, credit_minor, search_text, "
               "created_at, updated_at, portfolio_id"),
    "obligation": ("portfolio_obligation", "id, number, kind, issue_date, due_date, original_minor, currency, "
                   "description, external_ref, disputed, dispute_reason, balance_minor, status, created_at, "
                   "updated_at, debtor_id, portfolio_id"),
    "payment": ("ledger_payment", "id, date, amount_minor, currency, method, reference, source, source_ref, "
                "unapplied_minor, reversed_at, created_at, created_by_id, debtor_id, obligation_id, portfolio_id"),
    "entry": ("ledger_entry", "id, kind, component, amount_minor, value_date, created_at, memo, created_by_id, "
              "debtor_id, obligation_id, portfolio_id, payment_id, reverses_id"),
}


def _sqlite_value(value):
    if isinstance(value, datetime):
        return value.replace(tzinfo=None).isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    return value


def load(n: int, portfolio_id: int, today: date, chunk: int = CHUNK) -> dict[str, int]:
    from django.db import connection, transaction

    counts = dict.fromkeys(COLUMNS, 0)
    vendor = connection.vendor
    with transaction.atomic(), connection.cursor() as cursor:
        if vendor == "postgresql":
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")
            raw = cursor.cursor
            # One COPY at a time per connection: buffer rows per table, flush in chunks.
            buffers: dict[str, list] = {k: [] for k in COLUMNS}

            def flush(kind):
                table, cols = COLUMNS[kind]
                with raw.copy(f"COPY {table} ({cols}) FROM STDIN") as copy:
                    for row in buffers[kind]:
                        copy.write_row(row)
                buffers[kind].clear()

            for kind, row in generate(n, portfolio_id, today):
                buffers[kind].append(row)
                counts[kind] += 1
                if len(buffers[kind]) >= chunk:
                    # every table in COLUMNS order (parents first): an entry goes in after its obligation
                    for name in COLUMNS:
                        if buffers[name]:
                            flush(name)
            for kind in COLUMNS:
                if buffers[kind]:
                    flush(kind)
        else:
            cursor.execute("PRAGMA defer_foreign_keys = ON")
            buffers = {k: [] for k in COLUMNS}

            def flush(kind):
                table, cols = COLUMNS[kind]
                marks = ", ".join(["%s"] * len(cols.split(",")))
                rows = [tuple(_sqlite_value(v) for v in r) for r in buffers[kind]]
                cursor.executemany(f"INSERT INTO {table} ({cols}) VALUES ({marks})", rows)
                buffers[kind].clear()

            for kind, row in generate(n, portfolio_id, today):
                buffers[kind].append(row)
                counts[kind] += 1
                if len(buffers[kind]) >= chunk:
                    # every table in COLUMNS order (parents first): an entry goes in after its obligation
                    for name in COLUMNS:
                        if buffers[name]:
                            flush(name)
            for kind in COLUMNS:
                if buffers[kind]:
                    flush(kind)
    with connection.cursor() as cursor:
        if vendor == "postgresql":
            for table in ("portfolio_debtor", "portfolio_obligation", "ledger_payment", "ledger_entry"):
                cursor.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT MAX(id) FROM {table}))")
            cursor.execute("VACUUM ANALYZE")
        else:
            cursor.execute("ANALYZE")
    return counts


def best_of(fn, repeat: int = 3) -> tuple[float, object]:
    best, result = float("inf"), None
    for _ in range(repeat):
        t0 = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - t0)
    return best, result


def child(backend: str, n: int, chunk: int = CHUNK) -> None:
    """Runs inside a child process whose environment points at a fresh database."""
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "recaudo.settings")
    django.setup()
    from django.core.management import call_command

    from recaudo.portfolio.services import portfolio_create
    from recaudo.reports.selectors import aging_report

    t0 = time.perf_counter()
    call_command("migrate", verbosity=0)
    portfolio = portfolio_create(slug="bench", name="Bench", country="CO", currency="COP")
    today = portfolio.today()
    t1 = time.perf_counter()
    counts = load(n, portfolio.pk, today, chunk)
    t2 = time.perf_counter()
    past = today - timedelta(days=365)
    timings = {}
    for label, kwargs in (
        ("as of today (cached balances)", {"as_of": today}),
        ("as of today (ledger, forced)", {"as_of": today, "use_cache": False}),
        (f"as of {past} (ledger)", {"as_of": past}),
    ):
        seconds, report = best_of(lambda kw=kwargs: aging_report(portfolio=portfolio, **kw))
        timings[label] = {"seconds": seconds, "total": report.to_json()["total"], "count": report.count,
                          "cached": report.used_cache}
    print(json.dumps({"backend": backend, "counts": counts, "migrate_s": t1 - t0, "load_s": t2 - t1,
                      "timings": timings}))


def run_backend(backend: str, n: int, pg_url: str, chunk: int = CHUNK) -> dict:
    env = dict(os.environ)
    with tempfile.TemporaryDirectory(prefix="bench-aging-") as home:
        env["RECAUDO_HOME"] = home
        env["DJANGO_SETTINGS_MODULE"] = "recaudo.settings"
        env["DATABASE_URL"] = (fresh_sqlite(home) if backend == "sqlite"
                               else fresh_postgres(pg_url))
        return run_child([__file__, "--child", backend, "-n", str(n), "--chunk", str(chunk)], env,
                         f"{backend} benchmark")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("-n", type=int, default=1_000_000, help="obligations (default 1,000,000)")
    parser.add_argument("--only", choices=["sqlite", "postgresql"])
    parser.add_argument("--pg-url", default=f"{PG_SERVER}/{PG_DB}")
    parser.add_argument("--chunk", type=int, default=CHUNK, help="rows per INSERT/COPY while loading (default 50,000)")
    parser.add_argument("--child", choices=["sqlite", "postgresql"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    if args.child:
        child(args.child, args.n, args.chunk)
        return
    results = [run_backend(b, args.n, args.pg_url, args.chunk)
               for b in ("sqlite", "postgresql") if args.only in (None, b)]
    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"aging_report over {args.n:,} obligations (best of 3)")
    for col in ("database", "rows loaded", "load s", "report", "seconds", "total", "obligations"):
        table.add_column(col, justify="right" if col in ("load s", "seconds", "obligations") else "left")
    for r in results:
        plural = {"debtor": "debtors", "obligation": "obligations", "payment": "payments", "entry": "entries"}
        loaded = ", ".join(f"{v:,} {plural[k]}" for k, v in r["counts"].items())
        for i, (label, t) in enumerate(r["timings"].items()):
            table.add_row(r["backend"] if i == 0 else "", loaded if i == 0 else "",
                          f"{r['load_s']:.1f}" if i == 0 else "", label, f"{t['seconds']:.3f}", t["total"],
                          f"{t['count']:,}")
    Console(width=200).print(table)
    # The cached balances and the ledger must agree, and both engines on the same data.
    totals = {(r["backend"], label): t["total"] for r in results for label, t in r["timings"].items()
              if "as of today" in label}
    if len(set(totals.values())) > 1:
        raise SystemExit(f"FAILED: the totals as of today differ: {totals}")


if __name__ == "__main__":
    main()
