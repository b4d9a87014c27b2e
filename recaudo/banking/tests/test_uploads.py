"""The bank page's uploads: a small file is imported at once, a larger one in the background with its progress on
its page; a run whose worker died is taken over; only supervisors and administrators upload."""

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from recaudo.banking import jobs, runs
from recaudo.banking.models import BankLine, BankUpload
from recaudo.banking.tests import files
from recaudo.core.errors import NotAllowed
from recaudo.demo.testing import login, make_debtor, make_obligation, make_portfolio, make_user
from recaudo.ledger.models import Payment

pytestmark = pytest.mark.django_db


@pytest.fixture
def book():
    portfolio = make_portfolio()
    luz = make_debtor(portfolio, code="C001", id_type="CC", id_number="52123456")
    make_obligation(portfolio, luz, number="1203", amount="1000000")
    make_user("sofia", portfolio, role="supervisor")
    make_user("carlos", portfolio, role="agent")
    return portfolio


TEXT = files.file_2001([("7709998000011", [("1203", 30_000_000), ("99999", 5_000)])])


def _post(client, portfolio, text=TEXT, **data):
    upload = SimpleUploadedFile("recaudo <i>&1.txt", text.encode())
    return client.post(reverse("bank_upload", args=[portfolio.slug]), {"file": upload, "layout": "auto", **data})


def test_a_small_file_is_imported_at_once_and_its_page_shows_the_result(client, book):
    login(client, "sofia")
    response = _post(client, book)
    upload = BankUpload.objects.get()
    assert response.status_code == 302 and response.url == reverse("bank_upload_detail", args=[book.slug, upload.pk])
    assert upload.status == "done" and upload.summary["applied"] == 1 and upload.summary["queued"] == 1
    assert upload.content == b"" and upload.size == len(TEXT.encode())  # the bytes are not kept once imported
    page = client.get(response.url).content.decode()
    assert "Archivo importado" in page and "300.000,00" in page and "hx-trigger" not in page
    assert "recaudo &lt;i&gt;&amp;1.txt" in page
    listing = client.get(reverse("bank_upload", args=[book.slug])).content.decode()
    assert "Últimas cargas" in listing and "Terminado" in listing


def test_a_large_file_goes_to_the_worker_and_its_page_follows_the_progress(client, book, monkeypatch,
                                                                              django_capture_on_commit_callbacks):
    monkeypatch.setattr(jobs, "INLINE_BYTES", 100)
    login(client, "sofia")
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = _post(client, book)
    upload = BankUpload.objects.get()
    assert upload.status == "pending" and len(callbacks) == 1 and not Payment.objects.exists()
    page = client.get(response.url).content.decode()
    assert "Importando el archivo" in page and 'hx-trigger="every 1s"' in page and "Esperando" in page
    callbacks[0]()  # the task: the test backend runs it at once
    upload.refresh_from_db()
    assert upload.status == "done" and Payment.objects.count() == 1
    fragment = client.get(response.url, headers={"HX-Request": "true"}).content.decode()
    assert fragment.startswith('\n<div id="bank-upload-status"') or 'id="bank-upload-status"' in fragment[:200]
    assert "hx-trigger" not in fragment and "Archivo importado" in fragment and "<html" not in fragment


def test_the_progress_of_a_run_is_written_to_the_upload(book):
    upload = BankUpload.objects.create(portfolio=book, content=TEXT.encode(), status="running", claimed_by="w1")
    runs._progress(upload.pk, "w1")("apply", 2_000, 100_000)
    runs._progress(upload.pk, "w2")("apply", 4_000, 100_000)  # not the worker holding it: ignored
    upload.refresh_from_db()
    assert (upload.stage, upload.done, upload.total, upload.percent) == ("apply", 2_000, 100_000, 2)


def test_a_refused_file_says_every_problem_and_applies_nothing(client, book):
    login(client, "sofia")
    bad = files.file_2001([("7709998000011", [("1203", 30_000_000)])], totals={"file": 999})
    page = client.get(_post(client, book, bad).url).content.decode()
    assert "El archivo fue rechazado: no se aplicó nada" in page and 'id="file-errors"' in page
    assert "el control de archivo dice 9,99" in page
    assert BankUpload.objects.get().status == "refused" and not BankLine.objects.exists()


def test_a_run_whose_worker_died_is_taken_over_by_the_cycle_worker_and_applies_nothing_twice(book):
    from recaudo.cycle.runner import worker_tick

    first = jobs.bank_upload_submit(portfolio=book, content=TEXT.encode(), filename="a.txt",
                                    actor=book.memberships.get(user__username="sofia").user)
    assert first.status == "done" and Payment.objects.count() == 1
    long_ago = timezone.now() - runs.UPLOAD_STALE - timedelta(seconds=1)
    killed = BankUpload.objects.create(portfolio=book, content=TEXT.encode(), filename="b.txt", status="running",
                                       claimed_by="dead", heartbeat_at=long_ago)
    live = BankUpload.objects.create(portfolio=book, content=TEXT.encode(), filename="c.txt", status="running",
                                     claimed_by="alive", heartbeat_at=timezone.now())
    assert runs.bank_uploads_abandoned() == [killed.pk]
    report = worker_tick(worker_id="cycle-1", outbox=False)
    assert report["bank_uploads"] == [{"upload": killed.pk, "status": "done"}]
    killed.refresh_from_db()
    assert killed.summary["duplicate"] == 2 and Payment.objects.count() == 1  # the same file: nothing twice
    assert BankUpload.objects.get(pk=live.pk).status == "running"


def test_only_supervisors_and_administrators_upload(client, book):
    agent = book.memberships.get(user__username="carlos").user
    with pytest.raises(NotAllowed):
        jobs.bank_upload_submit(portfolio=book, content=TEXT.encode(), filename="a.txt", actor=agent)
    with pytest.raises(NotAllowed):
        jobs.bank_upload_submit(portfolio=book, content=TEXT.encode(), filename="a.txt", actor="cli")
    assert not BankUpload.objects.exists()
    login(client, "carlos")
    assert _post(client, book).status_code == 404
