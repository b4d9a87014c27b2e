"""Issue 12: the app's main pages work in Chromium under the strict Content-Security-Policy, with no violation.

An administrator walks the dashboard, debtor list (htmx search), debtor 360, statement, aging, templates list / edit
(htmx live preview) / approvals, outbox, work queue, inbox and work screen (its disposition script), imports, agreements
and approvals. Every page must carry the policy header, and the browser must report no violation.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse

from recaudo.communications.services import template_save
from recaudo.communications.services_inbound import inbound_receive
from recaudo.core.csp import DEFAULT_POLICY
from recaudo.demo.testing import SHOTS, TEST_PASSWORD, make_debtor, make_obligation, make_user, needs_chromium
from recaudo.portfolio.services import contact_add

pytestmark = [pytest.mark.browser, needs_chromium]


def test_main_pages_run_under_the_policy_without_violations(live_server, browser_page, portfolio, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    page, base = browser_page, live_server.url
    today = portfolio.today()
    admin = make_user("ana", portfolio, role="admin")
    agent = make_user("carlos", portfolio, role="agent")
    luz = make_debtor(portfolio, code="C001", name="Luz Marina Restrepo", id_type="CC", id_number="52123456")
    contact_add(debtor=luz, channel="phone", value="300 123 4567", consent="granted", consent_source="contrato")
    make_obligation(portfolio, luz, number="F-100", amount="1500000", issue=today - timedelta(days=70),
                    due=today - timedelta(days=40))
    template_save(portfolio=portfolio, code="reminder", channel="sms", language="es", subject="",
                  body="Hola {{ debtor.first_name }}, propuesta del agente.", actor=agent)
    inbound_receive(channel="sms", sender="+573001234567", text="¿Me pueden llamar?", provider="twilio")
    assert admin.pk

    violations: list[str] = []
    documents: dict[str, str | None] = {}
    page.on("console", lambda m: violations.append(f"{page.url}: {m.text}")
            if "Content Security Policy" in m.text or "Content-Security-Policy" in m.text else None)
    page.on("pageerror", lambda e: violations.append(f"{page.url}: page error {e}"))
    page.on("response", lambda r: documents.__setitem__(r.url, r.headers.get("content-security-policy"))
            if r.request.resource_type == "document" else None)
    page.add_init_script("document.addEventListener('securitypolicyviolation', e => console.error("
                         "'Content Security Policy violation: ' + e.violatedDirective + ' ' + e.blockedURI));")

    page.goto(f"{base}/accounts/login/")
    page.fill("#id_username", "ana")
    page.fill("#id_password", TEST_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state()

    slug = portfolio.slug
    pages = {
        "dashboard": reverse("dashboard"),
        "debtors": reverse("debtor_list", args=[slug]),
        "debtor-360": reverse("debtor_detail", args=[slug, luz.pk]),
        "statement": reverse("statement", args=[slug, luz.pk, "html"]),
        "aging": reverse("aging", args=[slug]),
        "templates": reverse("comms_template_list", args=[slug]),
        "template-edit": reverse("comms_template_edit", args=[slug, "reminder", "sms", "es"]),
        "template-email": reverse("comms_template_edit", args=[slug, "reminder", "email", "es"]),
        "template-approvals": reverse("comms_template_approvals", args=[slug]),
        "outbox": reverse("comms_outbox", args=[slug]),
        "queue": reverse("agent_queue", args=[slug]),
        "inbox": reverse("agent_inbox", args=[slug]),
        "work": reverse("agent_work", args=[slug, luz.pk]),
        "imports": reverse("import_list", args=[slug]),
        "agreements": reverse("debtor_agreements", args=[slug, luz.pk]),
        "agreement-new": reverse("agreement_new", args=[slug, luz.pk]),
        "approvals": reverse("approvals", args=[slug]),
    }
    SHOTS.mkdir(parents=True, exist_ok=True)
    for name, path in pages.items():
        response = page.goto(base + path)
        assert response.status == 200, (name, response.status)
        page.wait_for_load_state("networkidle")
        if name == "debtors":  # htmx search
            page.fill("#id_q", "Luz")
            page.wait_for_load_state("networkidle")
            assert page.locator("#debtor-table tbody tr").count() == 1
        if name == "template-edit":  # htmx live preview, rendered as text
            page.fill("#id_body", "Hola <b>{{ debtor.name }}</b>")
            page.wait_for_selector("#preview pre.preview-text:has-text('Hola <b>Luz Marina Restrepo</b>')")
            assert page.locator("#preview b").count() == 0
        if name == "work":  # the disposition script (static file) shows and hides the promise fields
            assert not page.locator("#promise-fields").is_visible()
            options = page.locator("#id_disposition option[data-promise='1']")
            assert options.count()
            page.select_option("#id_disposition", options.first.get_attribute("value"))
            assert page.locator("#promise-fields").is_visible()
        page.screenshot(path=str(SHOTS / f"csp-{name}.png"))

    assert violations == []
    assert documents and all(value == DEFAULT_POLICY for value in documents.values()), documents
