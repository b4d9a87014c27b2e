"""End to end in Chromium: an agent records a payment from the debtor page (form, preview of its allocation,
confirmation), downloads its receipt (recibo de caja); a supervisor reverses it and sees it in the timeline.
Screenshots of the form, the preview, the reversal and the receipt (es-CO and en; the receipt's first page when
pdftoppm is installed) go to the shots folder (recaudo.demo.testing.SHOTS) as payments-*.png."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from recaudo.agents.tests.helpers import debtor_with_phone
from recaudo.demo.testing import SHOTS, TEST_PASSWORD, make_user, needs_chromium
from recaudo.ledger.models import Payment

pytestmark = [pytest.mark.browser, needs_chromium]



def log_in(page, base, username):
    page.goto(f"{base}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", TEST_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state()


def shot(page, name):
    page.screenshot(path=str(SHOTS / f"payments-{name}.png"), full_page=True)


def pdf_first_page_png(pdf: Path, name: str) -> None:
    """The receipt's first page as a PNG, for a person to look at (pdftoppm, when installed)."""
    if shutil.which("pdftoppm"):
        subprocess.run(["pdftoppm", "-png", "-r", "80", "-f", "1", "-l", "1", "-singlefile", str(pdf),
                        str(SHOTS / f"payments-{name}")], check=True)


def record_payment(page, base, slug, debtor, amount, reference, lang):
    page.goto(f"{base}/p/{slug}/debtors/{debtor.pk}/")
    page.click("#record-payment")
    page.wait_for_url(f"**/p/{slug}/debtors/{debtor.pk}/payment/")
    assert page.input_value("#id_date")  # pre-filled with the portfolio's today
    page.fill("#id_amount", amount)
    page.select_option("#id_method", "transfer")
    page.fill("#id_reference", reference)
    shot(page, f"payment-form-{lang}")
    page.click("#preview-payment")
    page.wait_for_selector("#payment-preview")
    shot(page, f"payment-preview-{lang}")
    return page


def test_agent_records_a_payment_and_a_supervisor_reverses_it(live_server, browser_page, portfolio, settings,
                                                              tmp_path):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    page, base, slug = browser_page, live_server.url, portfolio.slug
    make_user("ana", portfolio, role="agent")
    make_user("sofia", portfolio, role="supervisor")
    luz = debtor_with_phone(portfolio, "C001", "Luz Marina Restrepo", amount="2000000")

    log_in(page, base, "ana")
    record_payment(page, base, slug, luz, "1.500.000", "TRF-7781", "es")
    preview = page.locator("#payment-preview").inner_text()
    assert "F-C001" in preview and "1.500.000,00" in preview and "un millón quinientos mil pesos m/cte" in preview
    assert "500.000,00" in page.locator("#preview-balance-after").inner_text()
    assert Payment.objects.count() == 0
    page.click("#confirm-payment")
    page.wait_for_url(f"**/p/{slug}/debtors/{luz.pk}/#payments")
    assert "Pago registrado: recibo RC-000001" in page.content()
    with page.expect_download() as download:
        page.locator("#payments a.receipt-link").first.click()
    pdf = tmp_path / "recibo.pdf"
    download.value.save_as(pdf)
    assert pdf.read_bytes().startswith(b"%PDF")
    pdf_first_page_png(pdf, "receipt-es")
    assert page.locator("#ledger a.receipt-link").count() >= 1  # the payment's line in the ledger links to it too
    assert page.locator("#payments a[href$='/reverse/']").count() == 0  # an agent does not reverse

    # The supervisor reverses it with a reason and sees it in the timeline.
    page.context.clear_cookies()
    log_in(page, base, "sofia")
    page.goto(f"{base}/p/{slug}/debtors/{luz.pk}/")
    page.locator("#payments a[href$='/reverse/']").first.click()
    page.fill("#id_reason", "Transferencia devuelta por el banco")
    shot(page, "payment-reverse-es")
    page.click("#confirm-reverse")
    page.wait_for_url(f"**/p/{slug}/debtors/{luz.pk}/#payments")
    timeline = page.locator(".timeline").inner_text()
    assert "Pago reversado" in timeline and "Transferencia devuelta por el banco" in timeline
    assert "Recibo de caja emitido" in timeline and "Pago recibido" in timeline
    shot(page, "debtor-after-reversal-es")
    with page.expect_download() as download:
        page.locator("#payments a.receipt-link").first.click()
    void = tmp_path / "anulado.pdf"
    download.value.save_as(void)
    pdf_first_page_png(void, "receipt-void-es")

    # The same pages in English.
    context = page.context.browser.new_context(viewport={"width": 1280, "height": 800}, locale="en-US")
    english = context.new_page()
    log_in(english, base, "ana")
    record_payment(english, base, slug, luz, "250,000.50", "TRF-7782", "en")
    assert "250,000.50" in english.locator("#payment-preview").inner_text()
    english.click("#confirm-payment")
    english.wait_for_url(f"**/p/{slug}/debtors/{luz.pk}/#payments")
    with english.expect_download() as download:
        english.locator("#payments a.receipt-link").first.click()
    receipt_en = tmp_path / "receipt.pdf"
    download.value.save_as(receipt_en)
    pdf_first_page_png(receipt_en, "receipt-en")
    context.close()
