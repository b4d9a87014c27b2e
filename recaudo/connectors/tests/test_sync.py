"""Pulling from Alegra and Siigo Nube through the import engine, against local servers of their documented shapes."""

from datetime import UTC, datetime, timedelta

import pytest

from recaudo.connectors import services
from recaudo.connectors.adapters import alegra, base, siigo
from recaudo.connectors.models import ErpConnector, ErpInvoice, ErpSyncRun
from recaudo.connectors.services import connector_save, connector_sync, connectors_sync_due
from recaudo.cycle.runner import worker_tick
from recaudo.imports.models import ImportJob
from recaudo.ledger.models import Payment
from recaudo.ledger.services import ledger_verify
from recaudo.portfolio.models import Debtor, Obligation

from .fakes import FakeAlegra, FakeSiigo, alegra_contact, alegra_invoice, siigo_customer, siigo_invoice

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def no_sleep(monkeypatch):
    """No real waiting: the waits are recorded (pacing and backoff)."""
    waits = []
    monkeypatch.setattr(base, "SLEEP", waits.append)
    return waits


@pytest.fixture
def small_pages(monkeypatch):
    monkeypatch.setattr(alegra, "PAGE", 2)
    monkeypatch.setattr(siigo, "PAGE", 2)


def alegra_connector(portfolio, fake, token="tok-alegra", **extra):  # noqa: S107
    return connector_save(portfolio=portfolio, kind="alegra", name="Alegra", base_url=fake.url,
                          values={"email": "cartera@andinas.co", "token": token, **extra}, actor="test", now=NOW)


def siigo_connector(portfolio, fake, **extra):
    return connector_save(portfolio=portfolio, kind="siigo", name="Siigo", base_url=fake.url,
                          values={"username": "api@andinas.co", "access_key": "key-siigo", **extra},
                          actor="test", now=NOW)


def alegra_book(fake):
    fake.contacts += [alegra_contact("1", "900123456", "Ferretería El Tornillo S.A.S.", dv="8"),
                      alegra_contact("2", "800197268", "Comercializadora Sol Ltda.", dv="4"),
                      alegra_contact("3", "860002964", "Sin facturas S.A.", dv="4")]
    fake.invoices += [alegra_invoice(101, "1"), alegra_invoice(102, "1", total="50000.00", balance="20000.00"),
                      alegra_invoice(103, "2", total=75000), alegra_invoice(104, "2", status="closed")]
    fake.payments += [
        {"id": "77", "date": "2026-11-20", "number": "1", "paymentMethod": "transfer", "status": "open",
         "type": "in", "client": {"id": "1", "name": "Ferretería"},
         "invoices": [{"id": "102", "number": "FE102", "amount": "30000.00"}]},
        {"id": "78", "date": "2026-11-21", "status": "void", "type": "in", "invoices": [{"id": "101", "amount": 5}]},
        {"id": "79", "date": "2026-10-01", "status": "open", "type": "in",
         "invoices": [{"id": "55", "amount": "1000"}]},  # an invoice closed before the connector ever saw it
    ]


def test_alegra_pull_pages_and_imports_through_the_engine(portfolio, small_pages):
    with FakeAlegra() as fake:
        alegra_book(fake)
        connector = alegra_connector(portfolio, fake)
        run = connector_sync(connector=connector, actor="test", now=NOW)
    assert run.status == "done", run.message
    assert run.counts["invoices"] == 3 and run.counts["customers"] == 2 and run.counts["payments"] == 1
    assert run.counts["payments_unknown_invoice"] == 1
    # pages of 2 with start/limit: contacts 0, 2; invoices 0, 2; payments 0, 2
    starts = [r["path"] for r in fake.requests if r["path"].startswith("/invoices")]
    assert any("start=0" in p for p in starts) and any("start=2" in p for p in starts)
    assert all("limit=2" in p and "metadata=true" in p for p in starts)
    assert sorted(Obligation.objects.values_list("number", "original_minor")) == [
        ("FE101", 11900000), ("FE102", 5000000), ("FE103", 7500000)]
    ferre = Debtor.objects.get(code="900123456")
    assert (ferre.name, ferre.id_type, ferre.id_number) == ("Ferretería El Tornillo S.A.S.", "NIT", "9001234568")
    assert not Debtor.objects.filter(code="860002964").exists()  # no open invoice: not a debtor
    payment = Payment.objects.get()
    assert (payment.source, payment.source_ref, payment.amount_minor) == ("import", f"erp{connector.pk}:77:FE102",
                                                                          3000000)
    assert Obligation.objects.get(number="FE102").balance_minor == 2000000
    assert run.counts["balance_differences"] == []  # Recaudo's balances are the ERP's
    assert [j.status for j in run.jobs()] == ["done", "done", "done"]
    assert run.obligations_job.result["created"] == 3
    assert ledger_verify(portfolio) == []
    connector.refresh_from_db()
    assert (connector.last_status, connector.last_error, connector.synced_until) == ("done", "", NOW)


