"""The payment gateway pages (administrators), a debtor's payment links (agents and up), and the link in messages
and statements, in es-CO."""

from __future__ import annotations

from datetime import date
from types import SimpleNamespace

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from recaudo.banking.forms import PaymentLinkForm
from recaudo.banking.models import GatewayAccount, PaymentLink
from recaudo.banking.services_gateways import gateway_account_save, payment_link_create
from recaudo.banking.tests.fake_gateways import FakeWompi
from recaudo.communications.rendering import debtor_context
from recaudo.demo.testing import login, make_debtor, make_obligation, make_portfolio, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def book():
    portfolio = make_portfolio()
    luz = make_debtor(portfolio, code="C001")
    invoice = make_obligation(portfolio, luz, number="FV-1203", amount="1000000")
    for role, name in (("supervisor", "sofia"), ("admin", "ana"), ("agent", "carlos"), ("viewer", "vera")):
        make_user(name, portfolio, role=role)
    return portfolio, luz, invoice


def test_an_administrator_configures_wompi_and_the_secrets_are_never_shown_back(client, book):
    portfolio = book[0]
    login(client, "ana")
    page = client.get(reverse("gateway_list", args=[portfolio.slug])).content.decode()
    assert "Pasarelas de pago" in page and "Wompi" in page and "Mercado Pago" in page and "sin configurar" in page
    url = reverse("gateway_edit", args=[portfolio.slug, "wompi"])
    form = client.get(url).content.decode()
    assert "Llave privada" in form and "/hooks/gateways/wompi/pyme/" in form
    missing = client.post(url, {"private_key": "prv_test_SECRETO1", "active": "on"}).content.decode()
    assert "Secreto de eventos: obligatorio" in missing and not GatewayAccount.objects.exists()
    response = client.post(url, {"private_key": "prv_test_SECRETO1", "events_secret": "test_events_SECRETO2",
                                 "active": "on"})
    assert response.status_code == 302
    page = client.get(reverse("gateway_list", args=[portfolio.slug])).content.decode()
    assert "configurado" in page and "activa" in page
    form = client.get(url).content.decode()
    assert "SECRETO1" not in form and "SECRETO2" not in form and "configurado: déjelo vacío para conservarlo" in form
    # saving again with the secrets left empty keeps them
    client.post(url, {"base_url": "https://sandbox.wompi.co", "active": "on"})
    config = GatewayAccount.objects.get().full_config()
    assert config["private_key"] == "prv_test_SECRETO1" and config["base_url"] == "https://sandbox.wompi.co"
    assert "Pasarelas de pago" in client.get(reverse("bank_upload", args=[portfolio.slug])).content.decode()


@pytest.mark.parametrize("field, value, message", [
    ("test", "verdadero", "Modo de pruebas (true o false): escriba true o false"),
    ("validation_url", "<script>alert(1)</script>", "servicio de validación de transacciones: una dirección http(s)"),
    ("apify_url", "ftp://example.com", "API de sesiones de pago: una dirección http(s)"),
])
def test_a_gateway_setting_that_cannot_work_is_refused_at_its_field(client, book, field, value, message):
    """ePayco's test mode must be a yes/no word (a typo is not silently production) and its addresses http(s)."""
    portfolio = book[0]
    login(client, "ana")
    data = {"p_cust_id_cliente": "1234", "p_key": "k", "public_key": "pub", "private_key": "prv", field: value}
    page = client.post(reverse("gateway_edit", args=[portfolio.slug, "epayco"]), data).content.decode()
    assert message in page
    assert not GatewayAccount.objects.exists()
    data[field] = "false" if field == "test" else "https://example.com/api"
    assert client.post(reverse("gateway_edit", args=[portfolio.slug, "epayco"]), data).status_code == 302


@pytest.mark.parametrize("user", ["sofia", "carlos", "vera"])
def test_only_administrators_see_the_gateways(client, book, user):
    portfolio = book[0]
    login(client, user)
    assert client.get(reverse("gateway_list", args=[portfolio.slug])).status_code == 404
    assert client.post(reverse("gateway_edit", args=[portfolio.slug, "wompi"]),
                       {"private_key": "x", "events_secret": "y"}).status_code == 404
    assert not GatewayAccount.objects.exists()
    for url in (reverse("debtor_list", args=[portfolio.slug]), reverse("bank_upload", args=[portfolio.slug])):
        response = client.get(url)
        assert response.status_code == 404 or "Pasarelas de pago" not in response.content.decode()


