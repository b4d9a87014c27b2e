"""The public pay page (/pagar/<slug>/<reference>/) in Chromium, in es-CO, on a phone (390x844): a PayU link shows
the creditor, the amount, what is paid and its reference, and its button POSTs the signed form to PayU (intercepted:
no network); an ePayco link shows its button (ePayco's script intercepted); an expired link says "Este enlace de
pago venció" with 410. Nothing overflows the phone's width. Screenshots go to SHOTS/pay/. Every wait is for a
selector or a request, never a pause."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import parse_qs

import pytest
from django.urls import reverse
from django.utils import timezone

from recaudo.banking.models import PaymentLink
from recaudo.banking.services_gateways import gateway_account_save
from recaudo.demo.testing import SHOTS, make_debtor, make_obligation, needs_chromium

pytestmark = [pytest.mark.browser, needs_chromium]

FOLDER = SHOTS / "pay"
PHONE = {"width": 390, "height": 844}
PAYU = {"merchant_id": "508029", "account_id": "512321", "api_login": "pRRXKOl8ikMmt9u",
        "api_key": "4Vj8eK4rloUd272L48hsrarnUA", "test": "true"}
EPAYCO = {"p_cust_id_cliente": "12345", "p_key": "abcdef0123456789", "public_key": "pub", "private_key": "priv",
          "test": "true"}
CREDITOR = "Ferretería <El Tornillo> & Cía. S.A.S."


def shot(page, name):
    FOLDER.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(FOLDER / f"{name}.png"), full_page=True)


@pytest.fixture
def book(portfolio):
    portfolio.creditor = CREDITOR  # markup in a name: shown as text, never as HTML
    portfolio.save()
    luz = make_debtor(portfolio, code="C001", name="Luz Restrepo")
    invoice = make_obligation(portfolio, luz, number="FV-1203", amount="1000000")
    return portfolio, luz, invoice


def _link(portfolio, debtor, obligation, provider, reference, **extra) -> PaymentLink:
    values = {"amount_minor": 15_000_000, "currency": "COP", "reference": reference, "provider": provider,
              "url": f"https://recaudo.example/pagar/{portfolio.slug}/{reference}/",
              "expires_at": timezone.now() + timedelta(days=3)}
    values.update(extra)
    return PaymentLink.objects.create(portfolio=portfolio, debtor=debtor, obligation=obligation, **values)


def _fits_the_phone(page):
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0, f"the page is {overflow}px wider than the phone"


def test_on_a_phone_a_debtor_sees_what_they_pay_and_pays_with_payu(live_server, browser_page, book):
    portfolio, luz, invoice = book
    gateway_account_save(portfolio=portfolio, provider="payu", values=PAYU, actor="test")
    link = _link(portfolio, luz, invoice, "payu", "RC0123456789AB")
    page = browser_page
    page.set_viewport_size(PHONE)
    posted = []

    def payu_checkout(route):
        posted.append(route.request.post_data or "")
        route.fulfill(status=200, content_type="text/html", body="<h1>PayU (prueba)</h1>")

    page.route("https://sandbox.checkout.payulatam.com/**", payu_checkout)
    page.goto(live_server.url + reverse("pay_link", args=[portfolio.slug, link.reference]))
    page.wait_for_selector("#pay-payu")
    shot(page, "payu-phone")
    text = page.inner_text("main")
    assert page.inner_text("h1") == f"Pagar a {CREDITOR}"
    assert page.inner_text("#pay-amount").replace("\xa0", "") == "$150.000"
    assert page.inner_text("#pay-reference") == "RC0123456789AB" and "Referencia de pago" in text
    assert "FV-1203" in text and "Pagar con PayU" in text and "página segura de la pasarela de pago" in text
    assert page.title() == f"Pago · {CREDITOR}"
    _fits_the_phone(page)
    page.click("#pay-payu button[type=submit]")
    page.wait_for_selector("text=PayU (prueba)")
    fields = {k: v[0] for k, v in parse_qs(posted[0]).items()}
    assert fields["referenceCode"] == "RC0123456789AB" and fields["amount"] == "150000"
    assert fields["currency"] == "COP" and fields["signature"]


def test_on_a_phone_an_epayco_link_shows_its_button(live_server, browser_page, book):
    portfolio, luz, invoice = book
    gateway_account_save(portfolio=portfolio, provider="epayco", values=EPAYCO, actor="test")
    link = _link(portfolio, luz, invoice, "epayco", "RC00000000EP01", provider_id="sess-1")
    page = browser_page
    page.set_viewport_size(PHONE)
    page.route("https://checkout.epayco.co/**", lambda route: route.fulfill(
        status=200, content_type="application/javascript", body="window.ePayco = {checkout: {configure: "
        "function (o) { return {open: function () { document.body.dataset.opened = o.sessionId; }}; }}};"))
    page.goto(live_server.url + reverse("pay_link", args=[portfolio.slug, link.reference]))
    page.wait_for_selector("#epayco-pay")
    shot(page, "epayco-phone")
    text = page.inner_text("main")
    assert f"Pagar a {CREDITOR}" in text and "Pagar con ePayco" in text and "RC00000000EP01" in text
    _fits_the_phone(page)
    page.click("#epayco-pay")
    page.wait_for_selector("body[data-opened='sess-1']")


def test_on_a_phone_an_expired_link_says_so(live_server, browser_page, book):
    portfolio, luz, invoice = book
    gateway_account_save(portfolio=portfolio, provider="payu", values=PAYU, actor="test")
    link = _link(portfolio, luz, invoice, "payu", "RC0000000000EX", expires_at=timezone.now() - timedelta(hours=1))
    page = browser_page
    page.set_viewport_size(PHONE)
    response = page.goto(live_server.url + reverse("pay_link", args=[portfolio.slug, link.reference]))
    assert response.status == 410
    page.wait_for_selector("h1")
    shot(page, "expired-phone")
    assert page.inner_text("h1") == "Este enlace de pago venció"
    text = page.inner_text("main")
    assert CREDITOR in text and "Pagar con PayU" not in text and "150.000" not in text
    _fits_the_phone(page)
