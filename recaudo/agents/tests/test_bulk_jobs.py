"""Bulk actions of the debtor list in the background (recaudo/agents/bulk.py bulk_job_*, bulk_jobs.py, tasks.py):
a message template (and any action on many debtors) is saved as a BulkJob at the confirmation and done by the
worker, batch by batch, each batch committed with the job's progress: claimed once, never done twice, resumable
where it stopped; permission and the size bound checked at the confirmation and again when it runs."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import timezone

from recaudo.accounts.models import Membership
from recaudo.agents import bulk
from recaudo.agents.bulk import BulkError, bulk_job_run
from recaudo.agents.bulk_jobs import bulk_resume, bulk_submit
from recaudo.agents.models import BulkJob
from recaudo.agents.tasks import run_bulk_job
from recaudo.audit.models import AuditEvent
from recaudo.communications import services as comms
from recaudo.communications.models import Message
from recaudo.core.errors import NotAllowed
from recaudo.demo.testing import login, make_debtor, make_obligation, make_user
from recaudo.portfolio.models import Debtor
from recaudo.portfolio.selectors import DebtorFilters
from recaudo.portfolio.services import contact_add

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 3, 3, 10, 0, tzinfo=ZoneInfo("America/Bogota"))
NORTE = DebtorFilters(tag="norte")


@pytest.fixture(autouse=True)
def _contact_hours(monkeypatch):
    monkeypatch.setattr(bulk, "_now", lambda: NOW)


@pytest.fixture
def team(portfolio, other_portfolio):
    return {"sofia": make_user("sofia", portfolio, role="supervisor"),
            "carlos": make_user("carlos", portfolio, role="agent"),
            "ana": make_user("ana", portfolio, role="admin"),
            "beto": make_user("beto", other_portfolio, role="admin")}


@pytest.fixture
def book(portfolio):
    """Three debtors tagged "norte": N1 and N2 with a consented e-mail, N3 with none."""
    today = portfolio.today()
    rows = {}
    for code, email in (("N1", True), ("N2", True), ("N3", False)):
        debtor = make_debtor(portfolio, code=code, name=f"Deudor {code}", tags="norte")
        if email:
            contact_add(debtor=debtor, channel="email", value=f"{code.lower()}@example.com", consent="granted",
                        consent_source="contrato")
        make_obligation(portfolio, debtor, number=f"F-{code}", amount="1000000", issue=today - timedelta(days=90),
                        due=today - timedelta(days=40))
        rows[code] = debtor
    return rows


def submit(portfolio, actor, action="template", key="tok-1", **kwargs):
    kwargs.setdefault("template", "reminder|email")
    kwargs.setdefault("expected", 3)
    return bulk_submit(portfolio=portfolio, actor=actor, action=action, token=key, as_of=portfolio.today(),
                       filters=NORTE, query="filtered=1&tag=norte", **kwargs)


def test_submitting_a_template_creates_a_job_and_sends_nothing_until_it_runs(portfolio, team, book):
    submitted = submit(portfolio, team["sofia"])
    job = submitted.job
    assert submitted.result is None and job.status == BulkJob.Status.PENDING
    assert (job.total, job.done, sorted(job.debtors)) == (3, 0, sorted(d.pk for d in book.values()))
    assert not Message.objects.exists() and not AuditEvent.objects.filter(event_type="message.blocked").exists()
    assert not AuditEvent.objects.filter(event_type=bulk.BATCH_EVENT).exists()
    assert AuditEvent.objects.filter(event_type="debtors.bulk_submitted").count() == 1
    run_bulk_job.enqueue(job.pk)  # the worker's turn (tests run tasks inline)
    job.refresh_from_db()
    assert job.status == BulkJob.Status.DONE and job.done == 3
    assert Message.objects.filter(source="bulk").count() == 2
    assert (job.result["queued"], job.result["blocked"]) == (2, 1)
    batch = AuditEvent.objects.get(event_type=bulk.BATCH_EVENT)
    assert batch.changes["token"] == "tok-1" and batch.changes["job"] == job.pk


def test_the_task_is_enqueued_after_the_commit(portfolio, team, book, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        job = submit(portfolio, team["sofia"]).job
    assert len(callbacks) == 1
    job.refresh_from_db()
    assert job.status == BulkJob.Status.DONE and Message.objects.count() == 2


def test_running_the_task_twice_sends_once(portfolio, team, book):
    job = submit(portfolio, team["sofia"]).job
    bulk_job_run(job.pk, worker_id="w1")
    bulk_job_run(job.pk, worker_id="w2")
    run_bulk_job.enqueue(job.pk)
    job.refresh_from_db()
    assert Message.objects.count() == 2 and job.attempts == 1
    assert AuditEvent.objects.filter(event_type=bulk.BATCH_EVENT).count() == 1
    assert AuditEvent.objects.filter(event_type="message.blocked").count() == 1


def test_a_job_claimed_by_a_live_worker_is_left_alone_and_a_silent_ones_is_taken_over(portfolio, team, book):
    job = submit(portfolio, team["sofia"]).job
    BulkJob.objects.filter(pk=job.pk).update(status="running", claimed_by="w1", heartbeat_at=timezone.now())
    bulk_job_run(job.pk, worker_id="w2")
    assert not Message.objects.exists() and BulkJob.objects.get(pk=job.pk).claimed_by == "w1"
    BulkJob.objects.filter(pk=job.pk).update(heartbeat_at=timezone.now() - bulk.JOB_STALE - timedelta(seconds=1))
    bulk_job_run(job.pk, worker_id="w2")
    job.refresh_from_db()
    assert job.status == "done" and job.claimed_by == "w2" and Message.objects.count() == 2


def test_the_cycle_worker_takes_over_a_job_whose_worker_died_or_never_came(portfolio, team, book):
    """Nobody has to press "Reanudar": a job running with a silent worker, or pending for JOB_STALE (the task worker
    down), is run by the next `recaudo worker` pass; a live worker's job and a fresh pending one are left alone."""
    from recaudo.cycle.runner import worker_tick

    killed = submit(portfolio, team["sofia"]).job
    live = submit(portfolio, team["sofia"], key="tok-2").job
    fresh = submit(portfolio, team["sofia"], key="tok-3").job
    long_ago = timezone.now() - bulk.JOB_STALE - timedelta(seconds=1)
    BulkJob.objects.filter(pk=killed.pk).update(status="running", claimed_by="w1", heartbeat_at=long_ago)
    BulkJob.objects.filter(pk=live.pk).update(status="running", claimed_by="w1", heartbeat_at=timezone.now())
    assert bulk.bulk_jobs_abandoned() == [killed.pk]
    BulkJob.objects.filter(pk=fresh.pk).update(created_at=long_ago)
    assert set(bulk.bulk_jobs_abandoned()) == {killed.pk, fresh.pk}

    report = worker_tick(worker_id="cycle-1", outbox=False)
    assert {row["job"] for row in report["bulk_jobs"]} == {killed.pk, fresh.pk}
    statuses = dict(BulkJob.objects.values_list("pk", "status"))
    assert statuses[killed.pk] == "done" and statuses[fresh.pk] == "done" and statuses[live.pk] == "running"
    assert worker_tick(worker_id="cycle-2", outbox=False)["bulk_jobs"] == []


