"""Payment references of debtors and obligations by the portfolio's kind, and a debtor's payments with their
source (set-based: the query counts do not grow with the rows)."""

from decimal import Decimal

import pytest

from recaudo.agreements.services.payments import payment_receive
from recaudo.banking import selectors, services
from recaudo.banking.tests import files
from recaudo.demo.testing import make_debtor, make_obligation, make_portfolio
from recaudo.ledger.models import Payment

pytestmark = pytest.mark.django_db


@pytest.fixture
def book():
    portfolio = make_portfolio()
    luz = make_debtor(portfolio, code="C001", id_type="CC", id_number="52123456")
    pedro = make_debtor(portfolio, code="C002", name="Pedro Pérez")  # no ID number
    f1 = make_obligation(portfolio, luz, number="1203", amount="1000000")
    f2 = make_obligation(portfolio, luz, number="1204", amount="500000")
    f3 = make_obligation(portfolio, pedro, number="2001", amount="300000")
    return portfolio, luz, pedro, (f1, f2, f3)


def _refs(portfolio, luz, pedro, obligations):
    refs = selectors.payment_references(portfolio, [luz.pk, pedro.pk])
    return ([refs.of_debtor(luz.pk), refs.of_debtor(pedro.pk)],
            [refs.of_obligation(o.pk, o.debtor_id) for o in obligations])


def test_references_by_kind_worked_example(book):
    portfolio, luz, pedro, obligations = book
    # no setting: the obligation number; the debtor's own is the ID number the statements quote (the code without)
    assert _refs(portfolio, luz, pedro, obligations) == (["52123456", "C002"], ["1203", "1204", "2001"])
    portfolio.payment_reference = "code"
    portfolio.save()
    assert _refs(portfolio, luz, pedro, obligations) == (["C001", "C002"], ["1203", "1204", "2001"])
    services.reference_settings_set(portfolio=portfolio, kind="debtor_code")
    assert _refs(portfolio, luz, pedro, obligations) == (["C001", "C002"], ["C001", "C001", "C002"])
    services.reference_settings_set(portfolio=portfolio, kind="national_id")
    assert _refs(portfolio, luz, pedro, obligations) == (["52123456", "C002"], ["52123456", "52123456", "C002"])
    services.reference_settings_set(portfolio=portfolio, kind="generated")
    # before they are generated: the customer code
    assert _refs(portfolio, luz, pedro, obligations) == (["C001", "C002"], ["C001", "C001", "C002"])
    services.payment_references_assign(portfolio=portfolio)
    # debtors first (1 -> 18, 2 -> 26), then obligations (3 -> 34, 4 -> 42, 5 -> 59): n and its Luhn digit
    assert _refs(portfolio, luz, pedro, obligations) == (["18", "26"], ["34", "42", "59"])


def test_references_take_a_few_queries_whatever_the_number_of_debtors(book, django_assert_max_num_queries):
    portfolio, luz, pedro, _obligations = book
    services.reference_settings_set(portfolio=portfolio, kind="generated")
    services.payment_references_assign(portfolio=portfolio)
    more = [make_debtor(portfolio, code=f"D{i}").pk for i in range(20)]
    with django_assert_max_num_queries(4):
        refs = selectors.payment_references(portfolio, [luz.pk, pedro.pk, *more])
    assert refs.of_debtor(luz.pk) == "18" and refs.of_debtor(more[0]) == "D0"


def test_references_of_another_portfolio_are_not_given(book):
    portfolio, luz, _pedro, _obligations = book
    other = make_portfolio(slug="otra", name="Otra")
    refs = selectors.payment_references(other, [luz.pk])
    assert refs.of_debtor(luz.pk) == "" and refs.obligations == {}


def test_payments_with_their_source_in_two_queries(book, django_assert_num_queries):
    portfolio, luz, _pedro, _obligations = book
    today = portfolio.today()
    payment_receive(portfolio=portfolio, debtor=luz, amount=Decimal("1000"), date=today, method="cash",
                    reference="R-1")
    payment_receive(portfolio=portfolio, debtor=luz, amount=Decimal("2000"), date=today,
                    source=Payment.Source.IMPORT, source_ref="imp-1")
    payment_receive(portfolio=portfolio, debtor=luz, amount=Decimal("3000"), date=today,
                    source=Payment.Source.GATEWAY, source_ref="wompi-1")
    text = files.file_2001([("7709998000011", [("1203", 40_000_00), ("52123456", 5_000_00)])], date="20260301")
    services.bank_file_import(portfolio=portfolio, content=text.encode())
    with django_assert_num_queries(2):
        payments = selectors.debtor_payments(portfolio, luz.pk)
        rows = [(p.source_info.label, p.source_info.bank_code, str(p.source_info.bank_date or ""),
                 p.source_info.line_number) for p in payments]
    assert sorted(rows) == sorted([
        ("Manual", "", "", None), ("Importación", "", "", None), ("Pasarela de pagos", "", "", None),
        ("Archivo del banco", "007", "2026-03-01", 3), ("Archivo del banco", "007", "2026-03-01", 4)])
    assert all(p.source_info.line_id for p in payments if p.source == "bank_file")
