"""Report reads: aging of a portfolio as of a date, set-based in one SQL query (SQLite and PostgreSQL).

As of a date only entries with value_date on or before it count, so the aging of a past date does not change
when later payments or charges are imported. Each obligation's balance is the sum of its entries; obligations
with a zero balance (paid, or not issued yet) are left out; disputed obligations stay in.

Two paths give the same answer:
- historic: GROUP BY obligation over the entries (covering index ledger_entry(portfolio, obligation, value_date,
  amount)), HAVING sum <> 0, joined to the obligation's due date, bucketed with CASE on due-date cutoffs;
- cached: when no entry of the portfolio has a value date after as_of, every entry counts, so the balance is
  exactly the cached Obligation.balance_minor (kept equal to the ledger sum in the same transaction by
  recaudo.ledger.posting.refresh_summaries; `recaudo ledger verify` checks it). Then the obligation table alone
  is read. Tests compare both paths on the same data.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from django.db import connection
from django.db.models import Max

from recaudo.core.errors import DomainError
from recaudo.core.money import from_minor
from recaudo.ledger.models import Entry, ValueDateMark
from recaudo.portfolio.aging import Bucket, BucketTotal, bucket_index, days_past_due, due_date_cutoffs, parse_buckets
from recaudo.portfolio.models import Debtor, Obligation, Portfolio

BY_CHOICES = ("portfolio", "debtor", "obligation")


class ReportError(DomainError):
    pass


@dataclass(frozen=True)
class DebtorAgingRow:
    debtor_id: int
    code: str
    name: str
    total_minor: int
    amounts_minor: tuple[int, ...]
    id_type: str = ""
    id_number: str = ""

    @property
    def identification(self) -> str:
        """The debtor's ID, type and number ("NIT 900123456-7"); empty when there is no number."""
        return f"{self.id_type} {self.id_number}".strip() if self.id_number else ""


@dataclass(frozen=True)
class ObligationAgingRow:
    obligation_id: int
    number: str
    debtor_code: str
    due_date: date
    days_past_due: int
    balance_minor: int
    bucket: int


@dataclass
class AgingReport:
    portfolio: Portfolio
    as_of: date
    by: str
    buckets: tuple[Bucket, ...]
    totals: list[BucketTotal]
    rows: list = field(default_factory=list)
    used_cache: bool = False

    @property
    def currency(self) -> str:
        return self.portfolio.currency

    @property
    def total_minor(self) -> int:
        return sum(t.amount_minor for t in self.totals)

    @property
    def count(self) -> int:
        return sum(t.count for t in self.totals)

    @property
    def overdue_minor(self) -> int:
        """Balance of the buckets past due (every bucket holding only positive day counts)."""
        return sum(t.amount_minor for t in self.totals if t.bucket.min_days is not None and t.bucket.min_days > 0)

    def amount(self, minor: int) -> str:
        return str(from_minor(minor, self.currency))

    def to_json(self) -> dict:
        """A JSON-ready dict; amounts are decimal strings with the currency's precision."""
        data = {
            "as_of": self.as_of.isoformat(),
            "currency": self.currency,
            "total": self.amount(self.total_minor),
            "buckets": [
                {"label": t.bucket.label, "min_days": t.bucket.min_days, "max_days": t.bucket.max_days,
                 "amount": self.amount(t.amount_minor), "count": t.count}
                for t in self.totals
            ],
        }
        if self.by != "portfolio":
            data["rows"] = [self.row_json(row) for row in self.rows]
        return data

    def row_json(self, row) -> dict:
        if isinstance(row, DebtorAgingRow):
            out = {"code": row.code, "name": row.name, "total": self.amount(row.total_minor)}
            for bucket, minor in zip(self.buckets, row.amounts_minor, strict=True):
                out[bucket.label] = self.amount(minor)
            return out
        return {
            "number": row.number, "debtor_code": row.debtor_code, "due_date": row.due_date.isoformat(),
            "days_past_due": row.days_past_due, "balance": self.amount(row.balance_minor),
            "bucket": self.buckets[row.bucket].label,
        }


def latest_value_date(portfolio: Portfolio) -> date | None:
    """The latest value date of any entry of the portfolio: its largest value-date mark, which the database keeps
    (recaudo.ledger.models.ValueDateMark)."""
    return ValueDateMark.objects.filter(portfolio=portfolio).aggregate(d=Max("value_date"))["d"]


