"""The connectors' pages and the `erp` command."""

from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from recaudo.audit.models import AuditEvent
from recaudo.connectors.adapters import base
from recaudo.connectors.models import ErpConnector, ErpSyncRun
from recaudo.connectors.services import ConnectorError, connector_save, connector_sync, connectors_sync_due
from recaudo.core.sealed import is_sealed
from recaudo.demo.testing import login, make_user

from .fakes import FakeAlegra, alegra_contact, alegra_invoice

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def no_sleep(monkeypatch):
    monkeypatch.setattr(base, "SLEEP", lambda seconds: None)


@pytest.fixture
def admin_client(client, portfolio):
    make_user("ana", portfolio, role="admin")
    login(client, "ana")
    return client


def test_save_seals_the_secrets_and_keeps_them_when_left_empty(portfolio):
    connector = connector_save(portfolio=portfolio, kind="alegra", name="Alegra", values={
        "email": "cartera@andinas.co", "token": "s3cr3t-token"}, actor="test")
    connector.refresh_from_db()
    assert is_sealed(connector.secrets_sealed) and "s3cr3t-token" not in connector.secrets_sealed
    assert connector.config == {"email": "cartera@andinas.co"} and connector.base_url == ""
    assert connector.full_config()["token"] == "s3cr3t-token"
    connector_save(portfolio=portfolio, connector=connector, kind="alegra", name="Alegra",
                   values={"email": "otra@andinas.co", "token": ""}, actor="test")
    connector.refresh_from_db()
    assert connector.full_config()["token"] == "s3cr3t-token"
    event = AuditEvent.objects.filter(event_type="erp.connector_updated").get()
    assert "s3cr3t" not in str(event.changes) and event.changes["config"]["to"] == {"email": "otra@andinas.co"}


@pytest.mark.parametrize("values,field", [
    ({"email": "a@b.co"}, "token"),
    ({"email": "a@b.co", "token": "t", "base_url": "ftp://x"}, "base_url"),
    ({"email": "a@b.co", "token": "t", "interval_minutes": 1}, "interval_minutes"),
    ({"email": "a@b.co", "token": "t", "name": " "}, "name"),
])
def test_save_refuses_at_the_field(portfolio, values, field):
    values = dict(values)
    extra = {k: values.pop(k) for k in ("base_url", "interval_minutes", "name") if k in values}
    with pytest.raises(ConnectorError) as caught:
        connector_save(portfolio=portfolio, kind="alegra", values=values, actor="test",
                       **{"name": "Alegra", **extra})
    assert caught.value.field == field


def test_pages_create_test_run_and_show_runs(admin_client, portfolio):
    page = admin_client.get(f"/p/{portfolio.slug}/erp/")
    assert page.status_code == 200 and "Connect Alegra" in page.content.decode() or "Conectar Alegra" in \
        page.content.decode()
    with FakeAlegra() as fake:
        fake.contacts.append(alegra_contact("1", "900123456", "Ferretería", dv="8"))
        fake.invoices.append(alegra_invoice(101, "1"))
        answer = admin_client.post(f"/p/{portfolio.slug}/erp/new/alegra/", {
            "name": "Alegra principal", "base_url": fake.url, "interval_minutes": "30", "active": "on",
            "email": "cartera@andinas.co", "token": "tok-alegra"})
        connector = ErpConnector.objects.get()
        assert answer.status_code == 302 and answer.url == f"/p/{portfolio.slug}/erp/{connector.pk}/"
        tested = admin_client.post(f"/p/{portfolio.slug}/erp/{connector.pk}/test/", follow=True)
        assert "Alegra: 1 open invoices" in tested.content.decode()
        admin_client.post(f"/p/{portfolio.slug}/erp/{connector.pk}/run/")
        connector.refresh_from_db()
        assert connector.next_sync_at <= timezone.now()
        assert connectors_sync_due(now=timezone.now())["runs"] == 1
        run = ErpSyncRun.objects.get()
    assert run.trigger == "manual" and run.status == "done", run.message
    detail = admin_client.get(f"/p/{portfolio.slug}/erp/{connector.pk}/").content.decode()
    assert f"/p/{portfolio.slug}/imports/{run.obligations_job.pk}/" in detail  # the run links to its report
    assert "tok-alegra" not in detail
    report = admin_client.get(f"/p/{portfolio.slug}/imports/{run.obligations_job.pk}/")
    assert report.status_code == 200


def test_test_connection_refused_shows_the_reason(admin_client, portfolio):
    with FakeAlegra() as fake:
        connector = connector_save(portfolio=portfolio, kind="alegra", name="Alegra", base_url=fake.url,
                                   values={"email": "cartera@andinas.co", "token": "wrong"}, actor="test")
        page = admin_client.post(f"/p/{portfolio.slug}/erp/{connector.pk}/test/", follow=True).content.decode()
    assert "HTTP 401" in page


def test_spanish_installation_records_spanish_messages(portfolio, settings):
    settings.LANGUAGE_CODE = "es-co"
    with FakeAlegra() as fake:
        connector = connector_save(portfolio=portfolio, kind="alegra", name="Alegra", base_url=fake.url,
                                   values={"email": "cartera@andinas.co", "token": "wrong"}, actor="test")
        run = connector_sync(connector=connector, actor="test")
    assert "Alegra: rechazó las credenciales (HTTP 401: Credenciales inválidas)" in run.message


def test_command_sync_push_and_list(portfolio, capsys):
    with FakeAlegra() as fake:
        fake.contacts.append(alegra_contact("1", "900123456", "Ferretería", dv="8"))
        fake.invoices.append(alegra_invoice(101, "1"))
        connector = connector_save(portfolio=portfolio, kind="alegra", name="Alegra", base_url=fake.url,
                                   values={"email": "cartera@andinas.co", "token": "tok-alegra",
                                           "bank_account_id": "1"}, push_payments=True, actor="test",
                                   now=timezone.now() - timedelta(minutes=1))
        call_command("erp", "sync", "--portfolio", portfolio.slug, "--connector", str(connector.pk))
        assert f"Alegra (#{connector.pk}): done" in capsys.readouterr().out
        call_command("erp", "push", "--portfolio", portfolio.slug)
        assert "0 recorded in the ERP" in capsys.readouterr().out
        call_command("erp", "list", "--portfolio", portfolio.slug)
        assert "pushes payments: last done" in capsys.readouterr().out
    with pytest.raises(CommandError, match="--portfolio: no portfolio"):
        call_command("erp", "sync", "--portfolio", "nope")
    with pytest.raises(CommandError, match="--connector: no such active connector"):
        call_command("erp", "sync", "--portfolio", portfolio.slug, "--connector", "999")