def test_resync_is_idempotent(portfolio, small_pages):
    with FakeAlegra() as fake:
        alegra_book(fake)
        connector = alegra_connector(portfolio, fake)
        connector_sync(connector=connector, actor="test", now=NOW)
        again = connector_sync(connector=connector, actor="test", now=NOW + timedelta(hours=1))
        payments_query = [r["path"] for r in fake.requests if r["path"].startswith("/payments")][-1]
    assert again.status == "done", again.message
    assert "date_after=2026-11-30" in payments_query  # incremental: a week before the last good run
    assert (Obligation.objects.count(), Payment.objects.count(), Debtor.objects.count()) == (3, 1, 2)
    assert again.obligations_job.result["unchanged"] == 3 and again.obligations_job.result["created"] == 0
    assert again.payments_job.result["unchanged"] == 1 and again.payments_job.result["created"] == 0
    assert again.debtors_job.result["unchanged"] == 2
    assert ledger_verify(portfolio) == []


def test_auth_failure_has_a_clear_message_and_writes_nothing(portfolio):
    with FakeAlegra() as fake:
        alegra_book(fake)
        connector = alegra_connector(portfolio, fake, token="wrong")
        run = connector_sync(connector=connector, actor="test", now=NOW)
    assert run.status == "failed" and not run.retryable
    assert "Alegra: the credentials were refused (HTTP 401: Credenciales inválidas)" in run.message
    assert "check the user and the key" in run.message
    connector.refresh_from_db()
    assert connector.last_error == run.message and connector.failures == 1 and connector.synced_until is None
    assert not Obligation.objects.exists() and not ImportJob.objects.exists()


def test_429_is_retried_with_backoff(portfolio, no_sleep):
    with FakeAlegra() as fake:
        alegra_book(fake)
        connector = alegra_connector(portfolio, fake)
        fake.busy = 2
        run = connector_sync(connector=connector, actor="test", now=NOW)
    assert run.status == "done", run.message
    assert [w for w in no_sleep if w >= 1] == [1.0, 2.0]  # 1 s, then 2 s; the rest is pacing (< 0.4 s)
    assert all(w <= 60 / 150 for w in no_sleep if w < 1)
    assert Obligation.objects.count() == 3


def test_429_past_the_retries_is_retryable(portfolio):
    with FakeAlegra() as fake:
        connector = alegra_connector(portfolio, fake)
        fake.busy = 50
        run = connector_sync(connector=connector, actor="test", now=NOW)
    assert run.status == "failed" and run.retryable
    assert "still busy after 4 retries (HTTP 429)" in run.message


def test_malformed_row_is_reported_by_row_and_nothing_is_written(portfolio):
    with FakeAlegra() as fake:
        alegra_book(fake)
        fake.invoices.append(alegra_invoice(105, "2", total="doce mil"))
        connector = alegra_connector(portfolio, fake)
        run = connector_sync(connector=connector, actor="test", now=NOW)
    assert run.status == "rejected"
    assert "Alegra invoice 105 (FE105): amount “doce mil”" in run.message
    # nothing half-written: the customers' import of the same run is rolled back too
    assert not Debtor.objects.exists() and not Obligation.objects.exists() and not Payment.objects.exists()
    assert not ErpInvoice.objects.exists()
    assert run.obligations_job.status == "rejected"
    assert [e["row"] for e in run.obligations_job.result["errors"]] == [5]
    assert run.debtors_job.status == "rejected" and run.debtors_job.result["committed"] is False
    assert run.payments_job.status == "rejected"
    connector.refresh_from_db()
    assert connector.synced_until is None and connector.last_status == "rejected"


