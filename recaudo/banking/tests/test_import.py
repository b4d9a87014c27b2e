"""Importing a collection file: payments through payment_receive, queued lines, idempotency, refusals."""

from datetime import date
from decimal import Decimal

import pytest
from django.utils import translation

from recaudo.audit.models import AuditEvent
from recaudo.banking import services
from recaudo.banking.models import BankLine, Convenio, PaymentReference
from recaudo.banking.tests import files
from recaudo.demo.testing import make_debtor, make_obligation, make_portfolio
from recaudo.ledger.models import Payment, Receipt

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


@pytest.fixture
def book():
    portfolio = make_portfolio()
    luz = make_debtor(portfolio, code="C001", id_type="CC", id_number="52123456")
    pedro = make_debtor(portfolio, code="C002", name="Pedro Gómez", id_type="CC", id_number="79111222")
    make_obligation(portfolio, luz, number="1203", amount="1000000")
    make_obligation(portfolio, pedro, number="FV-77", amount="500000")
    return portfolio, luz, pedro


def _import(portfolio, text, **kwargs):
    return services.bank_file_import(portfolio=portfolio, content=text.encode(), actor="test", **kwargs)


def test_a_file_with_two_lots_applies_what_matches_and_queues_the_rest(book):
    portfolio, luz, pedro = book
    text = files.file_2001([
        ("7709998000011", [("1203", 30_000_000), ("C002", 10_000_000)]),  # obligation 1203; debtor code C002
        ("7709998000028", [("99999", 5_000), ("79111222", 2_000_000)]),  # nothing; Pedro's national ID
    ])
    result = _import(portfolio, text)
    assert [line.outcome for line in result.lines] == ["applied", "applied", "queued", "applied"]
    first = Payment.objects.get(pk=result.lines[0].payment_id)
    assert first.debtor == luz and first.obligation.number == "1203" and first.amount_minor == 30_000_000
    assert first.date == date(2026, 3, 1) and first.source == "bank_file" and first.reference == "1203"
    assert first.method.startswith("Asobancaria 01")
    assert Receipt.objects.filter(payment=first).exists()  # the single payment path issues the receipt
    line = first.bank_line  # the bank's fields of the payment
    assert (line.status, line.operation, line.authorization, line.channel, line.origin, line.line_number) == (
        "applied", "000001", "000001", "01", "01", 3)
    assert line.service_code == "7709998000011" and line.bank_code == "007" and line.sequence == "0000001"
    luz.refresh_from_db()
    assert luz.balance_minor == 100_000_000 - 30_000_000
    assert Payment.objects.get(pk=result.lines[1].payment_id).debtor == pedro
    pending = BankLine.objects.get(status="queued")
    assert pending.reference.lstrip("0") == "99999" and pending.amount_minor == 5_000
    assert pending.line_number == 7 and "names no debtor" in pending.reason_text
    summary = result.summary()
    assert (summary["read"], summary["applied"], summary["queued"], summary["duplicate"]) == (4, 3, 1, 0)
    assert summary["applied_total_cents"] == 42_000_000 and summary["queued_total_cents"] == 5_000
    assert AuditEvent.objects.filter(event_type="banking.file_imported").count() == 1


def test_the_same_file_twice_applies_nothing_twice(book):
    portfolio, luz, _pedro = book
    text = files.file_2001([("7709998000011", [("1203", 100_000), ("nope", 1_000)])])
    _import(portfolio, text)
    again = _import(portfolio, text)
    assert [line.outcome for line in again.lines] == ["duplicate", "duplicate"]
    assert Payment.objects.count() == 1 and BankLine.objects.count() == 2
    # a later file repeating one line of the first and adding a new one
    overlapping = files.file_2001([("7709998000011", [("1203", 100_000), ("1203", 200_000)])])
    later = _import(portfolio, overlapping)
    assert [line.outcome for line in later.lines] == ["duplicate", "applied"]


def test_identical_lines_in_one_file_are_two_payments(book):
    portfolio, *_ = book
    text = files.file_2001([("7709998000011", [("1203", 100_000), ("1203", 100_000)])], operation="000000",
                           sequence="0000000")
    assert [line.outcome for line in _import(portfolio, text).lines] == ["applied", "applied"]
    assert [line.outcome for line in _import(portfolio, text).lines] == ["duplicate", "duplicate"]


def test_a_file_whose_controls_disagree_is_refused_whole(book):
    portfolio, *_ = book
    text = files.file_2001([("7709998000011", [("1203", 100_000)]), ("7709998000028", [("C002", 1)])],
                           totals={"0002": 2})
    with pytest.raises(services.BankingError) as caught:
        _import(portfolio, text)
    assert caught.value.field == "file"
    assert any("lot 0002" in p and "0,02" in p and "0,01" in p for p in caught.value.problems)
    assert not Payment.objects.exists() and not BankLine.objects.exists()


def test_an_empty_file_is_refused(book):
    portfolio, *_ = book
    with pytest.raises(services.BankingError, match="empty"):
        _import(portfolio, "")


def test_dry_run_keeps_nothing(book):
    portfolio, *_ = book
    text = files.file_2001([("7709998000011", [("1203", 100_000), ("nope", 1_000)])])
    result = _import(portfolio, text, dry_run=True)
    assert [line.outcome for line in result.lines] == ["applied", "queued"]
    assert not Payment.objects.exists() and not BankLine.objects.exists()
    assert [line.outcome for line in _import(portfolio, text).lines] == ["applied", "queued"]


def test_an_ambiguous_reference_is_queued(book):
    portfolio, luz, pedro = book
    make_debtor(portfolio, code="1203", name="Otro")  # 1203 is an obligation of Luz and another debtor's code
    result = _import(portfolio, files.file_2001([("7709998000011", [("1203", 100)])]))
    assert result.lines[0].outcome == "queued" and "2 different debtors" in result.lines[0].reason


