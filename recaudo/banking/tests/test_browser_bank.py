"""Issue 15, Tests: in Chromium, in es-CO, a supervisor uploads a bank statement (CSV through the portfolio's
mapping): the line whose description and amount name an invoice is applied by itself; the one that names nobody
waits in the review queue, where she applies it by hand to another debtor's invoice, and that debtor's page shows
the balance gone down and the payment with its source. Screenshots go to SHOTS/bank/. Every wait is for a selector
or a URL, never a pause."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse

from recaudo.banking import services
from recaudo.banking.models import BankLine
from recaudo.demo.testing import SHOTS, TEST_PASSWORD, make_debtor, make_obligation, make_user, needs_chromium
from recaudo.ledger.models import Payment
from recaudo.portfolio.models import Debtor

pytestmark = [pytest.mark.browser, needs_chromium]

FOLDER = SHOTS / "bank"


def shot(page, name):
    FOLDER.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(FOLDER / f"{name}.png"), full_page=True)


def statement(today) -> bytes:
    day1, day2 = today - timedelta(days=2), today - timedelta(days=1)
    rows = [
        "EXTRACTO CUENTA CORRIENTE 123-456789-01",
        "Fecha;Referencia;Descripcion;Retiros;Consignaciones",
        f"{day1:%d/%m/%Y};;PAGO FV-1203 LUZ RESTREPO;;1.000.000,00",
        f"{day1:%d/%m/%Y};;PAGO NOMINA;3.500.000,00;",
        f"{day2:%d/%m/%Y};;CONSIGNACION EFECTIVO SUC CENTRO;;250.000,00",
        "TOTAL;;;3.500.000,00;1.250.000,00",
    ]
    return ("\r\n".join(rows) + "\r\n").encode("cp1252")


def test_a_supervisor_uploads_a_statement_resolves_a_line_by_hand_and_sees_the_balance(
        live_server, browser_page, portfolio, tmp_path):
    page, base, slug = browser_page, live_server.url, portfolio.slug
    make_user("sofia", portfolio, role="supervisor")
    luz = make_debtor(portfolio, code="C001", name="Luz Restrepo")
    make_obligation(portfolio, luz, number="FV-1203", amount="1000000")
    pedro = make_debtor(portfolio, code="C002", name="Pedro Gómez")
    make_obligation(portfolio, pedro, number="FV-2001", amount="900000")
    services.statement_mapping_save(
        portfolio=portfolio, name="Bancolombia", date_column="Fecha", reference_column="Referencia",
        description_column="Descripcion", debit_column="Retiros", credit_column="Consignaciones", separator=";",
        header_lines_skip=1, footer_lines_skip=1, actor="test")
    upload = tmp_path / "extracto marzo.csv"
    upload.write_bytes(statement(portfolio.today()))

    page.goto(f"{base}/accounts/login/")
    page.fill("#id_username", "sofia")
    page.fill("#id_password", TEST_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_selector("nav")
    page.click("nav >> text=Recaudos bancarios")
    page.wait_for_selector("#bank-upload")
    page.set_input_files("#id_file", str(upload))
    page.select_option("#id_layout", "csv")
    page.select_option("#id_mapping", "Bancolombia")
    page.click("#bank-upload button[type=submit]")
    page.wait_for_selector("#bank-result")
    result = page.inner_text("#bank-result")
    assert "Archivo importado" in result and "Débitos omitidos" in result
    assert page.inner_text("#sum-applied").startswith("1 ") and page.inner_text("#sum-queued").startswith("1 ")
    shot(page, "statement-imported")

    queued = BankLine.objects.get(status="queued")
    page.click("text=Revisar los pagos en espera")
    page.wait_for_selector(f"#line-{queued.pk}")
    assert "CONSIGNACION EFECTIVO SUC CENTRO" in page.inner_text(f"#line-{queued.pk}")
    shot(page, "queue")
    page.fill(f"#id_a{queued.pk}-debtor", "C002")
    page.fill(f"#id_a{queued.pk}-obligation", "FV-2001")
    page.click(f"#line-{queued.pk} form[action*='/apply/'] button[type=submit]")
    page.wait_for_selector(".message-success")
    assert not page.query_selector(f"#line-{queued.pk}")
    shot(page, "queue-resolved")

    page.goto(base + reverse("debtor_detail", args=[slug, pedro.pk]))
    page.wait_for_selector("text=Extracto bancario")
    body = page.inner_text("main")
    assert "650.000,00" in body  # 900.000 less the 250.000 applied by hand
    shot(page, "debtor-after")
    pedro = Debtor.objects.get(pk=pedro.pk)
    assert Payment.objects.get(debtor=pedro).source == "statement" and pedro.balance_minor == 650_000_00
    assert Debtor.objects.get(pk=luz.pk).balance_minor == 0
