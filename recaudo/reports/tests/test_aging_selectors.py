"""Aging selector against real ledger entries: as-of semantics, both paths (ledger and cached), JSON shape."""

import random
from datetime import date, timedelta
from decimal import Decimal

import pytest

from recaudo.agreements.services.payments import payment_receipt_reverse
from recaudo.demo.testing import make_debtor, make_obligation, make_portfolio
from recaudo.ledger.posting import entry_post
from recaudo.portfolio.aging import age, parse_buckets
from recaudo.reports.selectors import ReportError, aging_report, debtors_with_balance, portfolio_summaries

from .factories import build_book, pay

AS_OF = date(2026, 11, 22)
pytestmark = pytest.mark.django_db


def amounts(report):
    return [(t.bucket.label, t.amount_minor, t.count) for t in report.totals]


EXPECTED = [
    ("current", 100_000_00, 1),
    ("1-30", 80_000_50, 1),
    ("31-60", 150_000_00, 1),
    ("61-90", 0, 0),
    ("91-180", 0, 0),
    ("181-360", 0, 0),
    ("over 360", 40_000_00, 1),
]


def test_worked_example_both_paths(portfolio):
    build_book(portfolio)
    cached = aging_report(portfolio=portfolio, as_of=AS_OF)
    assert cached.used_cache is True  # no entry dated after as_of
    ledger = aging_report(portfolio=portfolio, as_of=AS_OF, use_cache=False)
    assert ledger.used_cache is False
    assert amounts(cached) == amounts(ledger) == EXPECTED
    assert cached.total_minor == 370_000_50
    assert cached.overdue_minor == 270_000_50


def test_json_shape_exact(portfolio):
    build_book(portfolio)
    assert aging_report(portfolio=portfolio, as_of=AS_OF).to_json() == {
        "as_of": "2026-11-22",
        "currency": "COP",
        "total": "370000.50",
        "buckets": [
            {"label": "current", "min_days": None, "max_days": 0, "amount": "100000.00", "count": 1},
            {"label": "1-30", "min_days": 1, "max_days": 30, "amount": "80000.50", "count": 1},
            {"label": "31-60", "min_days": 31, "max_days": 60, "amount": "150000.00", "count": 1},
            {"label": "61-90", "min_days": 61, "max_days": 90, "amount": "0.00", "count": 0},
            {"label": "91-180", "min_days": 91, "max_days": 180, "amount": "0.00", "count": 0},
            {"label": "181-360", "min_days": 181, "max_days": 360, "amount": "0.00", "count": 0},
            {"label": "over 360", "min_days": 361, "max_days": None, "amount": "40000.00", "count": 1},
        ],
    }


def test_json_by_debtor_and_obligation(portfolio):
    build_book(portfolio)
    by_debtor = aging_report(portfolio=portfolio, as_of=AS_OF, by="debtor").to_json()
    assert by_debtor["total"] == "370000.50"
    assert by_debtor["rows"] == [
        {"code": "C001", "name": "Luz Marina Restrepo", "total": "250000.00", "current": "100000.00",
         "1-30": "0.00", "31-60": "150000.00", "61-90": "0.00", "91-180": "0.00", "181-360": "0.00",
         "over 360": "0.00"},
        {"code": "C002", "name": "Ferretería El Tornillo S.A.S.", "total": "120000.50", "current": "0.00",
         "1-30": "80000.50", "31-60": "0.00", "61-90": "0.00", "91-180": "0.00", "181-360": "0.00",
         "over 360": "40000.00"},
    ]
    by_obligation = aging_report(portfolio=portfolio, as_of=AS_OF, by="obligation", use_cache=False).to_json()
    assert by_obligation["rows"] == [
        {"number": "F-4", "debtor_code": "C002", "due_date": "2025-06-30", "days_past_due": 510,
         "balance": "40000.00", "bucket": "over 360"},
        {"number": "F-2", "debtor_code": "C001", "due_date": "2026-10-01", "days_past_due": 52,
         "balance": "150000.00", "bucket": "31-60"},
        {"number": "F-3", "debtor_code": "C002", "due_date": "2026-11-10", "days_past_due": 12,
         "balance": "80000.50", "bucket": "1-30"},
        {"number": "F-1", "debtor_code": "C001", "due_date": "2026-11-22", "days_past_due": 0,
         "balance": "100000.00", "bucket": "current"},
    ]
    assert aging_report(portfolio=portfolio, as_of=AS_OF, by="obligation").to_json() == by_obligation


