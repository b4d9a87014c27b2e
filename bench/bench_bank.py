"""Benchmark: import an Asobancaria 2001 collection file against a large portfolio, on SQLite and PostgreSQL.

    .venv/bin/python bench/bench_bank.py                      # 100,000 payments, 1,000,000 obligations, both engines
    .venv/bin/python bench/bench_bank.py --size small --only sqlite     # 2,000 payments, 20,000 obligations
    .venv/bin/python bench/bench_bank.py --obligations 200000 --payments 20000
    .venv/bin/python bench/bench_bank.py --size tiny          # what scripts/bench-smoke.sh runs (checks, no timing)

Loads N obligations of N/3 debtors (each obligation open, with its principal charge) straight into a fresh
database with raw SQL (executemany on SQLite, COPY on PostgreSQL), writes a collection file of M payments in lots of
--lot payments and imports it with recaudo.banking.services.bank_file_import, as `recaudo bank import` does. The
file's payments, seeded: most name an obligation by its number (paid in full, in part or overpaid), one in ten
names the debtor by national ID (allocated over the debtor's obligations), one in fifty a second payment of an
obligation already paid in the file, and one in thirty-three a reference that names nothing (queued for review).

The import reports its stages (its `progress` callback): read (decoding, record order and every control), match
(idempotency keys, references looked up) and apply (bank lines, payments, allocation, receipts, audit, in chunks).
Each row of the table gives the stage's wall time and the process's peak RSS at its end (the peak is reset just
before the import, on Linux, so the portfolio's loading does not count). Then the same file is imported again
(every line a duplicate: nothing applied twice), and `ledger verify` checks the cached balances against the ledger
(both timed apart, not part of the import). Each engine runs in a child process (Django reads its settings once
per process): a SQLite file under a temporary RECAUDO_HOME, and a fresh PostgreSQL database recaudo_bench_bank
(--pg-url).
Target (issue 15 §6): 100,000 payments against 1,000,000 obligations read, matched and applied in <= 120 s on SQLite,
<= 60 s on PostgreSQL, peak memory <= 500 MB.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import random
import resource
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from _common import (  # bench/ is on the path when a script runs
    PG_SERVER,
    cpu_reference,
    fresh_postgres,
    fresh_sqlite,
    run_child,
)

ROOT = Path(__file__).resolve().parent.parent
PG_DB = "recaudo_bench_bank"
TARGETS = {"sqlite": 120, "postgresql": 60}
SIZES = {"tiny": (400, 40), "small": (20_000, 2_000), "medium": (200_000, 20_000), "full": (1_000_000, 100_000)}
LOAD_CHUNK = 50_000
NUMBER_BASE = 5_000_000  # obligation numbers 5000001...: digits, as a bank reference carries them
ID_BASE = 70_000_000  # debtors' national IDs 70000001...: never an obligation number
UNKNOWN_BASE = 900_000_000  # references that name nothing
DAY = date(2026, 6, 30)  # the bank's date of the file (the portfolio's today is later)


# --- the portfolio: pure functions of the obligation's index, so the file is written without reading it back ----

def debtor_of(i: int, debtors: int) -> int:
    return (i * 7919) % debtors + 1


def amount_of(i: int) -> int:
    """The obligation's amount in minor units (COP, 2 decimals): $50.000 to $5.000.000."""
    return (50_000 + (i * 104_729) % 4_950_000) * 100


def issue_of(i: int) -> date:
    return DAY - timedelta(days=1 + i % 700)


