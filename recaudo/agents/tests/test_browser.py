"""End to end in Chromium: an agent takes the next debtor from the queue, records a promise and sees it in the
timeline; the supervisor approves a settlement offer beyond the agent's authority. Screenshots of the queue and
work pages (1280x800) go to /tmp/recaudo-shots/."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import holidays
import pytest

from recaudo.demo.testing import SHOTS, TEST_PASSWORD, make_user, needs_chromium
from recaudo.strategies.models import DebtorStrategyState

from .helpers import debtor_with_phone

pytestmark = [
    pytest.mark.browser,
    needs_chromium,
]


def next_working_morning() -> datetime:
    """10:00 in Bogotá on the next Colombian working day (calls allowed), close to the real date so the session
    cookie the browser gets is not already expired."""
    zone = ZoneInfo("America/Bogota")
    day = datetime.now(zone).date() + timedelta(days=1)
    co = holidays.country_holidays("CO", years=[day.year, day.year + 1])
    while day.weekday() >= 5 or day in co:
        day += timedelta(days=1)
    return datetime.combine(day, time(10), tzinfo=zone).astimezone(UTC)


def log_in(page, base, username):
    page.goto(f"{base}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", TEST_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state()


def test_agent_promise_and_supervisor_approval(live_server, browser_page, portfolio, settings, monkeypatch):
    from recaudo.agreements.models import Offer
    from recaudo.agreements.services.offers import offer_create

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    now = next_working_morning()
    monkeypatch.setattr("recaudo.agents.views._now", lambda: now)
    page, base, slug = browser_page, live_server.url, portfolio.slug
    agent = make_user("ana", portfolio, role="agent")
    make_user("sofia", portfolio, role="supervisor")
    luz = debtor_with_phone(portfolio, "C001", "Luz Marina Restrepo", amount="1500000")
    pedro = debtor_with_phone(portfolio, "C002", "Pedro Gómez", amount="400000", phone="300 555 1234")
    for debtor, score in ((luz, 512), (pedro, 430)):
        DebtorStrategyState.objects.create(debtor=debtor, portfolio=portfolio, priority=score,
                                           priority_balance_minor=debtor.balance_minor, priority_days=40,
                                           segment_name="Temprana", computed_on=now.date())
    local_today = now.astimezone(ZoneInfo("America/Bogota")).date()
    offer = offer_create(portfolio=portfolio, debtor=pedro, kind="restructuring",
                         obligations=list(pedro.obligations.all()),
                         params={"installments": 12, "first_due": (local_today + timedelta(days=20)).isoformat()},
                         actor=agent, today=local_today, now=now)
    assert offer.status == "pending_approval"

    # The agent: queue, next debtor, promise.
    log_in(page, base, "ana")
    page.goto(f"{base}/p/{slug}/queue/")
    assert page.locator("text=Luz Marina Restrepo").count() >= 1
    page.screenshot(path=str(SHOTS / "agent-queue.png"))
    page.click("#next-debtor")
    page.wait_for_url(f"**/p/{slug}/work/{luz.pk}/")
    assert "Puede llamar hasta las 19:00" in page.locator("#compliance-banner").inner_text()
    assert page.locator('a[href="tel:+573001234567"]').count() == 1
    page.select_option("#id_disposition", "promise")
    page.fill("#id_promise_amount", "500000")
    page.fill("#id_promise_due", (local_today + timedelta(days=3)).isoformat())
    page.fill("#id_notes", "Paga el viernes por transferencia")
    page.screenshot(path=str(SHOTS / "agent-work.png"))
    page.click("#save-outcome")
    page.wait_for_load_state()
    timeline = page.locator("#timeline").inner_text()
    assert "Promesa de pago" in timeline and "500.000,00" in timeline
    page.screenshot(path=str(SHOTS / "agent-work-after.png"))

    # The supervisor approves the offer beyond the agent's authority.
    page.context.clear_cookies()
    log_in(page, base, "sofia")
    page.goto(f"{base}/p/{slug}/approvals/")
    row = page.locator("tr", has_text="Pedro Gómez")
    row.locator("input[name=reason]").fill("Cliente con buen historial")
    row.locator("button[value=approve]").click()
    page.wait_for_load_state()
    offer.refresh_from_db()
    assert offer.status == Offer.Status.APPROVED if hasattr(Offer, "Status") else offer.status == "approved"


def next_sunday_night() -> datetime:
    """21:00 in Bogotá next Sunday: outside Colombia's contact hours (no calls from the creditor on Sundays)."""
    zone = ZoneInfo("America/Bogota")
    day = datetime.now(zone).date() + timedelta(days=1)
    while day.weekday() != 6:
        day += timedelta(days=1)
    return datetime.combine(day, time(21), tzinfo=zone).astimezone(UTC)


