"""Benchmark: debtor search/list and the debtor 360 page with 1,000,000 obligations loaded.

    .venv/bin/python bench/bench_web.py                  # 1,000,000 obligations / 250,000 debtors, both engines
    .venv/bin/python bench/bench_web.py -n 100000 --only sqlite

Loads a realistic flat export (recaudo.demo.synthetic, names, IDs, phones, e-mails) through the import engine
into a fresh database per engine (SQLite file under a temporary RECAUDO_HOME; PostgreSQL database
recaudo_bench_web), then times real requests through Django's test client (session login, full middleware,
template rendering): the median of 7 runs per request. Target (issue 2): <= 150 ms each.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from datetime import date
from pathlib import Path
from urllib.parse import quote

from _common import (  # bench/ is on the path when a script runs
    PG_SERVER,
    django_child,
    fresh_postgres,
    fresh_sqlite,
    import_flat,
    run_child,
)

ROOT = Path(__file__).resolve().parent.parent
PG_DB = "recaudo_bench_web"
TARGET_MS = 150


def child(engine: str, n: int, flat: str) -> None:
    django_child(any_host=True)
    from django.test import Client

    from recaudo.demo.testing import make_user
    from recaudo.portfolio.models import Debtor

    portfolio, result, load_s = import_flat(flat)
    user = make_user("bench", superuser=True)
    client = Client()
    client.force_login(user)
    busiest = Debtor.objects.filter(portfolio=portfolio).order_by("-open_count").first()
    sample = (Debtor.objects.filter(portfolio=portfolio, contacts__channel="phone")
              .filter(contacts__channel="email").order_by("pk")[n // 50])
    phone = sample.contacts.filter(channel="phone").values_list("value", flat=True).first() or ""
    email = sample.contacts.filter(channel="email").values_list("value", flat=True).first() or ""
    obligation_number = sample.obligations.values_list("number", flat=True).first() or ""
    base = "/p/bench/debtors/"
    requests = [
        ("debtor list (default)", base),
        ("search by name", base + "?q=" + sample.name.split()[0].lower()),
        ("search by name, words in any order", base + "?q=" + quote(" ".join(reversed(sample.name.split()[:2])))),
        ("search by obligation number", base + "?q=" + quote(obligation_number)),
        ("search by code", base + "?q=" + sample.code),
        ("search by ID number", base + "?q=" + sample.id_number),
        ("search by phone (national)", base + "?q=" + phone[3:]),
        ("search by e-mail", base + "?q=" + email),
        ("search by part of a code (substring)", base + "?q=" + sample.code[:-1]),
        ("search by part of an e-mail (substring)", base + "?q=" + email.split("@")[0]),
        ("filter bucket 91-180", base + "?bucket=4"),
        ("filter amount >= 10M, sort balance", base + "?min=10000000&sort=-balance"),
        ("debtor list page 500", base + "?page=500"),
        (f"debtor 360 ({busiest.open_count} open obligations)", f"{base}{busiest.pk}/"),
        ("debtor 360 (typical)", f"{base}{sample.pk}/"),
    ]
    timings = []
    for label, url in requests:
        runs = []
        for _ in range(7):
            t = time.perf_counter()
            response = client.get(url)
            runs.append((time.perf_counter() - t) * 1000)
            if response.status_code != 200:
                raise SystemExit(f"{url}: HTTP {response.status_code}")
        timings.append({"request": label, "median_ms": round(statistics.median(runs), 1),
                        "max_ms": round(max(runs), 1)})
    print(json.dumps({"engine": engine, "obligations": result.created, "load_s": round(load_s, 1),
                      "timings": timings}))


def run(engine: str, n: int, flat: Path, pg_url: str) -> dict:
    env = dict(os.environ)
    with tempfile.TemporaryDirectory(prefix="bench-web-") as home:
        env["RECAUDO_HOME"] = home
        env["DATABASE_URL"] = fresh_sqlite(home) if engine == "sqlite" else fresh_postgres(pg_url)
        return run_child([__file__, "--child", engine, "-n", str(n), "--flat", str(flat)], env, f"{engine} run")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("-n", type=int, default=1_000_000, help="obligations (debtors = n/4)")
    parser.add_argument("--only", choices=["sqlite", "postgresql"])
    parser.add_argument("--pg-url", default=f"{PG_SERVER}/{PG_DB}")
    parser.add_argument("--child", choices=["sqlite", "postgresql"], help=argparse.SUPPRESS)
    parser.add_argument("--flat", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child, args.n, args.flat)
        return
    sys.path.insert(0, str(ROOT))
    from recaudo.demo.synthetic import write_flat_obligations

    with tempfile.TemporaryDirectory(prefix="bench-web-data-") as tmp:
        flat = Path(tmp) / "flat.csv"
        write_flat_obligations(flat, debtors=args.n // 4, obligations=args.n, seed=1, today=date(2026, 6, 30))
        results = [run(e, args.n, flat, args.pg_url) for e in ("sqlite", "postgresql") if args.only in (None, e)]
    engines = [r["engine"] for r in results]
    print(f"\nDebtor pages with {args.n:,} obligations (median of 7 requests, ms; target <= {TARGET_MS} ms)")
    print(f"{'request':<45}" + "".join(f"{e:>14}" for e in engines))
    for i, row in enumerate(results[0]["timings"]):
        print(f"{row['request']:<45}" + "".join(f"{r['timings'][i]['median_ms']:>14}" for r in results))
    print("load (import) seconds: " + ", ".join(f"{r['engine']} {r['load_s']}" for r in results))


if __name__ == "__main__":
    main()
