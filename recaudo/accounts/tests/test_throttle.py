"""Issue 12 item 6: sign-in throttling and lockout (django-axes), per account and address, account, and address."""

from datetime import timedelta
from io import StringIO

import pytest
from axes.models import AccessAttempt
from django.core.management import call_command
from django.db.models import F
from django.urls import reverse

from recaudo.accounts import rules
from recaudo.audit.models import AuditEvent
from recaudo.demo.testing import TEST_PASSWORD, make_user

pytestmark = pytest.mark.django_db

LOCKED = "Demasiados intentos fallidos"


@pytest.fixture
def ana(portfolio):
    return make_user("ana", portfolio, role="admin")


def attempt(client, username, password, address="198.51.100.10", **extra):
    return client.post(reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=address, **extra)


def signed_in(client):
    return "_auth_user_id" in client.session


def test_thirty_wrong_passwords_then_the_right_one_is_refused(client, ana):
    """The attack of the report: 30 wrong passwords in a row, then the right one logged in."""
    for _ in range(30):
        response = attempt(client, "ana", "no-es-la-clave")
        assert not signed_in(client)
    response = attempt(client, "ana", TEST_PASSWORD)
    assert response.status_code == 429
    assert not signed_in(client)
    html = response.content.decode()
    assert LOCKED in html and "15 minutos" in html


def test_lockout_starts_at_the_limit_and_is_audited_once(client, ana, settings):
    for _ in range(settings.LOGIN_FAILURES - 1):
        assert attempt(client, "ana", "mal").status_code == 200
    assert attempt(client, "ana", "mal").status_code == 429
    assert attempt(client, "ana", "mal").status_code == 429
    events = AuditEvent.objects.filter(event_type="login.locked_out")
    assert events.count() == 1
    assert events.get().changes["username"] == "ana" and events.get().changes["ip_address"] == "198.51.100.10"


def test_the_message_does_not_reveal_whether_the_account_exists(client, ana, settings):
    for _ in range(settings.LOGIN_FAILURES):
        real = attempt(client, "ana", "mal", address="198.51.100.1")
        ghost = attempt(client, "nadie", "mal", address="198.51.100.2")
    assert real.status_code == ghost.status_code == 429
    clean = [r.content.decode() for r in (real, ghost)]
    assert LOCKED in clean[0] and LOCKED in clean[1]
    assert 'value="ana"' not in clean[0] and 'value="nadie"' not in clean[1]


def test_a_locked_pair_leaves_other_addresses_and_accounts_alone(client, people, settings):
    for _ in range(settings.LOGIN_FAILURES):
        attempt(client, "ana", "mal")
    assert attempt(client, "ana", TEST_PASSWORD).status_code == 429
    assert attempt(client, "carlos", TEST_PASSWORD).status_code == 302  # another account, same address
    client.post(reverse("logout"))
    assert attempt(client, "ana", TEST_PASSWORD, address="203.0.113.9").status_code == 302  # ana from elsewhere


def test_one_account_from_many_addresses(client, ana, settings):
    settings.LOGIN_ACCOUNT_FAILURES = 8
    for i in range(8):
        assert attempt(client, "ana", "mal", address=f"203.0.113.{i}").status_code == (429 if i == 7 else 200)
    assert attempt(client, "ana", TEST_PASSWORD, address="203.0.113.200").status_code == 429
    assert attempt(client, "Ana ", TEST_PASSWORD, address="203.0.113.201").status_code == 429  # same account


def test_password_spraying_from_one_address_locks_the_address(client, people, settings):
    settings.LOGIN_ADDRESS_FAILURES = 12
    for i in range(12):
        attempt(client, f"usuario{i}", "Verano2026!")
    response = attempt(client, "carlos", TEST_PASSWORD)
    assert response.status_code == 429 and not signed_in(client)
    assert attempt(client, "carlos", TEST_PASSWORD, address="203.0.113.50").status_code == 302


def test_the_lockout_ends_after_the_cool_off(client, ana, settings):
    for _ in range(settings.LOGIN_FAILURES):
        attempt(client, "ana", "mal")
    assert attempt(client, "ana", TEST_PASSWORD).status_code == 429
    AccessAttempt.objects.update(attempt_time=F("attempt_time") - timedelta(minutes=settings.LOGIN_COOLOFF_MINUTES,
                                                                            seconds=1))
    assert attempt(client, "ana", TEST_PASSWORD).status_code == 302 and signed_in(client)


def test_a_success_forgets_that_accounts_failures_from_that_address(client, ana, settings):
    for _ in range(settings.LOGIN_FAILURES - 1):
        attempt(client, "ana", "mal")
    assert attempt(client, "ana", TEST_PASSWORD).status_code == 302
    client.post(reverse("logout"))
    assert attempt(client, "ana", "mal").status_code == 200  # counting starts again


def test_forwarded_for_is_ignored_unless_proxies_are_trusted(client, ana, settings):
    for i in range(settings.LOGIN_FAILURES):  # a client forging X-Forwarded-For gains nothing
        attempt(client, "ana", "mal", HTTP_X_FORWARDED_FOR=f"192.0.2.{i}")
    assert attempt(client, "ana", TEST_PASSWORD, HTTP_X_FORWARDED_FOR="192.0.2.99").status_code == 429
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {"198.51.100.10"}