def test_agent_records_an_inbound_call_with_a_promise_outside_hours(live_server, browser_page, portfolio, settings,
                                                                  monkeypatch):
    """Sunday 21:00: the debtor calls in. The banner says the agent may not call; the agent records the inbound call
    with a promise; the supervisor's board counts the promise. The queue shows the overdue debtor before the
    not-yet-due one the strategy asked to call. Screenshots (es-CO) in /tmp/recaudo-shots/agent-inbound-*.png."""
    from recaudo.agents.models import AgentTask, Interaction

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    now = next_sunday_night()
    monkeypatch.setattr("recaudo.agents.views._now", lambda: now)
    page, base, slug = browser_page, live_server.url, portfolio.slug
    make_user("ana", portfolio, role="agent")
    make_user("sofia", portfolio, role="supervisor")
    local_today = now.astimezone(ZoneInfo("America/Bogota")).date()
    luz = debtor_with_phone(portfolio, "C001", "Luz Marina Restrepo", amount="1500000")
    soon = debtor_with_phone(portfolio, "C003", "Marta Preventiva", amount="800000", phone="300 555 9876",
                             issue=local_today - timedelta(days=20), due=local_today + timedelta(days=5))
    for debtor, score in ((luz, 300), (soon, 700)):
        DebtorStrategyState.objects.create(debtor=debtor, portfolio=portfolio, priority=score,
                                           priority_balance_minor=debtor.balance_minor, priority_days=40,
                                           segment_name="Temprana", computed_on=local_today)
    AgentTask.objects.create(portfolio=portfolio, debtor=soon, kind="call", due_at=now - timedelta(hours=2),
                             dedupe_key="step:preventive:C003")

    log_in(page, base, "ana")
    page.goto(f"{base}/p/{slug}/queue/")
    names = page.locator("main").inner_text()
    assert names.index("Luz Marina Restrepo") < names.index("Marta Preventiva")  # overdue first
    page.screenshot(path=str(SHOTS / "agent-inbound-queue.png"), full_page=True)

    page.goto(f"{base}/p/{slug}/work/{luz.pk}/")
    banner = page.locator("#compliance-banner").inner_text()
    assert "Entrante" in banner
    assert "saldo vencido de $ 1.500.000,00" in page.locator("main").inner_text()
    page.check("#id_direction_1")  # inbound: the debtor called
    page.select_option("#id_disposition", "promise")
    page.fill("#id_promise_amount", "500000")
    page.fill("#id_promise_due", (local_today + timedelta(days=3)).isoformat())
    page.fill("#id_notes", "Llamó el deudor: paga el miércoles")
    page.screenshot(path=str(SHOTS / "agent-inbound-work.png"), full_page=True)
    page.click("#save-outcome")
    page.wait_for_load_state()
    interaction = Interaction.objects.get(debtor=luz)
    assert interaction.direction == "inbound" and interaction.promise_id
    assert "Entrante" in page.locator("main").inner_text()
    timeline = page.locator("#timeline").inner_text()
    assert "Llamada entrante" in timeline and "500.000,00" in timeline
    page.screenshot(path=str(SHOTS / "agent-inbound-work-after.png"), full_page=True)

    page.context.clear_cookies()
    log_in(page, base, "sofia")
    page.goto(f"{base}/p/{slug}/team/?day={local_today.isoformat()}")
    row = page.locator("#team-board tr[data-agent=ana]").inner_text()
    assert "500.000,00" in row and "\t1\t" in f"\t{row}\t".replace("\n", "\t")
    page.screenshot(path=str(SHOTS / "agent-inbound-board.png"), full_page=True)


def test_work_and_debtor_pages_fit_a_phone(live_server, browser_page, portfolio, settings, monkeypatch):
    """At 390 px the pages scroll only down: a table scrolls inside its card (a grid column that let it widen the
    page made both pages 500-600 px wide), and the figures of the header never run into each other (a balance of
    millions overlapped the days past due)."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    now = next_working_morning()
    monkeypatch.setattr("recaudo.agents.views._now", lambda: now)
    page, base, slug = browser_page, live_server.url, portfolio.slug
    make_user("ana", portfolio, role="agent")
    luz = debtor_with_phone(portfolio, "C001", "Luz Marina Restrepo", amount="10386800")
    log_in(page, base, "ana")
    page.set_viewport_size({"width": 390, "height": 844})
    for url in (f"{base}/p/{slug}/work/{luz.pk}/", f"{base}/p/{slug}/debtors/{luz.pk}/"):
        page.goto(url)
        assert page.evaluate("document.documentElement.scrollWidth") <= 390, url
        overlaps = page.locator(".hero-stats").evaluate("""grid => {
            const boxes = [...grid.querySelectorAll('.stat .value')].map(v => v.getBoundingClientRect());
            return boxes.some((a, i) => boxes.some((b, j) => i < j && a.left < b.right && b.left < a.right
                                                         && a.top < b.bottom && b.top < a.bottom));
        }""")
        assert not overlaps, url
        page.screenshot(path=str(SHOTS / f"phone-{'work' if '/work/' in url else 'debtor'}.png"), full_page=True)
