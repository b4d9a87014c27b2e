"""Shared state lives in the database, a cache server or the storage backend, not in RECAUDO_HOME (issue 12): the
secret key is stored once in the database and read by every process; the cache is the database's table on
PostgreSQL (or Redis); import progress is seen by other processes while the import's transaction is still open."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import uuid
from pathlib import Path

import pytest
from django.db import connection, connections

from recaudo import SettingError
from recaudo.core.models import Installation
from recaudo.core.secret import installation_secret_key, use_installation_secret_key

ROOT = Path(__file__).resolve().parents[3]
SHARED_ENV = ["SECRET_KEY", "DATABASE_URL", "RECAUDO_HOME", "RECAUDO_CACHE_URL", "RECAUDO_S3_BUCKET",
              "RECAUDO_S3_ENDPOINT_URL", "RECAUDO_S3_REGION", "RECAUDO_S3_ACCESS_KEY_ID",
              "RECAUDO_S3_SECRET_ACCESS_KEY", "RECAUDO_S3_PREFIX", "RECAUDO_S3_ADDRESSING_STYLE"]


def python(code: str, **env) -> subprocess.CompletedProcess:
    base = {k: v for k, v in os.environ.items() if k not in SHARED_ENV}
    return subprocess.run([sys.executable, "-c", code], env={**base, "PYTHONPATH": str(ROOT), **env}, cwd=ROOT,
                          capture_output=True, text=True, timeout=120)


# -- the secret key --------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_secret_key_is_made_once_and_stored_in_the_database(monkeypatch, settings, tmp_path):
    settings.ENVIRONMENT_SECRET_KEY = ""  # no SECRET_KEY in the environment
    settings.HOME = tmp_path
    key = installation_secret_key()
    assert len(key) >= 50 and Installation.objects.get().secret_key == key
    assert installation_secret_key() == key  # read, not made again
    assert list(tmp_path.iterdir()) == []  # no file
    settings.ENVIRONMENT_SECRET_KEY = "from-the-environment-" + "x" * 40  # SECRET_KEY=...
    assert installation_secret_key() == "from-the-environment-" + "x" * 40  # the environment wins


@pytest.mark.django_db
def test_an_older_installations_key_file_is_adopted(monkeypatch, settings, tmp_path):
    settings.ENVIRONMENT_SECRET_KEY = ""  # no SECRET_KEY in the environment
    settings.HOME = tmp_path
    (tmp_path / "secret_key").write_text("la-clave-de-antes-" + "k" * 40 + "\n")
    use_installation_secret_key()
    assert settings.SECRET_KEY == "la-clave-de-antes-" + "k" * 40  # sessions signed before the upgrade stay valid
    assert Installation.objects.get().secret_key == settings.SECRET_KEY


def test_the_installation_table_holds_one_row_only(db):
    from django.db import IntegrityError, transaction

    Installation.objects.create(pk=1, secret_key="a" * 50)
    with pytest.raises(IntegrityError), transaction.atomic():
        Installation.objects.create(pk=2, secret_key="b" * 50)


def test_every_process_reads_the_same_key_and_no_home_holds_it(tmp_path):
    """Two web processes (recaudo.wsgi, as gunicorn loads it) and a command, each with a RECAUDO_HOME of its own,
    on one database: one key, the database's; no secret_key file anywhere."""
    url = f"sqlite:///{tmp_path / 'shared.sqlite3'}"
    done = python("from recaudo.cli import main; main(['migrate', '-v0'])", DATABASE_URL=url,
                  RECAUDO_HOME=str(tmp_path / "migrate"))
    assert done.returncode == 0, done.stderr
    web = "import recaudo.wsgi; from django.conf import settings; print(settings.SECRET_KEY)"
    command = ("from recaudo.cli import main; main(['portfolio', 'list', '--format', 'json']);"
               "from django.conf import settings; print(settings.SECRET_KEY)")
    keys = []
    for name, code in (("web1", web), ("web2", web), ("command", command)):
        done = python(code, DATABASE_URL=url, RECAUDO_HOME=str(tmp_path / name))
        assert done.returncode == 0, done.stderr
        keys.append(done.stdout.strip().splitlines()[-1])
    assert len(set(keys)) == 1 and len(keys[0]) >= 50
    import sqlite3

    with sqlite3.connect(tmp_path / "shared.sqlite3") as db:
        assert db.execute("select secret_key from core_installation").fetchall() == [(keys[0],)]
    assert not list(tmp_path.rglob("secret_key"))


def test_a_database_without_the_table_is_one_line(tmp_path):
    code = "from recaudo.core.secret import use_installation_secret_key as u; import django; django.setup(); u()"
    done = python(code, DATABASE_URL=f"sqlite:///{tmp_path / 'empty.sqlite3'}", RECAUDO_HOME=str(tmp_path))
    assert "cannot read the secret key from the database" in done.stderr and "run `recaudo migrate`" in done.stderr
    assert SettingError.__name__ in done.stderr


# -- the cache and the storage, from the environment -----------------------------------------------------------