def test_references_with_padding_zeros_match(book):
    portfolio, luz, _ = book
    make_obligation(portfolio, luz, number="000456", amount="1000")
    result = _import(portfolio, files.file_2001([("7709998000011", [("456", 100), ("0001203", 100)])]))
    assert [Payment.objects.get(pk=line.payment_id).obligation.number for line in result.lines] == [
        "000456", "1203"]


def test_a_convenio_layout_reads_packed_values(book):
    portfolio, luz, pedro = book
    services.convenio_save(portfolio=portfolio, name="bancolombia", bank_code="7", service_code="7709998000011",
                           company_nit="900123456", actor="test", reference_layout=[
                               {"field": "obligation_number", "start": 23, "length": 12},
                               {"field": "national_id", "start": 35, "length": 10},
                               {"field": "period", "start": 45, "length": 4}])
    packed = "000000001203" + "0052123456" + "2603"  # Luz's invoice, Luz's ID
    wrong_payer = "000000001203" + "0079111222" + "2603"  # Luz's invoice, Pedro's ID
    result = _import(portfolio, files.file_2001([("7709998000011", [(packed, 100), (wrong_payer, 100)])]),
                     convenio_name="bancolombia")
    assert [line.outcome for line in result.lines] == ["applied", "queued"]
    assert Payment.objects.get(pk=result.lines[0].payment_id).obligation.number == "1203"
    assert BankLine.objects.get(status="queued").convenio.name == "bancolombia"
    # found by the file's bank and service code without naming it
    other = files.file_2001([("7709998000011", [(packed, 300)])])
    assert _import(portfolio, other).lines[0].outcome == "applied"


def test_the_convenio_codes_are_checked_against_the_file(book):
    portfolio, *_ = book
    services.convenio_save(portfolio=portfolio, name="bbva", bank_code="013", service_code="1234", actor="test")
    with pytest.raises(services.BankingError) as caught:
        _import(portfolio, files.file_2001([("7709998000011", [("1203", 100)])]), convenio_name="bbva")
    assert caught.value.field == "convenio"
    assert any("bank 007" in p for p in caught.value.problems)
    assert any("service 7709998000011" in p for p in caught.value.problems)
    with pytest.raises(services.BankingError, match="no convenio 'nada'"):
        _import(portfolio, files.file_2001([("7709998000011", [("1203", 100)])]), convenio_name="nada")


def test_generated_references_catch_a_mistyped_digit(book):
    portfolio, luz, pedro = book
    services.reference_settings_set(portfolio=portfolio, kind="generated", actor="test")
    assert services.payment_references_assign(portfolio=portfolio, actor="test") == 4
    assert services.payment_references_assign(portfolio=portfolio, actor="test") == 0
    refs = {(r.debtor.code, r.obligation.number if r.obligation else None): r.value
            for r in PaymentReference.objects.select_related("debtor", "obligation")}
    assert refs[("C001", None)] == "18" and refs[("C002", None)] == "26"
    services.convenio_save(portfolio=portfolio, name="c", bank_code="007", actor="test",
                           reference_layout=[{"field": "reference", "start": 39, "length": 10}])
    good = refs[("C001", "1203")]
    typo = good[:-2] + str((int(good[-2]) + 1) % 10) + good[-1]
    result = _import(portfolio, files.file_2001([("7709998000011", [(good, 100), (typo, 100)])]),
                     convenio_name="c")
    assert result.lines[0].outcome == "applied"
    assert Payment.objects.get(pk=result.lines[0].payment_id).obligation.number == "1203"
    assert result.lines[1].outcome == "queued" and "check digit" in result.lines[1].reason


def test_a_line_the_payment_rules_refuse_is_queued(book):
    portfolio, *_ = book
    result = _import(portfolio, files.file_2001([("7709998000011", [("1203", 100)])], date="20990101"))
    assert result.lines[0].outcome == "queued" and not Payment.objects.exists()


def test_a_zero_amount_is_queued(book):
    portfolio, *_ = book
    result = _import(portfolio, files.file_2001([("7709998000011", [("1203", 0)])]))
    assert result.lines[0].outcome == "queued" and "zero" in result.lines[0].reason


def test_the_1998_layout_is_applied(book):
    portfolio, luz, _ = book
    result = _import(portfolio, files.file_1998([("1203", 12_345), ("FV-77", 100)]))
    assert [line.outcome for line in result.lines] == ["applied", "applied"]
    assert Payment.objects.get(pk=result.lines[0].payment_id).amount_minor == 12_345


def test_a_bad_convenio_is_refused_at_its_field(book):
    portfolio, *_ = book
    with pytest.raises(services.BankingError) as caught:
        services.convenio_save(portfolio=portfolio, name="x", bank_code="BANCO", actor="test")
    assert caught.value.field == "bank_code"
    with pytest.raises(services.BankingError) as caught:
        services.convenio_save(portfolio=portfolio, name="x", bank_code="7", actor="test",
                               reference_layout=[{"field": "period", "start": 1, "length": 60}])
    assert caught.value.field == "reference_layout"
    with pytest.raises(services.BankingError) as caught:
        services.reference_settings_set(portfolio=portfolio, kind="astrology", actor="test")
    assert caught.value.field == "kind"
    assert not Convenio.objects.exists()


def test_amounts_are_exact(book):
    portfolio, luz, _ = book
    result = _import(portfolio, files.file_2001([("7709998000011", [("1203", 123_456_789_01)])]))
    payment = Payment.objects.get(pk=result.lines[0].payment_id)
    assert payment.amount_minor == 123_456_789_01
    assert Decimal(payment.amount_minor) / 100 == Decimal("123456789.01")
