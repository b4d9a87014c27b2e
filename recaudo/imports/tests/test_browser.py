"""End to end in Chromium: log in, read the aging total, import obligations from the web page, see the total grow.

Runs Debian's Chromium through Playwright against pytest-django's live_server. Screenshots of each page go to
/tmp/recaudo-shots/ (login, dashboard, debtor list, debtor 360, import result).
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from recaudo.demo.testing import SHOTS, TEST_PASSWORD, make_debtor, make_obligation, make_user, needs_chromium
from recaudo.portfolio.services import contact_add

pytestmark = [
    pytest.mark.browser,
    needs_chromium,
]


def parse_amount(text: str) -> Decimal:
    """'1.234.567,89' (es-CO page) -> Decimal('1234567.89')."""
    return Decimal(text.strip().replace(".", "").replace(",", "."))


def aging_total(page, base: str, slug: str) -> Decimal:
    page.goto(f"{base}/p/{slug}/aging/")
    cells = page.locator("table tfoot .num")
    return parse_amount(cells.nth(1).inner_text())


def test_import_from_the_web_page_moves_the_aging(live_server, browser_page, portfolio, tmp_path, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    page, base = browser_page, live_server.url
    today = portfolio.today()
    make_user("ana", portfolio, role="admin")
    luz = make_debtor(portfolio, code="C001", name="Luz Marina Restrepo", id_type="CC", id_number="52123456",
                      tags="vip")
    contact_add(debtor=luz, channel="phone", value="300 123 4567", consent="granted", consent_source="contrato")
    make_obligation(portfolio, luz, number="F-100", amount="1500000", issue=today - timedelta(days=70),
                    due=today - timedelta(days=40))

    page.goto(f"{base}/accounts/login/")
    page.screenshot(path=str(SHOTS / "login.png"))
    page.fill("#id_username", "ana")
    page.fill("#id_password", TEST_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state()
    page.goto(f"{base}/")
    page.screenshot(path=str(SHOTS / "dashboard.png"))

    before = aging_total(page, base, portfolio.slug)
    assert before == Decimal("1500000.00")

    page.goto(f"{base}/p/{portfolio.slug}/debtors/")
    assert page.locator("#debtor-table tbody tr").count() == 1
    page.screenshot(path=str(SHOTS / "debtor-list.png"))
    page.click("text=Luz Marina Restrepo")
    page.wait_for_selector("text=Contactos")
    page.screenshot(path=str(SHOTS / "debtor-360.png"))

    issue, due = today - timedelta(days=20), today - timedelta(days=5)
    csv = tmp_path / "facturas-web.csv"
    csv.write_text(
        "number,debtor_code,debtor_name,issue_date,due_date,amount\n"
        f"W-1,C001,Luz Marina Restrepo,{issue:%d/%m/%Y},{due:%d/%m/%Y},250000.50\n"
        f"W-2,C777,Hernán Ortiz,{issue:%d/%m/%Y},{due:%d/%m/%Y},1000000\n"
        f"W-3,C778,Sin Fecha,{issue:%d/%m/%Y},mañana,5000\n",
        encoding="utf-8",
    )
    page.goto(f"{base}/p/{portfolio.slug}/imports/")
    page.select_option("#id_kind", "obligations")
    page.set_input_files("#id_file", str(csv))
    page.check("#id_skip_invalid")
    page.click("form[enctype] button[type=submit]")
    page.wait_for_selector("#job-status[data-status=done]")
    assert page.locator("[data-count=created]").inner_text() == "2"
    assert page.locator("[data-count=rejected]").inner_text() == "1"
    assert "mañana" in page.locator("#import-errors").inner_text()
    page.screenshot(path=str(SHOTS / "import-result.png"), full_page=True)

    after = aging_total(page, base, portfolio.slug)
    assert after - before == Decimal("1250000.50")

    # The live search narrows the list without a page load.
    page.goto(f"{base}/p/{portfolio.slug}/debtors/")
    page.fill("#id_q", "hernan")
    # (a locator wait, not wait_for_function: the Content-Security-Policy forbids evaluating strings as code)
    sync_api = pytest.importorskip("playwright.sync_api")
    sync_api.expect(page.locator("#debtor-table tbody tr")).to_have_count(1)
    assert "C777" in page.locator("#debtor-table tbody").inner_text()

