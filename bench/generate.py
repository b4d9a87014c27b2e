"""Write synthetic Colombian collections data (debtors, obligations, payments CSVs) for benchmarks.

    .venv/bin/python bench/generate.py --debtors 250000 --obligations 1000000 --out var/bench --seed 1
"""

from __future__ import annotations

import argparse
import sys
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from recaudo.demo.synthetic import generate  # noqa: E402


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--debtors", type=int, default=250_000)
    parser.add_argument("--obligations", type=int, default=1_000_000)
    parser.add_argument("--out", default="var/bench", help="output folder (created)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--today", type=date.fromisoformat, default=date.today(),
                        help="reference date, YYYY-MM-DD (default: today)")
    args = parser.parse_args(argv)
    if args.debtors < 1 or args.obligations < 0:
        parser.error("--debtors must be at least 1 and --obligations not negative")
    started = time.perf_counter()
    paths = generate(args.out, debtors=args.debtors, obligations=args.obligations, seed=args.seed, today=args.today)
    for name, path in paths.items():
        with open(path, encoding="utf-8") as fh:
            rows = sum(1 for _ in fh) - 1
        print(f"{name:12} {rows:>10,} rows  {path}")
    print(f"done in {time.perf_counter() - started:.1f} s")


if __name__ == "__main__":
    main()
