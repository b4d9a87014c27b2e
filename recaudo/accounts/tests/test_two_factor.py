"""Issue 12 item 6: optional two-step verification (TOTP, django-otp), required for admins when configured."""

import re
from base64 import b32decode
from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from recaudo.audit.models import AuditEvent
from recaudo.demo.testing import TEST_PASSWORD, make_user

pytestmark = pytest.mark.django_db


def code_for(device, offset=0) -> str:
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits, drift=offset):06d}"


def password_login(client, username, next_url=""):
    data = {"username": username, "password": TEST_PASSWORD}
    if next_url:
        data["next"] = next_url
    return client.post(reverse("login"), data, REMOTE_ADDR="198.51.100.20")


def enrol(client, user):
    """Set up the app for a signed-in user through the pages; returns (device, backup codes)."""
    html = client.get(reverse("two_factor_setup")).content.decode()
    secret = re.search(r'<code class="secret">([A-Z2-7 ]+)</code>', html).group(1).replace(" ", "")
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    assert b32decode(secret) == device.bin_key
    response = client.post(reverse("two_factor_setup"), {"token": code_for(device)})
    assert response.status_code == 200
    codes = re.findall(r"<li><code>([a-z2-7]{8})</code></li>", response.content.decode())
    device.refresh_from_db()
    return device, codes


@pytest.fixture
def ana(portfolio):
    return make_user("ana", portfolio, role="admin")


def test_setup_page_shows_a_local_qr_code_and_the_key(client, ana):
    password_login(client, "ana")
    response = client.get(reverse("two_factor_setup"))
    html = response.content.decode()
    assert response.status_code == 200
    assert "Verificación en dos pasos" in html and "Escanee este código QR" in html
    assert 'src="data:image/svg+xml' in html  # drawn locally, allowed by the CSP (img-src 'self' data:)
    assert "http" not in re.search(r'src="(data:image[^"]+)"', html).group(1).split(",", 1)[0]


def test_enrolment_then_sign_in_asks_for_the_code(client, ana):
    password_login(client, "ana")
    device, codes = enrol(client, ana)
    assert device.confirmed and len(codes) == 10
    assert AuditEvent.objects.filter(event_type="two_factor.enabled", actor=ana).exists()
    client.post(reverse("logout"))

    response = password_login(client, "ana", next_url="/p/pyme/debtors/")
    assert response.status_code == 302
    # the password alone reaches no page: every page sends to the verification step
    response = client.get("/p/pyme/debtors/")
    assert response.status_code == 302 and response["Location"].startswith(reverse("two_factor_verify"))
    assert client.get("/admin/").status_code == 302
    assert client.get(reverse("two_factor_setup")).status_code == 302  # nor can a second app be added
    verify = client.get(response["Location"])
    assert "Escriba el código de 6 dígitos" in verify.content.decode()

    response = client.post(reverse("two_factor_verify"), {"token": "000000", "next": "/p/pyme/debtors/"})
    assert response.status_code == 400 and "El código no es válido" in response.content.decode()
    assert client.get("/p/pyme/debtors/").status_code == 302

    device.refresh_from_db()
    device.throttling_failure_count = 0  # the wrong code above throttles the device for a second
    device.throttling_failure_timestamp = None
    device.save()
    # the next step's code (the setup used this step's: a code is never accepted twice)
    response = client.post(reverse("two_factor_verify"), {"token": code_for(device, 1), "next": "/p/pyme/debtors/"})
    assert response.status_code == 302 and response["Location"] == "/p/pyme/debtors/"
    assert client.get("/p/pyme/debtors/").status_code == 200


def test_a_backup_code_works_once(client, ana):
    password_login(client, "ana")
    _device, codes = enrol(client, ana)
    client.post(reverse("logout"))
    password_login(client, "ana")
    response = client.post(reverse("two_factor_verify"), {"token": codes[0].upper()})
    assert response.status_code == 302
    assert client.get("/").status_code == 200
    assert StaticToken.objects.filter(token=codes[0]).count() == 0
    client.post(reverse("logout"))
    password_login(client, "ana")
    assert client.post(reverse("two_factor_verify"), {"token": codes[0]}).status_code == 400


