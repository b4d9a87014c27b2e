"""Money in from the debtor page: record a payment (form, preview, confirm), its numbered receipt, its reversal.

Worked example (payment date Monday 2 March 2026, the portfolio's default order: due first, obligation by
obligation, fees, interest, principal): D1-F1 due 31 Jan owes interest 20.000,00 and principal 1.000.000,00; D1-F2
due 15 Feb owes principal 500.000,00. A payment of 1.600.000,00 pays D1-F1 interest 20.000,00, D1-F1 principal
1.000.000,00, D1-F2 principal 500.000,00 and keeps 80.000,00 unapplied (debtor credit).
"""

from __future__ import annotations

import re
from decimal import Decimal
from unittest import mock

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from recaudo.agreements.services.payments import payment_receipt_reverse, payment_receive
from recaudo.agreements.services.plans import agreement_create
from recaudo.agreements.tests.helpers import MONDAY, debtor_with_debt
from recaudo.demo.testing import TEST_PASSWORD, make_user, sign_in
from recaudo.ledger.models import Payment, Receipt
from recaudo.ledger.selectors import payment_preview, receipt_view
from recaudo.ledger.services import ledger_verify
from recaudo.portfolio.models import Debtor, Portfolio
from recaudo.reports.receipt_pdf import render_receipt_pdf
from recaudo.security.tests.helpers import pdf_text

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _today():
    with mock.patch.object(Portfolio, "today", return_value=MONDAY):
        yield


@pytest.fixture
def book(portfolio):
    debtor, f1, f2 = debtor_with_debt(portfolio)
    return {"debtor": debtor, "f1": f1, "f2": f2, "agent": make_user("ana", portfolio, role="agent"),
            "supervisor": make_user("sofia", portfolio, role="supervisor"),
            "viewer": make_user("vera", portfolio, role="viewer")}


def drawn(text: str) -> str:
    """`text` as ReportLab writes it in a content stream: characters beyond ASCII as octal escapes (cp1252)."""
    return "".join(c if ord(c) < 128 else f"\\{c.encode('cp1252')[0]:03o}" for c in text)


def login(client, user):
    assert sign_in(client, username=user.username, password=TEST_PASSWORD)
    return client


def test_preview_is_the_ledgers_allocation_worked_example(portfolio, book):
    preview = payment_preview(portfolio=portfolio, debtor=book["debtor"], minor=160_000_000, on=MONDAY)
    assert [(line.obligation.number, line.component, line.amount_minor, line.balance_after_minor)
            for line in preview.lines] == [
        ("D1-F1", "interest", 2_000_000, 100_000_000),
        ("D1-F1", "principal", 100_000_000, 0),
        ("D1-F2", "principal", 50_000_000, 0),
    ]
    assert preview.unapplied_minor == 8_000_000
    assert (preview.balance_before_minor, preview.balance_after_minor) == (152_000_000, 0)
    # Recording it allocates exactly so.
    payment, _ = payment_receive(portfolio=portfolio, debtor=book["debtor"], amount=Decimal("1600000"), date=MONDAY,
                                 reference="PSE-1")
    assert sorted((e.obligation.number, e.component, -e.amount_minor) for e in payment.entries.all()) == [
        ("D1-F1", "interest", 2_000_000), ("D1-F1", "principal", 100_000_000), ("D1-F2", "principal", 50_000_000)]
    assert payment.unapplied_minor == 8_000_000


def test_a_named_obligation_goes_first(portfolio, book):
    preview = payment_preview(portfolio=portfolio, debtor=book["debtor"], minor=60_000_000, on=MONDAY,
                              obligation=book["f2"])
    assert [(ln.obligation.number, ln.component, ln.amount_minor) for ln in preview.lines] == [
        ("D1-F2", "principal", 50_000_000), ("D1-F1", "interest", 2_000_000), ("D1-F1", "principal", 8_000_000)]


