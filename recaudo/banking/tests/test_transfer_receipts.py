"""Transfer receipts a debtor uploads: the "Por verificar" queue, approve (the payment is received once) or reject
with a reason the debtor sees; idempotent and bounded."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse

from recaudo.audit.models import AuditEvent
from recaudo.audit.services import portal_actor
from recaudo.banking.models import TransferReceipt
from recaudo.banking.selectors import debtor_transfer_receipts, receipts_to_verify
from recaudo.banking.services import (
    RECEIPT_PENDING_MAX,
    BankingError,
    transfer_receipt_approve,
    transfer_receipt_reject,
    transfer_receipt_submit,
)
from recaudo.core.errors import NotAllowed
from recaudo.demo.testing import make_debtor, make_obligation, make_user
from recaudo.ledger.models import Payment
from recaudo.portfolio.validation import ValidationProblem

pytestmark = pytest.mark.django_db
PDF = b"%PDF-1.4 comprobante"


@pytest.fixture
def owing(portfolio):
    debtor = make_debtor(portfolio)
    make_obligation(portfolio, debtor, number="F-1", amount="300000")
    return debtor


def submit(portfolio, debtor, data=PDF, **kw):
    args = {"amount": "120.000,50", "paid_on": portfolio.today(), "reference": "TRX-1"} | kw
    return transfer_receipt_submit(portfolio=portfolio, debtor=debtor, file=data, filename="comprobante.pdf",
                                   actor=portal_actor(debtor.pk), **args)


def test_submit_then_approve_receives_the_payment_once(portfolio, owing):
    receipt = submit(portfolio, owing)
    assert receipt.status == "pending" and receipt.amount_minor == 12_000_050
    assert receipt.document.kind == "payment_proof"
    assert submit(portfolio, owing) == receipt  # the same file again: the same receipt
    assert list(receipts_to_verify(portfolio)) == [receipt]
    boss = make_user("jefa", portfolio, role="supervisor")
    transfer_receipt_approve(portfolio=portfolio, receipt_id=receipt.pk, actor=boss)
    receipt.refresh_from_db()
    payment = receipt.payment
    assert receipt.status == "approved" and payment.amount_minor == 12_000_050
    assert (payment.source, payment.source_ref, payment.reference) == ("portal", f"receipt:{receipt.pk}", "TRX-1")
    owing.refresh_from_db()
    assert owing.balance_minor == 30_000_000 - 12_000_050
    with pytest.raises(BankingError):  # handled already: nothing twice
        transfer_receipt_approve(portfolio=portfolio, receipt_id=receipt.pk, actor=boss)
    assert Payment.objects.count() == 1
    assert not list(receipts_to_verify(portfolio))
    for event in ("transfer_receipt.submitted", "transfer_receipt.approved"):
        assert AuditEvent.objects.filter(event_type=event).exists()


def test_reject_tells_the_debtor_why(portfolio, owing):
    receipt = submit(portfolio, owing)
    boss = make_user("jefa", portfolio, role="supervisor")
    with pytest.raises(BankingError) as exc:
        transfer_receipt_reject(portfolio=portfolio, receipt_id=receipt.pk, reason=" ", actor=boss)
    assert exc.value.field == "reason"
    transfer_receipt_reject(portfolio=portfolio, receipt_id=receipt.pk, reason="No aparece en el banco", actor=boss)
    shown = debtor_transfer_receipts(owing)
    assert [(r.status, r.reason) for r in shown] == [("rejected", "No aparece en el banco")]
    assert not Payment.objects.exists()


def test_only_supervisors_decide(portfolio, owing):
    receipt = submit(portfolio, owing)
    agent = make_user("agente", portfolio, role="agent")
    with pytest.raises(NotAllowed):
        transfer_receipt_approve(portfolio=portfolio, receipt_id=receipt.pk, actor=agent)
    with pytest.raises(NotAllowed):
        transfer_receipt_approve(portfolio=portfolio, receipt_id=receipt.pk, actor=portal_actor(owing.pk))


@pytest.mark.parametrize("kw, field", [
    ({"amount": "0"}, "amount"),
    ({"amount": "-5"}, "amount"),
    ({"amount": "diez"}, "amount"),
    ({"paid_on": "ayer"}, "paid_on"),
    ({"reference": "R" * 101}, "reference"),
])
def test_bad_input_names_the_field(portfolio, owing, kw, field):
    with pytest.raises(BankingError) as exc:
        submit(portfolio, owing, **kw)
    assert exc.value.field == field
    assert not TransferReceipt.objects.exists()


def test_dates_bounded(portfolio, owing):
    today = portfolio.today()
    for day in (today + timedelta(days=1), today - timedelta(days=366)):
        with pytest.raises(BankingError) as exc:
            submit(portfolio, owing, paid_on=day)
        assert exc.value.field == "paid_on"


def test_file_checked_and_waiting_receipts_bounded(portfolio, owing):
    with pytest.raises(ValidationProblem) as exc:
        submit(portfolio, owing, data=b"<html>not a receipt</html>")
    assert exc.value.field == "file"
    for n in range(RECEIPT_PENDING_MAX):
        submit(portfolio, owing, data=PDF + bytes([n]))
    with pytest.raises(BankingError) as exc:
        submit(portfolio, owing, data=PDF + b"extra")
    assert exc.value.field == "file"


def test_queue_page_approve_and_reject(client, portfolio, owing):
    first = submit(portfolio, owing)
    second = submit(portfolio, owing, data=PDF + b"2", amount=Decimal("5000"), reference="<b>x</b>")
    client.force_login(make_user("jefa", portfolio, role="supervisor"))
    url = reverse("receipts_queue", args=[portfolio.slug])
    page = client.get(url)
    assert page.status_code == 200
    html = page.content.decode()
    assert "Comprobantes por verificar" in html and "&lt;b&gt;x&lt;/b&gt;" in html and "<b>x</b>" not in html
    bad = client.post(reverse("receipt_reject", args=[portfolio.slug, second.pk]), {f"r{second.pk}-reason": ""})
    assert bad.status_code == 400
    client.post(reverse("receipt_reject", args=[portfolio.slug, second.pk]),
                {f"r{second.pk}-reason": "Valor distinto"})
    client.post(reverse("receipt_approve", args=[portfolio.slug, first.pk]))
    assert [r.status for r in TransferReceipt.objects.order_by("pk")] == ["approved", "rejected"]
    html = client.get(url).content.decode()
    assert "No hay comprobantes en espera." in html
