"""A gateway account's secrets are sealed at rest (core/sealed.py: Fernet, the key RECAUDO_SECRETS_KEY or one derived
from SECRET_KEY): the row holds no secret in plain text, the adapters get them unsealed, pages never show them back.
Rows saved before sealing (secrets in config) keep working, are sealed when saved again or by
`recaudo bank gateways --seal`. Keys that changed make the secrets unreadable: the account counts as not configured
and its secrets are entered again."""

from __future__ import annotations

import pytest
from cryptography.fernet import Fernet
from django.core.management import call_command
from django.db import connection
from django.urls import reverse

from recaudo import SettingError
from recaudo.audit.models import AuditEvent
from recaudo.banking.gateways.base import GatewayError, Incoming, SignatureInvalid
from recaudo.banking.models import GatewayAccount
from recaudo.banking.selectors import gateway_rows
from recaudo.banking.services_gateways import gateway_account_save, gateway_notification_receive, gateway_secrets_seal
from recaudo.banking.tests.fake_gateways import FakeWompi
from recaudo.core import sealed
from recaudo.demo.testing import login, make_portfolio, make_user

KEY_A, KEY_B = Fernet.generate_key().decode(), Fernet.generate_key().decode()
VALUES = {"private_key": "prv_test_SECRETO1", "events_secret": "test_events_SECRETO2"}


# --- core/sealed.py ----------------------------------------------------------------------------------------------

@pytest.fixture(autouse=True)
def installation(db, settings):
    settings.ENVIRONMENT_SECRET_KEY = ""  # the installation's key is the one stored in the database


def test_sealed_values_come_back_and_are_not_readable(settings):
    settings.RECAUDO_SECRETS_KEY = [KEY_A]
    token = sealed.seal({"p_key": "clave ñ 1"})
    assert token.startswith("fernet:gAAAAA") and "clave" not in token
    assert sealed.unseal(token) == {"p_key": "clave ñ 1"}
    assert sealed.seal({}) == "" and sealed.unseal("") == {}


def test_a_key_is_rotated_by_putting_the_new_one_first(settings):
    settings.RECAUDO_SECRETS_KEY = [KEY_A]
    old = sealed.seal({"k": "v"})
    settings.RECAUDO_SECRETS_KEY = [KEY_B, KEY_A]
    assert sealed.unseal(old) == {"k": "v"}
    settings.RECAUDO_SECRETS_KEY = [KEY_B]
    with pytest.raises(sealed.SealBroken, match="enter them again"):
        sealed.unseal(old)


def test_without_a_dedicated_key_the_key_comes_from_secret_key_and_still_opens_after_one_is_set(settings):
    settings.RECAUDO_SECRETS_KEY = []
    settings.SECRET_KEY = "a placeholder of this process"  # not used: the installation's key is
    by_secret_key = sealed.seal({"k": "v"})
    settings.SECRET_KEY = "another process's placeholder"
    assert sealed.unseal(by_secret_key) == {"k": "v"}
    settings.RECAUDO_SECRETS_KEY = [KEY_A]
    assert sealed.unseal(by_secret_key) == {"k": "v"}
    settings.ENVIRONMENT_SECRET_KEY = "another-installation"  # SECRET_KEY given in the environment
    with pytest.raises(sealed.SealBroken):
        sealed.unseal(by_secret_key)
    assert sealed.unseal(sealed.seal({"k": "w"})) == {"k": "w"}


def test_a_key_that_is_not_a_fernet_key_is_a_setting_error(settings):
    settings.RECAUDO_SECRETS_KEY = ["not-a-key"]
    with pytest.raises(SettingError, match="RECAUDO_SECRETS_KEY: key 1 is not a Fernet key"):
        sealed.seal({"k": "v"})


def test_plain_text_is_not_taken_for_sealed_secrets():
    with pytest.raises(sealed.SealBroken):
        sealed.unseal("prv_test_SECRETO1")


# --- the gateway accounts ----------------------------------------------------------------------------------------

@pytest.fixture
def portfolio(db, settings):
    settings.RECAUDO_SECRETS_KEY = [KEY_A]
    portfolio = make_portfolio()
    make_user("ana", portfolio, role="admin")
    return portfolio


