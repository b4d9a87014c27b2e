"""End to end in Chromium: an agent issues a paz y salvo from the debtor page (refused while something is owed,
then issued and downloaded) and anyone checks it on the public verification page. Screenshots (es-CO) go to the
shots folder as certificates-*.png."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from recaudo.agreements.services.payments import payment_receive
from recaudo.certificates.models import Certificate
from recaudo.demo.testing import SHOTS, make_luz, make_user, needs_chromium

from .test_browser import log_in

pytestmark = [pytest.mark.browser, needs_chromium]


def test_paz_y_salvo_issued_and_verified(live_server, browser_page, portfolio, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    page, base, slug = browser_page, live_server.url, portfolio.slug
    make_user("ana", portfolio, role="agent")
    luz = make_luz(portfolio)  # owes 1.000.000
    log_in(page, base, "ana")
    page.goto(f"{base}/p/{slug}/debtors/{luz.pk}/")
    page.click("#no-debt-link")
    page.click("#action-form button[type=submit]")
    assert "la obligación F-100 no está saldada" in page.content()
    page.screenshot(path=str(SHOTS / "certificates-refused-es.png"), full_page=True)

    payment_receive(portfolio=portfolio, debtor=luz, amount=Decimal("1000000"), date=date(2026, 2, 1),
                    source_ref="pago-total")
    with page.expect_download() as download:
        page.click("#action-form button[type=submit]")
    assert download.value.suggested_filename == "paz-y-salvo-PS-000001.pdf"
    page.goto(f"{base}/p/{slug}/debtors/{luz.pk}/")
    assert "PS-000001" in page.locator("#certificates").inner_text()
    page.locator("#certificates").screenshot(path=str(SHOTS / "certificates-card-es.png"))

    code = Certificate.objects.get().code
    page.context.clear_cookies()  # anyone, signed out
    page.goto(f"{base}/verificar/")
    page.fill("#codigo", f"{code[:4].lower()}-{code[4:8]}-{code[8:12]} {code[12:]}")
    page.click("button[type=submit]")
    page.wait_for_url(f"**/verificar/{code}/")
    text = page.locator("main").inner_text()
    assert "Certificado válido." in text and "*****3456" in text and "52123456" not in text
    page.set_viewport_size({"width": 390, "height": 800})
    page.screenshot(path=str(SHOTS / "certificates-verify-es.png"), full_page=True)
