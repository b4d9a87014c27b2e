"""On PostgreSQL: the daily cycle and a payment on the due date charge an installment's interest at the same time:
it is charged exactly once and nobody deadlocks (both lock the debtor's row before the installment's)."""

import threading
from datetime import date
from decimal import Decimal

import pytest
from django.db import connection, connections

from recaudo.agreements.services.payments import payment_receive
from recaudo.agreements.services.plans import agreement_accept, agreement_create, installment_interest_post
from recaudo.demo.testing import make_debtor, make_obligation, make_portfolio
from recaudo.ledger.models import Entry
from recaudo.ledger.services import ledger_verify

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

TODAY, DUE = date(2026, 9, 1), date(2026, 10, 1)


@pytest.fixture(autouse=True)
def _postgres_only():
    if connection.vendor != "postgresql":
        pytest.skip("concurrent connections need PostgreSQL (the SQLite test database is in memory)")


def test_cycle_and_payment_on_the_due_date_charge_the_interest_once():
    portfolio = make_portfolio(slug="conc-ac")
    debtors = []
    for i in range(6):
        debtor = make_debtor(portfolio, code=f"K{i}", name=f"Deudor {i}")
        invoice = make_obligation(portfolio, debtor, number=f"K{i}-1", amount="1000000", issue=date(2026, 5, 1),
                                  due=date(2026, 6, 30))
        a = agreement_create(portfolio=portfolio, debtor=debtor, obligations=[invoice], installments=2,
                             first_due=DUE, rate=Decimal("0.015"), rate_kind="monthly", today=TODAY)
        agreement_accept(agreement=a, channel="in_person", evidence_text="ok", today=TODAY)
        debtors.append(debtor)
    errors = []
    barrier = threading.Barrier(2)

    def run(fn):
        try:
            barrier.wait()
            fn()
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    def payments():
        for i, debtor in enumerate(reversed(debtors)):
            payment_receive(portfolio=portfolio, debtor=debtor, amount=Decimal("100000"), date=DUE, source_ref=f"p{i}")

    threads = [threading.Thread(target=run, args=(fn,)) for fn in
               (lambda: installment_interest_post(portfolio=portfolio, through=DUE), payments)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors, errors
    charged = Entry.objects.filter(portfolio=portfolio, kind="interest").values_list("obligation__number", flat=True)
    assert sorted(charged) == sorted(f"AC-{n}-01" for n in _numbers(portfolio))  # one per installment due
    assert ledger_verify(portfolio) == []


def _numbers(portfolio):
    from recaudo.agreements.models import Agreement

    return [int(a.number.split("-")[1]) for a in Agreement.objects.filter(portfolio=portfolio)]
