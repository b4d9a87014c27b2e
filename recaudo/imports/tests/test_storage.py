"""Import files live in the storage backend (issue 12): the web process saves the upload there, the worker reads it
through the storage API, the rejected rows go there too, retention deletes them there. The S3-compatible backend
runs against moto's S3 server on localhost (the s3_server fixture)."""

from datetime import UTC, datetime, timedelta

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.urls import reverse

from recaudo.demo.testing import login
from recaudo.imports.models import ImportJob
from recaudo.imports.tasks import run_import_job
from recaudo.imports.uploads import local_copy
from recaudo.portfolio.models import Obligation
from recaudo.privacy.services import privacy_settings_set, retention_run

from .test_views import BAD_CSV, upload

pytestmark = pytest.mark.django_db


def bucket_keys(s3) -> list[str]:
    listing = s3["client"].list_objects_v2(Bucket=s3["bucket"])
    return sorted(item["Key"] for item in listing.get("Contents", []))


def test_uploads_reports_and_retention_go_through_an_s3_bucket(client, people, portfolio, s3_storage, settings,
                                                                django_capture_on_commit_callbacks):
    from django.core.files.storage import storages
    from storages.backends.s3 import S3Storage

    assert isinstance(storages["default"], S3Storage)
    client = login(client, "ana")
    with django_capture_on_commit_callbacks(execute=True):
        response = upload(client, portfolio, BAD_CSV, name="malas.csv", skip_invalid="on")
    assert response.status_code == 302
    job = ImportJob.objects.get()
    assert job.status == ImportJob.Status.DONE, job.message
    assert Obligation.objects.filter(portfolio=portfolio).count() == 1  # the worker read the file from the bucket
    assert job.stored_path.startswith("imports/") and job.stored_path.endswith("-malas.csv")
    assert job.rejected_path == job.stored_path.removesuffix(".csv") + ".rejected.csv"
    assert bucket_keys(s3_storage) == sorted([job.stored_path, job.rejected_path])
    assert not (settings.MEDIA_ROOT / "imports").exists()  # nothing on this machine's disk
    # the page's message names no storage path (issue 14: never an internal name); the report is a download
    assert "imports/" not in job.message and "tmp" not in job.message
    assert "se pueden descargar" in job.message  # in the language of the page that submitted it

    download = client.get(reverse("import_rejected", args=[portfolio.slug, job.pk]))
    assert download.status_code == 200
    body = b"".join(download.streaming_content).decode("utf-8-sig")
    assert "F-2" in body and "F-3" in body and "F-1" not in body

    privacy_settings_set(portfolio=portfolio, retain_import_files_days=30)
    [result] = retention_run(portfolio=portfolio, now=datetime.now(UTC) + timedelta(days=31))
    assert (result.files_deleted, result.imports_cleared) == (2, 1)
    assert bucket_keys(s3_storage) == []
    assert client.get(reverse("import_rejected", args=[portfolio.slug, job.pk])).status_code == 404


def test_a_remote_file_is_copied_for_the_parser_and_the_copy_removed(s3_storage):
    name = default_storage.save("imports/abc-cartera.csv", ContentFile(b"code,name\nC1,Ana\n"))
    with local_copy(name) as path:
        assert path.name == "abc-cartera.csv" and path.read_bytes() == b"code,name\nC1,Ana\n"
    assert not path.exists() and not path.parent.exists()
    with pytest.raises(FileNotFoundError), local_copy("imports/missing.csv"):
        pass


def test_a_job_whose_file_is_gone_fails_with_a_clear_message(portfolio, s3_storage):
    job = ImportJob.objects.create(portfolio=portfolio, kind="debtors", filename="deudores.csv",
                                   stored_path="imports/0123-deudores.csv")
    run_import_job.enqueue(job.pk)
    job.refresh_from_db()
    assert job.status == "failed"
    assert job.message == "el archivo subido deudores.csv ya no está guardado; súbalo de nuevo"


def test_the_local_folder_is_the_default_storage(client, people, portfolio, settings,
                                                 django_capture_on_commit_callbacks):
    client = login(client, "ana")
    with django_capture_on_commit_callbacks(execute=True):
        upload(client, portfolio, BAD_CSV, name="malas.csv", skip_invalid="on")
    job = ImportJob.objects.get()
    assert (settings.MEDIA_ROOT / job.stored_path).is_file() and (settings.MEDIA_ROOT / job.rejected_path).is_file()
