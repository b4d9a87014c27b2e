"""The review queue's services: applying a queued bank line to the debtor a person chose, or dismissing it."""

from datetime import date

import pytest
from django.utils import translation

from recaudo.audit.models import AuditEvent
from recaudo.banking import services
from recaudo.banking.models import BankLine
from recaudo.banking.tests import files
from recaudo.core.errors import NotAllowed
from recaudo.demo.testing import make_debtor, make_obligation, make_portfolio, make_user
from recaudo.ledger.models import Payment

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


@pytest.fixture
def queued():
    portfolio = make_portfolio()
    luz = make_debtor(portfolio, code="C001", id_type="CC", id_number="52123456")
    make_obligation(portfolio, luz, number="1203", amount="1000000")
    text = files.file_2001([("7709998000011", [("99999", 3_000_000)])])
    services.bank_file_import(portfolio=portfolio, content=text.encode(), actor="test")
    line = BankLine.objects.get(status="queued")
    return portfolio, luz, line, make_user("sofia", portfolio, role="supervisor")


def test_applying_a_line_receives_the_payment_with_the_banks_date_once(queued):
    portfolio, luz, line, sofia = queued
    for _ in range(2):  # clicked twice
        services.bank_line_apply(portfolio=portfolio, line_id=line.pk, debtor_query="52123456",
                                 obligation_number="1203", actor=sofia)
    line.refresh_from_db()
    payment = Payment.objects.get()
    assert line.status == "applied" and line.payment == payment and line.handled_by == sofia
    assert payment.debtor == luz and payment.obligation.number == "1203" and payment.date == date(2026, 3, 1)
    assert payment.amount_minor == line.amount_minor and payment.source == "bank_file"
    assert payment.source_ref == line.source_key
    assert AuditEvent.objects.filter(event_type="banking.line_applied").count() == 1


def test_a_line_is_found_by_an_obligation_number_alone(queued):
    portfolio, luz, line, sofia = queued
    services.bank_line_apply(portfolio=portfolio, line_id=line.pk, debtor_query="", obligation_number="1203",
                             actor=sofia)
    assert Payment.objects.get().debtor == luz


@pytest.mark.parametrize("query, obligation, field, words", [
    ("", "", "debtor", "write the debtor"),
    ("C999", "", "debtor", "no debtor"),
    ("C001", "F-404", "obligation", "no obligation F-404"),
])
def test_a_wrong_choice_is_refused_at_its_field(queued, query, obligation, field, words):
    portfolio, _luz, line, sofia = queued
    with pytest.raises(services.BankingError) as caught:
        services.bank_line_apply(portfolio=portfolio, line_id=line.pk, debtor_query=query,
                                 obligation_number=obligation, actor=sofia)
    assert caught.value.field == field and words in caught.value.message
    assert not Payment.objects.exists()


def test_an_obligation_of_another_debtor_is_refused(queued):
    portfolio, _luz, line, sofia = queued
    pedro = make_debtor(portfolio, code="C002", id_type="CC", id_number="79111222")
    make_obligation(portfolio, pedro, number="FV-77", amount="500000")
    with pytest.raises(services.BankingError, match="not of debtor C001"):
        services.bank_line_apply(portfolio=portfolio, line_id=line.pk, debtor_query="C001",
                                 obligation_number="FV-77", actor=sofia)


@pytest.mark.parametrize("role", ["viewer", "agent"])
def test_viewers_and_agents_may_not_handle_lines(queued, role):
    portfolio, _luz, line, _sofia = queued
    user = make_user(f"u-{role}", portfolio, role=role)
    with pytest.raises(NotAllowed):
        services.bank_line_apply(portfolio=portfolio, line_id=line.pk, debtor_query="C001", actor=user)
    with pytest.raises(NotAllowed):
        services.bank_line_dismiss(portfolio=portfolio, line_id=line.pk, reason="prueba", actor=user)
    line.refresh_from_db()
    assert line.status == "queued"


def test_a_line_of_another_portfolio_does_not_exist(queued):
    _portfolio, _luz, line, _sofia = queued
    other = make_portfolio(slug="edificio", name="Edificio")
    beto = make_user("beto", other, role="admin")
    with pytest.raises(BankLine.DoesNotExist):
        services.bank_line_apply(portfolio=other, line_id=line.pk, debtor_query="C001", actor=beto)


def test_dismissing_needs_a_reason_and_happens_once(queued):
    portfolio, _luz, line, sofia = queued
    with pytest.raises(services.BankingError) as caught:
        services.bank_line_dismiss(portfolio=portfolio, line_id=line.pk, reason="  ", actor=sofia)
    assert caught.value.field == "reason"
    for _ in range(2):
        services.bank_line_dismiss(portfolio=portfolio, line_id=line.pk, reason="traslado entre cuentas propias",
                                   actor=sofia)
    line.refresh_from_db()
    assert line.status == "dismissed" and line.reason == "traslado entre cuentas propias"
    assert AuditEvent.objects.filter(event_type="banking.line_dismissed").count() == 1
    with pytest.raises(services.BankingError, match="already handled"):
        services.bank_line_apply(portfolio=portfolio, line_id=line.pk, debtor_query="C001", actor=sofia)
    # a dismissed line is still known: the same file again does not queue it again
    text = files.file_2001([("7709998000011", [("99999", 3_000_000)])])
    again = services.bank_file_import(portfolio=portfolio, content=text.encode(), actor="test")
    assert [x.outcome for x in again.lines] == ["duplicate"]