def rows(n: int, portfolio_id: int):
    """Yield ('debtor'|'obligation'|'entry', row) in insert order (parents first), ids assigned from 1."""
    now = datetime.now(UTC)
    debtors = max(1, n // 3)
    balance = [0] * (debtors + 1)
    count = [0] * (debtors + 1)
    oldest: list[date | None] = [None] * (debtors + 1)
    for i in range(1, n + 1):
        d = debtor_of(i, debtors)
        due = issue_of(i) + timedelta(days=30)
        balance[d] += amount_of(i)
        count[d] += 1
        if oldest[d] is None or due < oldest[d]:
            oldest[d] = due
    for d in range(1, debtors + 1):
        yield "debtor", (d, f"C{d:07d}", "person", "CC", str(ID_BASE + d), f"Deudor {d}", None, "", "es", "",
                         balance[d], count[d], oldest[d], False, 0, f"deudor {d} c{d:07d}", now, now, portfolio_id)
    for i in range(1, n + 1):
        d, amount, issue = debtor_of(i, debtors), amount_of(i), issue_of(i)
        yield "obligation", (i, str(NUMBER_BASE + i), "invoice", issue, issue + timedelta(days=30), amount, "COP", "",
                             "", False, "", amount, "open", now, now, d, portfolio_id)
        yield "entry", (i, "charge", "principal", amount, issue, now, "", None, d, i, portfolio_id, None, None)


COLUMNS = {
    "debtor": ("portfolio_debtor", "id, code, kind, id_type, id_number, name, customer_since, tags, language, "
               "timezone, balance_minor, open_count, oldest_due_date, disputed, credit_minor, search_text, "
               "created_at, updated_at, portfolio_id"),
    "obligation": ("portfolio_obligation", "id, number, kind, issue_date, due_date, original_minor, currency, "
                   "description, external_ref, disputed, dispute_reason, balance_minor, status, created_at, "
                   "updated_at, debtor_id, portfolio_id"),
    "entry": ("ledger_entry", "id, kind, component, amount_minor, value_date, created_at, memo, created_by_id, "
              "debtor_id, obligation_id, portfolio_id, payment_id, reverses_id"),
}


def _sqlite_value(value):
    if isinstance(value, datetime):
        return value.replace(tzinfo=None).isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    return value


def load(n: int, portfolio_id: int) -> None:
    """The portfolio's debtors, obligations and principal charges, in one transaction."""
    from django.db import connection, transaction

    pg = connection.vendor == "postgresql"
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL DEFERRED" if pg else "PRAGMA defer_foreign_keys = ON")
        buffers: dict[str, list] = {k: [] for k in COLUMNS}

        def flush(kind):
            table, cols = COLUMNS[kind]
            if pg:
                with cursor.cursor.copy(f"COPY {table} ({cols}) FROM STDIN") as copy:
                    for row in buffers[kind]:
                        copy.write_row(row)
            else:
                marks = ", ".join(["%s"] * len(cols.split(",")))
                cursor.executemany(f"INSERT INTO {table} ({cols}) VALUES ({marks})",
                                   [tuple(_sqlite_value(v) for v in r) for r in buffers[kind]])
            buffers[kind].clear()

        for kind, row in rows(n, portfolio_id):
            buffers[kind].append(row)
            if len(buffers[kind]) >= LOAD_CHUNK:
                for name in COLUMNS:  # parents first: an entry goes in after its obligation
                    if buffers[name]:
                        flush(name)
        for name in COLUMNS:
            if buffers[name]:
                flush(name)
    with connection.cursor() as cursor:
        if pg:
            for table in ("portfolio_debtor", "portfolio_obligation", "ledger_entry"):
                cursor.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT MAX(id) FROM {table}))")
            cursor.execute("VACUUM ANALYZE")
        else:
            cursor.execute("ANALYZE")


# --- the collection file ------------------------------------------------------------------------------------------