def _balances_sql(portfolio: Portfolio, as_of: date, cached: bool) -> tuple[str, list]:
    """SQL yielding (obligation_id, debtor_id, due_date, bal) for every obligation with a non-zero balance."""
    ops = connection.ops
    obligation = Obligation._meta.db_table
    if cached:
        # Most obligations of a book are open: a scan of the portfolio's obligations (there is no status index;
        # one read the table in due-date order, at random, 3x slower over 1M obligations on SQLite).
        sql = (
            f"SELECT o.id AS obligation_id, o.debtor_id AS debtor_id, o.due_date AS due_date, o.balance_minor AS bal "
            f"FROM {obligation} o WHERE o.portfolio_id = %s AND o.status = 'open' AND o.balance_minor <> 0"
        )
        return sql, [portfolio.pk]
    entry = Entry._meta.db_table
    sql = (
        f"SELECT o.id AS obligation_id, o.debtor_id AS debtor_id, o.due_date AS due_date, s.bal AS bal "
        f"FROM (SELECT e.obligation_id AS obligation_id, SUM(e.amount_minor) AS bal FROM {entry} e "
        f"WHERE e.portfolio_id = %s AND e.value_date <= %s GROUP BY e.obligation_id "
        f"HAVING SUM(e.amount_minor) <> 0) s "
        f"JOIN {obligation} o ON o.id = s.obligation_id"
    )
    return sql, [portfolio.pk, ops.adapt_datefield_value(as_of)]


def _bucket_case(buckets: tuple[Bucket, ...], as_of: date) -> tuple[str, list]:
    cutoffs = due_date_cutoffs(buckets, as_of)
    if not cutoffs:
        return "0", []
    whens = " ".join(f"WHEN b.due_date >= %s THEN {i}" for i in range(len(cutoffs)))
    return f"CASE {whens} ELSE {len(cutoffs)} END", [connection.ops.adapt_datefield_value(d) for d in cutoffs]


def aging_report(*, portfolio: Portfolio, as_of: date, by: str = "portfolio", use_cache: bool | None = None
                 ) -> AgingReport:
    """Aging of the portfolio as of a date, by portfolio (bucket totals), debtor or obligation (plus rows).

    use_cache: None decides (the cached balances when no entry is dated after as_of); True/False force a path
    (True is refused when it would not be exact).
    """
    if by not in BY_CHOICES:
        raise ReportError(f"unknown grouping {by!r}: use portfolio, debtor or obligation")
    buckets = parse_buckets(portfolio.buckets)
    latest = latest_value_date(portfolio)
    exact_cache = latest is None or latest <= as_of
    if use_cache is None:
        use_cache = exact_cache
    elif use_cache and not exact_cache:
        raise ReportError("cached balances are only exact as of the latest value date or later")
    balances_sql, balances_params = _balances_sql(portfolio, as_of, use_cache)
    case_sql, case_params = _bucket_case(buckets, as_of)
    amounts = [0] * len(buckets)
    counts = [0] * len(buckets)
    rows: list = []
    with connection.cursor() as cursor:
        if by == "portfolio":
            cursor.execute(
                f"SELECT {case_sql} AS bucket, SUM(b.bal), COUNT(*) FROM ({balances_sql}) b GROUP BY 1",
                case_params + balances_params,
            )
            for index, amount, count in cursor.fetchall():
                amounts[index] += int(amount)
                counts[index] += int(count)
        elif by == "debtor":
            cursor.execute(
                f"SELECT b.debtor_id, {case_sql} AS bucket, SUM(b.bal), COUNT(*) FROM ({balances_sql}) b "
                f"GROUP BY 1, 2",
                case_params + balances_params,
            )
            per_debtor: dict[int, list[int]] = {}
            for debtor_id, index, amount, count in cursor.fetchall():
                per_debtor.setdefault(debtor_id, [0] * len(buckets))[index] += int(amount)
                amounts[index] += int(amount)
                counts[index] += int(count)
            names = _debtor_names(portfolio, per_debtor)
            rows = [
                DebtorAgingRow(debtor_id, *names[debtor_id][:2], sum(values), tuple(values), *names[debtor_id][2:])
                for debtor_id, values in per_debtor.items()
            ]
            rows.sort(key=lambda r: (-r.total_minor, r.code))
        else:
            debtor_table = Debtor._meta.db_table
            obligation_table = Obligation._meta.db_table
            cursor.execute(
                f"SELECT b.obligation_id, o.number, d.code, b.due_date, b.bal FROM ({balances_sql}) b "
                f"JOIN {obligation_table} o ON o.id = b.obligation_id JOIN {debtor_table} d ON d.id = b.debtor_id "
                f"ORDER BY b.due_date, o.number",
                balances_params,
            )
            convert = _date_converter()
            for obligation_id, number, code, due, amount in cursor.fetchall():
                due = convert(due)
                days = days_past_due(due, as_of)
                index = bucket_index(days, buckets)
                amounts[index] += int(amount)
                counts[index] += 1
                rows.append(ObligationAgingRow(obligation_id, number, code, due, days, int(amount), index))
    totals = [BucketTotal(b, a, c) for b, a, c in zip(buckets, amounts, counts, strict=True)]
    return AgingReport(portfolio=portfolio, as_of=as_of, by=by, buckets=buckets, totals=totals, rows=rows,
                       used_cache=use_cache)


