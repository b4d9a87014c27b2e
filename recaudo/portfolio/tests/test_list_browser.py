"""The debtor list's tools in Chromium: tick every debtor of the page with one box, confirm a bulk action on them,
save the current filter and re-apply it. Screenshots in /tmp/recaudo-shots/ (debtor-list-tools*.png)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from recaudo.demo.testing import SHOTS, TEST_PASSWORD, make_debtor, make_obligation, make_user, needs_chromium
from recaudo.portfolio.models import Debtor, SavedFilter

pytestmark = [pytest.mark.browser, needs_chromium]


def test_select_the_page_tag_it_and_save_the_filter(live_server, browser_page, portfolio, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    page, base = browser_page, live_server.url
    today = portfolio.today()
    make_user("sofia", portfolio, role="supervisor")
    for i, tag in enumerate(["norte", "norte", "norte", "sur"]):
        debtor = make_debtor(portfolio, code=f"C{i}", name=f"Deudor <b>{i}</b>", tags=tag)
        make_obligation(portfolio, debtor, number=f"F-{i}", amount="1000000", issue=today - timedelta(days=80),
                        due=today - timedelta(days=45))

    page.goto(f"{base}/accounts/login/")
    page.fill("#id_username", "sofia")
    page.fill("#id_password", TEST_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state()
    page.goto(f"{base}/p/{portfolio.slug}/debtors/?filtered=1&with_balance=on&tag=norte")
    assert page.locator("#debtor-table tbody tr").count() == 3
    assert page.locator("text=Deudor <b>0</b>").count() == 1  # a name with markup shows as text

    page.check("input.select-all")
    assert page.locator('input[name="ids"]:checked').count() == 3
    page.select_option("#bulk-action", "tag")
    page.click('button[name="scope"][value="selected"]')
    page.wait_for_load_state()
    assert "3" in page.locator(".bulk-count").inner_text()
    page.screenshot(path=str(SHOTS / "debtor-list-tools-confirm.png"))
    page.fill("#id_add_tags", "revisar")
    page.click('button[name="apply"]')
    page.wait_for_load_state()
    assert set(Debtor.objects.filter(tags__contains="|revisar|").values_list("code", flat=True)) == {"C0", "C1", "C2"}

    page.click("details.save-filter summary")
    page.fill("#id_saved_name", "mis del norte")
    page.click("details.save-filter button[type=submit]")
    page.wait_for_load_state()
    assert SavedFilter.objects.get().query == "filtered=1&tag=norte&with_balance=on"
    page.goto(f"{base}/p/{portfolio.slug}/debtors/")
    page.click("text=mis del norte")
    page.wait_for_load_state()
    assert page.locator("#debtor-table tbody tr").count() == 3
    page.screenshot(path=str(SHOTS / "debtor-list-tools.png"))