def payments(n: int, m: int, seed: int = 15) -> tuple[list[tuple[str, int]], dict]:
    """M (reference, cents) pairs naming the portfolio of write_portfolio, and what the import must make of them."""
    rng = random.Random(seed)
    debtors = max(1, n // 3)
    picked = rng.sample(range(1, n + 1), min(m, n))
    out, expect = [], {"applied": 0, "queued": 0}
    for k in range(m):
        i = picked[k % len(picked)]
        roll = rng.random()
        if roll < 0.03:  # names nothing
            out.append((str(UNKNOWN_BASE + k), rng.randint(1_000, 500_000) * 100))
            expect["queued"] += 1
            continue
        if roll < 0.05 and out:  # a second payment of an obligation named before (the same debtor twice)
            out.append((str(NUMBER_BASE + picked[rng.randrange(max(1, k))]), rng.randint(1_000, 100_000) * 100))
        elif roll < 0.15:  # the debtor's national ID: allocated over the debtor's obligations
            out.append((str(ID_BASE + debtor_of(i, debtors)), rng.randint(10_000, 2_000_000) * 100))
        elif roll < 0.20:  # more than owed: the rest stays as the debtor's credit
            out.append((str(NUMBER_BASE + i), amount_of(i) + rng.randint(1, 100_000) * 100))
        elif roll < 0.60:  # in full
            out.append((str(NUMBER_BASE + i), amount_of(i)))
        else:  # in part
            out.append((str(NUMBER_BASE + i), rng.randint(1, amount_of(i) // 100 - 1) * 100))
        expect["applied"] += 1
    return out, expect


def write_file(path: Path, lines: list[tuple[str, int]], lot_size: int) -> None:
    """An Asobancaria 2001 collection file (162 characters a record, CRLF), its controls right."""
    def rec(text):
        return text.ljust(162) + "\r\n"

    day = DAY.strftime("%Y%m%d")
    out = [rec("01" + "900123456".rjust(10, "0") + day + "007" + "12345678901".rjust(17, "0") + day + "0830A01")]
    seq = 0
    for lot_index, start in enumerate(range(0, len(lines), lot_size), start=1):
        lot = lines[start:start + lot_size]
        number = f"{lot_index:04d}"
        out.append(rec("05" + "7709998000011" + number))
        for reference, cents in lot:
            seq += 1
            out.append(rec("06" + reference.rjust(48, "0") + f"{cents:014d}" + "01" + "15" + f"{seq % 1_000_000:06d}"
                           + f"{(seq * 7) % 1_000_000:06d}" + "007" + "0001" + f"{seq % 10_000_000:07d}" + "000"))
        out.append(rec("08" + f"{len(lot):09d}" + f"{sum(c for _r, c in lot):018d}" + number))
    out.append(rec("09" + f"{len(lines):09d}" + f"{sum(c for _r, c in lines):018d}"))
    path.write_text("".join(out), encoding="ascii")


# --- the child: one engine ----------------------------------------------------------------------------------------

def reset_peak_rss() -> bool:
    """Reset the process's peak RSS (Linux: /proc/self/clear_refs, 5); False where it cannot be."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
        return True
    except OSError:
        return False


def peak_rss_mb() -> int:
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) // 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024


@contextlib.contextmanager
def sql_profile():
    """--sql-profile: the statements' wall time, summed by statement (its first 100 characters, numbers folded),
    printed to stderr, the 25 costliest first: where the import's database time goes."""
    import re

    from django.db import connection

    spent: dict[str, list] = {}

    def wrapper(execute, sql, params, many, context):
        t0 = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            key = re.sub(r"\d+", "N", " ".join(sql.split()))[:100]
            cell = spent.setdefault(key, [0, 0.0])
            cell[0] += 1
            cell[1] += time.perf_counter() - t0

    start = time.perf_counter()
    with connection.execute_wrapper(wrapper):
        yield
    total = time.perf_counter() - start
    in_sql = sum(s for _n, s in spent.values())
    print(f"import {total:.1f} s, of which SQL {in_sql:.1f} s", file=sys.stderr)
    for key, (count, seconds) in sorted(spent.items(), key=lambda kv: -kv[1][1])[:25]:
        print(f"{seconds:8.2f} s {count:7d}x  {key}", file=sys.stderr)


def child(engine: str, n: int, file: str, expect: dict) -> None:
    import gc

    import django

    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "recaudo.settings")
    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from recaudo.banking.services import bank_file_import
    from recaudo.ledger.services import ledger_verify
    from recaudo.portfolio.services import portfolio_create

    portfolio = portfolio_create(slug="bench", name="Bench", country="CO", currency="COP")
    t0 = time.perf_counter()
    load(n, portfolio.pk)
    load_seconds = time.perf_counter() - t0
    content = Path(file).read_bytes()
    gc.collect()
    reset = reset_peak_rss()
    stages: list[dict] = []
    mark = [time.perf_counter()]

    def progress(stage: str, done: int, total: int) -> None:
        now = time.perf_counter()
        if stages and stages[-1]["stage"] == stage:
            stages[-1]["seconds"] += now - mark[0]
        else:
            stages.append({"stage": stage, "seconds": now - mark[0]})
        stages[-1]["rss_mb"] = peak_rss_mb()
        mark[0] = now

    start = time.perf_counter()
    if os.environ.get("BENCH_CPROFILE"):
        import cProfile

        with cProfile.Profile() as profiler:
            result = bank_file_import(portfolio=portfolio, content=content, actor="bench", progress=progress)
        profiler.dump_stats(os.environ["BENCH_CPROFILE"])
    elif os.environ.get("BENCH_SQL_PROFILE"):
        with sql_profile():
            result = bank_file_import(portfolio=portfolio, content=content, actor="bench", progress=progress)
    else:
        result = bank_file_import(portfolio=portfolio, content=content, actor="bench", progress=progress)
    seconds = time.perf_counter() - start
    rss = peak_rss_mb()
    summary = result.summary()
    del result
    t0 = time.perf_counter()
    again = bank_file_import(portfolio=portfolio, content=content, actor="bench").summary()
    again_seconds = time.perf_counter() - t0
    t0 = time.perf_counter()
    problems = ledger_verify(portfolio)
    verify_seconds = time.perf_counter() - t0
    print(json.dumps({
        "engine": engine, "load_seconds": round(load_seconds, 1), "seconds": seconds, "rss_mb": rss,
        "rss_reset": reset, "stages": stages, "summary": summary, "expect": expect,
        "again": {k: again[k] for k in ("read", "applied", "queued", "duplicate")}, "again_seconds": again_seconds,
        "verify_problems": problems[:5], "verify_seconds": verify_seconds,
    }))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sizes = ", ".join(f"{k} {o:,} / {p:,}" for k, (o, p) in SIZES.items())
    parser.add_argument("--size", choices=list(SIZES), default="full", help=f"obligations / payments: {sizes}")
    parser.add_argument("--obligations", type=int, help="default: by --size")
    parser.add_argument("--payments", type=int, help="default: by --size")
    parser.add_argument("--lot", type=int, default=5_000, help="payments per lot of the file (default 5,000)")
    parser.add_argument("--only", choices=["sqlite", "postgresql"])
    parser.add_argument("--pg-url", default=f"{PG_SERVER}/{PG_DB}")
    parser.add_argument("--sql-profile", action="store_true",
                        help="print the import's costliest SQL statements (time and count) to stderr")
    parser.add_argument("--profile", metavar="FILE",
                        help="write the import's cProfile statistics to FILE.<engine> (read them with pstats)")
    parser.add_argument("--child", nargs=4, metavar=("ENGINE", "N", "FILE", "EXPECT"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        engine, n, file, expect = args.child
        child(engine, int(n), file, json.loads(expect))
        return
    n = args.obligations or SIZES[args.size][0]
    m = args.payments or SIZES[args.size][1]
    if n < 3 or m < 1 or args.lot < 1:
        parser.error("--obligations at least 3, --payments and --lot at least 1")
    results = []
    with tempfile.TemporaryDirectory(prefix="recaudo-bench-bank-") as tmp:
        file = Path(tmp) / "recaudo.txt"
        t0 = time.perf_counter()
        lines, expect = payments(n, m)
        write_file(file, lines, args.lot)
        print(f"wrote {m:,} payments in lots of {args.lot:,} ({file.stat().st_size / 1e6:.1f} MB) in "
              f"{time.perf_counter() - t0:.1f} s", flush=True)
        for engine in ("sqlite", "postgresql"):
            if args.only and args.only != engine:
                continue
            home = Path(tmp) / engine
            home.mkdir()
            env = {**os.environ, "RECAUDO_HOME": str(home), "DJANGO_SETTINGS_MODULE": "recaudo.settings"}
            if args.sql_profile:
                env["BENCH_SQL_PROFILE"] = "1"
            if args.profile:
                env["BENCH_CPROFILE"] = f"{args.profile}.{engine}"
            env["DATABASE_URL"] = fresh_postgres(args.pg_url) if engine == "postgresql" else fresh_sqlite(home)
            result = run_child([__file__, "--child", engine, str(n), str(file), json.dumps(expect)], env,
                               f"{engine} run")
            results.append(result)
            print(f"{engine}: loaded in {result['load_seconds']} s; {json.dumps(result['summary'])}", flush=True)
    load1, load5, load15 = os.getloadavg()
    reference = cpu_reference() if args.size != "tiny" else 0.0
    print()
    print(f"bank collection file: {m:,} payments against {n:,} obligations / {max(1, n // 3):,} debtors "
          f"(load average at the end {load1:.2f} {load5:.2f} {load15:.2f}, {os.cpu_count()} cores; CPU reference "
          f"{reference:.2f} s, bench/_common.cpu_reference)")
    print("seconds: wall time of the stage; peak RSS: the process's peak at the end of the stage (reset before "
          "the import)")
    wrong = []
    for r in results:
        s = r["summary"]
        print(f"\n{r['engine']:<12}{'seconds':>9}{'peak RSS MB':>13}")
        for stage in r["stages"]:
            print(f"  {stage['stage']:<10}{stage['seconds']:>9.1f}{stage['rss_mb']:>13}")
        print(f"  {'total':<10}{r['seconds']:>9.1f}{r['rss_mb']:>13}   target {TARGETS[r['engine']]} s, 500 MB")
        print(f"  read {s['read']:,}: applied {s['applied']:,}, queued {s['queued']:,}, duplicates "
              f"{s['duplicate']:,}; again: {r['again']['duplicate']:,} duplicates in {r['again_seconds']:.1f} s; "
              f"ledger verify {'ok' if not r['verify_problems'] else 'FAILED'} in {r['verify_seconds']:.1f} s")
        if (s["applied"], s["queued"]) != (r["expect"]["applied"], r["expect"]["queued"]) \
                or r["again"]["duplicate"] != m or r["again"]["applied"] or r["verify_problems"]:
            wrong.append(r["engine"])
    if wrong:
        raise SystemExit(f"FAILED: the import's results are wrong on {', '.join(wrong)}: "
                         + "; ".join(json.dumps({k: r[k] for k in ('summary', 'expect', 'again', 'verify_problems')})
                                     for r in results if r["engine"] in wrong))


if __name__ == "__main__":
    main()
