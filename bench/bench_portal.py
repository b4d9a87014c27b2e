"""Benchmark: the debtor portal under N simultaneous debtors (issue 16 §5), against a real multi-process server.

    .venv/bin/python bench/bench_portal.py                       # 1,000,000 obligations, 50 debtors, both engines
    .venv/bin/python bench/bench_portal.py -n 400 --debtors 5 --only sqlite      # the smoke size

Loads a realistic flat export (recaudo.demo.synthetic, as bench_web.py and bench/generate.py) through the import
engine into a fresh database per engine (SQLite file under a temporary RECAUDO_HOME; PostgreSQL database
recaudo_bench_portal), makes one signed portal link per debtor (communications.rendering.portal_link, for debtors
who owe something), starts `recaudo serve` (gunicorn, --workers processes, no task worker) on a free local port,
and then N debtors at once (one thread each, started together) open their link (GET, then POST "Continue") and
browse the portal --rounds times: home, an obligation with its interest liquidation, pay, promise to pay, payment
plan, certificates, contact preferences, personal data, and the statement PDF, reading each page --think seconds on
average before the next (a person's pace; --think 0 makes every debtor ask again as soon as answered, a load no
two-core server answers within 300 ms at 50 debtors). Every answer must be 200.
Prints p50 and p95 per page (ms). Target (issue 16 §5): p95 <= 300 ms per page with 50 debtors on 1,000,000
obligations.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
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
PG_DB = "recaudo_bench_portal"
TARGET_MS = 300
SLUG = "bench"
PAGES = [  # (label, path after /portal/<slug>/; "{obligation}" is the debtor's first obligation on the home page)
    ("home", "inicio/"),
    ("obligation + interest", "obligacion/{obligation}/"),
    ("pay", "pagar/"),
    ("promise to pay", "prometer-pago/"),
    ("payment plan", "plan-de-pagos/"),
    ("certificates", "certificados/"),
    ("contact preferences", "preferencias/"),
    ("personal data", "mis-datos/"),
    ("statement PDF", "estado-de-cuenta.pdf"),
]


def setup_child(n: int, debtors: int, flat: str) -> None:
    """Migrate, import, and print the debtors' portal links (JSON on the last line)."""
    django_child()
    from recaudo.communications.rendering import portal_link
    from recaudo.portfolio.models import Debtor

    portfolio, result, load_s = import_flat(flat, SLUG)
    owing = list(Debtor.objects.filter(portfolio=portfolio, balance_minor__gt=0).order_by("pk")
                 .values_list("pk", flat=True))
    if len(owing) < debtors:
        raise SystemExit(f"only {len(owing)} debtors owe something: fewer than --debtors {debtors}")
    step = len(owing) // debtors
    links = [portal_link(pk) for pk in owing[::step][:debtors]]  # spread over the book
    print(json.dumps({"obligations": result.created, "load_s": round(load_s, 1), "links": links}))


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_ready(base: str, server: subprocess.Popen, seconds: float = 120) -> None:
    import requests

    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"the server stopped (status {server.returncode})")
        try:
            if requests.get(f"{base}/portal/{SLUG}/", timeout=5).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.5)
    raise SystemExit(f"the server did not answer within {seconds:.0f} s")


def debtor_session(link: str, base: str, rounds: int, start: threading.Barrier, timings: dict, errors: list,
                   lock: threading.Lock, think: float = 0.0, seed: int = 0) -> None:
    """One debtor: arrive within the first `think` seconds, open the link (GET then POST with the CSRF token), then
    browse every page `rounds` times, reading each page for `think` seconds on average (uniformly 0.5 to 1.5 times
    it, seeded) before the next."""
    import random

    import requests

    session = requests.Session()
    rng = random.Random(seed)
    mine: dict[str, list[float]] = {}

    def get(label: str, url: str, method: str = "get", **kwargs):
        t = time.perf_counter()
        response = getattr(session, method)(url, timeout=60, allow_redirects=False, **kwargs)
        mine.setdefault(label, []).append((time.perf_counter() - t) * 1000)
        return response

    try:
        start.wait()
        if think:  # people arrive over a while, not in the same millisecond: spread over the first reading time
            time.sleep(think * rng.random())
        page = get("link (GET)", link)
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)
        csrf = token.group(1) if token else ""
        opened = get("link (POST, sign in)", link, "post", data={"csrfmiddlewaretoken": csrf},
                     headers={"Referer": link})
        if opened.status_code != 302:
            raise RuntimeError(f"link: HTTP {opened.status_code}")
        home = session.get(f"{base}/portal/{SLUG}/inicio/", timeout=60)
        found = re.search(rf"/portal/{SLUG}/obligacion/(\d+)/", home.text)
        obligation = found.group(1) if found else ""
        for _ in range(rounds):
            for label, path in PAGES:
                if "{obligation}" in path and not obligation:
                    continue
                response = get(label, f"{base}/portal/{SLUG}/{path.format(obligation=obligation)}")
                if response.status_code != 200:
                    raise RuntimeError(f"{label}: HTTP {response.status_code}")
                if think:
                    time.sleep(think * rng.uniform(0.5, 1.5))
    except Exception as exc:  # noqa: BLE001 (a benchmark thread reports what went wrong and stops)
        with lock:
            errors.append(f"{link[-12:]}: {exc}")
        return
    with lock:
        for label, values in mine.items():
            timings.setdefault(label, []).extend(values)


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(pct / 100 * len(ordered) + 0.5) - 1))]


