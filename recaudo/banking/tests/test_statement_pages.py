"""The bank pages with statements: uploading a CSV through a chosen mapping, an OFX, and the mappings page."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from recaudo.banking import services
from recaudo.banking.models import BankLine, StatementMapping
from recaudo.banking.tests import statement_files as sf
from recaudo.demo.testing import login, make_debtor, make_obligation, make_portfolio, make_user
from recaudo.ledger.models import Payment

pytestmark = pytest.mark.django_db


@pytest.fixture
def book():
    portfolio = make_portfolio()
    luz = make_debtor(portfolio, code="C001", id_type="CC", id_number="52123456")
    make_obligation(portfolio, luz, number="1203", amount="2000000")
    make_debtor(portfolio, code="C002", name="Pedro")
    for role, name in (("supervisor", "sofia"), ("agent", "carlos")):
        make_user(name, portfolio, role=role)
    return portfolio


def _upload(client, portfolio, content, name="extracto.csv", **data):
    upload = SimpleUploadedFile(name, content)
    return client.post(reverse("bank_upload", args=[portfolio.slug]), {"file": upload, "layout": "auto", **data},
                       follow=True)


def test_a_csv_statement_through_the_chosen_mapping(client, book):
    for name in ("bancolombia", "otro"):
        services.statement_mapping_save(
            portfolio=book, name=name, date_column="Fecha", reference_column="Referencia",
            description_column="Descripcion", debit_column="Retiros", credit_column="Consignaciones",
            separator=";", header_lines_skip=1, footer_lines_skip=1, actor="test")
    login(client, "sofia")
    form = client.get(reverse("bank_upload", args=[book.slug])).content.decode()
    assert 'value="camt053"' in form and 'value="bancolombia"' in form
    refused = _upload(client, book, sf.BANCOLOMBIA_SPLIT.encode()).content.decode()  # two mappings: choose
    assert "elija el formato de extracto de este archivo (la cartera tiene 2)" in refused
    page = _upload(client, book, sf.BANCOLOMBIA_SPLIT.encode(), mapping="bancolombia").content.decode()
    assert "Archivo importado" in page and "Débitos omitidos" in page and "200.000,00" in page
    assert "PAGO FACTURA" in page
    assert Payment.objects.filter(source="statement").count() == 2


def test_an_ofx_upload_and_a_bad_one(client, book):
    login(client, "sofia")
    page = _upload(client, book, sf.ofx_sgml([("F1", "20260301", "1000.00", "LUZ &lt;b&gt; &amp; CIA", "x")]),
                   "e.ofx")
    assert 'id="bank-result"' in page.content.decode() and "LUZ &lt;b&gt; &amp; CIA x" in page.content.decode()
    assert BankLine.objects.get().kind == "statement"
    bad = _upload(client, book, sf.ofx_sgml([("F2", "2026-03-01", "1.00", "A", "B")]), "e.ofx").content.decode()
    assert "movimiento 1, DTPOSTED: &#x27;2026-03-01&#x27; no es una fecha AAAAMMDD" in bad


def test_the_mappings_page_creates_lists_and_changes(client, book):
    login(client, "sofia")
    url = reverse("bank_mappings", args=[book.slug])
    assert "Aún no hay formatos de extracto." in client.get(url).content.decode()
    data = {"name": "valor", "date_column": "Fecha", "amount_column": "Valor", "separator": ",",
            "encoding": "auto", "date_format": "%d/%m/%Y", "decimal_separator": ",", "thousands_separator": ".",
            "header_lines_skip": "0", "footer_lines_skip": "0", "has_header": "on"}
    assert client.post(url, data).status_code == 302
    mapping = StatementMapping.objects.get()
    assert (mapping.amount_column, mapping.has_header, mapping.credits_negative) == ("Valor", True, False)
    listing = client.get(url).content.decode()
    assert "valor" in listing and 'href="?name=valor"' in listing
    assert 'value="Valor"' in client.get(url + "?name=valor").content.decode()
    bad = client.post(url, {**data, "debit_column": "Retiros"}).content.decode()
    assert "dé la columna del valor o las columnas de débito y crédito, no ambas" in bad
    StatementMapping.objects.get(amount_column="Valor", debit_column="")


def test_agents_do_not_see_the_mappings_page(client, book):
    login(client, "carlos")
    assert client.get(reverse("bank_mappings", args=[book.slug])).status_code == 404
