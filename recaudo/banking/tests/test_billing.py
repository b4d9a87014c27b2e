"""The billing file (company -> bank): layout positions, controls, references by the convenio's layout."""

from datetime import date
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import translation

from recaudo.audit.models import AuditEvent
from recaudo.banking import asobancaria, rules, services
from recaudo.banking.rules import Segment
from recaudo.banking.tests import files
from recaudo.demo.testing import make_debtor, make_obligation, make_portfolio


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def test_write_billing_positions_and_controls():
    text = asobancaria.write_billing(
        nit="900123456", bank_code="007", service_code="7709998000011", service_name="Distribuciones Andinas",
        created=date(2026, 3, 2), time="0830", details=[
            asobancaria.BillingDetail(reference="1203", amount_cents=150_000_00, due_date=date(2026, 3, 31),
                                      secondary_reference="C001", customer_id="52123456",
                                      customer_name="Luz Marina Restrepo Gómez de la Torre"),
            asobancaria.BillingDetail(reference="77", amount_cents=99, due_date=date(2026, 4, 30))])
    lines = text.split("\r\n")[:-1]
    assert [len(line) for line in lines] == [220] * 6
    header, lot, first, _second, lot_control, file_control = lines
    assert header[:2] == "01" and header[2:12] == "0900123456" and header[22:25] == "007"
    assert header[25:33] == "20260302" and header[33:37] == "0830" and header[37] == "A"
    assert lot[2:15] == "7709998000011" and lot[15:19] == "0001" and lot[19:34] == "Distribuciones "
    assert first[2:50] == "1203".rjust(48, "0")  # main reference 3-50
    assert first[50:80].rstrip() == "C001"  # secondary reference 51-80
    assert first[85:99] == "00000015000000"  # main service amount 86-99
    assert first[126:134] == "20260331"  # due date 127-134
    assert first[161:171] == "52123456  " and first[171:193] == "Luz Marina Restrepo Gó"  # 162-171, 172-193
    assert lot_control[2:11] == "000000002" and int(lot_control[11:29]) == 150_000_99 and lot_control[47:51] == "0001"
    assert file_control[2:11] == "000000002" and int(file_control[11:29]) == 150_000_99


def test_compose_reference_is_the_reverse_of_split():
    layout = [Segment("obligation_number", 23, 12), Segment("national_id", 35, 10), Segment("period", 45, 4)]
    values = {"obligation_number": "1203", "national_id": "52123456", "period": "2603"}
    composed = rules.compose_reference(values, layout)
    assert len(composed) == 48 and rules.split_reference(composed, layout) == values
    assert rules.compose_reference({"reference": "12039"}, []) == "12039".rjust(48, "0")
    with pytest.raises(rules.ReferenceError, match="not up to 12 digits"):
        rules.compose_reference({**values, "obligation_number": "FV-1203"}, layout)


@pytest.mark.django_db
def test_billing_file_of_a_convenio(tmp_path):
    portfolio = make_portfolio()
    luz = make_debtor(portfolio, code="C001", id_type="CC", id_number="52123456")
    make_obligation(portfolio, luz, number="1203", amount="150000", due=date(2026, 3, 31))
    make_obligation(portfolio, luz, number="FV-9", amount="1000")
    services.convenio_save(portfolio=portfolio, name="bancolombia", bank_code="007", company_nit="900123456",
                           service_code="7709998000011", actor="test",
                           reference_layout=[{"field": "obligation_number", "start": 35, "length": 10},
                                             {"field": "period", "start": 45, "length": 4}])
    built = services.billing_file_build(portfolio=portfolio, convenio_name="bancolombia", actor="test")
    assert built.obligations == 1 and built.total_cents == 150_000_00
    assert built.skipped == ["FV-9: the obligation number 'FV-9' is not up to 10 digits"]
    detail = built.text.split("\r\n")[2]
    assert detail[2:50] == "0" * 34 + "0000001203" + "2603"
    assert AuditEvent.objects.filter(event_type="banking.billing_file").count() == 1
    # what the bank sends back with that reference is applied to the obligation
    reading = asobancaria.read(_collection_for(detail[2:50]))
    assert reading.problems == []
    result = services.bank_file_import(portfolio=portfolio, content=_collection_for(detail[2:50]).encode(),
                                       convenio_name="bancolombia", actor="test")
    assert result.lines[0].outcome == "applied"
    out, err = StringIO(), StringIO()
    path = tmp_path / "factura.txt"
    make_obligation(portfolio, luz, number="1204", amount="2000", due=date(2026, 4, 30))
    call_command("bank", "billing", "--portfolio", "pyme", "--convenio", "bancolombia", "--output", str(path),
                 stdout=out, stderr=err)
    assert "1 obligation(s), 2.000,00; 1 left out" in out.getvalue()  # 1203, paid now, is no longer billed
    assert "left out: FV-9" in err.getvalue() and path.exists()


@pytest.mark.django_db
def test_a_billing_file_with_nothing_in_it_is_refused_saying_why_and_what_to_do(tmp_path):
    """The demo's invoices are numbered FV-0001234 and its payment reference is the obligation number: every
    obligation was left out and an empty file was written (a bank reads it as nothing to collect)."""
    portfolio = make_portfolio()
    luz = make_debtor(portfolio, code="C001")
    for number in ("FV-1", "FV-2"):
        make_obligation(portfolio, luz, number=number, amount="1000")
    services.convenio_save(portfolio=portfolio, name="bancolombia", bank_code="007", company_nit="900123456",
                           service_code="7709998000011", actor="test")
    with pytest.raises(services.BankingError) as refused:
        services.billing_file_build(portfolio=portfolio, convenio_name="bancolombia", actor="test")
    assert refused.value.message == (
        "No obligation could go in the billing file: all 2 open ones were left out (first: FV-1: the payment "
        "reference 'FV-1' is not up to 48 digits). A bank reference holds digits only, and the portfolio's payment "
        "reference is the obligation number: where those have letters, choose the generated reference (digits with "
        "a check digit) under Payment reference on the Convenios page, then generate the missing references.")
    assert not AuditEvent.objects.filter(event_type="banking.billing_file").exists()
    path = tmp_path / "factura.txt"
    with pytest.raises(CommandError, match="^--convenio: No obligation could go"):
        call_command("bank", "billing", "--portfolio", "pyme", "--convenio", "bancolombia", "--output", str(path))
    assert not path.exists()
    # with the generated reference (digits and a check digit), both go in
    services.reference_settings_set(portfolio=portfolio, kind=rules.GENERATED, actor="test")
    services.payment_references_assign(portfolio=portfolio, actor="test")
    assert services.billing_file_build(portfolio=portfolio, convenio_name="bancolombia", actor="test").obligations == 2


def _collection_for(reference):
    return files.file_2001([("7709998000011", [(reference, 150_000_00)])])
