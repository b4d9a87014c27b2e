"""Retention: uploaded import files and message texts older than the portfolio's settings go; the import's report
and the message's metadata stay; a second run does nothing (frozen dates)."""

from datetime import UTC, datetime, timedelta

import pytest

from recaudo.audit.models import AuditEvent
from recaudo.communications.models import Message
from recaudo.imports.models import ImportJob
from recaudo.privacy.services import PrivacyError, privacy_settings_set, retention_run

from .conftest import make_message

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 12, 6, 12, 0, tzinfo=UTC)


def make_job(portfolio, tmp_path, name, finished, status="done"):
    upload = tmp_path / f"{name}.csv"
    upload.write_text("code,name\nC1,Ana\n", encoding="utf-8")
    rejected = tmp_path / f"{name}.rejected.csv"
    rejected.write_text("row,error\n", encoding="utf-8")
    return ImportJob.objects.create(portfolio=portfolio, kind="debtors", filename=upload.name,
                                    stored_path=str(upload), rejected_path=str(rejected), status=status,
                                    finished_at=finished, result={"created": 1, "errors": [["2", "x"]]})


def test_nothing_goes_while_the_settings_keep_everything(portfolio, luz, tmp_path):
    job = make_job(portfolio, tmp_path, "old", NOW - timedelta(days=4000))
    make_message(luz, created=NOW - timedelta(days=4000))
    [result] = retention_run(portfolio=portfolio, now=NOW)
    assert (result.files_deleted, result.imports_cleared, result.messages_blanked) == (0, 0, 0)
    assert ImportJob.objects.get(pk=job.pk).stored_path == job.stored_path
    assert not AuditEvent.objects.filter(event_type="retention.applied").exists()


def test_old_files_and_bodies_go_recent_ones_stay_and_a_second_run_does_nothing(portfolio, luz, tmp_path):
    privacy_settings_set(portfolio=portfolio, retain_import_files_days=90, retain_message_bodies_days=365)
    old_job = make_job(portfolio, tmp_path, "old", NOW - timedelta(days=91))
    edge_job = make_job(portfolio, tmp_path, "edge", NOW - timedelta(days=90))  # exactly 90 days: kept
    running = make_job(portfolio, tmp_path, "running", NOW - timedelta(days=200), status="running")
    old = make_message(luz, created=NOW - timedelta(days=366), key="old")
    recent = make_message(luz, created=NOW - timedelta(days=364), key="recent")
    queued = make_message(luz, created=NOW - timedelta(days=400), status="queued", key="queued")

    [result] = retention_run(portfolio=portfolio, now=NOW)
    assert (result.files_deleted, result.imports_cleared, result.messages_blanked) == (2, 1, 1)
    old_job.refresh_from_db()
    assert (old_job.stored_path, old_job.rejected_path) == ("", "")
    assert old_job.result == {"created": 1, "errors": [["2", "x"]]}  # the report stays
    assert not (tmp_path / "old.csv").exists() and not (tmp_path / "old.rejected.csv").exists()
    assert (tmp_path / "edge.csv").exists() and (tmp_path / "running.csv").exists()
    assert ImportJob.objects.get(pk=edge_job.pk).stored_path and ImportJob.objects.get(pk=running.pk).stored_path
    old.refresh_from_db()
    assert (old.body, old.subject, old.provider_payload, old.context) == ("", "", {}, {})
    assert (old.channel, old.status, old.to, old.sent_at) == ("sms", "sent", "+573001234567",
                                                              NOW - timedelta(days=366))
    assert Message.objects.get(pk=recent.pk).body.startswith("Hola")
    assert Message.objects.get(pk=queued.pk).body.startswith("Hola")  # still to go out: never blanked
    event = AuditEvent.objects.get(event_type="retention.applied")
    assert event.changes["message_bodies_blanked"] == 1
    assert event.changes["import_files_deleted"] == 2

    [again] = retention_run(portfolio=portfolio, now=NOW)
    assert (again.files_deleted, again.imports_cleared, again.messages_blanked) == (0, 0, 0)
    assert AuditEvent.objects.filter(event_type="retention.applied").count() == 1

    [later] = retention_run(portfolio=portfolio, now=NOW + timedelta(days=2))
    assert (later.files_deleted, later.imports_cleared, later.messages_blanked) == (2, 1, 1)


def test_a_dry_run_counts_and_changes_nothing(portfolio, luz, tmp_path):
    privacy_settings_set(portfolio=portfolio, retain_import_files_days=30, retain_message_bodies_days=30)
    job = make_job(portfolio, tmp_path, "old", NOW - timedelta(days=31))
    message = make_message(luz, created=NOW - timedelta(days=31))
    [result] = retention_run(portfolio=portfolio, now=NOW, dry_run=True)
    assert (result.files_deleted, result.imports_cleared, result.messages_blanked) == (2, 1, 1)
    assert ImportJob.objects.get(pk=job.pk).stored_path and (tmp_path / "old.csv").exists()
    assert Message.objects.get(pk=message.pk).body


def test_the_daily_cycle_applies_retention(portfolio, luz, tmp_path):
    from recaudo.cycle.runner import cycle_run

    privacy_settings_set(portfolio=portfolio, retain_message_bodies_days=30)
    message = make_message(luz, created=NOW - timedelta(days=31))
    cycle_run(portfolio=portfolio, now=NOW)
    assert Message.objects.get(pk=message.pk).body == ""


def test_settings_are_validated_and_audited(portfolio):
    with pytest.raises(PrivacyError, match="retain_import_files_days: 0 is not a number of days"):
        privacy_settings_set(portfolio=portfolio, retain_import_files_days=0)
    privacy_settings_set(portfolio=portfolio, agents_see_assigned_only=True, retain_message_bodies_days=180,
                         actor="cli")
    event = AuditEvent.objects.get(event_type="portfolio.privacy_settings")
    assert event.changes == {"agents_see_assigned_only": [False, True], "retain_message_bodies_days": [None, 180]}
