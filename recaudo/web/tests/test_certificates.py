"""Certificates from the debtor page (paz y salvo, certificate of debt) and the public verification page."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from unittest import mock

import pytest
from django.urls import reverse

from recaudo.agreements.services.payments import payment_receive
from recaudo.certificates.models import Certificate
from recaudo.certificates.rules import code_display
from recaudo.certificates.services import certificate_issue, certificate_revoke, debt_certificate_issue
from recaudo.demo.testing import at_local, login, make_debtor, make_obligation, make_user
from recaudo.portfolio.services import portfolio_creditor_set

pytestmark = pytest.mark.django_db

NOW = at_local(date(2026, 3, 2), "10:00")


@pytest.fixture(autouse=True)
def _today():
    with mock.patch("django.utils.timezone.now", return_value=NOW):
        yield


@pytest.fixture
def paid(portfolio):
    debtor = make_debtor(portfolio, code="C1", name="Luz Marina Restrepo", id_type="CC", id_number="52123456")
    make_obligation(portfolio, debtor, number="F-1", amount="100000", issue=date(2026, 1, 1), due=date(2026, 1, 31))
    payment_receive(portfolio=portfolio, debtor=debtor, amount=Decimal("100000"), date=date(2026, 1, 15),
                    source_ref="p1")
    debtor.refresh_from_db()
    return debtor


@pytest.fixture
def owing(portfolio):
    debtor = make_debtor(portfolio, code="C2", name="Pedro Pérez", id_type="CC", id_number="79000111")
    make_obligation(portfolio, debtor, number="F-2", amount="300000", issue=date(2026, 1, 1), due=date(2026, 1, 31))
    return debtor


def test_debtor_page_offers_certificates_and_lists_them(client, portfolio, paid):
    login(client, make_user("carlos", portfolio, role="agent").username)
    certificate_issue(debtor=paid, actor="test")
    page = client.get(reverse("debtor_detail", args=[portfolio.slug, paid.pk])).content.decode()
    assert 'id="certificates"' in page and "PS-000001" in page
    assert reverse("certificate_no_debt_new", args=[portfolio.slug, paid.pk]) in page


def test_paz_y_salvo_from_the_page_downloads_the_pdf(client, portfolio, paid):
    login(client, make_user("carlos", portfolio, role="agent").username)
    url = reverse("certificate_no_debt_new", args=[portfolio.slug, paid.pk])
    assert client.get(url).status_code == 200
    response = client.post(url, {"obligation": ""})
    cert = Certificate.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("certificate_pdf",
                                                                           args=[portfolio.slug, cert.pk])
    pdf = client.get(response["Location"])
    assert pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")
    assert 'filename="paz-y-salvo-PS-000001.pdf"' in pdf["Content-Disposition"]


def test_paz_y_salvo_refused_shows_why_at_the_field(client, portfolio, owing):
    login(client, make_user("carlos", portfolio, role="agent").username)
    response = client.post(reverse("certificate_no_debt_new", args=[portfolio.slug, owing.pk]), {"obligation": ""},
                           HTTP_ACCEPT_LANGUAGE="es-co")
    assert response.status_code == 200
    assert "la obligación F-2 no está saldada" in response.content.decode()
    assert not Certificate.objects.exists()


def test_debt_certificate_from_the_page(client, portfolio, owing):
    portfolio_creditor_set(portfolio=portfolio, actor="test", creditor_nit="900.123.456-8",
                           legal_representative="Marta Gómez")
    login(client, make_user("carlos", portfolio, role="agent").username)
    url = reverse("certificate_debt_new", args=[portfolio.slug, owing.pk])
    assert client.post(url, {}).status_code == 200  # the confirmation is required
    response = client.post(url, {"confirm": "on"})
    assert response.status_code == 302
    assert Certificate.objects.get().label == "CD-000001"


def test_viewer_cannot_download_or_issue(client, portfolio, paid):
    cert = certificate_issue(debtor=paid, actor="test")
    login(client, make_user("vera", portfolio, role="viewer").username)
    assert client.get(reverse("certificate_pdf", args=[portfolio.slug, cert.pk])).status_code in (403, 404)
    assert client.post(reverse("certificate_no_debt_new", args=[portfolio.slug, paid.pk])).status_code == 403


def test_verification_page_is_public_and_masks_the_id(client, portfolio, paid):
    cert = certificate_issue(debtor=paid, actor="test")
    page = client.get(reverse("certificate_verify", args=[cert.code]), HTTP_ACCEPT_LANGUAGE="es-co")
    text = page.content.decode()
    assert page.status_code == 200 and "Certificado válido" in text
    assert "PS-000001" in text and "Luz Marina Restrepo" in text and code_display(cert.code) in text
    assert "52123456" not in text and "*****3456" in text
    assert page["Cache-Control"] == "no-store" and page["Referrer-Policy"] == "no-referrer"
    # typed with dashes, in lower case, in the form: redirected to the page of the code
    typed = client.get(reverse("certificate_verify_form"), {"codigo": code_display(cert.code).lower()})
    assert typed.status_code == 302 and typed["Location"] == reverse("certificate_verify", args=[cert.code])
    assert client.get(reverse("certificate_verify_form")).status_code == 200


def test_verification_of_an_unknown_or_revoked_certificate(client, portfolio, paid):
    assert client.get(reverse("certificate_verify", args=["AAAABBBBCCCCDDDD"])).status_code == 404
    assert client.get(reverse("certificate_verify", args=["<script>"])).status_code == 404
    cert = certificate_issue(debtor=paid, actor="test")
    certificate_revoke(certificate=cert, reason="expedido por error", actor="test")
    text = client.get(reverse("certificate_verify", args=[cert.code]), HTTP_ACCEPT_LANGUAGE="es-co").content.decode()
    assert "NO es válido" in text and "expedido por error" in text


def test_debt_certificate_verification_states_the_total(client, portfolio, owing):
    portfolio_creditor_set(portfolio=portfolio, actor="test", creditor_nit="900.123.456-8",
                           legal_representative="Marta Gómez")
    cert = debt_certificate_issue(debtor=owing, actor="test")
    text = client.get(reverse("certificate_verify", args=[cert.code]), HTTP_ACCEPT_LANGUAGE="es-co").content.decode()
    assert "1 cuota vencida;" in text and "COP" in text


def test_settings_page_edits_the_legal_representative(client, portfolio):
    login(client, make_user("ana", portfolio, role="admin").username)
    url = reverse("portfolio_settings", args=[portfolio.slug])
    assert "legal_representative" in client.get(url).content.decode()
    response = client.post(url, {"payment_reference": "id_number", "legal_representative": "  Marta   Gómez ",
                                 "legal_representative_id": "CC 51.234.567", "legal_status": "P.H.",
                                 "certificate_city": "Bogotá D.C."})
    assert response.status_code == 302
    portfolio.refresh_from_db()
    assert (portfolio.legal_representative, portfolio.certificate_city) == ("Marta Gómez", "Bogotá D.C.")


def test_debt_batch_page_issues_a_zip_of_certificates_for_supervisors(client, portfolio, owing, paid):
    """The office's batch (the same service as `recaudo certificates debt`): one PDF per debtor with overdue fees
    and index.csv in a ZIP; agents get 403; no match or a bad number is said at the field."""
    import csv
    import io
    import zipfile

    other = make_debtor(portfolio, code="C3", name="Ana Gómez", id_type="CC", id_number="43000222")
    make_obligation(portfolio, other, number="F-3", amount="200000", issue=date(2026, 1, 1), due=date(2026, 2, 20))
    portfolio_creditor_set(portfolio=portfolio, actor="test", creditor_nit="900.123.456-8",
                           legal_representative="Marta Gómez")
    url = reverse("certificate_debt_batch", args=[portfolio.slug])
    login(client, make_user("carlos", portfolio, role="agent").username)
    assert client.get(url).status_code == 403
    assert client.post(url, {"min_days": "1"}).status_code == 403 and not Certificate.objects.exists()
    login(client, make_user("sofia", portfolio, role="supervisor").username)
    assert client.get(url).status_code == 200
    assert url in client.get(reverse("debtor_list", args=[portfolio.slug])).content.decode()
    # C2 is 30 days past due on 2 March, C3 11 days: at least 20 days -> only C2
    nobody = client.post(url, {"min_days": "400"})
    assert nobody.status_code == 400 and "Ningún deudor coincide" in nobody.content.decode()
    junk = client.post(url, {"min_days": "muchos"})
    assert junk.status_code == 400 and not Certificate.objects.exists()
    one = client.post(url, {"min_days": "20"})
    assert one.status_code == 200 and one["Content-Type"] == "application/zip"
    names = zipfile.ZipFile(io.BytesIO(one.content)).namelist()
    assert names == ["certificado-deuda-CD-000001-C2.pdf", "index.csv"]
    both = client.post(url, {"min_days": "1", "codes": "C2, C3\nC1"})  # C1 owes nothing: not in the batch
    archive = zipfile.ZipFile(io.BytesIO(both.content))
    assert 'filename="certificados-deuda-CD-000002-CD-000003.zip"' in both["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(archive.read("index.csv").decode())))
    assert [(r["certificate"], r["customer_code"]) for r in rows] == [("CD-000002", "C2"), ("CD-000003", "C3")]
    assert archive.read("certificado-deuda-CD-000003-C3.pdf")[:4] == b"%PDF"
    assert Decimal(rows[0]["principal"]) == Decimal("300000.00") and Decimal(rows[1]["principal"]) == Decimal(
        "200000.00")
    assert rows[0]["verification_url"].startswith("http://testserver/verificar/")