def test_receipts_are_numbered_per_portfolio_in_order(portfolio, other_portfolio, book):
    debtor = book["debtor"]
    numbers = [payment_receive(portfolio=portfolio, debtor=debtor, amount=Decimal("1000"), date=MONDAY,
                               reference=f"R-{i}")[0].receipt.number for i in range(3)]
    assert numbers == [1, 2, 3]
    again, created = payment_receive(portfolio=portfolio, debtor=debtor, amount=Decimal("1000"), date=MONDAY,
                                     reference="R-1")
    assert not created and again.receipt.number == 2 and Receipt.objects.count() == 3
    other_debtor, _, _ = debtor_with_debt(other_portfolio, code="X1")
    first_other, _ = payment_receive(portfolio=other_portfolio, debtor=other_debtor, amount=Decimal("1"),
                                     date=MONDAY, reference="R-0")
    assert first_other.receipt.number == 1 and first_other.receipt.label == "RC-000001"


def test_only_supervisors_and_admins_reverse(portfolio, book):
    payment, _ = payment_receive(portfolio=portfolio, debtor=book["debtor"], amount=Decimal("100000"), date=MONDAY,
                                 reference="CH-1")
    for role in ("agent", "viewer"):
        with pytest.raises(PermissionDenied):
            payment_receipt_reverse(payment=payment, reason="cheque devuelto", actor=book[role])
    payment_receipt_reverse(payment=payment, reason="cheque devuelto", actor=book["supervisor"])
    payment.refresh_from_db()
    assert payment.reversed_at is not None and ledger_verify(portfolio) == []


def test_receipt_pdf_has_the_number_amount_in_words_and_void_stamp(portfolio, book):
    payment, _ = payment_receive(portfolio=portfolio, debtor=book["debtor"], amount=Decimal("1500000"),
                                 date=MONDAY, reference="PSE-9", method="pse")
    view = receipt_view(portfolio, payment.pk)
    assert view.balance_after_minor == 2_000_000  # 1.520.000 owed - 1.500.000 paid
    pdf = pdf_text(render_receipt_pdf(view, "es"))
    assert "RC-000001" in pdf and drawn("un millón quinientos mil pesos m/cte") in pdf and "ANULADO" not in pdf
    payment_receipt_reverse(payment=payment, reason="rebotado", actor="cli")
    pdf = pdf_text(render_receipt_pdf(receipt_view(portfolio, payment.pk), "es"))
    assert "ANULADO" in pdf
    assert "VOID" in pdf_text(render_receipt_pdf(receipt_view(portfolio, payment.pk), "en"))


def test_agent_records_a_payment_from_the_debtor_page(client, portfolio, book):
    debtor = book["debtor"]
    login(client, book["agent"])
    detail = reverse("debtor_detail", args=[portfolio.slug, debtor.pk])
    url = reverse("payment_new", args=[portfolio.slug, debtor.pk])
    assert url in client.get(detail).content.decode()
    form = client.get(url).content.decode()
    assert 'value="2026-03-02"' in form  # the date field comes pre-filled with the portfolio's today
    token = re.search(r'name="token" value="([0-9a-f]+)"', form).group(1)
    data = {"amount": "1.600.000", "date": "2026-03-02", "method": "transfer", "reference": "", "obligation": "",
            "token": token}
    preview = client.post(url, {**data, "step": "preview"}).content.decode()
    assert "D1-F1" in preview and "80.000,00" in preview and "un millón seiscientos mil pesos m/cte" in preview
    assert Payment.objects.count() == 0  # the preview writes nothing
    assert client.post(url, {**data, "step": "confirm"}).status_code == 302
    assert client.post(url, {**data, "step": "confirm"}).status_code == 302  # a double submit: one payment
    payment = Payment.objects.get()
    assert payment.source_ref == f"web-{token}" and payment.method == "transfer"
    assert payment.receipt.number == 1 and payment.created_by == book["agent"]
    page = client.get(detail).content.decode()
    receipt_url = reverse("payment_receipt", args=[portfolio.slug, payment.pk])
    assert "RC-000001" in page and receipt_url in page
    assert reverse("payment_reverse", args=[portfolio.slug, payment.pk]) not in page  # agents do not reverse
    response = client.get(receipt_url)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert client.post(reverse("payment_reverse", args=[portfolio.slug, payment.pk]),
                       {"reason": "x"}).status_code == 403