def test_an_agent_creates_a_payment_link_from_the_debtor_page(client, book):
    portfolio, luz, invoice = book
    with FakeWompi() as fake:
        gateway_account_save(portfolio=portfolio, provider="wompi", values=fake.config(), actor="cli")
        login(client, "carlos")
        debtor_page = client.get(reverse("debtor_detail", args=[portfolio.slug, luz.pk])).content.decode()
        assert "Crear enlace de pago" in debtor_page
        url = reverse("payment_links", args=[portfolio.slug, luz.pk])
        page = client.get(url).content.decode()
        assert "Enlaces de pago" in page and "Obligación FV-1203" in page and "Total del deudor" in page
        page = client.post(url, {"target": f"o{invoice.pk}", "amount": "", "expires_in": "3"}).content.decode()
    link = PaymentLink.objects.get()
    assert link.amount_minor == 100_000_000 and link.obligation_id == invoice.pk
    assert link.created_by.username == "carlos"
    assert link.url in page and "Abierto" in page
    bad = client.post(url, {"target": "", "amount": "", "expires_in": "400"}).content.decode()
    assert "menor o igual a 90" in bad
    debtor_page = client.get(reverse("debtor_detail", args=[portfolio.slug, luz.pk])).content.decode()
    assert link.reference in debtor_page
    # cancelled: the link stays listed, no longer open
    client.post(reverse("payment_link_cancel", args=[portfolio.slug, link.pk]))
    link.refresh_from_db()
    assert link.status == "cancelled"
    assert "Cancelado" in client.get(url).content.decode()


def test_a_payment_link_for_the_debtors_total_can_be_created(client, book):
    portfolio, luz, _invoice = book
    make_obligation(portfolio, luz, number="FV-1204", amount="500000")
    with FakeWompi() as fake:
        gateway_account_save(portfolio=portfolio, provider="wompi", values=fake.config(), actor="cli")
        login(client, "carlos")
        url = reverse("payment_links", args=[portfolio.slug, luz.pk])
        page = client.get(url).content.decode()
        assert '<option value="" selected>Total del deudor</option>' in page
        assert '<select name="target" id="id_target">' in page  # not required: the browser lets "" through
        response = client.post(url, {"target": "", "amount": "", "expires_in": "3"})
    assert response.status_code == 200 and "obligatorio" not in response.content.decode()
    link = PaymentLink.objects.get()
    assert link.obligation_id is None and link.amount_minor == 150_000_000


def test_a_payment_links_amount_is_typed_as_people_write_it_and_a_bad_one_is_named(client, book):
    portfolio, luz, _invoice = book
    with FakeWompi() as fake:
        gateway_account_save(portfolio=portfolio, provider="wompi", values=fake.config(), actor="cli")
        login(client, "carlos")
        url = reverse("payment_links", args=[portfolio.slug, luz.pk])
        assert 'type="number" name="amount"' not in client.get(url).content.decode()  # "1.500.000" could not be typed
        for typed, message in (("abc", "valor: no es un número"), ("-5", "valor: no puede ser negativo"),
                               ("0", "valor: "), ("9" * 30, "valor: ")):
            page = client.post(url, {"target": "", "amount": typed, "expires_in": "3"},
                               HTTP_ACCEPT_LANGUAGE="es-CO").content.decode()
            assert message in page and not PaymentLink.objects.exists(), typed
        client.post(url, {"target": "", "amount": "250.000,50", "expires_in": "3"})
    assert PaymentLink.objects.get().amount_minor == 25_000_050


def test_an_installments_due_date_reads_as_the_page_writes_dates():
    installment = SimpleNamespace(pk=7, number=2, due_date=date(2027, 3, 5))
    with translation.override("es-co"):
        choices = dict(PaymentLinkForm(installments=[installment]).fields["target"].choices)
    assert choices["i7"] == "Cuota 2 del acuerdo (vence 05/03/2027)"


def test_a_viewer_may_not_create_payment_links(client, book):
    portfolio, luz, _invoice = book
    login(client, "vera")
    assert client.get(reverse("payment_links", args=[portfolio.slug, luz.pk])).status_code == 404
    assert client.post(reverse("payment_links", args=[portfolio.slug, luz.pk]), {"expires_in": "3"}).status_code == 404


def test_without_a_gateway_the_page_says_so(client, book):
    portfolio, luz, _invoice = book
    login(client, "carlos")
    page = client.get(reverse("payment_links", args=[portfolio.slug, luz.pk])).content.decode()
    assert "no tiene una pasarela de pago activa" in page
    assert "Crear enlace de pago" not in client.get(
        reverse("debtor_detail", args=[portfolio.slug, luz.pk])).content.decode()


def test_messages_and_statements_carry_the_open_link(client, book):
    portfolio, luz, invoice = book
    with FakeWompi() as fake:
        gateway_account_save(portfolio=portfolio, provider="wompi", values=fake.config(), actor="cli")
        assert debtor_context(debtor=luz, portfolio=portfolio, obligations=[], now=timezone.now())[
            "payment_link"] == ""
        link = payment_link_create(portfolio=portfolio, debtor=luz, actor="cli")
    context = debtor_context(debtor=luz, portfolio=portfolio, obligations=[], now=timezone.now())
    assert context["payment_link"] == link.url
    login(client, "ana")
    statement = client.get(reverse("statement", args=[portfolio.slug, luz.pk, "html"])).content.decode()
    assert "Pague en línea" in statement and link.url in statement
    pdf = client.get(reverse("statement", args=[portfolio.slug, luz.pk, "pdf"]))
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    # the gateway switched off: no link offered
    GatewayAccount.objects.update(active=False)
    assert debtor_context(debtor=luz, portfolio=portfolio, obligations=[], now=timezone.now())["payment_link"] == ""
    statement = client.get(reverse("statement", args=[portfolio.slug, luz.pk, "html"])).content.decode()
    assert "Pague en línea" not in statement