def run(engine: str, n: int, debtors: int, rounds: int, workers: int, flat: Path, pg_url: str,
        think: float = 0.0) -> dict:
    env = dict(os.environ)
    with tempfile.TemporaryDirectory(prefix="bench-portal-") as home:
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        env.update({"RECAUDO_HOME": home, "SECRET_KEY": "bench-portal-" + os.urandom(16).hex(),
                    "RECAUDO_PORTAL_URL": base, "DJANGO_SETTINGS_MODULE": "recaudo.settings"})
        env["DATABASE_URL"] = fresh_sqlite(home) if engine == "sqlite" else fresh_postgres(pg_url)
        data = run_child([__file__, "--child", "-n", str(n), "--debtors", str(debtors), "--flat", str(flat)], env,
                         f"{engine} setup")
        log = open(Path(home) / "server.log", "w")  # noqa: SIM115 (closed below)
        server = subprocess.Popen([sys.executable, "-m", "recaudo.cli", "serve", "--no-worker", "--no-migrate",
                                   "--workers", str(workers), "--port", str(port)], env=env, cwd=ROOT,
                                  stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        try:
            wait_ready(base, server)
            timings: dict[str, list[float]] = {}
            errors: list[str] = []
            lock = threading.Lock()
            start = threading.Barrier(len(data["links"]))
            threads = [threading.Thread(target=debtor_session, args=(link, base, rounds, start, timings, errors, lock,
                                                                     think, i))
                       for i, link in enumerate(data["links"])]
            t0 = time.perf_counter()
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            wall_s = time.perf_counter() - t0
        finally:
            server.send_signal(signal.SIGTERM)
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()
            log.close()
        if errors:
            sys.stderr.write((Path(home) / "server.log").read_text()[-4000:])
            raise SystemExit(f"{engine}: {len(errors)} debtors failed: " + "; ".join(errors[:5]))
    rows = [{"page": label, "requests": len(values), "p50_ms": round(statistics.median(values), 1),
             "p95_ms": round(percentile(values, 95), 1)} for label, values in timings.items()]
    return {"engine": engine, "obligations": data["obligations"], "load_s": data["load_s"], "debtors": debtors,
            "wall_s": round(wall_s, 1), "pages": rows, "think": think,
            "per_second": round(sum(r["requests"] for r in rows) / wall_s, 1) if wall_s else 0}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("-n", type=int, default=1_000_000, help="obligations (debtors = n/4)")
    parser.add_argument("--debtors", type=int, default=50, help="simultaneous debtors (default 50)")
    parser.add_argument("--rounds", type=int, default=3, help="times each debtor browses every page (default 3)")
    parser.add_argument("--think", type=float, default=3.0,
                        help="seconds a debtor reads a page before the next, on average (default 3; 0: no pause, "
                             "every debtor asks again as soon as answered)")
    parser.add_argument("--workers", type=int, default=4, help="web server processes (gunicorn; default 4)")
    parser.add_argument("--only", choices=["sqlite", "postgresql"])
    parser.add_argument("--pg-url", default=f"{PG_SERVER}/{PG_DB}")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--flat", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        setup_child(args.n, args.debtors, args.flat)
        return
    if args.debtors < 1 or args.rounds < 1 or args.workers < 1:
        parser.error("--debtors, --rounds and --workers: at least 1")
    sys.path.insert(0, str(ROOT))
    from recaudo.demo.synthetic import write_flat_obligations

    with tempfile.TemporaryDirectory(prefix="bench-portal-data-") as tmp:
        flat = Path(tmp) / "flat.csv"
        write_flat_obligations(flat, debtors=max(1, args.n // 4), obligations=args.n, seed=1,
                               today=date(2026, 6, 30))
        results = [run(e, args.n, args.debtors, args.rounds, args.workers, flat, args.pg_url, args.think)
                   for e in ("sqlite", "postgresql") if args.only in (None, e)]
    for r in results:
        print(f"\nPortal, {r['engine']}: {r['debtors']} simultaneous debtors, {r['obligations']:,} obligations, "
              f"{args.workers} web processes, {args.rounds} rounds, {r['think']} s reading each page "
              f"({r['wall_s']} s, {r['per_second']} requests/s; target p95 <= {TARGET_MS} ms)")
        print(f"{'page':<26}{'requests':>10}{'p50 ms':>10}{'p95 ms':>10}")
        for row in r["pages"]:
            flag = "  over target" if row["p95_ms"] > TARGET_MS and not row["page"].startswith("link") else ""
            print(f"{row['page']:<26}{row['requests']:>10}{row['p50_ms']:>10}{row['p95_ms']:>10}{flag}")
        print(f"load (import) seconds: {r['load_s']}")


if __name__ == "__main__":
    main()
