"""Certificate numbers under concurrency: the counter row is locked while a number is taken, so certificates
issued at the same time get consecutive numbers, none repeated and none skipped (PostgreSQL; SQLite serializes
writers with BEGIN IMMEDIATE)."""

from __future__ import annotations

import threading
from datetime import date
from decimal import Decimal

import pytest
from django.db import connection, connections

from recaudo.agreements.services.payments import payment_receive
from recaudo.certificates.models import Certificate
from recaudo.certificates.services import certificate_issue
from recaudo.demo.testing import make_debtor, make_obligation

pytestmark = [pytest.mark.skipif(connection.vendor != "postgresql", reason="several sessions at once"),
              pytest.mark.django_db(transaction=True)]


def test_concurrent_issues_get_consecutive_numbers(portfolio):
    debtors = []
    for i in range(5):
        debtor = make_debtor(portfolio, code=f"D{i}", name=f"Deudor {i}")
        make_obligation(portfolio, debtor, f"F-{i}", "1000", date(2026, 1, 1), date(2026, 1, 31))
        payment_receive(portfolio=portfolio, debtor=debtor, amount=Decimal("1000"), date=date(2026, 1, 10),
                        source_ref=f"p{i}")
        debtors.append(debtor)
    errors = []

    def issue(debtor):
        try:
            certificate_issue(debtor=debtor, actor="test")
        except Exception as exc:  # noqa: BLE001 (reported below)
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=issue, args=(d,)) for d in debtors]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert sorted(Certificate.objects.values_list("number", flat=True)) == [1, 2, 3, 4, 5]
