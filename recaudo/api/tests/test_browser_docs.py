"""The interactive API documentation in Chromium: Swagger UI from the installation's own static files draws the
document (title and operations) with no Content-Security-Policy violation."""

from __future__ import annotations

import pytest

from recaudo.demo.testing import SHOTS, needs_chromium

pytestmark = [pytest.mark.browser, needs_chromium]


def test_the_docs_page_draws_the_operations_under_the_csp(live_server, browser_page):
    page = browser_page
    violations, outside = [], []
    page.on("console", lambda m: violations.append(m.text) if "Content Security Policy" in m.text else None)
    page.on("request", lambda r: outside.append(r.url) if not r.url.startswith(live_server.url) else None)
    page.goto(f"{live_server.url}/api/v1/docs")
    page.wait_for_selector(".swagger-ui .info .title", timeout=20_000)
    assert "Recaudo API" in page.locator(".swagger-ui .info .title").inner_text()
    page.wait_for_selector(".opblock", timeout=20_000)
    assert page.locator(".opblock").count() >= 25
    page.screenshot(path=str(SHOTS / "api-docs.png"), full_page=False)
    assert not violations, violations
    assert not [url for url in outside if not url.startswith("data:")], outside
