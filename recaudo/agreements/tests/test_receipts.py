"""Receipt numbers (recibo de caja) under concurrency: the counter row is locked while a number is taken, so
payments recorded at the same time get consecutive numbers, none repeated and none skipped (PostgreSQL; SQLite
serializes writers with BEGIN IMMEDIATE)."""

from __future__ import annotations

import threading
from datetime import date
from decimal import Decimal

import psycopg
import pytest
from django.db import connection, connections, transaction

from recaudo.agreements.services.payments import payment_receive
from recaudo.demo.testing import make_debtor, make_obligation, other_session
from recaudo.ledger.models import Receipt

pytestmark = [pytest.mark.skipif(connection.vendor != "postgresql", reason="two sessions at once"),
              pytest.mark.django_db(transaction=True)]

DAY = date(2026, 3, 2)


def _debtors(portfolio, n):
    out = []
    for i in range(n):
        debtor = make_debtor(portfolio, code=f"D{i}", name=f"Deudor {i}")
        make_obligation(portfolio, debtor, f"F-{i}", "100000", date(2026, 1, 1), date(2026, 1, 31))
        out.append(debtor)
    return out


def test_a_second_payment_waits_for_the_receipt_counter(portfolio):
    first, second = _debtors(portfolio, 2)
    payment_receive(portfolio=portfolio, debtor=second, amount=Decimal("1"), date=DAY, reference="warm-up")
    other = other_session()
    try:
        with transaction.atomic():
            payment_receive(portfolio=portfolio, debtor=first, amount=Decimal("1000"), date=DAY, reference="A")
            with pytest.raises(psycopg.errors.LockNotAvailable):
                other.execute("SELECT last_number FROM ledger_receiptcounter WHERE portfolio_id = %s FOR UPDATE",
                              [portfolio.pk])
            other.rollback()
        row = other.execute("SELECT last_number FROM ledger_receiptcounter WHERE portfolio_id = %s FOR UPDATE",
                            [portfolio.pk]).fetchone()
        assert row == (2,)
        other.rollback()
    finally:
        other.close()


def test_concurrent_payments_get_consecutive_numbers(portfolio):
    debtors = _debtors(portfolio, 4)
    errors = []

    def pay(debtor):
        try:
            payment_receive(portfolio=portfolio, debtor=debtor, amount=Decimal("1000"), date=DAY,
                            reference=f"R-{debtor.code}")
        except Exception as exc:  # noqa: BLE001 (reported below)
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=pay, args=(d,)) for d in debtors]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert sorted(Receipt.objects.filter(portfolio=portfolio).values_list("number", flat=True)) == [1, 2, 3, 4]
