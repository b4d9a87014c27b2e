"""Issue 16 §5: in Chromium on a phone (390x844), in es-CO, a debtor asks for a code with her ID number, the test
reads it from the outbox (as her phone would), she signs in, sees her obligations, opens one's interest
liquidation and pays it by a payment link of the portfolio's gateway (a local fake Wompi). No CSP violation on the
way. Screenshots go to SHOTS/portal/."""

from __future__ import annotations

import re

import pytest

from recaudo.banking.models import PaymentLink
from recaudo.banking.services_gateways import gateway_account_save
from recaudo.banking.tests.fake_gateways import FakeWompi
from recaudo.communications.models import Message
from recaudo.demo.testing import SHOTS, make_luz, needs_chromium

pytestmark = [pytest.mark.browser, needs_chromium]

FOLDER = SHOTS / "portal"


def shot(page, name):
    FOLDER.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(FOLDER / f"{name}.png"), full_page=True)


def test_a_debtor_signs_in_with_a_code_on_a_phone_and_opens_a_payment_link(live_server, browser_page, portfolio):
    page, base, slug = browser_page, live_server.url, portfolio.slug
    page.set_viewport_size({"width": 390, "height": 844})
    violations = []
    page.on("console", lambda m: violations.append(m.text) if "Content Security Policy" in m.text else None)
    luz = make_luz(portfolio)
    with FakeWompi() as fake:
        config = {**fake.config(), "checkout_url": f"{fake.url}/checkout/l/"}
        gateway_account_save(portfolio=portfolio, provider="wompi", values=config, actor="cli")

        page.goto(f"{base}/portal/{slug}/")
        assert page.locator("html").get_attribute("lang") == "es-co"
        shot(page, "1-entrar")
        page.get_by_label("Número de identificación o código de cliente").fill("52.123.456")
        page.get_by_role("button", name="Enviarme un código").click()
        page.wait_for_url(f"{base}/portal/{slug}/codigo/")
        shot(page, "2-codigo")
        message = Message.objects.get(template_code="portal_code", debtor=luz)
        code = re.search(r"\b(\d{6})\b", message.body).group(1)
        assert code not in page.content()
        page.get_by_label("Código").fill(code)
        page.keyboard.press("Enter")
        page.wait_for_url(f"{base}/portal/{slug}/inicio/")
        page.wait_for_selector("text=F-100")
        assert "Hola, Luz Marina Restrepo" in page.content()
        shot(page, "3-inicio")
        # the page fits the phone: nothing wider than the viewport
        assert page.evaluate("document.documentElement.scrollWidth") <= 390

        page.get_by_role("link", name=re.compile("F-100")).click()
        page.wait_for_selector("#liq-title")
        shot(page, "4-obligacion")

        page.get_by_role("button", name="Pagar esta obligación en línea").click()
        page.wait_for_selector("#go-pay")
        shot(page, "5-enlace")
        page.click("#go-pay")
        page.wait_for_url(re.compile(re.escape(f"{fake.url}/checkout/l/")))
        link = PaymentLink.objects.get()
        assert link.debtor == luz and link.obligation.number == "F-100"
        assert page.url == link.url
    assert not violations, violations