def test_behind_a_trusted_proxy_the_forwarded_address_counts(client, ana, settings):
    settings.TRUSTED_PROXIES = 1
    for _ in range(settings.LOGIN_FAILURES):
        attempt(client, "ana", "mal", address="10.0.0.2", HTTP_X_FORWARDED_FOR="1.2.3.4, 192.0.2.7")
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {"192.0.2.7"}
    assert attempt(client, "ana", TEST_PASSWORD, address="10.0.0.2",
                   HTTP_X_FORWARDED_FOR="192.0.2.7").status_code == 429
    assert attempt(client, "ana", TEST_PASSWORD, address="10.0.0.2",
                   HTTP_X_FORWARDED_FOR="192.0.2.8").status_code == 302


@pytest.mark.parametrize(("remote", "forwarded", "proxies", "expected"), [
    ("10.0.0.1", None, 0, "10.0.0.1"),
    ("10.0.0.1", "6.6.6.6", 0, "10.0.0.1"),
    ("10.0.0.1", "6.6.6.6, 1.2.3.4", 1, "1.2.3.4"),
    ("10.0.0.1", "6.6.6.6, 1.2.3.4, 10.0.0.9", 2, "1.2.3.4"),
    ("10.0.0.1", "1.2.3.4", 2, "10.0.0.1"),  # fewer hops than proxies: not through ours
    ("10.0.0.1", "not-an-ip", 1, "10.0.0.1"),
    ("10.0.0.1", "2001:db8::1", 1, "2001:db8::1"),
])
def test_client_address_rule(remote, forwarded, proxies, expected):
    assert rules.client_address(remote, forwarded, proxies) == expected


def test_scaled_failures_reach_the_base_limit_exactly_at_each_limit():
    for limit in range(1, 40):
        for count in range(0, 80):
            assert (rules.scaled_failures([0, count, 0], [5, limit, 50], 5) >= 5) == (count >= limit)


def test_the_admin_login_is_the_throttled_sign_in_page(client, ana, settings):
    response = client.get("/admin/login/?next=/admin/")
    assert response.status_code == 302 and response["Location"] == reverse("login") + "?next=/admin/"
    response = client.post("/admin/login/?next=/admin/", {"username": "ana", "password": TEST_PASSWORD})
    assert not signed_in(client)  # no sign-in but through the sign-in page


def test_unlock_from_the_command(client, ana, settings):
    for _ in range(settings.LOGIN_FAILURES):
        attempt(client, "ana", "mal")
    out = StringIO()
    call_command("unlock", "--list", stdout=out)
    assert "LOCKED" in out.getvalue() and "ana" in out.getvalue()
    out = StringIO()
    call_command("unlock", "ana", stdout=out)
    assert "unlocked account 'ana'" in out.getvalue()
    assert AuditEvent.objects.filter(event_type="login.unlocked", actor_label="cli").count() == 1
    assert attempt(client, "ana", TEST_PASSWORD).status_code == 302


def test_unlock_an_address_from_the_command(client, people, settings):
    settings.LOGIN_ADDRESS_FAILURES = 6
    for i in range(6):
        attempt(client, f"u{i}", "mal")
    assert attempt(client, "carlos", TEST_PASSWORD).status_code == 429
    out = StringIO()
    call_command("unlock", "--address", "198.51.100.10", stdout=out)
    assert "7 failed-attempt records removed" in out.getvalue()
    assert attempt(client, "carlos", TEST_PASSWORD).status_code == 302


def test_unlock_command_errors_are_one_line(capsys):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="name an account"):
        call_command("unlock")
    with pytest.raises(CommandError, match="is not an IP address"):
        call_command("unlock", "--address", "300.1.1.1")
    out = StringIO()
    call_command("unlock", "nadie", stdout=out)
    assert "nothing to unlock" in out.getvalue()


def test_unlock_from_the_admin(client, ana, settings, django_user_model):
    for _ in range(settings.LOGIN_FAILURES):
        attempt(client, "ana", "mal")
    root = django_user_model.objects.create_superuser("root", password=TEST_PASSWORD)
    admin_client = type(client)()
    admin_client.force_login(root)
    response = admin_client.post(reverse("admin:auth_user_changelist"),
                                 {"action": "unlock_sign_in", "_selected_action": [ana.pk]})
    assert response.status_code == 302
    assert not AccessAttempt.objects.filter(username="ana").exists()
    assert AuditEvent.objects.filter(event_type="login.unlocked", actor=root).exists()
    assert attempt(client, "ana", TEST_PASSWORD).status_code == 302
    # axes' own list of attempts is in the admin too
    assert admin_client.get(reverse("admin:axes_accessattempt_changelist")).status_code == 200


def test_lockout_page_in_english(client, ana, settings):
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    for _ in range(settings.LOGIN_FAILURES):
        response = attempt(client, "ana", "mal")
    assert "Too many failed sign-in attempts. Try again in 15 minutes" in response.content.decode()


def test_cool_off_zero_keeps_the_lock_until_unlocked(client, ana, settings):
    settings.LOGIN_COOLOFF_MINUTES = 0
    settings.AXES_COOLOFF_TIME = None
    for _ in range(settings.LOGIN_FAILURES):
        response = attempt(client, "ana", "mal")
    assert "hasta que un administrador" in response.content.decode()
    AccessAttempt.objects.update(attempt_time=F("attempt_time") - timedelta(days=30))
    assert attempt(client, "ana", TEST_PASSWORD).status_code == 429
