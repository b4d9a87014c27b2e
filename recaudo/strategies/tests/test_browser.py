"""End to end in Chromium: log in, open the default strategy, edit the SMS step's channel, see the dry run change."""

from __future__ import annotations

from pathlib import Path

import pytest

from recaudo.core.testing import TEST_PASSWORD, make_user
from recaudo.portfolio.services import portfolio_today
from recaudo.strategies.services import latest_version, strategy_ensure_default

from .helpers import debtor_owing

CHROMIUM = "/usr/bin/chromium"
SHOTS = Path("/tmp/recaudo-shots")  # noqa: S108 - a fixed place to look at the screenshots
LAUNCH_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
               "--no-first-run", "--disable-sync"]

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason=f"Chromium not found at {CHROMIUM} (apt install chromium)"),
    pytest.mark.django_db(transaction=True),
]


@pytest.fixture
def browser_page(monkeypatch):
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from django.db import connections

    monkeypatch.setitem(connections.settings["default"], "CONN_MAX_AGE", 0)
    SHOTS.mkdir(parents=True, exist_ok=True)
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS)
        context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="en")
        page = context.new_page()
        page.set_default_timeout(20_000)
        yield page
        context.close()
        browser.close()
        connections.close_all()


def test_edit_sms_step_and_see_the_dry_run_change(live_server, browser_page, portfolio, outbox):
    make_user("ana", portfolio, role="admin")
    today = portfolio_today(portfolio)
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
    assert "whatsapp" in page.locator("#by-channel").inner_text()
    page.screenshot(path=str(SHOTS / "strategy-dry-run-after.png"), full_page=True)
    assert latest_version(strategy).number == 2
