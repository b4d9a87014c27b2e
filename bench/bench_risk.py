"""Benchmark: payment prediction over a large portfolio on SQLite and PostgreSQL.

    .venv/bin/python bench/bench_risk.py                   # 1,000,000 obligations, both databases
    .venv/bin/python bench/bench_risk.py -n 100000 --only postgresql
    .venv/bin/python bench/bench_risk.py --size tiny       # the smoke run's size (400 obligations)

Loads N obligations with bench_aging's loader (N/4 debtors, three years of history; half of the obligations
get a payment, four in five of those in full), then times `recaudo risk train` (recaudo.analytics.risk_services.
risk_train: reading the book, the features as of each issue date, fitting) and `recaudo risk score` (risk_score:
reading the book, the features, predicting every open obligation, writing one row per open obligation and each
debtor's risk), and prints a table. Fails when an open obligation or a debtor with one was left unscored.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

from _common import (  # bench/ is on the path when a script runs
    PG_SERVER,
    django_child,
    fresh_postgres,
    fresh_sqlite,
    run_child,
)

ROOT = Path(__file__).resolve().parent.parent
PG_DB = "recaudo_bench_risk"
SIZES = {"tiny": 400, "small": 100_000, "full": 1_000_000}


def child(backend: str, n: int) -> None:
    django_child()
    from bench_aging import load

    from recaudo.analytics.models import ObligationRisk
    from recaudo.analytics.risk_selectors import load_book
    from recaudo.analytics.risk_services import risk_score, risk_train
    from recaudo.portfolio.models import Obligation
    from recaudo.portfolio.services import portfolio_create
    from recaudo.strategies.models import DebtorStrategyState

    portfolio = portfolio_create(slug="bench", name="Bench", country="CO", currency="COP")
    t0 = time.perf_counter()
    counts = load(n, portfolio.pk, portfolio.today(), 50_000)
    t1 = time.perf_counter()
    book = load_book(portfolio)
    t2 = time.perf_counter()
    model = risk_train(portfolio=portfolio, actor="bench")
    t3 = time.perf_counter()
    if os.environ.get("BENCH_CPROFILE"):
        import cProfile

        with cProfile.Profile() as profiler:
            result = risk_score(portfolio=portfolio, actor="bench")
        profiler.dump_stats(os.environ["BENCH_CPROFILE"])
    else:
        result = risk_score(portfolio=portfolio, actor="bench")
    t4 = time.perf_counter()
    open_ = Obligation.objects.filter(portfolio=portfolio, status="open", balance_minor__gt=0)
    scored = ObligationRisk.objects.filter(portfolio=portfolio).count()
    debtors = DebtorStrategyState.objects.filter(portfolio=portfolio).exclude(risk_category="").count()
    expected_debtors = open_.values("debtor_id").distinct().count()
    print(json.dumps({"backend": backend, "counts": counts, "load_s": t1 - t0, "read_s": t2 - t1,
                      "train_s": t3 - t2, "score_s": t4 - t3, "kind": model.kind, "rows": model.rows,
                      "auc": model.metrics.get("auc"), "scored": scored, "open": open_.count(),
                      "debtors": debtors, "expected_debtors": expected_debtors, "book": int(len(book.id)),
                      "result": result}))


def run_backend(backend: str, n: int, pg_url: str, profile: str | None = None) -> dict:
    env = dict(os.environ)
    if profile:
        env["BENCH_CPROFILE"] = f"{profile}.{backend}"
    with tempfile.TemporaryDirectory(prefix="bench-risk-") as home:
        env["RECAUDO_HOME"] = home
        env["DJANGO_SETTINGS_MODULE"] = "recaudo.settings"
        env["DATABASE_URL"] = fresh_sqlite(home) if backend == "sqlite" else fresh_postgres(pg_url)
        return run_child([__file__, "--child", backend, "-n", str(n)], env, f"{backend} benchmark")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("-n", type=int, help="obligations (default 1,000,000)")
    parser.add_argument("--size", choices=tuple(SIZES), help="tiny 400, small 100,000, full 1,000,000")
    parser.add_argument("--only", choices=["sqlite", "postgresql"])
    parser.add_argument("--pg-url", default=f"{PG_SERVER}/{PG_DB}")
    parser.add_argument("--profile", metavar="FILE",
                        help="write risk_score's cProfile statistics to FILE.<database> (read them with pstats)")
    parser.add_argument("--child", choices=["sqlite", "postgresql"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    n = args.n or SIZES[args.size or "full"]
    sys.path.insert(0, str(ROOT))
    if args.child:
        child(args.child, n)
        return
    results = [run_backend(b, n, args.pg_url, args.profile) for b in ("sqlite", "postgresql") if args.only in (None, b)]
    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"payment prediction over {n:,} obligations")
    for col in ("database", "load s", "read book s", "train s", "model", "AUC (calibration slice)",
                "score s", "open obligations scored", "debtors scored"):
        table.add_column(col, justify="left" if col in ("database", "model") else "right")
    for r in results:
        auc = "-" if r["auc"] is None else f"{r['auc']:.3f}"
        table.add_row(r["backend"], f"{r['load_s']:.1f}", f"{r['read_s']:.1f}", f"{r['train_s']:.1f}",
                      f"{r['kind']} ({r['rows']:,} rows)", auc, f"{r['score_s']:.1f}", f"{r['scored']:,}",
                      f"{r['debtors']:,}")
    Console(width=200).print(table)
    wrong = [r["backend"] for r in results if r["scored"] != r["open"] or r["debtors"] != r["expected_debtors"]]
    if wrong:
        raise SystemExit(f"FAILED: open obligations or debtors left unscored on {', '.join(wrong)}")


if __name__ == "__main__":
    main()
