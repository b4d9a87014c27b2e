"""The bank pages: uploading a collection file and the review queue, in es-CO."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from recaudo.banking import forms
from recaudo.banking.models import BankLine
from recaudo.banking.tests import files
from recaudo.demo.testing import login, make_debtor, make_obligation, make_portfolio, make_user
from recaudo.ledger.models import Payment

pytestmark = pytest.mark.django_db


@pytest.fixture
def book():
    portfolio = make_portfolio()
    luz = make_debtor(portfolio, code="C001", id_type="CC", id_number="52123456")
    make_obligation(portfolio, luz, number="1203", amount="1000000")
    for role, name in (("supervisor", "sofia"), ("admin", "ana"), ("agent", "carlos"), ("viewer", "vera")):
        make_user(name, portfolio, role=role)
    return portfolio, luz


def _upload(client, portfolio, text, **data):
    upload = SimpleUploadedFile("recaudo.txt", text.encode() if isinstance(text, str) else text)
    return client.post(reverse("bank_upload", args=[portfolio.slug]), {"file": upload, "layout": "auto", **data},
                       follow=True)


def test_a_supervisor_uploads_a_file_and_sees_the_summary(client, book):
    portfolio, _luz = book
    login(client, "sofia")
    text = files.file_2001([("7709998000011", [("1203", 30_000_000), ("99999", 5_000)])])
    page = _upload(client, portfolio, text).content.decode()
    assert "Archivo importado" in page and "300.000,00" in page and "En revisión" in page
    assert "ninguna" in page.lower() or "ningún" in page.lower()  # the queued line's reason, in Spanish
    assert Payment.objects.count() == 1 and BankLine.objects.filter(status="queued").count() == 1
    again = _upload(client, portfolio, text).content.decode()  # the same file: duplicates
    assert Payment.objects.count() == 1 and "Ya leídos antes" in again  # the summary's count
    assert again.count("<td>Ya leída antes</td>") == 2  # each line's result, in the singular
    assert '<dd id="sum-layout">Asobancaria 2001</dd>' in again  # the layout's name, not its code in capitals


def test_solo_revisar_applies_nothing(client, book):
    portfolio, _luz = book
    login(client, "ana")
    text = files.file_2001([("7709998000011", [("1203", 30_000_000)])])
    page = _upload(client, portfolio, text, dry_run="on").content.decode()
    assert "Solo revisión: no se aplicó nada" in page
    assert not Payment.objects.exists() and not BankLine.objects.exists()


def test_a_bad_file_is_refused_whole_with_the_line_and_both_numbers(client, book):
    portfolio, _luz = book
    login(client, "sofia")
    text = files.file_2001([("7709998000011", [("1203", 30_000_000), ("1203", 1_000)])], totals={"file": 999})
    page = _upload(client, portfolio, text).content.decode()
    assert 'id="file-errors"' in page
    assert "línea 6, total del archivo: el control de archivo dice 9,99 y los detalles suman 300.010,00" in page
    assert not Payment.objects.exists() and not BankLine.objects.exists()


def test_a_file_too_large_is_refused_before_it_is_read(client, book, monkeypatch):
    portfolio, _luz = book
    login(client, "sofia")
    monkeypatch.setattr(forms, "MAX_UPLOAD_BYTES", 3 * 1024 * 1024)
    page = _upload(client, portfolio, b"1" * (3 * 1024 * 1024 + 1)).content.decode()
    assert "el archivo pesa más de 3 MB" in page
    assert not BankLine.objects.exists()


@pytest.mark.parametrize("name", ["carlos", "vera"])
def test_agents_and_viewers_see_no_bank_page_nor_menu(client, book, name):
    portfolio, _luz = book
    login(client, name)
    assert client.get(reverse("bank_upload", args=[portfolio.slug])).status_code == 404
    assert client.get(reverse("bank_queue", args=[portfolio.slug])).status_code == 404
    page = client.get(reverse("debtor_list", args=[portfolio.slug])).content.decode()
    assert "Recaudos bancarios" not in page


def test_the_menu_offers_bank_collections_to_supervisors(client, book):
    portfolio, _luz = book
    login(client, "sofia")
    page = client.get(reverse("debtor_list", args=[portfolio.slug])).content.decode()
    assert "Recaudos bancarios" in page and reverse("bank_upload", args=[portfolio.slug]) in page


@pytest.fixture
def queued(book):
    portfolio, luz = book
    line = BankLine.objects.create(
        portfolio=portfolio, source_key="k-1", layout="asobancaria-2001", file_sha256="0" * 64, line_number=3,
        bank_date="2026-03-01", bank_code="007", reference="<script>alert(1)</script>", amount_minor=5_000_00,
        channel="01", status="queued", reason="<img src=x onerror=alert(2)>")
    return portfolio, luz, line


def test_the_queue_lists_lines_escaped(client, queued):
    portfolio, _luz, _line = queued
    login(client, "sofia")
    page = client.get(reverse("bank_queue", args=[portfolio.slug])).content.decode()
    assert "Pagos bancarios por revisar" in page and "5.000" in page and "01/03/2026" in page
    assert "<script>alert(1)" not in page and "&lt;script&gt;alert(1)" in page
    assert "<img src=x" not in page


def test_applying_from_the_page_twice_applies_once(client, queued):
    portfolio, luz, line = queued
    login(client, "sofia")
    url = reverse("bank_line_apply", args=[portfolio.slug, line.pk])
    for _ in range(2):
        response = client.post(url, {f"a{line.pk}-debtor": "C001", f"a{line.pk}-obligation": ""})
        assert response.status_code == 302
    payment = Payment.objects.get()
    assert payment.debtor == luz and str(payment.date) == "2026-03-01"
    line.refresh_from_db()
    assert line.status == "applied"


def test_a_wrong_debtor_is_shown_at_the_field(client, queued):
    portfolio, _luz, line = queued
    login(client, "sofia")
    page = client.post(reverse("bank_line_apply", args=[portfolio.slug, line.pk]),
                       {f"a{line.pk}-debtor": "<b>C999</b>"}).content.decode()
    assert "ningún deudor tiene" in page and "&lt;b&gt;C999" in page and "<b>C999" not in page
    assert not Payment.objects.exists()


def test_dismissing_from_the_page(client, queued):
    portfolio, _luz, line = queued
    login(client, "ana")
    url = reverse("bank_line_dismiss", args=[portfolio.slug, line.pk])
    page = client.post(url, {f"d{line.pk}-reason": ""}).content.decode()
    assert "Este campo es obligatorio" in page
    assert client.post(url, {f"d{line.pk}-reason": "traslado propio"}).status_code == 302
    line.refresh_from_db()
    assert line.status == "dismissed" and line.reason == "traslado propio"


@pytest.mark.parametrize("name", ["carlos", "vera"])
def test_agents_and_viewers_may_not_apply(client, queued, name):
    portfolio, _luz, line = queued
    login(client, name)
    response = client.post(reverse("bank_line_apply", args=[portfolio.slug, line.pk]), {f"a{line.pk}-debtor": "C001"})
    assert response.status_code == 404 and not Payment.objects.exists()


def test_a_line_of_another_portfolio_is_not_found(client, queued):
    _portfolio, _luz, line = queued
    other = make_portfolio(slug="edificio", name="Edificio")
    make_user("beto", other, role="admin")
    login(client, "beto")
    response = client.post(reverse("bank_line_apply", args=[other.slug, line.pk]), {f"a{line.pk}-debtor": "C001"})
    assert response.status_code == 404 and not Payment.objects.exists()