def test_new_backup_codes_replace_the_old(client, ana):
    password_login(client, "ana")
    _device, codes = enrol(client, ana)
    response = client.post(reverse("two_factor_codes"))
    new = re.findall(r"<li><code>([a-z2-7]{8})</code></li>", response.content.decode())
    assert len(new) == 10 and not set(new) & set(codes)
    assert set(StaticToken.objects.values_list("token", flat=True)) == set(new)


def test_a_wrong_code_at_setup_is_refused(client, ana):
    password_login(client, "ana")
    client.get(reverse("two_factor_setup"))
    response = client.post(reverse("two_factor_setup"), {"token": "12345x"})
    assert response.status_code == 400 and "El código no es válido" in response.content.decode()
    assert not TOTPDevice.objects.filter(user=ana, confirmed=True).exists()


def test_users_without_a_device_are_not_asked(client, ana):
    """Optional by default: the demo users and everyone else sign in with the password."""
    password_login(client, "ana")
    assert client.get("/").status_code == 200


def test_required_for_admins_sends_a_superuser_to_setup(client, settings, django_user_model, ana):
    settings.REQUIRE_2FA = "admins"
    django_user_model.objects.create_superuser("root", password=TEST_PASSWORD)
    password_login(client, "root")
    response = client.get("/p/pyme/debtors/")
    assert response.status_code == 302 and response["Location"].startswith(reverse("two_factor_setup"))
    assert client.get("/admin/").status_code == 302
    html = client.get(reverse("two_factor_setup")).content.decode()
    assert "Esta instalación exige la verificación en dos pasos" in html
    device, _codes = enrol(client, django_user_model.objects.get(username="root"))
    assert client.get("/admin/").status_code == 200
    # a portfolio user who is not staff is not obliged
    client.post(reverse("logout"))
    password_login(client, "ana")
    assert client.get("/").status_code == 200


def test_required_for_all(client, settings, ana):
    settings.REQUIRE_2FA = "all"
    password_login(client, "ana")
    assert client.get("/").status_code == 302


def test_htmx_requests_get_a_full_redirect(client, ana):
    password_login(client, "ana")
    enrol(client, ana)
    client.post(reverse("logout"))
    password_login(client, "ana")
    response = client.get("/p/pyme/debtors/", HTTP_HX_REQUEST="true")
    assert response.status_code == 204 and response["HX-Redirect"] == reverse("two_factor_verify")


def test_admin_resets_two_factor(client, ana, django_user_model):
    password_login(client, "ana")
    enrol(client, ana)
    root = django_user_model.objects.create_superuser("root", password=TEST_PASSWORD)
    admin_client = type(client)()
    admin_client.force_login(root)
    response = admin_client.post(reverse("admin:auth_user_changelist"),
                                 {"action": "reset_two_factor", "_selected_action": [ana.pk]})
    assert response.status_code == 302
    assert not TOTPDevice.objects.filter(user=ana).exists() and not StaticToken.objects.exists()
    assert AuditEvent.objects.filter(event_type="two_factor.reset", actor=root).exists()
    client.post(reverse("logout"))
    password_login(client, "ana")
    assert client.get("/").status_code == 200


def test_next_is_kept_safe(client, ana):
    password_login(client, "ana")
    device, _codes = enrol(client, ana)
    client.post(reverse("logout"))
    password_login(client, "ana")
    response = client.post(reverse("two_factor_verify"), {"token": code_for(device, 1), "next": "https://evil.example/"})
    assert response.status_code == 302 and response["Location"] == reverse("dashboard")


def test_english_pages(client, ana):
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    password_login(client, "ana")
    assert "Scan this QR code with the app" in client.get(reverse("two_factor_setup")).content.decode()


def test_the_setting_is_checked(tmp_path):
    import subprocess
    import sys

    result = subprocess.run([sys.executable, "-c", "import recaudo.cli as c; c.main(['check'])"],
                            env={"RECAUDO_REQUIRE_2FA": "maybe", "PATH": "/usr/bin:/bin",
                                 "RECAUDO_HOME": str(tmp_path)},
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    assert "RECAUDO_REQUIRE_2FA must be off, admins or all" in result.stderr
    assert "Traceback" not in result.stderr


def test_help_lists_unlock():
    from recaudo import cli

    out = StringIO()
    import contextlib

    with contextlib.redirect_stdout(out):
        cli.main(["--help"])
    assert "unlock" in out.getvalue() and "RECAUDO_REQUIRE_2FA" in out.getvalue()
    call_command("unlock", "--list", stdout=StringIO())
