"""Issue 12 item 6 in Chromium (es-CO, under the strict CSP): the lockout message, the two-step setup with its QR
code, and the code asked at the next sign-in. Screenshots in /tmp/recaudo-shots/signin-*.png."""

from __future__ import annotations

import pytest
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from recaudo.demo.testing import SHOTS, TEST_PASSWORD, make_user, needs_chromium

pytestmark = [pytest.mark.browser, needs_chromium]


def code_for(device, drift=0) -> str:
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits, drift=drift):06d}"


def sign_in(page, base, username, password):
    page.goto(f"{base}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("button[type=submit]")
    page.wait_for_load_state()


def test_lockout_setup_and_code_in_the_browser(live_server, browser_page, portfolio, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    page, base = browser_page, live_server.url
    user = make_user("ana", portfolio, role="admin")
    make_user("beto", portfolio, role="agent")
    violations: list[str] = []
    page.on("console", lambda m: violations.append(m.text) if "Content Security Policy" in m.text else None)

    # lockout: 5 wrong passwords, then the right one is refused with the message
    for _ in range(settings.LOGIN_FAILURES):
        sign_in(page, base, "beto", "no-es-la-clave")
    sign_in(page, base, "beto", TEST_PASSWORD)
    assert page.url.endswith("/accounts/login/")
    assert "Demasiados intentos fallidos de inicio de sesión" in page.inner_text(".message-error")
    page.screenshot(path=str(SHOTS / "signin-lockout.png"))

    # setup: the QR code (a data: SVG) and the key, confirmed with a code
    sign_in(page, base, "ana", TEST_PASSWORD)
    page.goto(f"{base}/accounts/two-factor/")
    qr = page.locator(".qr img")
    assert qr.get_attribute("src").startswith("data:image/svg+xml")
    assert page.evaluate("img => img.naturalWidth", qr.element_handle()) > 100  # the browser drew it
    page.screenshot(path=str(SHOTS / "signin-setup.png"), full_page=True)
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    page.fill("#id_token", code_for(device))
    page.click("form[action$='/two-factor/'] button[type=submit]")
    page.wait_for_load_state()
    assert page.locator(".backup-codes li").count() == 10
    page.screenshot(path=str(SHOTS / "signin-codes.png"), full_page=True)

    # next sign-in: the code step before any page
    page.click("summary:has-text('ana')")
    page.click(".usermenu form[action$='/logout/'] button")
    page.wait_for_load_state()
    sign_in(page, base, "ana", TEST_PASSWORD)
    assert "/accounts/two-factor/verify/" in page.url
    page.fill("#id_token", "123456")
    page.click("button:has-text('Verificar')")
    page.wait_for_load_state()
    assert "El código no es válido" in page.content()
    page.screenshot(path=str(SHOTS / "signin-verify.png"))
    device.refresh_from_db()
    device.throttling_failure_count, device.throttling_failure_timestamp = 0, None
    device.save()
    page.fill("#id_token", code_for(device, 1))
    page.click("button:has-text('Verificar')")
    page.wait_for_load_state()
    assert "/accounts/two-factor/" not in page.url and page.locator(".usermenu").count() == 1
    assert violations == []