def _row(account_id) -> str:
    """The stored row as the database has it, every column as text."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM banking_gatewayaccount WHERE id = %s", [account_id])
        return " ".join(str(value) for value in cursor.fetchone())


def test_saved_secrets_are_sealed_in_the_row_and_unsealed_for_the_adapter(portfolio):
    account = gateway_account_save(portfolio=portfolio, provider="wompi", values={**VALUES, "base_url": "http://x"},
                                   actor="cli")
    row = _row(account.pk)
    assert "SECRETO" not in row and "fernet:" in row and "http://x" in row
    account.refresh_from_db()
    assert account.config == {"base_url": "http://x", "checkout_url": ""}
    assert account.full_config() == {**VALUES, "base_url": "http://x", "checkout_url": ""}
    audit = AuditEvent.objects.filter(event_type="banking.gateway_saved").last()
    assert "SECRETO" not in str(audit.changes)


def test_a_row_saved_before_sealing_is_read_then_sealed_on_save(portfolio):
    old = GatewayAccount.objects.create(portfolio=portfolio, provider="wompi", config={**VALUES, "base_url": ""})
    assert old.full_config()["private_key"] == "prv_test_SECRETO1"  # both forms are read
    assert gateway_rows(portfolio)[-1].configured
    gateway_account_save(portfolio=portfolio, provider="wompi", values={"base_url": "http://y"}, actor="cli")
    assert "SECRETO" not in _row(old.pk)
    old.refresh_from_db()
    assert old.full_config()["events_secret"] == "test_events_SECRETO2" and old.config["base_url"] == "http://y"


def test_the_command_lists_and_seals_plain_secrets(portfolio, capsys):
    old = GatewayAccount.objects.create(portfolio=portfolio, provider="wompi", config=dict(VALUES))
    call_command("bank", "gateways")
    assert f"{portfolio.slug} wompi: active, secrets plain" in capsys.readouterr().out
    call_command("bank", "gateways", "--seal")
    out = capsys.readouterr().out
    assert "1 gateway account(s) sealed" in out and f"{portfolio.slug} wompi: active, secrets sealed" in out
    assert "SECRETO" not in _row(old.pk)
    assert AuditEvent.objects.filter(event_type="banking.gateway_secrets_sealed").count() == 1
    assert gateway_secrets_seal(actor="cli") == 0  # nothing left to seal


def test_a_notification_is_verified_with_the_unsealed_secret(portfolio):
    with FakeWompi() as fake:
        gateway_account_save(portfolio=portfolio, provider="wompi", values=fake.config(), actor="cli")
        body, headers = fake.event(fake.transaction(tx_id="tx-1", link_id="nolink", amount_in_cents=100))
    incoming = Incoming("POST", {"x-event-checksum": headers["HTTP_X_EVENT_CHECKSUM"]}, {}, body)
    with pytest.raises(GatewayError) as raised:  # verified, then the status query: the fake is gone (503, retried)
        gateway_notification_receive(portfolio=portfolio, provider="wompi", incoming=incoming)
    assert not isinstance(raised.value, SignatureInvalid) and "127.0.0.1" in str(raised.value)


def test_secrets_sealed_with_other_keys_count_as_not_saved_and_are_entered_again(portfolio, settings, client):
    gateway_account_save(portfolio=portfolio, provider="wompi", values=VALUES, actor="cli")
    settings.RECAUDO_SECRETS_KEY = [KEY_B]
    settings.ENVIRONMENT_SECRET_KEY = "another-installation"
    account = GatewayAccount.objects.get()
    with pytest.raises(GatewayError, match="wompi: the saved secrets cannot be read"):
        account.full_config()
    assert not [row for row in gateway_rows(portfolio) if row.name == "wompi"][0].configured
    login(client, "ana")
    url = reverse("gateway_edit", args=[portfolio.slug, "wompi"])
    assert "configurado: déjelo vacío" not in client.get(url).content.decode()
    page = client.post(url, {"base_url": "", "active": "on"}).content.decode()
    assert "Llave privada (prv_...): obligatorio" in page
    assert client.post(url, {**VALUES, "active": "on"}).status_code == 302
    assert GatewayAccount.objects.get().full_config()["private_key"] == "prv_test_SECRETO1"
