"""End to end in Chromium: an agent works on the debtor page itself (issue 14 §2): adds a note, records how an
e-mail's consent was given, disputes an obligation, attaches a PDF and sends the statement of account now; each
shows in the timeline. Screenshots (es-CO) go to the shots folder as records-*.png."""

from __future__ import annotations

import pytest

from recaudo.communications.models import Message
from recaudo.demo.testing import SHOTS, make_luz, make_user, needs_chromium
from recaudo.portfolio.models import Document

from .test_browser import log_in

pytestmark = [pytest.mark.browser, needs_chromium]


def test_agent_works_the_debtor_page(live_server, browser_page, portfolio, settings, tmp_path):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    page, base, slug = browser_page, live_server.url, portfolio.slug
    make_user("ana", portfolio, role="agent")
    luz = make_luz(portfolio)
    url = f"{base}/p/{slug}/debtors/{luz.pk}/"
    log_in(page, base, "ana")
    page.goto(url)

    page.click("#note-drawer summary")
    page.fill("#note-drawer textarea", "Promete pagar el viernes <b>sin falta</b>")
    page.click("#save-note")
    page.wait_for_url(f"**/debtors/{luz.pk}/#notes")
    assert "Nota agregada." in page.content()
    assert "<b>sin falta</b>" in page.locator("#timeline").inner_text()  # shown as text, not markup

    page.locator("#obligations a.dispute-link").first.click()
    page.fill("#id_reason", "No reconoce la factura")
    page.click("#action-form button[type=submit]")
    page.wait_for_url(f"**/debtors/{luz.pk}/#obligations")
    assert "Resolver disputa" in page.locator("#obligations").inner_text()

    pdf = tmp_path / "factura F-100.pdf"
    pdf.write_bytes(b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n")
    page.click("#document-drawer summary")
    page.set_input_files("#document-drawer input[type=file]", str(pdf))
    page.click("#attach-document")
    page.wait_for_url(f"**/debtors/{luz.pk}/#documents")
    assert Document.objects.get().filename == "factura_F-100.pdf"
    with page.expect_download() as download:
        page.locator("#documents a.document-link").first.click()
    assert download.value.suggested_filename == "factura_F-100.pdf"

    page.locator("#contacts a.contact-edit").nth(1).click()
    page.select_option("#consent-form select[name=method]", "web_form")
    page.click("#save-consent")
    page.wait_for_selector("text=Autorización registrada.")
    assert "Formulario web" in page.locator("#consents").inner_text()

    page.goto(url)
    page.click("#send-statement summary")
    page.screenshot(path=str(SHOTS / "records-send-es.png"))
    page.click("#send-statement-submit")
    page.wait_for_url(f"**/debtors/{luz.pk}/#timeline")
    message = Message.objects.get()
    assert message.attach_statement and message.to == "luz.restrepo@example.com"
    timeline = page.locator("#timeline").inner_text()
    assert "Mensaje en cola" in timeline and "Documento adjuntado" in timeline and "Obligación en disputa" in (
        timeline)
    page.screenshot(path=str(SHOTS / "records-debtor-es.png"), full_page=True)
