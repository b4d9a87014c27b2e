"""refresh_summaries (raw set-based SQL, both engines): every cached column of obligations and debtors comes back
from the ledger, whatever was in the cache, by ids and by portfolio."""

from datetime import date
from decimal import Decimal

import pytest

from recaudo.demo.testing import make_debtor, make_obligation
from recaudo.ledger.posting import component_balances, entry_post, refresh_summaries
from recaudo.ledger.services import obligation_set_dispute, payment_record, payment_reverse
from recaudo.portfolio.models import Debtor, Obligation

pytestmark = pytest.mark.django_db

OBLIGATION_FIELDS = ("number", "balance_minor", "status")
DEBTOR_FIELDS = ("code", "balance_minor", "open_count", "oldest_due_date", "disputed", "credit_minor")


@pytest.fixture
def book(portfolio):
    """Two debtors: Luz owes F-1 in part (disputed F-4 too), paid F-2 in full, had F-3 written off, and F-5 (paid)
    is in an agreement; Ana paid F-9 with more than she owed (credit), and a reversed payment left nothing."""
    luz = make_debtor(portfolio, code="C1", name="Luz")
    ana = make_debtor(portfolio, code="C2", name="Ana")
    f1 = make_obligation(portfolio, luz, "F-1", "100000", date(2026, 1, 1), date(2026, 1, 31))
    f2 = make_obligation(portfolio, luz, "F-2", "50000", date(2026, 1, 1), date(2026, 2, 28))
    f3 = make_obligation(portfolio, luz, "F-3", "30000", date(2026, 1, 1), date(2026, 3, 31))
    f4 = make_obligation(portfolio, luz, "F-4", "20000", date(2026, 1, 1), date(2026, 4, 30))
    f5 = make_obligation(portfolio, luz, "F-5", "10000", date(2026, 1, 1), date(2026, 5, 31))
    f9 = make_obligation(portfolio, ana, "F-9", "1000", date(2026, 1, 1), date(2026, 1, 15))
    day = date(2026, 4, 2)
    payment_record(portfolio=portfolio, debtor=luz, amount=Decimal("40000"), date=day, reference="P1", obligation=f1)
    payment_record(portfolio=portfolio, debtor=luz, amount=Decimal("50000"), date=day, reference="P2", obligation=f2)
    payment_record(portfolio=portfolio, debtor=luz, amount=Decimal("10000"), date=day, reference="P5", obligation=f5)
    entry_post(obligation=f3, kind="write_off", amount=Decimal("30000"), value_date=day, memo="incobrable")
    obligation_set_dispute(obligation=f4, disputed=True, reason="no llegó")
    Obligation.objects.filter(pk=f5.pk).update(status="in_agreement")  # an accepted agreement's (kept at zero)
    payment_record(portfolio=portfolio, debtor=ana, amount=Decimal("1500"), date=day, reference="P9")
    reversed_payment, _ = payment_record(portfolio=portfolio, debtor=ana, amount=Decimal("700"), date=day,
                                         reference="P10")
    payment_reverse(payment=reversed_payment, reason="cheque devuelto")
    return luz, ana, [f1, f2, f3, f4, f5, f9]


def _state():
    return (list(Obligation.objects.order_by("number").values_list(*OBLIGATION_FIELDS)),
            list(Debtor.objects.order_by("code").values_list(*DEBTOR_FIELDS)))


def _scramble():
    Obligation.objects.update(balance_minor=123, status="open")
    Debtor.objects.update(balance_minor=7, open_count=9, oldest_due_date=date(2000, 1, 1), disputed=True,
                          credit_minor=5)


def test_the_caches_are_what_the_ledger_says(book):
    obligations, debtors = _state()
    assert obligations == [("F-1", 60000_00, "open"), ("F-2", 0, "paid"), ("F-3", 0, "written_off"),
                           ("F-4", 20000_00, "open"), ("F-5", 0, "in_agreement"), ("F-9", 0, "paid")]
    assert debtors == [("C1", 80000_00, 2, date(2026, 1, 31), True, 0), ("C2", 0, 0, None, False, 500_00)]


@pytest.mark.parametrize("how", ["ids", "obligation ids alone", "portfolio", "ids in the portfolio"])
def test_refresh_brings_back_every_cached_column(book, portfolio, how):
    luz, ana, obligations = book
    expected = _state()
    _scramble()
    Obligation.objects.filter(number="F-5").update(status="in_agreement")  # the agreement's status is not a cache
    ids = [o.pk for o in obligations]
    if how == "ids":
        refresh_summaries(obligation_ids=ids, debtor_ids=[luz.pk, ana.pk])
    elif how == "obligation ids alone":  # their debtors are refreshed too
        refresh_summaries(obligation_ids=ids)
    elif how == "portfolio":
        refresh_summaries(portfolio=portfolio)
    else:
        refresh_summaries(obligation_ids=ids, debtor_ids=[luz.pk, ana.pk], portfolio=portfolio)
    assert _state() == expected


def test_refresh_touches_only_what_it_is_given(book, other_portfolio):
    luz, ana, obligations = book
    expected_obligations, expected_debtors = _state()
    _scramble()
    refresh_summaries(obligation_ids=[obligations[0].pk], debtor_ids=[ana.pk])
    obligations_now, debtors_now = _state()
    assert obligations_now[0] == expected_obligations[0]
    assert obligations_now[1:] == [(number, 123, "open") for number, *_rest in expected_obligations[1:]]
    # Ana's from her obligations' caches (F-9's still scrambled) and her payments
    assert debtors_now == [("C1", 7, 9, date(2000, 1, 1), True, 5), ("C2", 123, 1, date(2026, 1, 15), False, 500_00)]
    assert expected_debtors[1] == ("C2", 0, 0, None, False, 500_00)
    refresh_summaries(obligation_ids=[o.pk for o in obligations], debtor_ids=[luz.pk], portfolio=other_portfolio)
    assert _state()[0] == obligations_now  # another portfolio's: nothing changes
    refresh_summaries(obligation_ids=[], debtor_ids=[])  # nothing given: nothing done
    assert _state()[1] == debtors_now


def test_component_balances_by_obligation(book):
    _luz, _ana, (f1, f2, f3, *_rest) = book
    balances = component_balances([f1.pk, f2.pk, f3.pk, f3.pk, 10**9])
    assert balances == {f1.pk: {"principal": 60000_00, "interest": 0, "fee": 0},
                        f2.pk: {"principal": 0, "interest": 0, "fee": 0},
                        f3.pk: {"principal": 0, "interest": 0, "fee": 0}}
    assert all(type(v) is int for b in balances.values() for v in b.values())
    assert component_balances([]) == {}
