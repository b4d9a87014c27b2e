"""Benchmark: the REST API (issue 18) with a loaded portfolio.

    .venv/bin/python bench/bench_api.py                       # 1,000,000 obligations / 250,000 debtors, both engines
    .venv/bin/python bench/bench_api.py -n 2000 --only sqlite # a smoke run

Loads a realistic flat export (recaudo.demo.synthetic) through the import engine into a fresh database per engine
(SQLite file under a temporary RECAUDO_HOME; PostgreSQL database recaudo_bench_api), then measures:

- the bulk endpoint: `POST bulk/obligations` in batches of --batch rows of new obligations (with their debtors),
  in process through Django's test client; rows per second. Target: >= 500 obligations/s on PostgreSQL.
- single reads under load: the production server (`recaudo serve --no-worker`) and --clients concurrent clients
  (threads, keep-alive off) each reading debtors, obligations and a debtor's statement by code for --seconds;
  p50/p95 per request kind and overall. Target: p95 <= 100 ms with 20 clients.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from datetime import date
from pathlib import Path

from _common import (  # bench/ is on the path when a script runs
    PG_SERVER,
    django_child,
    fresh_postgres,
    fresh_sqlite,
    import_flat,
    run_child,
)

ROOT = Path(__file__).resolve().parent.parent
PG_DB = "recaudo_bench_api"
BULK_TARGET = 500
P95_TARGET_MS = 100


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _p(values: list[float], q: float) -> float:
    values = sorted(values)
    return round(values[min(len(values) - 1, int(q * len(values)))], 1) if values else 0.0


def child(engine: str, n: int, flat: str, batch: int, batches: int, clients: int, seconds: float) -> None:
    django_child(any_host=True)
    from django.db import connection
    from django.test import Client

    from recaudo.api.services import token_create
    from recaudo.portfolio.models import Debtor, Obligation

    portfolio, result, load_s = import_flat(flat)
    _token, secret = token_create(name="bench", scope="write", portfolios=[portfolio], rate_per_minute=100_000,
                                  actor="bench")
    auth = {"HTTP_AUTHORIZATION": f"Bearer {secret}"}

    # the bulk endpoint, in process
    client = Client()
    bulk_rows, bulk_s = 0, 0.0
    for b in range(batches):
        rows = [{"number": f"API-{b}-{i}", "debtor_code": f"API-D{b}-{i // 3}", "debtor_name": f"Cliente API {i}",
                 "issue_date": "2026-05-01", "due_date": "2026-05-31", "amount": f"{1000 + i}.50"}
                for i in range(batch)]
        body = json.dumps({"rows": rows})
        t = time.perf_counter()
        response = client.post("/api/v1/portfolios/bench/bulk/obligations", body, content_type="application/json",
                               **auth)
        bulk_s += time.perf_counter() - t
        if response.status_code != 200 or response.json()["created"] != batch:
            raise SystemExit(f"bulk: HTTP {response.status_code} {response.content[:300]!r}")
        bulk_rows += batch
    connection.close()

    # single reads under concurrent clients, against the production server
    codes = list(Debtor.objects.filter(portfolio=portfolio).order_by("?").values_list("code", flat=True)[:200])
    numbers = list(Obligation.objects.filter(portfolio=portfolio).order_by("?").values_list("number", flat=True)[:200])
    connection.close()
    port = _free_port()
    server = subprocess.Popen([sys.executable, "-m", "recaudo.cli", "serve", "--no-worker", "--no-migrate",
                               "--port", str(port)], env=dict(os.environ), cwd=ROOT,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}/api/v1/portfolios/bench"
    try:
        for _ in range(300):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v1/openapi.json", timeout=1).read()
                break
            except OSError:
                time.sleep(0.2)
        else:
            raise SystemExit("the server did not start")
        kinds = {
            "debtor": lambda i: f"{base}/debtors/{codes[i % len(codes)]}",
            "obligation": lambda i: f"{base}/obligations/{numbers[i % len(numbers)]}",
            "debtor list page": lambda i: f"{base}/debtors?limit=50",
            "statement": lambda i: f"{base}/debtors/{codes[i % len(codes)]}/statement",
        }
        timings: dict[str, list[float]] = {k: [] for k in kinds}
        errors: list[str] = []
        stop = time.monotonic() + seconds

        def worker(w: int) -> None:
            i = w
            while time.monotonic() < stop:
                kind = list(kinds)[i % len(kinds)]
                request = urllib.request.Request(kinds[kind](i), headers={"Authorization": f"Bearer {secret}"})
                t = time.perf_counter()
                try:
                    with urllib.request.urlopen(request, timeout=30) as response:
                        response.read()
                except OSError as exc:
                    errors.append(f"{kind}: {exc}")
                    i += clients
                    continue
                timings[kind].append((time.perf_counter() - t) * 1000)
                i += clients

        threads = [threading.Thread(target=worker, args=(w,)) for w in range(clients)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        server.terminate()
        server.wait(timeout=30)
    everything = [ms for values in timings.values() for ms in values]
    print(json.dumps({
        "engine": engine, "obligations": result.created, "load_s": round(load_s, 1),
        "bulk_rows": bulk_rows, "bulk_rows_per_s": round(bulk_rows / bulk_s) if bulk_s else 0,
        "reads": {k: {"n": len(v), "p50_ms": _p(v, 0.5), "p95_ms": _p(v, 0.95)} for k, v in timings.items()},
        "all": {"n": len(everything), "p50_ms": _p(everything, 0.5), "p95_ms": _p(everything, 0.95),
                "mean_ms": round(statistics.fmean(everything), 1) if everything else 0},
        "errors": errors[:5], "error_count": len(errors)}))


def run(engine: str, args, flat: Path) -> dict:
    env = dict(os.environ)
    with tempfile.TemporaryDirectory(prefix="bench-api-") as home:
        env["RECAUDO_HOME"] = home
        env["DATABASE_URL"] = fresh_sqlite(home) if engine == "sqlite" else fresh_postgres(args.pg_url)
        return run_child([__file__, "--child", engine, "-n", str(args.n), "--flat", str(flat), "--batch",
                          str(args.batch), "--batches", str(args.batches), "--clients", str(args.clients),
                          "--seconds", str(args.seconds)], env, f"{engine} run")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("-n", type=int, default=1_000_000, help="obligations loaded first (debtors = n/4)")
    parser.add_argument("--batch", type=int, default=5000, help="rows per bulk call (at most 5,000)")
    parser.add_argument("--batches", type=int, default=4, help="bulk calls")
    parser.add_argument("--clients", type=int, default=20, help="concurrent readers")
    parser.add_argument("--seconds", type=float, default=20, help="how long the readers read")
    parser.add_argument("--only", choices=["sqlite", "postgresql"])
    parser.add_argument("--pg-url", default=f"{PG_SERVER}/{PG_DB}")
    parser.add_argument("--child", choices=["sqlite", "postgresql"], help=argparse.SUPPRESS)
    parser.add_argument("--flat", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child, args.n, args.flat, args.batch, args.batches, args.clients, args.seconds)
        return
    sys.path.insert(0, str(ROOT))
    from recaudo.demo.synthetic import write_flat_obligations

    with tempfile.TemporaryDirectory(prefix="bench-api-data-") as tmp:
        flat = Path(tmp) / "flat.csv"
        write_flat_obligations(flat, debtors=max(1, args.n // 4), obligations=args.n, seed=1,
                               today=date(2026, 6, 30))
        results = [run(e, args, flat) for e in ("sqlite", "postgresql") if args.only in (None, e)]
    for r in results:
        print(f"\n{r['engine']}: {r['obligations']:,} obligations loaded in {r['load_s']} s")
        print(f"  bulk/obligations: {r['bulk_rows']:,} rows at {r['bulk_rows_per_s']:,} rows/s "
              f"(target >= {BULK_TARGET})")
        print(f"  reads with {args.clients} clients, {args.seconds:g} s (ms; target p95 <= {P95_TARGET_MS}):")
        for kind, t in r["reads"].items():
            print(f"    {kind:<20} n={t['n']:<6} p50 {t['p50_ms']:>7}  p95 {t['p95_ms']:>7}")
        print(f"    {'all':<20} n={r['all']['n']:<6} p50 {r['all']['p50_ms']:>7}  p95 {r['all']['p95_ms']:>7}"
              f"   errors {r['error_count']}")


if __name__ == "__main__":
    main()