def shared_settings(tmp_path, **env) -> dict:
    code = ("import json; from recaudo import settings as s; "
            "print(json.dumps({'cache': s.CACHES['default'], 'storage': s.STORAGES['default']}))")
    env.setdefault("RECAUDO_HOME", str(tmp_path))
    done = python(code, **env)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_cache_and_storage_come_from_the_environment(tmp_path):
    sqlite = shared_settings(tmp_path)
    assert sqlite["cache"] == {"BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
                               "LOCATION": str(tmp_path / "cache")}  # one machine by nature
    assert sqlite["storage"] == {"BACKEND": "django.core.files.storage.FileSystemStorage"}  # RECAUDO_HOME/media
    pg = shared_settings(tmp_path, DATABASE_URL="postgres://recaudo@db.example.internal:5432/recaudo")
    assert pg["cache"] == {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "recaudo_cache"}
    redis = shared_settings(tmp_path, DATABASE_URL="postgres://recaudo@db.example.internal:5432/recaudo",
                            RECAUDO_CACHE_URL="redis://cache.example.internal:6379/2")
    assert redis["cache"] == {"BACKEND": "django.core.cache.backends.redis.RedisCache",
                              "LOCATION": "redis://cache.example.internal:6379/2", "KEY_PREFIX": "recaudo"}
    s3 = shared_settings(tmp_path, RECAUDO_S3_BUCKET="cartera", RECAUDO_S3_ENDPOINT_URL="https://minio.local:9000",
                         RECAUDO_S3_PREFIX="/recaudo/")
    assert s3["storage"]["BACKEND"] == "storages.backends.s3.S3Storage"
    options = s3["storage"]["OPTIONS"]
    assert (options["bucket_name"], options["endpoint_url"], options["location"], options["addressing_style"],
            options["file_overwrite"], options["default_acl"]) == (
        "cartera", "https://minio.local:9000", "recaudo", "path", False, None)


@pytest.mark.parametrize("name, value, message", [
    ("RECAUDO_CACHE_URL", "memcached://x:11211", "RECAUDO_CACHE_URL must be a redis://, rediss:// or unix:// URL"),
    ("RECAUDO_S3_ADDRESSING_STYLE", "sideways", "RECAUDO_S3_ADDRESSING_STYLE must be auto, path or virtual"),
])
def test_a_bad_cache_or_storage_setting_is_one_line(tmp_path, name, value, message):
    env = {name: value, "RECAUDO_S3_BUCKET": "cartera"}
    done = python("from recaudo.cli import main; main(['check'])", RECAUDO_HOME=str(tmp_path), **env)
    assert done.returncode == 2 and done.stderr.startswith(f"recaudo: {message}")
    assert "Traceback" not in done.stderr


# -- import progress while the import runs ---------------------------------------------------------------------

PROGRESS_CSV = "code,name\n" + "".join(f"C{i},Deudor {i}\n" for i in range(1, 26))


def _seen_from_another_connection(key: str) -> dict | None:
    """What another process would read now: the cache, from a thread with its own database connection."""
    from django.core.cache import cache

    seen = {}

    def read():
        try:
            seen["value"] = cache.get(key)
        finally:
            connections.close_all()

    thread = threading.Thread(target=read)
    thread.start()
    thread.join(30)
    return seen.get("value")


def _run_with_progress_watch(portfolio, monkeypatch, tmp_path):
    """Run an import job in small chunks; after each progress report, read the cache as another process would."""
    from recaudo.imports import services
    from recaudo.imports.models import ImportJob

    path = tmp_path / "deudores.csv"
    path.write_text(PROGRESS_CSV, encoding="utf-8")
    job = ImportJob.objects.create(portfolio=portfolio, kind="debtors", filename=path.name, stored_path=str(path))
    monkeypatch.setattr(services, "CHUNK_ROWS", 10)
    monkeypatch.setattr(services, "PROGRESS_SECONDS", 120)  # a shared cache server is left as it was soon
    seen = []
    publish = services._publish_progress

    def watched(key, value):
        publish(key, value)
        seen.append((connection.in_atomic_block, _seen_from_another_connection(key)))

    monkeypatch.setattr(services, "_publish_progress", watched)
    services.import_job_run(job.pk)
    job.refresh_from_db()
    assert job.status == "done", job.message
    return seen


@pytest.mark.postgres
@pytest.mark.django_db
def test_progress_in_the_database_cache_is_seen_while_the_import_runs(portfolio, settings, monkeypatch, tmp_path):
    if connection.vendor != "postgresql":
        pytest.skip("the database cache is the default on PostgreSQL only (SQLite keeps a file cache)")
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.db.DatabaseCache",
                                   "LOCATION": "recaudo_cache"}}
    seen = _run_with_progress_watch(portfolio, monkeypatch, tmp_path)
    during = [value for in_import, value in seen if in_import]
    assert {"done": 10, "total": 25} in during and {"done": 20, "total": 25} in during
    assert seen[-1][1] == {"done": 25, "total": 25, "finished": True}


def _redis_url() -> str | None:
    try:
        import redis
    except ImportError:
        return None
    url = os.environ.get("RECAUDO_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
    try:
        redis.Redis.from_url(url, socket_connect_timeout=1).ping()
    except redis.exceptions.RedisError:
        return None
    return url


@pytest.mark.django_db
def test_progress_in_a_redis_cache_is_seen_while_the_import_runs(portfolio, settings, monkeypatch, tmp_path):
    url = _redis_url()
    if url is None:
        pytest.skip("no Redis server at 127.0.0.1:6379 (set RECAUDO_TEST_REDIS_URL)")
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": url,
                                   "KEY_PREFIX": f"recaudo-test-{uuid.uuid4().hex[:8]}"}}
    seen = _run_with_progress_watch(portfolio, monkeypatch, tmp_path)
    assert {"done": 10, "total": 25} in [value for in_import, value in seen if in_import]
    assert seen[-1][1] == {"done": 25, "total": 25, "finished": True}
