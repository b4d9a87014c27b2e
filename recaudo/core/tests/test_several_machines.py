"""Two "machines" on one PostgreSQL (issue 12): each runs a web server (`recaudo serve`: gunicorn), a task worker
(`recaudo db_worker`, which runs web imports) and a cycle worker (`recaudo worker`: daily cycles and the outbox),
with a RECAUDO_HOME of its own, so nothing can pass through a shared file. Uploads go to an S3-compatible server on
localhost (moto's); the secret key, sessions, the cache (import progress), the task queue, the cycle claims and
the outbox are in the database.

The test signs in through web 1, uploads an import through web 1 and follows it through web 2 with the same
session, lets the workers claim and run the daily cycle, and checks every message the outbox sent was delivered
exactly once, by either worker (the file transport: one JSON line per message in that machine's HOME)."""

from __future__ import annotations

import http.cookiejar
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.urls import reverse
from django.utils import timezone

ROOT = Path(__file__).resolve().parents[3]
CLI = [sys.executable, "-m", "recaudo.cli"]
DEBTORS = 12
PASSWORD = "clave-de-prueba-larga-9"  # noqa: S105
# Local contact hours depend on the hour the test runs: a Peruvian portfolio, with the installation setting that
# applies Peru's hours to calls and visits only, may send SMS at any hour (recaudo/core/tests/settings_anytime.py).
SETTINGS_MODULE = "recaudo.core.tests.settings_anytime"
pytestmark = [
    pytest.mark.postgres, pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql",
                       reason="several machines share one PostgreSQL database (SQLite is one machine)"),
]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def database_url() -> str:
    db = connection.settings_dict
    user = urllib.parse.quote(db.get("USER") or "")
    password = f":{urllib.parse.quote(db['PASSWORD'])}" if db.get("PASSWORD") else ""
    return f"postgres://{user}{password}@{db.get('HOST') or '127.0.0.1'}:{db.get('PORT') or 5432}/{db['NAME']}"


class Browser:
    """A cookie jar shared by both servers (cookies are per host, not per port) and the CSRF dance."""

    def __init__(self):
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar), NoRedirect)

    def csrf(self) -> str:
        return next(c.value for c in self.jar if c.name == "csrftoken")

    def get(self, url: str) -> tuple[int, str, dict]:
        try:
            with self.opener.open(url, timeout=20) as response:
                return response.status, response.read().decode(), dict(response.headers)
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read().decode(errors="replace"), dict(exc.headers)

    def post(self, url: str, fields: dict, files: dict | None = None) -> tuple[int, str, dict]:
        from urllib3.filepost import encode_multipart_formdata

        body, content_type = encode_multipart_formdata({**fields, **(files or {})})
        request = urllib.request.Request(url, data=body, method="POST",  # noqa: S310 - localhost only
                                         headers={"Content-Type": content_type, "Referer": url})
        try:
            with self.opener.open(request, timeout=60) as response:
                return response.status, response.read().decode(), dict(response.headers)
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read().decode(errors="replace"), dict(exc.headers)


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def wait_for(predicate, timeout: float, what: str, processes=(), describe=lambda: ""):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for name, proc in processes:
            assert proc.poll() is None, f"{name} exited with {proc.returncode}"
        value = predicate()
        if value:
            return value
        time.sleep(0.3)
    pytest.fail(f"timed out waiting for {what} {describe()}")


@pytest.fixture
def machines(tmp_path, s3_server):
    """Starts the six processes; yields {"web": [url1, url2], "homes": [...], "processes": [...]}; stops them all."""
    base = {k: v for k, v in os.environ.items() if not k.startswith(("RECAUDO_", "SECRET_KEY", "DJANGO_"))}
    common = {**base, **s3_server["env"], "DATABASE_URL": database_url(), "DJANGO_SETTINGS_MODULE": SETTINGS_MODULE,
              "PYTHONPATH": str(ROOT), "PYTHONUNBUFFERED": "1",
              "RECAUDO_TRANSPORTS": "sms=file,email=file,whatsapp=file", "RECAUDO_IMPORT_PARALLEL": "0"}
    processes, homes, urls = [], [], []
    try:
        for index in (1, 2):
            home = tmp_path / f"machine{index}"
            home.mkdir()
            homes.append(home)
            env = {**common, "RECAUDO_HOME": str(home)}
            port = free_port()
            urls.append(f"http://127.0.0.1:{port}")
            for name, args in ((f"web{index}", ["serve", "--no-migrate", "--no-worker", "--port", str(port),
                                                "--workers", "1"]),
                               (f"tasks{index}", ["db_worker", "--no-reload", "--interval", "0.2"]),
                               (f"worker{index}", ["worker", "--interval", "0.5", "--worker-id", f"worker{index}"])):
                log = open(tmp_path / f"{name}.log", "w")  # noqa: SIM115 - closed with the process
                processes.append((name, subprocess.Popen([*CLI, *args], env=env, cwd=ROOT, stdout=log,
                                                         stderr=subprocess.STDOUT, start_new_session=True)))
        for url in urls:
            def answers(url=url):
                try:
                    with urllib.request.urlopen(f"{url}/accounts/login/", timeout=3) as response:  # noqa: S310
                        return response.status == 200
                except (urllib.error.URLError, ConnectionError):
                    return False
            wait_for(answers, 60, f"{url} to answer", processes)
        yield {"web": urls, "homes": homes, "processes": processes, "logs": tmp_path}
    finally:
        for _name, proc in processes:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
        for _name, proc in processes:
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
        from django.db import connections

        connections.close_all()


