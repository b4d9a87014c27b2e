"""The public pay page of a payment link (GET /pagar/<slug>/<reference>/): PayU's signed form, ePayco's checkout
session, a redirect for Wompi and Mercado Pago, "this link expired" in Spanish, 404 for an unknown reference, a
CSP that adds only the provider's host on that page, and links for PayU and ePayco created end to end."""

from __future__ import annotations

import html
import re
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from recaudo.banking.gateways import payu
from recaudo.banking.models import PaymentLink
from recaudo.banking.services_gateways import GatewayProblem, gateway_account_save, payment_link_create
from recaudo.banking.tests.fake_gateways import FakeEPayco
from recaudo.core.csp import DEFAULT_POLICY
from recaudo.demo.testing import make_debtor, make_obligation, make_portfolio

pytestmark = pytest.mark.django_db

API_KEY = "4Vj8eK4rloUd272L48hsrarnUA"
PAYU = {"merchant_id": "508029", "account_id": "512321", "api_login": "pRRXKOl8ikMmt9u", "api_key": API_KEY,
        "test": "true"}
EPAYCO = {"p_cust_id_cliente": "12345", "p_key": "abcdef0123456789", "public_key": "pub", "private_key": "priv",
          "test": "true"}


@pytest.fixture(autouse=True)
def public_url(settings):
    settings.RECAUDO_PUBLIC_URL = "https://recaudo.example"
    settings.RECAUDO_CONTENT_SECURITY_POLICY = DEFAULT_POLICY


@pytest.fixture
def book():
    portfolio = make_portfolio()
    portfolio.creditor = "Ferretería El Tornillo SAS"
    portfolio.save()
    luz = make_debtor(portfolio, code="C001", id_type="CC", id_number="43512987")
    assert luz.id_number == "43512987"
    invoice = make_obligation(portfolio, luz, number="FV-1203", amount="1000000")
    make_obligation(portfolio, luz, number="FV-9999", amount="777777")  # another debt: never on the page
    return portfolio, luz, invoice


def _link(portfolio, debtor, obligation, provider, **extra) -> PaymentLink:
    values = {"amount_minor": 15_000_000, "currency": "COP", "reference": "RC0123456789AB", "provider": provider,
              "url": "https://checkout.wompi.co/l/test_abc", "expires_at": timezone.now() + timedelta(days=3)}
    values.update(extra)
    return PaymentLink.objects.create(portfolio=portfolio, debtor=debtor, obligation=obligation, **values)


def _url(link) -> str:
    return reverse("pay_link", kwargs={"slug": link.portfolio.slug, "reference": link.reference})


def _csp(response) -> dict[str, list[str]]:
    return {part.split()[0]: part.split()[1:] for part in response["Content-Security-Policy"].split(";")
            if part.strip()}


def test_a_payu_link_renders_the_signed_checkout_form(book):
    portfolio, luz, invoice = book
    gateway_account_save(portfolio=portfolio, provider="payu", values=PAYU, actor="cli")
    link = _link(portfolio, luz, invoice, "payu", url="https://recaudo.example/pagar/x/RC0123456789AB/")
    response = Client().get(_url(link))
    assert response.status_code == 200
    page = response.content.decode()
    assert 'action="https://sandbox.checkout.payulatam.com/ppp-web-gateway-payu/"' in page
    assert "Pagar con PayU" in page and "Pagar a Ferretería El Tornillo SAS" in page and "150.000" in page
    inputs = dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', page))
    assert inputs["referenceCode"] == "RC0123456789AB" and inputs["amount"] == "150000"
    assert inputs["currency"] == "COP" and inputs["merchantId"] == "508029" and inputs["test"] == "1"
    # the signature is PayU's: MD5(ApiKey~merchantId~referenceCode~amount~currency)
    assert inputs["signature"] == payu.form_signature(API_KEY, "508029", "RC0123456789AB", "150000", "COP")
    assert inputs["confirmationUrl"] == f"https://recaudo.example/hooks/gateways/payu/{portfolio.slug}/"
    assert API_KEY not in page  # the key signs, it is never sent
    # no debtor data beyond the description: no national ID, no other debt
    assert "43512987" not in page and "FV-9999" not in page and "777.777" not in page
    csp = _csp(response)
    assert csp["form-action"] == ["'self'", "https://sandbox.checkout.payulatam.com"]
    assert csp["script-src"] == ["'self'"] and "unsafe" not in response["Content-Security-Policy"]
    assert "<script" not in page and "style=" not in page


def test_an_epayco_link_opens_its_session_with_our_local_script(book):
    portfolio, luz, invoice = book
    gateway_account_save(portfolio=portfolio, provider="epayco", values=EPAYCO, actor="cli")
    link = _link(portfolio, luz, invoice, "epayco", provider_id="sess-42")
    response = Client().get(_url(link))
    page = response.content.decode()
    assert response.status_code == 200 and "Pagar con ePayco" in page
    assert 'data-session="sess-42"' in page and 'data-test="true"' in page
    assert '<script src="https://checkout.epayco.co/checkout-v2.js"></script>' in page
    assert '<script src="/static/banking/epayco-pay.js"></script>' in page
    assert len(re.findall(r"<script\b", page)) == 2 and not re.search(r"<script>|\son\w+=", page)
    csp = _csp(response)
    assert csp["script-src"] == ["'self'", "https://checkout.epayco.co"]
    assert csp["form-action"] == ["'self'"] and "unsafe" not in response["Content-Security-Policy"]


