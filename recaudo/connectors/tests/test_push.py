"""Payments recorded in Recaudo pushed back to the ERP, once each, against local servers of the documented shapes."""

from datetime import timedelta

import pytest
from django.utils import timezone

from recaudo.connectors.adapters import base
from recaudo.connectors.models import ErpPaymentPush
from recaudo.connectors.services import connector_save, connector_sync, payments_push
from recaudo.imports.services import ImportOptions, import_file
from recaudo.ledger.models import Payment

from .fakes import FakeAlegra, FakeSiigo, alegra_contact, alegra_invoice, siigo_customer, siigo_invoice

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def no_sleep(monkeypatch):
    monkeypatch.setattr(base, "SLEEP", lambda seconds: None)


def pay(portfolio, tmp_path, number, amount, reference):
    path = tmp_path / f"{reference}.csv"
    path.write_text(f"obligation,date,amount,method,reference\n{number},2026-12-01,{amount},transfer,{reference}\n")
    result = import_file(portfolio=portfolio, kind="payments", path=path, options=ImportOptions(decimal="point"))
    assert result.committed, result.errors


def test_alegra_push_once_and_not_brought_back(portfolio, tmp_path):
    now = timezone.now() - timedelta(minutes=1)
    with FakeAlegra() as fake:
        fake.contacts.append(alegra_contact("1", "900123456", "Ferretería El Tornillo S.A.S.", dv="8"))
        fake.invoices += [alegra_invoice(101, "1"), alegra_invoice(102, "1")]
        connector = connector_save(portfolio=portfolio, kind="alegra", name="Alegra", base_url=fake.url,
                                   values={"email": "cartera@andinas.co", "token": "tok-alegra",
                                           "bank_account_id": "3"}, push_payments=True, actor="test", now=now)
        assert connector_sync(connector=connector, actor="test").status == "done"
        pay(portfolio, tmp_path, "FE101", "50000", "T-1")
        run = payments_push(connector=connector, actor="test")
        again = payments_push(connector=connector, actor="test")
        # the ERP now lists the payment Recaudo recorded: the next pull does not bring it back as a new one
        fake.payments.append({**fake.posted[0], "status": "open", "type": "in"})
        resync = connector_sync(connector=connector, actor="test")
    assert run.status == "done" and run.counts == {"pushed": 1, "retry": 0, "failed": 0}
    assert fake.posted[0]["invoices"] == [{"id": "101", "amount": 50000.0}]
    assert (fake.posted[0]["bankAccount"], fake.posted[0]["type"], fake.posted[0]["date"]) == ("3", "in",
                                                                                                  "2026-12-01")
    assert again.counts["pushed"] == 0 and len(fake.posted) == 1  # never twice
    push = ErpPaymentPush.objects.get()
    assert (push.status, push.external_id, push.amount_minor) == ("pushed", "9001", 5000000)
    assert resync.status == "done" and resync.counts["payments_pushed_here"] == 1
    assert Payment.objects.count() == 1


def test_payments_from_the_erp_and_old_ones_are_not_pushed(portfolio, tmp_path):
    with FakeAlegra() as fake:
        fake.contacts.append(alegra_contact("1", "900123456", "Ferretería", dv="8"))
        fake.invoices.append(alegra_invoice(101, "1"))
        fake.payments.append({"id": "77", "date": "2026-11-20", "status": "open", "type": "in",
                              "invoices": [{"id": "101", "amount": "1000.00"}]})
        connector = connector_save(portfolio=portfolio, kind="alegra", name="Alegra", base_url=fake.url,
                                   values={"email": "cartera@andinas.co", "token": "tok-alegra",
                                           "bank_account_id": "3"}, push_payments=True, actor="test",
                                   now=timezone.now() - timedelta(minutes=1))
        connector_sync(connector=connector, actor="test")
        run = payments_push(connector=connector, actor="test")
    assert Payment.objects.count() == 1 and run.counts["pushed"] == 0 and fake.posted == []