def test_two_machines_share_an_import_a_cycle_and_the_outbox(machines, s3_server, settings):  # noqa: F811
    from django.conf import global_settings

    from recaudo.communications.models import Message
    from recaudo.demo.testing import make_portfolio, make_user
    from recaudo.imports.models import ImportJob
    from recaudo.portfolio.models import Debtor
    from recaudo.portfolio.services import consents_grant_missing, contact_add
    from recaudo.strategies.models import CycleRun, PortfolioCycleSettings
    from recaudo.strategies.services import strategy_ensure_default

    started = time.monotonic()
    portfolio = make_portfolio(slug="lima", name="Cartera Lima", country="PE", currency="PEN", tz="America/Lima")
    settings.PASSWORD_HASHERS = global_settings.PASSWORD_HASHERS  # the servers' hashers, not the tests' fast one
    make_user("ana", portfolio, role="admin", password=PASSWORD)
    strategy_ensure_default(portfolio)
    web1, web2 = machines["web"]
    processes = machines["processes"]

    # sign in through web 1
    browser = Browser()
    status, _html, _ = browser.get(f"{web1}/accounts/login/")
    assert status == 200
    status, _html, headers = browser.post(f"{web1}/accounts/login/", {
        "csrfmiddlewaretoken": browser.csrf(), "username": "ana", "password": PASSWORD})
    assert status == 302, _html[:500]

    # upload through web 1
    today = timezone.localdate()
    rows = "".join(f"F-{i},D{i:03},Deudor {i},+51 987 654 {i:03},{(today - timedelta(days=60)):%d/%m/%Y},"
                   f"{(today - timedelta(days=30)):%d/%m/%Y},{100 + i}000\n" for i in range(1, DEBTORS + 1))
    csv = "number,debtor_code,debtor_name,debtor_phone,issue_date,due_date,amount\n" + rows
    imports = f"{web1}{reverse('import_list', args=[portfolio.slug])}"
    status, html, _ = browser.get(imports)
    assert status == 200, html[:300]
    status, html, headers = browser.post(imports, {
        "csrfmiddlewaretoken": browser.csrf(), "kind": "obligations", "decimal": "auto", "encoding": "auto",
        "skip_invalid": "on"}, files={"file": ("cartera-lima.csv", csv.encode(), "text/csv")})
    assert status == 302, html[:1000]
    job = ImportJob.objects.get(portfolio=portfolio)
    assert headers["Location"].endswith(reverse("import_detail", args=[portfolio.slug, job.pk]))

    # follow it through web 2, signed in by web 1's session
    def finished_on_web2():
        status, html, _ = browser.get(f"{web2}{headers['Location']}")
        assert status == 200, f"web 2 answered {status}: is the session shared?"
        found = re.search(r'data-status="(\w+)"', html)
        return found and found.group(1) not in ("pending", "running") and (found.group(1), html)

    final, html = wait_for(finished_on_web2, 60, "the import to finish", processes)
    job.refresh_from_db()
    assert final == "done", job.message
    assert Debtor.objects.filter(portfolio=portfolio).count() == DEBTORS
    listing = s3_server["client"].list_objects_v2(Bucket=s3_server["bucket"])
    assert [item["Key"] for item in listing.get("Contents", [])] == [job.stored_path]  # the upload is in the bucket

    # the daily cycle: due now; one of the two workers claims and runs it
    for debtor in Debtor.objects.filter(portfolio=portfolio):  # the strategy writes on WhatsApp first
        contact_add(debtor=debtor, channel="whatsapp", value="+51987654321")
    consents_grant_missing(portfolio=portfolio, source="cláusula del contrato")
    due = timezone.now() - timedelta(minutes=1)
    PortfolioCycleSettings.objects.filter(portfolio=portfolio).update(next_cycle_at=due)
    run = wait_for(lambda: CycleRun.objects.filter(portfolio=portfolio, status="done").first(), 60,
                   "the cycle to run", processes)
    assert CycleRun.objects.filter(portfolio=portfolio).count() == 1

    # the outbox: every message sent, each delivered once, by either worker. The strategy schedules its messages
    # at the start of the portfolio's working day: the test brings that moment to now.
    assert Message.objects.filter(portfolio=portfolio).count() == DEBTORS
    Message.objects.filter(portfolio=portfolio, status="queued").update(next_attempt_at=timezone.now())
    def outbox_done():
        messages = Message.objects.filter(portfolio=portfolio)
        return messages.exists() and not messages.filter(status__in=["queued", "sending"]).exists()

    wait_for(outbox_done, 60, "the outbox to empty", processes, describe=lambda: list(
        Message.objects.filter(portfolio=portfolio).values_list("status", "channel", "next_attempt_at", "last_error")))
    sent = set(Message.objects.filter(portfolio=portfolio, status="sent").values_list("pk", flat=True))
    assert sent, list(Message.objects.filter(portfolio=portfolio).values_list("status", "last_error"))
    delivered = []
    for home in machines["homes"]:
        outbox = home / "outbox.jsonl"
        if outbox.exists():
            delivered += [json.loads(line)["id"] for line in outbox.read_text().splitlines()]
    assert sorted(delivered) == sorted(sent)  # each exactly once

    # nothing shared through RECAUDO_HOME: no secret key file, no uploads, no cache files on either machine
    for home in machines["homes"]:
        names = {p.relative_to(home).parts[0] for p in home.rglob("*")}
        assert names <= {"static", "outbox.jsonl"}, names
    assert run.status == "done"
    assert time.monotonic() - started < 90