def test_skip_invalid_imports_the_valid_records(portfolio):
    with FakeAlegra() as fake:
        alegra_book(fake)
        fake.invoices.append(alegra_invoice(105, "2", total="doce mil"))
        connector = alegra_connector(portfolio, fake)
        connector.skip_invalid = True
        connector.save()
        run = connector_sync(connector=connector, actor="test", now=NOW)
    assert run.status == "done"
    assert "1 invalid records left out" in run.message
    assert Obligation.objects.count() == 3


def test_siigo_pull_token_partner_pages_and_vouchers(portfolio, small_pages):
    with FakeSiigo() as fake:
        fake.customers += [siigo_customer("52123456", ["Luz", "Marina", "Restrepo"]),
                           siigo_customer("79876543", ["Pedro", "Gómez"]), siigo_customer("1010", ["Otro"]),
                           siigo_customer("800197268", ["Comercializadora Sol Ltda."], dv="4", code="31")]
        fake.invoices += [siigo_invoice(1, "52123456"), siigo_invoice(2, "52123456", balance=0),
                          siigo_invoice(3, "79876543", total=100000.5), siigo_invoice(4, "79876543"),
                          siigo_invoice(5, "800197268", total=50000)]
        fake.vouchers.append({
            "id": "v-1", "name": "RC-1-9", "date": "2026-11-25", "type": "DebtPayment",
            "customer": {"identification": "52123456"},
            "items": [{"due": {"prefix": "FV-2", "consecutive": 1, "quote": 1, "date": "2026-12-03"},
                       "value": 38000}],
            "payment": {"id": 5, "name": "Transferencia", "value": 38000}})
        connector = siigo_connector(portfolio, fake)
        run = connector_sync(connector=connector, actor="test", now=NOW)
        fake.expire_tokens()  # the token is refused: renewed once, the call repeated
        again = connector_sync(connector=connector, actor="test", now=NOW + timedelta(hours=1))
        invoice_queries = [r["path"] for r in fake.requests if r["path"].startswith("/v1/invoices")]
    assert run.status == "done", run.message
    assert again.status == "done", again.message
    assert fake.logins == 2
    assert sorted(Obligation.objects.values_list("number", "original_minor", "due_date")) == [
        ("FV-2-1", 23800000, datetime(2026, 12, 3).date()), ("FV-2-3", 10000050, datetime(2026, 12, 3).date()),
        ("FV-2-4", 23800000, datetime(2026, 12, 3).date()), ("FV-2-5", 5000000, datetime(2026, 12, 3).date())]
    sol = Debtor.objects.get(code="800197268")
    assert (sol.id_type, sol.id_number) == ("NIT", "8001972684")
    assert Debtor.objects.get(code="52123456").name == "Luz Marina Restrepo"
    assert Obligation.objects.get(number="FV-2-1").balance_minor == 20000000
    assert Payment.objects.get().source_ref == f"erp{connector.pk}:v-1/1:FV-2-1"
    assert any("page=2" in q and "page_size=2" in q for q in invoice_queries)
    assert "updated_start=2026-12-06" in invoice_queries[-1]
    # Siigo's balance of FV-2-1 is still 238000 here (the fake does not apply receipts): shown, never written
    assert {"number": "FV-2-1", "erp": "238000", "recaudo": "200000.00"} in run.counts["balance_differences"]


def test_siigo_auth_failure(portfolio):
    with FakeSiigo(access_key="other") as fake:
        connector = siigo_connector(portfolio, fake)
        run = connector_sync(connector=connector, actor="test", now=NOW)
    assert run.status == "failed"
    assert "Siigo: the credentials were refused (HTTP 401: The credentials are invalid)" in run.message


