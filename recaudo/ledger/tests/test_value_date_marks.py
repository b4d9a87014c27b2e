"""The portfolio's latest entry value date, kept by the database (ValueDateMark), on SQLite and PostgreSQL."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.db import connection, transaction
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from recaudo.demo.testing import make_debtor, make_obligation, other_session
from recaudo.ledger.models import Entry, ValueDateMark
from recaudo.ledger.posting import entry_post
from recaudo.reports.selectors import latest_value_date

pytestmark = pytest.mark.django_db


def _fee(obligation, day: date) -> Entry:
    return Entry(portfolio_id=obligation.portfolio_id, debtor_id=obligation.debtor_id, obligation=obligation,
                 kind="charge", component="fee", amount_minor=100, value_date=day, created_at=timezone.now())


def _marks(portfolio) -> list[date]:
    return list(ValueDateMark.objects.filter(portfolio=portfolio).order_by("value_date")
                .values_list("value_date", flat=True))


def test_a_later_entry_adds_a_mark_an_earlier_one_does_not(portfolio):
    assert latest_value_date(portfolio) is None
    invoice = make_obligation(portfolio, make_debtor(portfolio), "F-1", "1000", date(2026, 1, 10), date(2026, 2, 9))
    assert _marks(portfolio) == [date(2026, 1, 10)]  # its principal charge, dated the issue date
    entry_post(obligation=invoice, kind="fee", amount=Decimal("5"), value_date=date(2026, 1, 5))
    assert _marks(portfolio) == [date(2026, 1, 10)]
    entry_post(obligation=invoice, kind="fee", amount=Decimal("5"), value_date=date(2026, 3, 1))
    entry_post(obligation=invoice, kind="fee", amount=Decimal("5"), value_date=date(2026, 3, 1))
    assert _marks(portfolio) == [date(2026, 1, 10), date(2026, 3, 1)]
    assert latest_value_date(portfolio) == date(2026, 3, 1)


def test_one_statement_marks_each_portfolio_with_its_own_latest(portfolio, other_portfolio):
    mine = make_obligation(portfolio, make_debtor(portfolio), "F-1", "1000", date(2026, 1, 1), date(2026, 1, 31))
    theirs = make_obligation(other_portfolio, make_debtor(other_portfolio), "F-1", "1000", date(2026, 1, 1),
                             date(2026, 1, 31))
    Entry.objects.bulk_create([_fee(mine, date(2026, 5, 2)), _fee(theirs, date(2026, 4, 1)),
                               _fee(mine, date(2026, 6, 30)), _fee(theirs, date(2026, 2, 1))])
    assert latest_value_date(portfolio) == date(2026, 6, 30)
    assert latest_value_date(other_portfolio) == date(2026, 4, 1)
    # PostgreSQL marks once per statement (06-30), SQLite once per row (05-02, then 06-30)
    expected = [date(2026, 1, 1), date(2026, 6, 30)]
    if connection.vendor == "sqlite":
        expected.insert(1, date(2026, 5, 2))
    assert _marks(portfolio) == expected


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(batches=st.lists(st.lists(st.tuples(st.booleans(), st.integers(0, 400)), min_size=1, max_size=6),
                        min_size=1, max_size=5))
def test_the_latest_mark_is_always_the_latest_entry(portfolio, other_portfolio, batches):
    """Property: whatever batches of entries go in, in whatever date order, each portfolio's latest value date is
    the latest value date of its entries."""
    with transaction.atomic():
        obligations = [make_obligation(p, make_debtor(p, code="P"), "F-P", "1000", date(2025, 12, 1),
                                       date(2025, 12, 31)) for p in (portfolio, other_portfolio)]
        for batch in batches:
            Entry.objects.bulk_create([_fee(obligations[which], date(2026, 1, 1) + timedelta(days=days))
                                       for which, days in batch])
            for p in (portfolio, other_portfolio):
                latest = Entry.objects.filter(portfolio=p).order_by("-value_date").values_list("value_date",
                                                                                              flat=True)[0]
                assert latest_value_date(p) == latest
        transaction.set_rollback(True)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="two sessions at once")
@pytest.mark.django_db(transaction=True)
def test_marks_never_make_one_posting_wait_for_another(portfolio):
    """Two uncommitted transactions each bring a new latest date: the second does not wait for the first (marks
    are inserted, never updated), and once both commit the latest is the later one."""
    invoice = make_obligation(portfolio, make_debtor(portfolio), "F-1", "1000", date(2026, 1, 1), date(2026, 1, 31))
    other = other_session()
    try:
        with transaction.atomic():
            Entry.objects.bulk_create([_fee(invoice, date(2026, 8, 1))])
            other.execute(
                "INSERT INTO ledger_entry (portfolio_id, debtor_id, obligation_id, kind, component, amount_minor, "
                "value_date, created_at, memo) VALUES (%s, %s, %s, 'charge', 'fee', 100, %s, now(), '')",
                [portfolio.pk, invoice.debtor_id, invoice.pk, date(2026, 9, 1)])
            other.commit()
        assert latest_value_date(portfolio) == date(2026, 9, 1)
        assert _marks(portfolio) == [date(2026, 1, 1), date(2026, 8, 1), date(2026, 9, 1)]
    finally:
        other.close()