def test_historic_aging_unchanged_by_later_imports(portfolio):
    book = build_book(portfolio)
    before = aging_report(portfolio=portfolio, as_of=AS_OF).to_json()
    # Later movements: a payment and an interest charge dated after as_of, and a new obligation.
    pay(portfolio, book["f3"], "80000.50", date(2026, 11, 25), "P-3")
    entry_post(obligation=book["f2"], kind="interest", amount=Decimal("1234.56"), value_date=date(2026, 11, 30))
    make_obligation(portfolio, book["c1"], number="F-6", amount="999", issue=date(2026, 11, 23),
                    due=date(2026, 12, 23))
    after = aging_report(portfolio=portfolio, as_of=AS_OF)
    assert after.used_cache is False  # later entries exist: the cache is not the balance as of AS_OF
    assert after.to_json() == before
    with pytest.raises(ReportError):
        aging_report(portfolio=portfolio, as_of=AS_OF, use_cache=True)
    # As of the later date: F-3 paid, F-2 has interest, F-6 is current.
    later = aging_report(portfolio=portfolio, as_of=date(2026, 11, 30))
    assert later.used_cache is True
    ledger = aging_report(portfolio=portfolio, as_of=date(2026, 11, 30), use_cache=False)
    assert amounts(later) == amounts(ledger)
    assert later.to_json()["total"] == "292233.56"  # 370000.50 - 80000.50 + 1234.56 + 999
    assert later.total_minor == 100_000_00 + 151_234_56 + 40_000_00 + 999_00


def test_paid_and_not_yet_issued_are_left_out(portfolio):
    book = build_book(portfolio)
    report = aging_report(portfolio=portfolio, as_of=date(2026, 9, 30), by="obligation")
    numbers = [row.number for row in report.rows]
    # F-5 was paid on 2026-09-05; F-1 and F-3 were issued in October.
    assert numbers == ["F-4", "F-2"]
    assert report.to_json()["rows"][1]["bucket"] == "current"  # F-2 due 2026-10-01, not yet due
    before_payment = aging_report(portfolio=portfolio, as_of=date(2026, 9, 2), by="obligation")
    assert [row.number for row in before_payment.rows] == ["F-4", "F-5", "F-2"]
    assert book["f5"].number == "F-5"


def test_reversed_payment_counts_again(portfolio):
    book = build_book(portfolio)
    payment = pay(portfolio, book["f1"], "100000", date(2026, 11, 20), "P-9")
    assert aging_report(portfolio=portfolio, as_of=AS_OF).totals[0].amount_minor == 0
    payment_receipt_reverse(payment=payment, reason="cheque devuelto")
    for use_cache in (True, False):
        assert aging_report(portfolio=portfolio, as_of=AS_OF, use_cache=use_cache).totals[0].amount_minor == 100_000_00


def test_custom_buckets_of_the_portfolio(db):
    portfolio = make_portfolio(slug="hoa", buckets=[[None, 0], [1, 60], [61, None]])
    build_book(portfolio)
    report = aging_report(portfolio=portfolio, as_of=AS_OF)
    assert amounts(report) == [("current", 100_000_00, 1), ("1-60", 230_000_50, 2), ("over 60", 40_000_00, 1)]
    assert amounts(aging_report(portfolio=portfolio, as_of=AS_OF, use_cache=False)) == amounts(report)


