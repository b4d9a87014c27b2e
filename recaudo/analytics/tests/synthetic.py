"""A synthetic payment history (no database): debtors who are habitually late or punctual, one obligation a month
each, so that late payers are identifiable from their own earlier record. Used by the backtest test and by
bench/bench_risk.py."""

from datetime import date

import numpy as np

from recaudo.analytics.risk_selectors import Book


def synthetic_book(*, debtors: int = 300, months: int = 24, start: date = date(2024, 1, 1),
                   today: date = date(2026, 1, 1), seed: int = 7, open_share: float = 0.0) -> Book:
    """Each debtor is late-prone (a third of them: 80 % of their obligations paid 10-90 days late) or punctual
    (10 %); obligations issued monthly, 30 days of terms. Those whose payment day is after `today` are open (and
    `open_share` of the rest too, to make a large open book for the benchmark)."""
    rng = np.random.default_rng(seed)
    prone = rng.random(debtors) < 1 / 3
    debtor = np.repeat(np.arange(1, debtors + 1), months)
    month = np.tile(np.arange(months), debtors)
    issue = start.toordinal() + month * 30 + rng.integers(0, 10, len(debtor))
    due = issue + 30
    late = rng.random(len(debtor)) < np.where(prone[debtor - 1], 0.8, 0.1)
    settled = np.where(late, due + rng.integers(10, 90, len(debtor)), due - rng.integers(0, 10, len(debtor)))
    open_ = (settled >= today.toordinal()) | (rng.random(len(debtor)) < open_share)
    settled = np.where(open_, -1, settled)
    n = len(debtor)
    amount = rng.integers(100_000, 10_000_000, n)
    return Book(id=np.arange(1, n + 1), debtor=debtor.astype(np.int64),
                kind=np.array(["invoice"] * n, dtype=object), issue=issue.astype(np.int64),
                due=due.astype(np.int64), amount=amount, balance=np.where(open_, amount, 0),
                disputed=np.zeros(n, dtype=bool), open=open_, settled=settled.astype(np.int64),
                has_phone=np.ones(n, dtype=bool), has_email=rng.random(n) < 0.5)