def test_push_permanent_and_retryable_errors(portfolio, tmp_path):
    with FakeAlegra() as fake:
        fake.contacts.append(alegra_contact("1", "900123456", "Ferretería", dv="8"))
        fake.invoices.append(alegra_invoice(101, "1"))
        connector = connector_save(portfolio=portfolio, kind="alegra", name="Alegra", base_url=fake.url,
                                   values={"email": "cartera@andinas.co", "token": "tok-alegra"},
                                   push_payments=True, actor="test", now=timezone.now() - timedelta(minutes=1))
        connector_sync(connector=connector, actor="test")
        pay(portfolio, tmp_path, "FE101", "1000", "T-1")
        missing = payments_push(connector=connector, actor="test")  # no bank account: permanent
        assert missing.counts["failed"] == 1 and "the setting bank_account_id is missing" in missing.message
        ErpPaymentPush.objects.all().delete()
        connector.config["bank_account_id"] = "3"
        connector.save()
        fake.busy = 100
        busy = payments_push(connector=connector, actor="test")
        assert busy.counts["retry"] == 1 and ErpPaymentPush.objects.get().status == "retry"
        fake.busy = 0
        done = payments_push(connector=connector, actor="test")
    assert done.counts["pushed"] == 1 and ErpPaymentPush.objects.get().attempts == 2
    assert len(fake.posted) == 1


def test_siigo_push_voucher(portfolio, tmp_path):
    with FakeSiigo() as fake:
        fake.customers.append(siigo_customer("52123456", ["Luz", "Restrepo"]))
        fake.invoices.append(siigo_invoice(7, "52123456"))
        connector = connector_save(portfolio=portfolio, kind="siigo", name="Siigo", base_url=fake.url,
                                   values={"username": "api@andinas.co", "access_key": "key-siigo",
                                           "voucher_document_id": "5086", "payment_type_id": "71"},
                                   push_payments=True, actor="test", now=timezone.now() - timedelta(minutes=1))
        connector_sync(connector=connector, actor="test")
        pay(portfolio, tmp_path, "FV-2-7", "38000", "T-9")
        run = payments_push(connector=connector, actor="test")
    assert run.counts["pushed"] == 1, run.message
    voucher = fake.posted[0]
    assert voucher["type"] == "DebtPayment" and voucher["document"] == {"id": 5086}
    assert voucher["customer"] == {"identification": "52123456", "branch_office": 0}
    assert voucher["items"] == [{"due": {"prefix": "FV-2", "consecutive": 7, "quote": 1, "date": "2026-12-03"},
                                 "value": 38000.0}]
    assert voucher["payment"] == {"id": 71, "value": 38000.0}
    assert ErpPaymentPush.objects.get().external_id == "guid-1"


def test_push_off_does_nothing(portfolio):
    with FakeAlegra() as fake:
        connector = connector_save(portfolio=portfolio, kind="alegra", name="Alegra", base_url=fake.url,
                                   values={"email": "a@b.co", "token": "t"}, actor="test")
        run = payments_push(connector=connector, actor="test")
    assert run.status == "failed" and "turned off" in run.message and fake.requests == []


def test_a_part_left_sending_is_not_sent_again(portfolio, tmp_path):
    with FakeAlegra() as fake:
        fake.contacts.append(alegra_contact("1", "900123456", "Ferretería", dv="8"))
        fake.invoices.append(alegra_invoice(101, "1"))
        connector = connector_save(portfolio=portfolio, kind="alegra", name="Alegra", base_url=fake.url,
                                   values={"email": "cartera@andinas.co", "token": "tok-alegra",
                                           "bank_account_id": "3"}, push_payments=True, actor="test",
                                   now=timezone.now() - timedelta(minutes=1))
        connector_sync(connector=connector, actor="test")
        pay(portfolio, tmp_path, "FE101", "1000", "T-1")
        payment = Payment.objects.get()
        # a process died during the ERP call: the claim stays, nobody sends it again by itself
        ErpPaymentPush.objects.create(connector=connector, payment=payment, obligation=payment.obligation,
                                      amount_minor=100000, status="sending", attempts=1)
        run = payments_push(connector=connector, actor="test")
    assert run.counts["pushed"] == 0 and fake.posted == []