def test_clp_has_no_decimals(db):
    portfolio = make_portfolio(slug="cl", country="CL", currency="CLP")
    debtor = make_debtor(portfolio)
    make_obligation(portfolio, debtor, amount="150000", issue=date(2026, 1, 1), due=date(2026, 1, 31))
    data = aging_report(portfolio=portfolio, as_of=AS_OF).to_json()
    assert data["total"] == "150000"
    assert data["buckets"][5]["amount"] == "150000"  # 295 days: 181-360


def test_empty_portfolio(portfolio):
    report = aging_report(portfolio=portfolio, as_of=AS_OF, by="debtor")
    assert report.total_minor == 0 and report.rows == []
    assert report.to_json()["total"] == "0.00"
    assert debtors_with_balance(portfolio=portfolio, as_of=AS_OF) == 0


def test_other_portfolios_do_not_leak(portfolio, other_portfolio):
    build_book(portfolio)
    debtor = make_debtor(other_portfolio, code="A-101")
    make_obligation(other_portfolio, debtor, number="F-1", amount="5000", issue=date(2026, 1, 1),
                    due=date(2026, 1, 31))
    assert aging_report(portfolio=portfolio, as_of=AS_OF).total_minor == 370_000_50
    assert aging_report(portfolio=other_portfolio, as_of=AS_OF, use_cache=False).total_minor == 5_000_00


def test_unknown_grouping(portfolio):
    with pytest.raises(ReportError):
        aging_report(portfolio=portfolio, as_of=AS_OF, by="region")


def test_summaries_and_debtor_count(portfolio):
    build_book(portfolio)
    assert debtors_with_balance(portfolio=portfolio, as_of=AS_OF) == 2
    assert debtors_with_balance(portfolio=portfolio, as_of=date(2025, 7, 1)) == 1  # only F-4 existed
    [summary] = portfolio_summaries(portfolios=[portfolio], as_of=AS_OF)
    assert summary.debtor_count == 2
    assert summary.overdue_percent == 73.0  # 270000.50 / 370000.50


def test_random_book_both_paths_match_the_pure_rule(portfolio):
    """Random obligations and payments: the SQL paths agree with each other and with the pure rule."""
    rng = random.Random(7)
    debtors = [make_debtor(portfolio, code=f"D{i}", name=f"Deudor {i}") for i in range(6)]
    obligations = []
    for i in range(40):
        issue = date(2025, 1, 1) + timedelta(days=rng.randint(0, 650))
        due = issue + timedelta(days=rng.choice([0, 15, 30, 90]))
        obligations.append(make_obligation(portfolio, rng.choice(debtors), number=f"N-{i}",
                                           amount=str(rng.randint(1, 500_000)), issue=issue, due=due))
    for j, obligation in enumerate(rng.sample(obligations, 25)):
        obligation.refresh_from_db()
        amount = Decimal(rng.randint(1, obligation.balance_minor)) / 100
        pay(portfolio, obligation, str(amount), obligation.issue_date + timedelta(days=rng.randint(0, 60)), f"R{j}")
    buckets = parse_buckets(portfolio.buckets)
    from recaudo.ledger.models import Entry

    latest = max(Entry.objects.filter(portfolio=portfolio).values_list("value_date", flat=True))
    for as_of in (date(2025, 3, 1), date(2025, 9, 30), date(2026, 6, 15), latest, latest + timedelta(days=400)):
        items = []
        for obligation in obligations:
            balance = sum(Entry.objects.filter(obligation=obligation, value_date__lte=as_of)
                          .values_list("amount_minor", flat=True))
            items.append((obligation.due_date, balance))
        expected = [(t.bucket.label, t.amount_minor, t.count) for t in age(items, as_of, buckets)]
        assert amounts(aging_report(portfolio=portfolio, as_of=as_of, use_cache=False)) == expected
        assert amounts(aging_report(portfolio=portfolio, as_of=as_of)) == expected
        for by in ("debtor", "obligation"):
            assert (aging_report(portfolio=portfolio, as_of=as_of, by=by, use_cache=False).to_json()
                    == aging_report(portfolio=portfolio, as_of=as_of, by=by).to_json())