def test_the_local_epayco_script_reads_the_session_from_the_button():
    from pathlib import Path

    from django.contrib.staticfiles import finders

    script = Path(finders.find("banking/epayco-pay.js")).read_text(encoding="utf-8")
    assert "dataset.session" in script and 'type: "standard"' in script and ".open()" in script


@pytest.mark.parametrize("provider,url", [("wompi", "https://checkout.wompi.co/l/test_abc"),
                                          ("mercadopago", "https://www.mercadopago.com.co/checkout/v1/redirect?pref_id=1")])
def test_wompi_and_mercadopago_links_redirect_to_the_provider(book, provider, url):
    portfolio, luz, invoice = book
    link = _link(portfolio, luz, invoice, provider, url=url)
    response = Client().get(_url(link))
    assert response.status_code == 302 and response["Location"] == url


@pytest.mark.parametrize("status", ["expired", "cancelled", "paid"])
def test_a_closed_link_says_it_expired_in_spanish(book, status):
    portfolio, luz, invoice = book
    gateway_account_save(portfolio=portfolio, provider="payu", values=PAYU, actor="cli")
    link = _link(portfolio, luz, invoice, "payu", status=status)
    response = Client().get(_url(link))
    page = response.content.decode()
    assert response.status_code == 410
    assert "Este enlace de pago venció" in page and "Ferretería El Tornillo SAS" in page
    assert "Pagar con PayU" not in page and "signature" not in page and "43512987" not in page


def test_a_link_past_its_expiry_is_closed_before_the_daily_sweep(book):
    portfolio, luz, invoice = book
    link = _link(portfolio, luz, invoice, "wompi", expires_at=timezone.now() - timedelta(minutes=1))
    response = Client().get(_url(link))
    assert response.status_code == 410 and "Este enlace de pago venció" in response.content.decode()


def test_an_unknown_reference_or_another_portfolio_is_404(book):
    portfolio, luz, invoice = book
    link = _link(portfolio, luz, invoice, "wompi")
    other = make_portfolio(slug="otra", name="Otra")
    assert Client().get(reverse("pay_link", args=[portfolio.slug, "RCFFFFFFFFFFFF"])).status_code == 404
    assert Client().get(reverse("pay_link", args=[other.slug, link.reference])).status_code == 404
    assert Client().post(_url(link)).status_code == 405


def test_the_description_is_escaped(book):
    portfolio, luz, invoice = book
    luz.name = '<script>alert("x")</script> Luz'
    luz.save()
    gateway_account_save(portfolio=portfolio, provider="payu", values=PAYU, actor="cli")
    link = _link(portfolio, luz, invoice, "payu")
    page = Client().get(_url(link)).content.decode()
    assert '<script>alert("x")</script>' not in page
    assert html.escape('<script>alert("x")</script>', quote=True) in page


def test_a_payu_link_is_created_end_to_end_and_its_page_pays_it(book):
    portfolio, luz, invoice = book
    gateway_account_save(portfolio=portfolio, provider="payu", values=PAYU, actor="cli")
    link = payment_link_create(portfolio=portfolio, debtor=luz, obligation=invoice, amount="150000", actor="cli")
    assert link.url == f"https://recaudo.example/pagar/{portfolio.slug}/{link.reference}/"
    assert re.fullmatch(r"RC[0-9A-F]{12}", link.reference)
    page = Client().get(link.url.removeprefix("https://recaudo.example")).content.decode()
    assert f'name="referenceCode" value="{link.reference}"' in page


def test_an_epayco_link_is_created_end_to_end_against_the_local_epayco(book):
    portfolio, luz, invoice = book
    with FakeEPayco() as fake:
        gateway_account_save(portfolio=portfolio, provider="epayco", values={**EPAYCO, "apify_url": fake.url},
                             actor="cli")
        link = payment_link_create(portfolio=portfolio, debtor=luz, obligation=invoice, actor="cli")
        assert fake.sessions[0]["invoice"] == link.reference and fake.sessions[0]["amount"] == "1000000.00"
        assert fake.sessions[0]["confirmation"] == f"https://recaudo.example/hooks/gateways/epayco/{portfolio.slug}/"
    assert link.provider_id == "sess-1"
    assert link.url == f"https://recaudo.example/pagar/{portfolio.slug}/{link.reference}/"
    page = Client().get(link.url.removeprefix("https://recaudo.example")).content.decode()
    assert 'data-session="sess-1"' in page


def test_without_a_public_address_a_payu_or_epayco_link_is_refused_naming_the_setting(book, settings):
    portfolio, luz, invoice = book
    settings.RECAUDO_PUBLIC_URL = ""
    gateway_account_save(portfolio=portfolio, provider="payu", values=PAYU, actor="cli")
    with pytest.raises(GatewayProblem, match="RECAUDO_PUBLIC_URL") as error:
        payment_link_create(portfolio=portfolio, debtor=luz, obligation=invoice, actor="cli")
    assert "página pública de pago" in str(error.value)
    assert not PaymentLink.objects.exists()


def test_an_open_link_whose_account_is_gone_is_unavailable_not_a_crash(book):
    portfolio, luz, invoice = book
    link = _link(portfolio, luz, invoice, "payu")
    response = Client().get(_url(link))
    assert response.status_code == 503 and "Pago no disponible" in response.content.decode()
