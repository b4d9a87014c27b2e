"""Benchmark: import a flat obligations CSV (customer columns included) on SQLite and PostgreSQL.

    .venv/bin/python bench/bench_import.py                       # 1,000,000 obligations, 250,000 debtors
    .venv/bin/python bench/bench_import.py --obligations 100000 --only sqlite

Generates (seeded) N obligations of N/4 debtors with recaudo.demo.synthetic.write_flat_obligations, then imports
the file with recaudo.imports.services.import_file into a fresh database per engine: a SQLite file under a
temporary RECAUDO_HOME, and a fresh PostgreSQL database recaudo_bench (--pg-url). Each run is a child process
(Django settings are read once per process); the child reports the import's wall time and its peak RSS
(resource.getrusage(RUSAGE_SELF).ru_maxrss), the import's CPU time, and the CPU time and peak RSS of the
import's parse process (RUSAGE_CHILDREN; zero when the file was parsed in process), and on a PostgreSQL server
on this machine the CPU time of the import's backend (from /proc: which side bounds the import); the table is
printed at the end.
Targets (issue 2): 1M rows <= 60 s on SQLite, <= 30 s on PostgreSQL, peak memory <= 500 MB.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

from _common import PG_SERVER, fresh_postgres, fresh_sqlite, run_child  # bench/ is on the path when a script runs

ROOT = Path(__file__).resolve().parent.parent
PG_DB = "recaudo_bench"
TODAY = date(2026, 6, 30)
TARGETS = {"sqlite": 60, "postgresql": 30}


def child(file: str, engine: str) -> None:
    """Runs in the child process: migrate, create the portfolio, import, print one JSON line."""
    import resource

    import django

    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "recaudo.settings")
    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from recaudo.demo.testing import make_portfolio
    from recaudo.imports.services import ImportOptions, import_file

    portfolio = make_portfolio(slug="bench")
    server_before = server_cpu_seconds()
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    before = resource.getrusage(resource.RUSAGE_SELF)
    start = time.perf_counter()
    result = import_file(portfolio=portfolio, kind="obligations", path=Path(file), options=ImportOptions())
    seconds = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)  # the import's parse process, once reaped
    server_after = server_cpu_seconds()
    from recaudo.ledger.services import ledger_verify

    verify_start = time.perf_counter()
    problems = ledger_verify(portfolio)
    usage = resource.getrusage(resource.RUSAGE_SELF)
    print(json.dumps({
        "engine": engine, "seconds": round(seconds, 1), "cpu_seconds": round(usage.ru_utime + usage.ru_stime, 1),
        "import_cpu_seconds": round(after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime, 1),
        "parse_cpu_seconds": round(kids.ru_utime + kids.ru_stime, 1), "parse_rss_mb": kids.ru_maxrss // 1024,
        "server_cpu_seconds": (round(server_after - server_before, 1)
                               if server_before is not None and server_after is not None else None),
        "rss_mb": after.ru_maxrss // 1024, "rss_after_verify_mb": usage.ru_maxrss // 1024,
        "rss_before_mb": rss_before // 1024, "created": result.created,
        "rejected": result.rejected,
        "debtors": result.debtors_created, "committed": result.committed, "verify_problems": len(problems),
        "verify_seconds": round(time.perf_counter() - verify_start, 1),
        "errors": [str(e) for e in result.errors[:3]],
    }))


def server_cpu_seconds() -> float | None:
    """CPU time of this connection's PostgreSQL backend so far, when the server runs on this machine (read from
    /proc); None on SQLite or when it cannot be read."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime, in clock ticks


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--obligations", type=int, default=1_000_000)
    parser.add_argument("--debtors", type=int, help="default: obligations / 4")
    parser.add_argument("--only", choices=["sqlite", "postgresql"])
    parser.add_argument("--pg-url", default=f"{PG_SERVER}/{PG_DB}")
    parser.add_argument("--child", nargs=2, metavar=("FILE", "ENGINE"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(*args.child)
        return
    sys.path.insert(0, str(ROOT))
    from recaudo.demo.synthetic import write_flat_obligations

    debtors = args.debtors or max(1, args.obligations // 4)
    with tempfile.TemporaryDirectory(prefix="recaudo-bench-import-") as tmp:
        file = Path(tmp) / "obligations.csv"
        start = time.perf_counter()
        write_flat_obligations(file, debtors=debtors, obligations=args.obligations, seed=1, today=TODAY)
        print(f"generated {args.obligations:,} obligations / {debtors:,} debtors "
              f"({file.stat().st_size / 1e6:.0f} MB) in {time.perf_counter() - start:.1f} s", flush=True)
        results = []
        for engine in ("sqlite", "postgresql"):
            if args.only and args.only != engine:
                continue
            home = Path(tmp) / engine
            home.mkdir()
            env = {**os.environ, "RECAUDO_HOME": str(home), "DJANGO_SETTINGS_MODULE": "recaudo.settings"}
            env["DATABASE_URL"] = (fresh_postgres(args.pg_url) if engine == "postgresql"
                                   else fresh_sqlite(home))
            result = run_child([__file__, "--child", str(file), engine], env, f"{engine} run")
            results.append(result)
            print(f"{engine}: {json.dumps(result)}", flush=True)
    print()
    print(f"import of {args.obligations:,} obligations / {debtors:,} debtors (flat CSV, customer columns)")
    print("seconds: wall time of the import; cpu s: import CPU of the main process + the parse process; "
          "server cpu s: CPU of the PostgreSQL backend during the import (local server only); "
          "RSS: peak during the import of the main process + of the parse process = together")
    print(f"{'engine':<12}{'seconds':>9}{'target':>8}{'cpu s':>14}{'server cpu s':>14}{'peak RSS MB':>16}"
          f"{'created':>11}{'debtors':>9}{'rejected':>10}{'verify':>8}")
    for r in results:
        cpu = f"{r['import_cpu_seconds']}+{r['parse_cpu_seconds']}"
        server = "-" if r.get("server_cpu_seconds") is None else str(r["server_cpu_seconds"])
        rss = f"{r['rss_mb']}+{r['parse_rss_mb']}={r['rss_mb'] + r['parse_rss_mb']}"
        print(f"{r['engine']:<12}{r['seconds']:>9}{TARGETS[r['engine']]:>8}{cpu:>14}{server:>14}{rss:>16}"
              f"{r['created']:>11,}{r['debtors']:>9,}{r['rejected']:>10,}"
              f"{'ok' if r['verify_problems'] == 0 else 'FAIL':>8}")
    wrong = [r["engine"] for r in results
             if r["rejected"] or r["verify_problems"] or r["created"] != args.obligations or r["errors"]]
    if wrong:
        raise SystemExit(f"FAILED: the import did not load every row cleanly on {', '.join(wrong)}")


if __name__ == "__main__":
    main()
