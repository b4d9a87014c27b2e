"""Nothing deletes ledger entries silently (issue 12, item 8): the database refuses DELETE (and TRUNCATE on
PostgreSQL), and `ledger verify` checks each portfolio's entry count and checksum against the tally the database
kept as entries were inserted, so an entry removed with the guards lifted is still found."""

from datetime import date
from decimal import Decimal

import pytest
from django.db import DatabaseError, connection, transaction
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from recaudo.demo.testing import make_debtor, make_obligation, make_portfolio
from recaudo.ledger.models import Entry
from recaudo.ledger.posting import entry_post
from recaudo.ledger.services import ledger_verify, payment_record
from recaudo.ledger.triggers import TALLY_MODULUS, tally_term

pytestmark = pytest.mark.django_db


def _execute(sql, params=()):
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # As in a session of its own: the test's transaction has deferred key checks still pending.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute(sql, params)


def _ledger(portfolio):
    debtor = make_debtor(portfolio)
    invoice = make_obligation(portfolio, debtor, "F-1", "1000000", date(2026, 1, 10), date(2026, 2, 9))
    entry_post(obligation=invoice, kind="interest", amount=Decimal("12345.67"), value_date=date(2026, 3, 1))
    payment_record(portfolio=portfolio, debtor=debtor, amount=Decimal("500000"), date=date(2026, 3, 2),
                   reference="T-1")
    return invoice


def test_a_consistent_ledger_verifies(portfolio):
    _ledger(portfolio)
    assert ledger_verify(portfolio) == []


def test_delete_of_entries_is_refused(portfolio):
    _ledger(portfolio)
    with pytest.raises(DatabaseError), transaction.atomic():
        _execute("DELETE FROM ledger_entry WHERE portfolio_id = %s", [portfolio.pk])
    with pytest.raises(DatabaseError), transaction.atomic():
        Entry.objects.filter(portfolio=portfolio).delete()
    assert Entry.objects.filter(portfolio=portfolio).count() == 4


@pytest.mark.postgres
def test_truncate_of_the_ledger_is_refused_on_postgresql(portfolio):
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL only")
    _ledger(portfolio)
    for statement in ("TRUNCATE ledger_entry CASCADE", "TRUNCATE ledger_tally", "TRUNCATE portfolio_obligation CASCADE",
                      "DELETE FROM ledger_tally", "UPDATE ledger_tally SET entries = 0"):
        with pytest.raises(DatabaseError, match="append-only|never changed by hand|never deleted"), \
                transaction.atomic():
            _execute(statement)
    assert Entry.objects.filter(portfolio=portfolio).count() == 4


def _delete_behind_the_guards(where: str, params):
    """What an operator with direct SQL could do: lift the guard, delete a charge, edit the cached balances."""
    if connection.vendor == "sqlite":
        _execute("DROP TRIGGER ledger_entry_no_delete")
        _execute(f"DELETE FROM ledger_entry WHERE {where}", params)
        from recaudo.ledger.triggers import SQLITE_DELETE_GUARDS

        _execute(SQLITE_DELETE_GUARDS[0])
    else:
        _execute("ALTER TABLE ledger_entry DISABLE TRIGGER ledger_entry_no_update")
        _execute(f"DELETE FROM ledger_entry WHERE {where}", params)
        _execute("ALTER TABLE ledger_entry ENABLE TRIGGER ledger_entry_no_update")


def test_a_charge_deleted_with_balances_edited_is_found(portfolio):
    invoice = _ledger(portfolio)
    paid = Entry.objects.get(obligation=invoice, component="principal", kind="payment")
    _delete_behind_the_guards("id = %s", [paid.pk])
    # ...and the cached balances edited to match, as in the attack seen: the per-obligation checks pass.
    from recaudo.ledger.posting import refresh_summaries

    refresh_summaries(obligation_ids=[invoice.pk], debtor_ids=[invoice.debtor_id])
    problems = ledger_verify(portfolio)
    assert problems == ["ledger: 3 entries, but 4 were posted: entries were deleted outside Recaudo"]


def test_an_entry_changed_behind_the_guards_is_found(portfolio):
    invoice = _ledger(portfolio)
    if connection.vendor == "sqlite":
        _execute("DROP TRIGGER ledger_entry_no_update")
    else:
        _execute("ALTER TABLE ledger_entry DISABLE TRIGGER ledger_entry_no_update")
    _execute("UPDATE ledger_entry SET amount_minor = amount_minor + 100 WHERE obligation_id = %s AND kind = 'interest'",
             [invoice.pk])
    _execute("UPDATE ledger_entry SET amount_minor = amount_minor - 100 WHERE obligation_id = %s AND kind = 'charge'",
             [invoice.pk])
    assert any("checksum" in p for p in ledger_verify(portfolio))


def test_the_tally_counts_bulk_inserts_and_other_portfolios_apart(portfolio, other_portfolio):
    invoice = _ledger(portfolio)
    other = make_obligation(other_portfolio, make_debtor(other_portfolio), "X-1", "10", date(2026, 1, 1),
                            date(2026, 1, 2))
    now = timezone.now()
    Entry.objects.bulk_create([
        Entry(portfolio_id=portfolio.pk, debtor_id=invoice.debtor_id, obligation=invoice, kind="charge",
              component="fee", amount_minor=100 + i, value_date=date(1999, 12, 31), created_at=now)
        for i in range(25)
    ])
    assert not [p for p in ledger_verify(portfolio) + ledger_verify(other_portfolio) if p.startswith("ledger:")]
    with connection.cursor() as cursor:
        cursor.execute("SELECT sum(entries) FROM ledger_tally WHERE portfolio_id = %s", [portfolio.pk])
        assert cursor.fetchone()[0] == 29
    assert other.pk


_examples = []


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(amounts=st.lists(st.integers(-(10**15), 10**15).filter(bool), min_size=1, max_size=8),
       days=st.lists(st.integers(-730000, 2900000), min_size=8, max_size=8))
def test_the_checksum_is_the_same_however_entries_are_grouped(amounts, days):
    """Negative amounts, dates before 2000 and huge values: the checksum of rows inserted one at a time equals
    the one recomputed from the table."""
    from datetime import timedelta

    _examples.append(1)
    portfolio = make_portfolio(slug=f"p{len(_examples)}", name="P")
    invoice = make_obligation(portfolio, make_debtor(portfolio), "F-1", "1", date(2026, 1, 1), date(2026, 1, 2))
    now = timezone.now()
    rows = [Entry(portfolio_id=portfolio.pk, debtor_id=invoice.debtor_id, obligation=invoice, kind="adjustment",
                  component="fee", amount_minor=a, value_date=date(2000, 1, 1) + timedelta(days=d), created_at=now)
            for a, d in zip(amounts, days, strict=False)]
    half = len(rows) // 2
    Entry.objects.bulk_create(rows[:half])
    for row in rows[half:]:
        Entry.objects.bulk_create([row])
    assert not [p for p in ledger_verify(portfolio) if p.startswith("ledger:")]
    assert TALLY_MODULUS == 2**31 - 1


def test_the_installed_tally_trigger_computes_the_term_ledger_verify_recomputes():
    """The tally's trigger is frozen in ledger migration 0001; `ledger verify` recomputes its checksum with
    `tally_term`: both must be the same SQL, or every portfolio would fail verification."""
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = 'ledger_entry_tally'")
            assert tally_term("NEW", "sqlite") in cursor.fetchone()[0]
        else:
            cursor.execute("SELECT pg_get_functiondef('ledger_entry_tally'::regproc)")
            assert tally_term("t", "postgresql") in cursor.fetchone()[0]
