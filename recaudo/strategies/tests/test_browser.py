"""End to end in Chromium: log in, open the default strategy, edit the SMS step's channel, see the dry run change."""

from __future__ import annotations

import pytest

from recaudo.demo.testing import SHOTS, TEST_PASSWORD, make_user, needs_chromium
from recaudo.strategies.services import latest_version, strategy_ensure_default

from .helpers import debtor_owing

pytestmark = [
    pytest.mark.browser,
    needs_chromium,
    pytest.mark.django_db(transaction=True),
]


@pytest.fixture
def browser_locale():
    return "en"


def test_edit_sms_step_and_see_the_dry_run_change(live_server, browser_page, portfolio, outbox):
    make_user("ana", portfolio, role="admin")
    today = portfolio.today()
    debtor_owing(portfolio, "C1", days_past_due=4, today=today)
    debtor_owing(portfolio, "C2", days_past_due=5, today=today)
    strategy = strategy_ensure_default(portfolio)
    page, base = browser_page, live_server.url

    page.goto(f"{base}/accounts/login/")
    page.fill("#id_username", "ana")
    page.fill("#id_password", TEST_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(lambda url: "/login" not in url)

    page.goto(f"{base}/p/{portfolio.slug}/strategies/{strategy.pk}/")
    page.click("#dry-run-link")
    page.wait_for_selector("#plan")
    before = page.locator("#plan tr.plan-row")
    assert before.count() == 2
    assert set(before.evaluate_all("rows => rows.map(r => r.dataset.channel)")) == {"sms"}
    page.screenshot(path=str(SHOTS / "strategy-dry-run-before.png"), full_page=True)

    page.goto(f"{base}/p/{portfolio.slug}/strategies/{strategy.pk}/")
    page.click("#step-sms-overdue a")
    page.select_option("#id_channel", "whatsapp")
    page.fill("#id_offset", "5")
    page.click("#step-form button[type=submit]")
    page.wait_for_url(lambda url: "/dry-run/" in url)
    page.wait_for_selector("#plan")
    after = page.locator("#plan tr.plan-row")
    # The debtor 5 days late now gets the step by WhatsApp; the one 4 days late is before it, so the latest
    # applicable step for it is the preventive email.
    assert after.count() == 2
    got = after.evaluate_all("rows => rows.map(r => [r.cells[0].innerText.trim(), r.dataset.channel])")
    assert sorted(got) == [["Deudor C1", "email"], ["Deudor C2", "whatsapp"]]
    assert "WhatsApp" in page.locator("#by-channel").inner_text()
    page.screenshot(path=str(SHOTS / "strategy-dry-run-after.png"), full_page=True)
    assert latest_version(strategy).number == 2
