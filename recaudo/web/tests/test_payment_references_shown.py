"""Payment references where the debtor needs them (the debtor page, the statement PDF, messages, the agreement
PDF) and a debtor's payments with their source on the debtor page (issue 15 §1, §5)."""

from __future__ import annotations

import shutil
import subprocess
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from recaudo.agreements.services.payments import payment_receipt_reverse, payment_receive
from recaudo.agreements.services.plans import agreement_create
from recaudo.banking import services as banking
from recaudo.banking.models import BankLine, Convenio
from recaudo.banking.tests import files
from recaudo.communications.models import Template
from recaudo.communications.services import template_render
from recaudo.demo.testing import login, make_debtor, make_obligation, make_portfolio, make_user
from recaudo.ledger.models import Payment
from recaudo.reports.render import render_statement_pdf
from recaudo.reports.statements import statement_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def book():
    portfolio = make_portfolio()
    luz = make_debtor(portfolio, code="C001", id_type="CC", id_number="52123456")
    make_obligation(portfolio, luz, number="1203", amount="1000000", issue=date(2026, 1, 1), due=date(2026, 1, 31))
    make_obligation(portfolio, luz, number="1204", amount="500000", issue=date(2026, 1, 1), due=date(2026, 2, 28))
    for role, name in (("admin", "ana"), ("supervisor", "sofia"), ("agent", "carlos"), ("viewer", "vera")):
        make_user(name, portfolio, role=role)
    return portfolio, luz


def _generated(portfolio):
    banking.reference_settings_set(portfolio=portfolio, kind="generated")
    banking.payment_references_assign(portfolio=portfolio)  # Luz 18, 1203 -> 26, 1204 -> 34


def _pdf_text(pdf: bytes, tmp_path) -> str:
    if not shutil.which("pdftotext"):
        pytest.skip("pdftotext (poppler-utils) is not installed")
    path = tmp_path / "doc.pdf"
    path.write_bytes(pdf)
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, check=True,
                          text=True).stdout


def _pay_through_the_bank(portfolio, reference="1203", cents=40_000_00):
    text = files.file_2001([("7709998000011", [(reference, cents)])], date="20260301")
    banking.bank_file_import(portfolio=portfolio, content=text.encode())
    return BankLine.objects.get(reference__endswith=reference)


# --- the debtor page ----------------------------------------------------------------------------------------------

def test_the_debtor_page_shows_the_debtor_and_each_obligation_reference(client, book):
    portfolio, luz = book
    _generated(portfolio)
    login(client, "carlos")
    page = client.get(reverse("debtor_detail", args=[portfolio.slug, luz.pk])).content.decode()
    assert 'id="payment-reference">18<' in page and "Referencia de pago" in page
    assert "Ref. de pago 26" in page and "Ref. de pago 34" in page


def test_a_viewer_sees_a_reference_that_is_an_id_number_masked(client, book):
    portfolio, luz = book
    banking.reference_settings_set(portfolio=portfolio, kind="national_id")
    login(client, "vera")
    page = client.get(reverse("debtor_detail", args=[portfolio.slug, luz.pk])).content.decode()
    assert "52123456" not in page and 'id="payment-reference">' in page


def test_the_debtor_page_lists_payments_with_their_source(client, book):
    portfolio, luz = book
    today = portfolio.today()
    manual, _ = payment_receive(portfolio=portfolio, debtor=luz, amount=Decimal("1000"), date=today,
                                reference="CAJA-1", method="cash")
    payment_receive(portfolio=portfolio, debtor=luz, amount=Decimal("2000"), date=today,
                    source=Payment.Source.IMPORT, source_ref="imp-7")
    payment_receive(portfolio=portfolio, debtor=luz, amount=Decimal("3000"), date=today,
                    source=Payment.Source.GATEWAY, source_ref="wompi-9")
    payment_receive(portfolio=portfolio, debtor=luz, amount=Decimal("4000"), date=today,
                    source=Payment.Source.PORTAL, source_ref="portal-3")
    line = _pay_through_the_bank(portfolio)
    payment_receipt_reverse(payment=manual, reason="cheque devuelto", actor="cli")
    login(client, "sofia")
    page = client.get(reverse("debtor_detail", args=[portfolio.slug, luz.pk])).content.decode()
    section = page[page.index('id="payments"'):page.index('id="ledger"')]
    for expected in ("Manual", "Importación", "Pasarela de pagos", "Portal", "Archivo del banco",
                     "banco 007 · 01/03/2026 · línea 3", "Reversado", "40.000,00"):
        assert expected in section, expected
    # the bank line's link: the applied lines of its bank date, at its row
    assert (f'{reverse("bank_applied", args=[portfolio.slug])}?date_from=2026-03-01&amp;date_to=2026-03-01'
            f'#applied-{line.pk}') in section
    assert reverse("payment_receipt", args=[portfolio.slug, line.payment_id]) in section