def test_payment_form_refuses_a_future_date_and_zero(client, portfolio, book):
    login(client, book["agent"])
    url = reverse("payment_new", args=[portfolio.slug, book["debtor"].pk])
    page = client.post(url, {"amount": "0", "date": "2026-03-03", "method": "cash", "token": "t",
                             "step": "preview"}).content.decode()
    assert "02/03/2026" in page and Payment.objects.count() == 0


def test_supervisor_reverses_and_the_timeline_says_so(client, portfolio, book):
    payment, _ = payment_receive(portfolio=portfolio, debtor=book["debtor"], amount=Decimal("100000"), date=MONDAY,
                                 reference="CH-7", method="check", actor=book["agent"])
    login(client, book["supervisor"])
    url = reverse("payment_reverse", args=[portfolio.slug, payment.pk])
    assert client.get(url).status_code == 200
    assert client.post(url, {"reason": "cheque devuelto"}).status_code == 302
    page = client.get(reverse("debtor_detail", args=[portfolio.slug, book["debtor"].pk]),
                      HTTP_ACCEPT_LANGUAGE="es-co").content.decode()
    assert "Pago reversado" in page and "cheque devuelto" in page and "Recibo de caja emitido" in page


def test_viewer_may_not_record_a_payment(client, portfolio, book):
    login(client, book["viewer"])
    assert client.get(reverse("payment_new", args=[portfolio.slug, book["debtor"].pk])).status_code == 404


def test_the_timeline_shows_a_message_the_cycle_queued_in_spanish(client, portfolio, book):
    from django.utils import timezone

    from recaudo.communications.models import Message

    now = timezone.now()
    Message.objects.create(portfolio=portfolio, debtor=book["debtor"], channel="sms", template_code="reminder",
                           dedupe_key="cycle-1", scheduled_for=now, next_attempt_at=now, source="cycle")
    login(client, book["agent"])
    page = client.get(reverse("debtor_detail", args=[portfolio.slug, book["debtor"].pk]),
                      HTTP_ACCEPT_LANGUAGE="es-co").content.decode()
    assert "Mensaje en cola" in page and "Automático (ciclo diario)" in page


def test_receipt_pdf_shows_a_nit_with_its_dots_and_check_digit(portfolio, book):
    """The receipt printed "NIT 8001972684" where every page shows 800.197.268-4 (issue 14)."""
    debtor = book["debtor"]
    debtor.id_type, debtor.id_number = "NIT", "8001972684"
    debtor.save()
    payment, _ = payment_receive(portfolio=portfolio, debtor=debtor, amount=Decimal("1500000"), date=MONDAY,
                                 reference="PSE-10", method="pse")
    pdf = pdf_text(render_receipt_pdf(receipt_view(portfolio, payment.pk), "es"))
    assert "NIT 800.197.268-4" in pdf and "8001972684" not in pdf


def test_a_viewer_gets_the_receipt_and_the_agreement_with_the_id_masked(client, portfolio, book):
    """As on the statement (docs/habeas-data.md): the read-only role never gets the debtor's full ID in a PDF."""
    debtor = book["debtor"]
    Debtor.objects.filter(pk=debtor.pk).update(id_type="CC", id_number="1007534670")
    payment, _ = payment_receive(portfolio=portfolio, debtor=debtor, amount=Decimal("1000"), date=MONDAY,
                                 reference="PSE-9", method="pse")
    agreement = agreement_create(portfolio=portfolio, debtor=debtor, obligations=[book["f2"]], installments=2,
                                 first_due=MONDAY.replace(day=30), today=MONDAY)
    receipt = reverse("payment_receipt", args=[portfolio.slug, payment.pk])
    contract = reverse("agreement_pdf", args=[portfolio.slug, agreement.pk])
    login(client, book["agent"])
    assert "1007534670" in pdf_text(client.get(receipt).content)
    assert "1007534670" in pdf_text(client.get(contract).content)
    client.logout()
    login(client, book["viewer"])
    for url in (receipt, contract):
        response = client.get(url)
        assert response.status_code == 200
        text = pdf_text(response.content)
        assert "1007534670" not in text and "*****4670" in text