def test_a_job_that_fails_half_way_keeps_its_committed_batches_and_resumes_at_the_next(portfolio, team, book,
                                                                                       monkeypatch):
    """Resumable per batch: each batch's messages commit with the job's progress; a failing batch is rolled back
    whole, the job stops with a reason, and resuming does the rest without sending the first batch again."""
    monkeypatch.setattr(bulk, "JOB_BATCH", 1)
    original = comms.message_enqueue_with_reason
    calls = []

    def failing(**kwargs):
        calls.append(kwargs["debtor"].code)
        if len(calls) == 2:
            raise RuntimeError("disk full")
        return original(**kwargs)

    monkeypatch.setattr(bulk, "message_enqueue_with_reason", failing)
    job = submit(portfolio, team["sofia"]).job
    bulk_job_run(job.pk, worker_id="w1")
    job.refresh_from_db()
    assert job.status == BulkJob.Status.FAILED and job.done == 1 and "RuntimeError" in job.message
    assert Message.objects.count() == 1 and AuditEvent.objects.filter(event_type="debtors.bulk_stopped").exists()
    bulk_resume(job=job, actor=team["sofia"])
    bulk_job_run(job.pk, worker_id="w2")
    job.refresh_from_db()
    assert job.status == BulkJob.Status.DONE and job.done == 3
    assert Message.objects.count() == 2 and (job.result["queued"], job.result["blocked"]) == (2, 1)
    assert calls == ["N1", "N2", "N2", "N3"]  # N1 was not done again
    with pytest.raises(BulkError):
        bulk_resume(job=job, actor=team["sofia"])  # a finished job has nothing to resume


def test_permission_is_checked_again_when_the_job_runs(portfolio, team, book):
    job = submit(portfolio, team["sofia"]).job
    Membership.objects.filter(user=team["sofia"], portfolio=portfolio).update(role="agent")
    bulk_job_run(job.pk)
    job.refresh_from_db()
    assert job.status == BulkJob.Status.FAILED and job.done == 0 and not Message.objects.exists()
    with pytest.raises(NotAllowed):
        bulk_resume(job=job, actor=team["sofia"])


def test_permission_and_the_limit_are_checked_at_the_confirmation(portfolio, team, book, monkeypatch):
    with pytest.raises(NotAllowed):
        submit(portfolio, team["carlos"])
    monkeypatch.setattr(bulk, "BULK_MAX", 2)
    with pytest.raises(BulkError) as caught:
        submit(portfolio, team["sofia"])
    assert caught.value.field == "scope" and not BulkJob.objects.exists()