def test_viewers_see_the_sources_but_no_forms_nor_bank_line_links(client, book):
    portfolio, luz = book
    _pay_through_the_bank(portfolio)
    login(client, "vera")
    page = client.get(reverse("debtor_detail", args=[portfolio.slug, luz.pk])).content.decode()
    section = page[page.index('id="payments"'):page.index('id="ledger"')]
    assert "Archivo del banco" in section and "línea 3" in section
    assert "bank-line-link" not in section and "<form" not in section and "Reversar" not in section
    assert "record-payment" not in page


def test_the_payments_section_costs_the_same_queries_whatever_the_number_of_payments(client, book):
    portfolio, luz = book
    login(client, "sofia")
    url = reverse("debtor_detail", args=[portfolio.slug, luz.pk])
    _pay_through_the_bank(portfolio, "1203", 1_000_00)
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    text = files.file_2001([("7709998000011", [("1204", 1_000_00 + i) for i in range(6)])], date="20260302")
    banking.bank_file_import(portfolio=portfolio, content=text.encode())
    assert Payment.objects.filter(debtor=luz).count() == 7
    with CaptureQueriesContext(connection) as many:
        client.get(url)
    assert len(many.captured_queries) == len(few.captured_queries)


# --- the statement PDF --------------------------------------------------------------------------------------------

def test_the_statement_pdf_carries_each_obligation_reference_and_the_convenio_account(book, tmp_path):
    portfolio, luz = book
    _generated(portfolio)
    Convenio.objects.create(portfolio=portfolio, name="Bancolombia", bank_code="007", account_number="123456789",
                            service_code="7709998000011")
    Convenio.objects.create(portfolio=portfolio, name="Antiguo", bank_code="051", account_number="5550001",
                            active=False)
    statement = statement_for(debtor=luz, today=date(2026, 3, 3))
    assert statement.payment_reference == "18"
    assert [o.payment_reference for o in statement.open_obligations] == ["26", "34"]
    text = _pdf_text(render_statement_pdf(statement, "es-co"), tmp_path)
    assert "Referencia de pago" in text
    rows = [line for line in text.splitlines() if "1203" in line or "1204" in line]
    assert any("1203" in r and " 26 " in r for r in rows) and any("1204" in r and " 34 " in r for r in rows)
    for expected in ("banco código 007", "123456789", "7709998000011", "Indique la referencia de pago 18"):
        assert expected in text, expected
    assert "5550001" not in text  # the inactive convenio is not where to pay


# --- messages -----------------------------------------------------------------------------------------------------

def test_templates_get_the_payment_reference_as_a_variable(book):
    portfolio, luz = book
    _generated(portfolio)
    template = Template(portfolio=portfolio, code="reminder", channel="sms", language="es", subject="",
                        body="Ref {{ referencia_pago }}/{{ payment_reference }}:"
                             "{% for o in obligations %} {{ o.number }}={{ o.payment_reference }}{% endfor %}")
    rendered = template_render(template=template, debtor=luz, now=timezone.now())
    assert rendered.text == "Ref 18/18: 1203=26 1204=34"
    banking.reference_settings_set(portfolio=portfolio, kind="obligation_number")
    rendered = template_render(template=template, debtor=luz, now=timezone.now())
    assert rendered.text == "Ref 52123456/52123456: 1203=1203 1204=1204"


# --- the agreement PDF --------------------------------------------------------------------------------------------

def test_the_agreement_pdf_carries_the_payment_reference(client, book, tmp_path):
    portfolio, luz = book
    banking.reference_settings_set(portfolio=portfolio, kind="debtor_code")
    today = portfolio.today()
    agreement = agreement_create(portfolio=portfolio, debtor=luz, obligations=list(luz.obligations.all()),
                                 installments=3, first_due=today + timedelta(days=30), today=today,
                                 now=timezone.now())
    login(client, "carlos")
    response = client.get(reverse("agreement_pdf", args=[portfolio.slug, agreement.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    text = _pdf_text(response.content, tmp_path)
    assert "Referencia de pago: C001" in text and "citando la referencia de pago C001" in text