def _debtor_names(portfolio: Portfolio, per_debtor: dict) -> dict[int, tuple[str, str, str, str]]:
    """Code, name, ID type and ID number of the debtors."""
    debtors = Debtor.objects.filter(portfolio=portfolio).order_by()
    if len(per_debtor) <= 2000:
        debtors = debtors.filter(pk__in=list(per_debtor))
    return {pk: (code, name, id_type or "", id_number or "") for pk, code, name, id_type, id_number
            in debtors.values_list("pk", "code", "name", "id_type", "id_number").iterator(chunk_size=20000)}


def _date_converter():
    def convert(value):
        if isinstance(value, date):
            return value
        return date.fromisoformat(str(value)[:10])

    return convert


def bucketed_balances_sql(portfolio: Portfolio, as_of: date) -> tuple[str, list, tuple[Bucket, ...]]:
    """SQL yielding (obligation_id, debtor_id, bucket, bal) for every obligation with a non-zero balance as of the
    date, bucketed by the portfolio's buckets (the aging's own rules; the cached balances when they are exact):
    what the analytics' daily snapshot groups."""
    buckets = parse_buckets(portfolio.buckets)
    latest = latest_value_date(portfolio)
    balances_sql, balances_params = _balances_sql(portfolio, as_of, cached=latest is None or latest <= as_of)
    case_sql, case_params = _bucket_case(buckets, as_of)
    sql = f"SELECT b.obligation_id, b.debtor_id, {case_sql} AS bucket, b.bal FROM ({balances_sql}) b"
    return sql, case_params + balances_params, buckets


def roll_sql(portfolio: Portfolio, before: date, day: date) -> tuple[str, list]:
    """SQL yielding (fb, tb, s, n): from bucket, to bucket, balance then and count, for every obligation with a
    balance as of `before`: its bucket then and as of `day` (-1 when it owes nothing on `day`), in ONE pass over
    the ledger (each obligation's two balances side by side; no join of two whole-book subqueries)."""
    buckets = parse_buckets(portfolio.buckets)
    ops = connection.ops
    entry, obligation = Entry._meta.db_table, Obligation._meta.db_table
    case_before, params_before = _bucket_case(buckets, before)
    case_day, params_day = _bucket_case(buckets, day)
    d_before, d_day = ops.adapt_datefield_value(before), ops.adapt_datefield_value(day)
    inner = (
        f"SELECT o.id AS obligation_id, o.due_date AS due_date, "
        f"SUM(CASE WHEN e.value_date <= %s THEN e.amount_minor ELSE 0 END) AS b0, SUM(e.amount_minor) AS b1 "
        f"FROM {entry} e JOIN {obligation} o ON o.id = e.obligation_id "
        f"WHERE e.portfolio_id = %s AND e.value_date <= %s GROUP BY o.id, o.due_date"
    )
    sql = (
        f"SELECT {case_before} AS fb, CASE WHEN b.b1 = 0 THEN -1 ELSE {case_day} END AS tb, SUM(b.b0) AS s, "
        f"COUNT(*) AS n "
        f"FROM ({inner}) b WHERE b.b0 <> 0 GROUP BY 1, 2"
    )
    return sql, params_before + params_day + [d_before, portfolio.pk, d_day]


def debtors_with_balance(*, portfolio: Portfolio, as_of: date) -> int:
    """How many debtors have a non-zero balance as of the date (same rules as the aging)."""
    latest = latest_value_date(portfolio)
    if latest is None:
        return 0
    balances_sql, params = _balances_sql(portfolio, as_of, cached=latest <= as_of)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COUNT(DISTINCT b.debtor_id) FROM ({balances_sql}) b", params)
        return int(cursor.fetchone()[0])


@dataclass
class PortfolioSummary:
    portfolio: Portfolio
    as_of: date
    report: AgingReport
    debtor_count: int

    @property
    def overdue_percent(self) -> float:
        total = self.report.total_minor
        return round(100 * self.report.overdue_minor / total, 1) if total else 0.0


def portfolio_summaries(*, portfolios, as_of: date | None = None, today_for=None) -> list[PortfolioSummary]:
    """Dashboard figures per portfolio: aging totals, debtors with balance, overdue share.

    as_of None = each portfolio's own today (`today_for(portfolio)`, default its time zone's date).
    """
    today_for = today_for or Portfolio.today
    result = []
    for portfolio in portfolios:
        day = as_of or today_for(portfolio)
        report = aging_report(portfolio=portfolio, as_of=day)
        result.append(PortfolioSummary(portfolio=portfolio, as_of=day, report=report,
                                       debtor_count=debtors_with_balance(portfolio=portfolio, as_of=day)))
    return result