def test_the_limit_is_checked_again_when_the_job_runs(portfolio, team, book, monkeypatch):
    job = submit(portfolio, team["sofia"]).job
    monkeypatch.setattr(bulk, "BULK_MAX", 2)
    bulk_job_run(job.pk)
    job.refresh_from_db()
    assert job.status == BulkJob.Status.FAILED and "2" in job.message and not Message.objects.exists()


def test_the_same_confirmation_makes_one_job(portfolio, team, book):
    submit(portfolio, team["sofia"])
    with pytest.raises(BulkError):
        submit(portfolio, team["sofia"])
    assert BulkJob.objects.count() == 1


def test_many_debtors_go_to_the_background_for_any_action_few_are_done_at_once(portfolio, team, book, monkeypatch):
    few = submit(portfolio, team["sofia"], action="tag", key="t1", add_tags=["vip"])
    assert few.job is None and few.result.changed == 3
    monkeypatch.setattr(bulk, "BACKGROUND_ABOVE", 2)
    many = submit(portfolio, team["sofia"], action="tag", key="t2", add_tags=["llamar"])
    assert many.job is not None and "llamar" not in Debtor.objects.get(pk=book["N1"].pk).tag_list
    bulk_job_run(many.job.pk)
    assert Debtor.objects.get(pk=book["N1"].pk).tag_list == ["llamar", "norte", "vip"]



def test_a_hold_on_many_debtors_runs_in_the_background_with_its_end_date(portfolio, team, book, monkeypatch):
    from recaudo.strategies.models import Hold

    monkeypatch.setattr(bulk, "BACKGROUND_ABOVE", 2)
    until = portfolio.today() + timedelta(days=10)
    job = submit(portfolio, team["sofia"], action="hold", hold_reason="claim", hold_until=until).job
    assert job.params["hold_until"] == until.isoformat() and not Hold.objects.exists()
    bulk_job_run(job.pk)
    job.refresh_from_db()
    assert job.status == "done" and job.result["changed"] == 3
    assert {h.until for h in Hold.objects.filter(portfolio=portfolio)} == {until}


# ------------------------------------------------------------------------------------------------ the pages
def confirm_template(client, portfolio):
    url = reverse("debtor_bulk", args=[portfolio.slug])
    data = {"action": "template", "scope": "filter", "query": "filtered=1&tag=norte"}
    token = client.post(url, data).context["form"].initial["token"]
    return client.post(url, {**data, "apply": "1", "token": token, "expected": "3", "template": "reminder|email"})


def test_the_confirmation_lands_on_the_job_page_which_shows_the_summary_when_done(client, portfolio, team, book):
    login(client, "sofia")
    response = confirm_template(client, portfolio)
    job = BulkJob.objects.get()
    page_url = reverse("debtor_bulk_job", args=[portfolio.slug, job.pk])
    assert response.status_code == 302 and response["Location"] == page_url
    assert not Message.objects.exists()
    waiting = client.get(page_url, HTTP_ACCEPT_LANGUAGE="es-co").content.decode()
    assert "Esperando al procesador" in waiting and 'hx-trigger="every 1s"' in waiting
    bulk_job_run(job.pk)
    text = client.get(page_url).content.decode()
    assert "En cola 2, bloqueados 1." in text and "Motivos:" in text and "N3" in text
    assert 'hx-trigger' not in text
    partial = client.get(page_url, HTTP_HX_REQUEST="true").content.decode()
    assert partial.lstrip().startswith('<div id="bulk-job-status"') and "En cola 2" in partial
    client.cookies["django_language"] = "en"
    english = client.get(page_url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Queued 2, blocked 1." in english


def test_another_portfolios_user_and_an_agent_get_404(client, portfolio, team, book):
    job = submit(portfolio, team["sofia"]).job
    url = reverse("debtor_bulk_job", args=[portfolio.slug, job.pk])
    login(client, "ana")
    assert client.get(url).status_code == 200  # the portfolio's admin sees it
    client.logout()
    login(client, "carlos")
    assert client.get(url).status_code == 404
    client.logout()
    login(client, "beto")
    assert client.get(url).status_code == 404
    assert client.get(reverse("debtor_bulk_job", args=["edificio", job.pk])).status_code == 404


def test_a_stopped_job_is_resumed_from_its_page(client, portfolio, team, book, django_capture_on_commit_callbacks):
    job = submit(portfolio, team["sofia"]).job
    BulkJob.objects.filter(pk=job.pk).update(status="failed", message="se detuvo")
    login(client, "sofia")
    url = reverse("debtor_bulk_job", args=[portfolio.slug, job.pk])
    assert "Reanudar" in client.get(url).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url)
    assert response.status_code == 302
    job.refresh_from_db()
    assert job.status == "done" and Message.objects.count() == 2
