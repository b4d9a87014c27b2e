"""The day of a collections office in Chromium, one journey per role, in es-CO (issue 14, Tests):

- a manager imports a Siigo-style file (title rows above the headers, Spanish padded headers, semicolons,
  Windows-1252) through the columns page with the shipped Siigo profile, and finds the debtors in the list;
- an agent records an inbound call with a promise, then a payment from the debtor page ("Registrar pago": preview
  of its allocation, confirmation, the receipt PDF); a supervisor reverses it and sees the reversal in the
  timeline and on the team board (the agent's collected amount goes back to zero), which fits a 1280 px screen.

Screenshots (es-CO, and the main pages in English) go to SHOTS/journeys/ (recaudo.demo.testing.SHOTS). Every wait
is for a selector or a URL, never a pause.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from recaudo.agents.tests.helpers import debtor_with_phone
from recaudo.demo.testing import SHOTS, TEST_PASSWORD, make_user, needs_chromium
from recaudo.ledger.models import Payment
from recaudo.portfolio.models import Debtor

pytestmark = [pytest.mark.browser, needs_chromium]

FOLDER = SHOTS / "journeys"


def log_in(page, base, username):
    page.goto(f"{base}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", TEST_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_selector("nav")


def shot(page, name):
    FOLDER.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(FOLDER / f"{name}.png"), full_page=True)


def in_english(page, base, name, ready):
    """The page again in English (screenshot), then back to es-CO."""
    page.context.add_cookies([{"name": "django_language", "value": "en", "url": base}])
    page.reload()
    page.wait_for_selector(ready)
    shot(page, f"{name}-en")
    page.context.add_cookies([{"name": "django_language", "value": "es-co", "url": base}])
    page.reload()
    page.wait_for_selector(ready)


def siigo_export(today) -> bytes:
    """A Siigo Pyme "saldos de cartera" sheet saved as CSV: company and report name above, the headers in row 5,
    text padded with spaces; TERCERO is the customer's NIT or cédula. Siigo's published columns have no document
    number, so this one carries its COMPROBANTE (the columns page asks for it)."""
    issue, due, late = (today - timedelta(days=70)), (today - timedelta(days=40)), (today - timedelta(days=10))
    rows = [
        "DISTRIBUCIONES ANDINAS S.A.S.;;;;;;;;;;",
        f"SALDOS DE CARTERA POR TERCERO A {today:%d/%m/%Y};;;;;;;;;;",
        ";;;;;;;;;;",
        ";;;;;;;;;;",
        "TERCERO;NOMBRE;CUENTA;NOMBRE_CUENTA;COMPROBANTE;FECHA_FACTURA;FECHA_VENCIMIENTO;DIAS_VENCIDOS;"
        "VALOR_FACTURA;VALOR_ABONOS;SALDO",
        f"52123456  ;LUZ MARINA RESTREPO    ;13050501;CLIENTES NACIONALES;FV-1-101;{issue:%d/%m/%Y};{due:%d/%m/%Y};"
        "40;1.000.000;200.000;800.000",
        f"800197268-4;FERRETERÍA EL TORNILLO S.A.S.;13050501;CLIENTES NACIONALES;FV-1-102;{issue:%d/%m/%Y};"
        f"{late:%d/%m/%Y};10;2.500.000;0;2.500.000",
        f"79555111;HERNÁN ORTIZ;13050501;CLIENTES NACIONALES;FV-1-103;{issue:%d/%m/%Y};{late:%d/%m/%Y};10;"
        "500.000,50;100.000;400.000,50",
    ]
    return ("\r\n".join(rows) + "\r\n").encode("cp1252")


def test_a_manager_imports_a_siigo_file_and_finds_its_debtors(live_server, browser_page, portfolio, tmp_path):
    page, base, slug = browser_page, live_server.url, portfolio.slug
    make_user("gerente", portfolio, role="admin")
    upload = tmp_path / "Saldos cartera Siigo.csv"
    upload.write_bytes(siigo_export(portfolio.today()))

    log_in(page, base, "gerente")
    page.goto(f"{base}/p/{slug}/imports/")
    page.select_option("#id_kind", "obligations")
    page.set_input_files("#id_file", str(upload))
    page.select_option("#id_profile", "erp:siigo-pyme-saldos")
    shot(page, "manager-import-es")
    page.click("form[enctype] button[type=submit]")
    page.wait_for_selector("#mapping-preview")
    assert page.locator("#mapping-file").inner_text() == "Saldos cartera Siigo.csv"
    assert page.locator("#id_header_row").input_value() == "5"
    assert page.locator("#id_map_amount").input_value() == "SALDO"
    assert page.locator("#id_map_due_date").input_value() == "FECHA_VENCIMIENTO"
    shot(page, "manager-mapping-es")
    in_english(page, base, "manager-mapping", "#mapping-preview")

    # TERCERO (a NIT on some rows, a cédula on others, nothing saying which) is the customer code, not an ID number:
    # the page says why, and no row of the preview is refused for it. The manager picks the document number
    # (Siigo's published columns have none).
    assert page.locator("#id_map_debtor_code").input_value() == "TERCERO"
    assert page.locator("#id_map_debtor_id_number").input_value() == ""
    assert "La columna TERCERO no dice de qué documento" in page.locator("#mapping-untyped").inner_text()
    assert "necesita su tipo" not in page.locator("#mapping-preview").inner_text()
    page.select_option("#id_map_number", "COMPROBANTE")
    page.click("#mapping-refresh")
    page.wait_for_selector("#mapping-preview")
    assert page.locator("#id_map_number").input_value() == "COMPROBANTE"
    assert "necesita su tipo" not in page.locator("#mapping-preview").inner_text()
    assert "FV-1-101" in page.locator("#mapping-preview").inner_text()
    page.fill("#id_profile_name", "Siigo saldos")
    page.click("#mapping-import")
    page.wait_for_selector("#job-status[data-status=done]")
    shot(page, "manager-import-result-es")
    assert page.locator("[data-count=created]").inner_text() == "3", page.locator("main").inner_text()

    page.goto(f"{base}/p/{slug}/debtors/")
    page.wait_for_selector("#debtor-table tbody tr")
    listing = page.locator("#debtor-table tbody").inner_text().upper()
    for name in ("LUZ MARINA RESTREPO", "FERRETERÍA EL TORNILLO S.A.S.", "HERNÁN ORTIZ"):
        assert name in listing, listing
    assert Debtor.objects.filter(portfolio=portfolio).count() == 3
    shot(page, "manager-debtors-es")
    page.locator("#debtor-table tbody a", has_text="FERRETER").first.click()
    page.wait_for_selector("#payments")
    main = page.locator("main").inner_text()
    assert "2.500.000,00" in main and "FV-1-102" in main
    shot(page, "manager-debtor-es")


def test_an_agent_takes_a_call_and_a_payment_then_a_supervisor_reverses_it(live_server, browser_page, portfolio,
                                                                            tmp_path):
    from recaudo.agents.models import Interaction

    page, base, slug = browser_page, live_server.url, portfolio.slug
    make_user("gestora", portfolio, role="agent")
    make_user("supervisora", portfolio, role="supervisor")
    luz = debtor_with_phone(portfolio, "C001", "Luz Marina Restrepo", amount="2000000")
    today = portfolio.today()

    # The agent: the debtor calls in (whatever the hour: the contact rules govern calls the creditor starts).
    log_in(page, base, "gestora")
    page.goto(f"{base}/p/{slug}/work/{luz.pk}/")
    page.wait_for_selector("#compliance-banner")
    page.check("#id_direction_1")  # inbound
    page.select_option("#id_disposition", "promise")
    page.wait_for_selector("#promise-fields:not([hidden])")
    page.fill("#id_promise_amount", "500.000")
    page.fill("#id_promise_due", (today + timedelta(days=3)).isoformat())
    page.fill("#id_notes", "Llamó la deudora: transfiere hoy la mitad y el resto el viernes")
    shot(page, "agent-call-es")
    page.click("#save-outcome")
    page.wait_for_selector("#timeline")
    timeline = page.locator("#timeline").inner_text()
    assert "Llamada entrante" in timeline and "500.000,00" in timeline
    interaction = Interaction.objects.get(debtor=luz)
    assert interaction.direction == "inbound" and interaction.promise_id

    # ... and records the payment the debtor made, from the debtor page.
    page.goto(f"{base}/p/{slug}/debtors/{luz.pk}/")
    page.click("#record-payment")
    page.wait_for_selector("#payment-form")
    assert page.input_value("#id_date") == today.isoformat()  # pre-filled (an ISO value the date picker shows)
    page.fill("#id_amount", "500.000")
    page.select_option("#id_method", "transfer")
    page.fill("#id_reference", "TRF-2041")
    shot(page, "agent-payment-form-es")
    page.click("#preview-payment")
    page.wait_for_selector("#payment-preview")
    assert "1.500.000,00" in page.locator("#preview-balance-after").inner_text()
    shot(page, "agent-payment-preview-es")
    page.click("#confirm-payment")
    page.wait_for_url(f"**/p/{slug}/debtors/{luz.pk}/#payments")
    assert "Pago registrado: recibo RC-000001" in page.content()
    with page.expect_download() as download:
        page.locator("#payments a.receipt-link").first.click()
    receipt = tmp_path / "recibo.pdf"
    download.value.save_as(receipt)
    assert receipt.read_bytes().startswith(b"%PDF") and download.value.suggested_filename == "recibo-RC-000001.pdf"
    shot(page, "agent-debtor-after-payment-es")
    in_english(page, base, "agent-debtor-after-payment", "#payments")

    # ... and drafts a plan for the rest: the first due date comes filled in, and one click makes the draft.
    page.goto(f"{base}/p/{slug}/agreements/debtor/{luz.pk}/new/")
    page.wait_for_selector("#agreement-form")
    assert page.input_value("#id_first_due") == today.isoformat()
    page.fill("#id_installments", "3")
    shot(page, "agent-plan-es")
    page.locator("#agreement-form button[type=submit]").click()
    page.wait_for_url("**/agreements/*/")
    assert "Borrador" in page.locator("main").inner_text()
    shot(page, "agent-plan-draft-es")

    # The supervisor: the board counts the agent's promise and the money the call brought in ...
    page.context.clear_cookies()
    log_in(page, base, "supervisora")
    page.goto(f"{base}/p/{slug}/team/?day={today.isoformat()}")
    row = page.locator("#team-board tr[data-agent=gestora] td")
    assert row.nth(3).inner_text().startswith("1")  # promises made
    assert row.nth(7).inner_text().startswith("500.000,00")  # collected
    fits = page.locator("#team-board").evaluate("t => t.parentElement.scrollWidth <= t.parentElement.clientWidth")
    assert fits, "the team board's day table is wider than its card at 1280 px"
    shot(page, "supervisor-board-before-es")

    # ... reverses the payment (the bank returned it) ...
    page.goto(f"{base}/p/{slug}/debtors/{luz.pk}/")
    page.locator("#payments a[href$='/reverse/']").first.click()
    page.wait_for_selector("#confirm-reverse")
    page.fill("#id_reason", "Transferencia devuelta por el banco")
    shot(page, "supervisor-reverse-es")
    page.click("#confirm-reverse")
    page.wait_for_url(f"**/p/{slug}/debtors/{luz.pk}/#payments")
    timeline = page.locator(".timeline").first.inner_text()
    assert "Pago reversado" in timeline and "Transferencia devuelta por el banco" in timeline
    assert page.locator("#payments .badge", has_text="Reversado").count() == 1
    assert Payment.objects.get(debtor=luz).reversed_at is not None
    shot(page, "supervisor-debtor-after-reversal-es")
    in_english(page, base, "supervisor-debtor-after-reversal", "#payments")

    # ... and the board no longer counts it.
    page.goto(f"{base}/p/{slug}/team/?day={today.isoformat()}")
    row = page.locator("#team-board tr[data-agent=gestora] td")
    assert row.nth(7).inner_text().startswith("0,00")
    assert row.nth(3).inner_text().startswith("1")
    shot(page, "supervisor-board-after-es")
    in_english(page, base, "supervisor-board-after", "#team-board")