def test_siigo_429_backoff(portfolio, no_sleep):
    with FakeSiigo() as fake:
        fake.customers.append(siigo_customer("52123456", ["Luz", "Restrepo"]))
        fake.invoices.append(siigo_invoice(1, "52123456"))
        connector = siigo_connector(portfolio, fake)
        fake.busy = 3
        run = connector_sync(connector=connector, actor="test", now=NOW)
    assert run.status == "done", run.message
    assert [w for w in no_sleep if w >= 1] == [1.0, 2.0, 4.0]
    assert Obligation.objects.count() == 1


def test_schedule_claims_due_connectors_once(portfolio):
    with FakeAlegra() as fake:
        alegra_book(fake)
        connector = alegra_connector(portfolio, fake)
        assert connector.next_sync_at == NOW
        report = connectors_sync_due(now=NOW, worker_id="w1")
        second = connectors_sync_due(now=NOW + timedelta(minutes=1), worker_id="w2")
    assert report == {"runs": 1, "failed": 0} and second == {"runs": 0, "failed": 0}
    connector.refresh_from_db()
    assert connector.next_sync_at == NOW + timedelta(minutes=60) and connector.claim_token is None
    assert ErpSyncRun.objects.get().trigger == "schedule"


def test_a_failing_connector_backs_off(portfolio):
    with FakeAlegra() as fake:
        connector = alegra_connector(portfolio, fake, token="wrong")
        connectors_sync_due(now=NOW)
        connector.refresh_from_db()
        assert connector.next_sync_at == NOW + timedelta(minutes=120)  # 1 failure: twice the interval
        connectors_sync_due(now=connector.next_sync_at)
    connector.refresh_from_db()
    assert connector.failures == 2 and connector.next_sync_at == NOW + timedelta(minutes=120 + 240)


def test_a_claimed_connector_is_not_run_by_another_worker(portfolio):
    with FakeAlegra() as fake:
        connector = alegra_connector(portfolio, fake)
        ErpConnector.objects.filter(pk=connector.pk).update(claim_token="x" * 32, claimed_at=NOW)
        assert connectors_sync_due(now=NOW + timedelta(minutes=5)) == {"runs": 0, "failed": 0}
        # a claim older than the timeout is taken over (its worker died)
        assert connectors_sync_due(now=NOW + services.CLAIM_TIMEOUT + timedelta(minutes=1))["runs"] == 1


def test_the_worker_tick_runs_due_connectors(portfolio):
    with FakeAlegra() as fake:
        alegra_book(fake)
        alegra_connector(portfolio, fake)
        report = worker_tick(worker_id="w1", now=NOW)
    assert report["erp"] == {"runs": 1, "failed": 0}
    assert Obligation.objects.count() == 3


def test_an_answer_not_in_the_documented_shape_is_a_permanent_error(portfolio):
    class Broken(FakeAlegra):
        def answer(self, record):
            if record["path"].startswith("/contacts"):
                return 200, {"metadata": {"total": 1}, "data": "not a list"}
            return super().answer(record)

    with Broken() as fake:
        connector = alegra_connector(portfolio, fake)
        run = connector_sync(connector=connector, actor="test", now=NOW)
    assert run.status == "failed" and not run.retryable
    assert run.message == "Alegra: /contacts data is not a list as the API documents it"


def test_a_bug_in_one_run_ends_it_failed_and_releases_the_claim(portfolio, monkeypatch):
    with FakeAlegra() as fake:
        connector = alegra_connector(portfolio, fake)

        def broken(*args, **kwargs):
            raise RuntimeError("boom")

        monkeypatch.setattr(services, "_import", broken)
        assert connectors_sync_due(now=NOW) == {"runs": 1, "failed": 1}
    run = ErpSyncRun.objects.get()
    assert run.status == "failed" and run.message == "internal error: RuntimeError: boom"
    connector.refresh_from_db()
    assert connector.claim_token is None and connector.failures == 1
    assert connector.next_sync_at == NOW + timedelta(minutes=120)
