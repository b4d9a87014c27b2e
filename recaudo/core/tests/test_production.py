"""Served like production (issue 12): gunicorn + WhiteNoise, HTTPS settings from the environment, no-store."""

from __future__ import annotations

import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from django.urls import reverse

from recaudo import SettingError
from recaudo.demo.testing import login, make_debtor, make_obligation, make_user
from recaudo.settings import proxy_ssl_header

ROOT = Path(__file__).resolve().parents[3]
SETTINGS = ["SESSION_COOKIE_SECURE", "CSRF_COOKIE_SECURE", "SECURE_SSL_REDIRECT", "SECURE_HSTS_SECONDS",
            "SECURE_HSTS_INCLUDE_SUBDOMAINS", "SECURE_HSTS_PRELOAD", "SECURE_PROXY_SSL_HEADER", "SESSION_COOKIE_AGE",
            "SESSION_EXPIRE_AT_BROWSER_CLOSE"]
ENV_NAMES = ["RECAUDO_HTTPS", "RECAUDO_PROXY_SSL_HEADER", "RECAUDO_SESSION_MINUTES", "RECAUDO_SESSION_AT_BROWSER_CLOSE",
             "RECAUDO_WEB_WORKERS", "DEBUG", "SECRET_KEY", "ALLOWED_HOSTS", "RECAUDO_CACHE_URL", "RECAUDO_S3_BUCKET",
             *SETTINGS]


def clean_env(tmp_path, **extra) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ENV_NAMES}
    env.update(RECAUDO_HOME=str(tmp_path / "home"), DATABASE_URL=f"sqlite:///{tmp_path / 'home' / 'db.sqlite3'}",
               PYTHONPATH=str(ROOT), **extra)
    return env


def settings_in(tmp_path, **env) -> dict:
    code = ("import json; from recaudo import settings as s; "
            f"print(json.dumps({{n: getattr(s, n) for n in {SETTINGS}}}))")
    done = subprocess.run([sys.executable, "-c", code], env=clean_env(tmp_path, **env), capture_output=True,
                          text=True, timeout=60, cwd=ROOT)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_https_settings_come_from_the_environment(tmp_path):
    plain = settings_in(tmp_path)
    assert plain == {"SESSION_COOKIE_SECURE": False, "CSRF_COOKIE_SECURE": False, "SECURE_SSL_REDIRECT": False,
                     "SECURE_HSTS_SECONDS": 0, "SECURE_HSTS_INCLUDE_SUBDOMAINS": False, "SECURE_HSTS_PRELOAD": False,
                     "SECURE_PROXY_SSL_HEADER": None, "SESSION_COOKIE_AGE": 480 * 60,
                     "SESSION_EXPIRE_AT_BROWSER_CLOSE": True}
    https = settings_in(tmp_path, RECAUDO_HTTPS="1", RECAUDO_PROXY_SSL_HEADER="1", RECAUDO_SESSION_MINUTES="90",
                        RECAUDO_SESSION_AT_BROWSER_CLOSE="0")
    assert https == {"SESSION_COOKIE_SECURE": True, "CSRF_COOKIE_SECURE": True, "SECURE_SSL_REDIRECT": True,
                     "SECURE_HSTS_SECONDS": 31_536_000, "SECURE_HSTS_INCLUDE_SUBDOMAINS": True,
                     "SECURE_HSTS_PRELOAD": False, "SECURE_PROXY_SSL_HEADER": ["HTTP_X_FORWARDED_PROTO", "https"],
                     "SESSION_COOKIE_AGE": 5400, "SESSION_EXPIRE_AT_BROWSER_CLOSE": False}
    # each one can be set on its own, over RECAUDO_HTTPS
    partial = settings_in(tmp_path, RECAUDO_HTTPS="1", SECURE_SSL_REDIRECT="0", SECURE_HSTS_SECONDS="3600")
    assert (partial["SECURE_SSL_REDIRECT"], partial["SECURE_HSTS_SECONDS"], partial["SESSION_COOKIE_SECURE"]) == (
        False, 3600, True)


@pytest.mark.parametrize("value, header", [
    (None, None), ("", None), ("0", None), ("false", None),
    ("1", ("HTTP_X_FORWARDED_PROTO", "https")), ("true", ("HTTP_X_FORWARDED_PROTO", "https")),
    ("X-Forwarded-Ssl=on", ("HTTP_X_FORWARDED_SSL", "on")), ("X-Scheme", ("HTTP_X_SCHEME", "https")),
])
def test_proxy_ssl_header(value, header):
    assert proxy_ssl_header(value) == header


@pytest.mark.parametrize("value", ["=https", "X Forwarded Proto", "X_Forwarded:Proto"])
def test_proxy_ssl_header_refuses_what_is_not_a_header_name(value):
    with pytest.raises(SettingError, match="RECAUDO_PROXY_SSL_HEADER must be a header name"):
        proxy_ssl_header(value)


@pytest.mark.parametrize("name, value, message", [
    ("RECAUDO_SESSION_MINUTES", "ocho", "RECAUDO_SESSION_MINUTES must be a whole number of at least 1, not 'ocho'"),
    ("RECAUDO_SESSION_MINUTES", "0", "RECAUDO_SESSION_MINUTES must be a whole number of at least 1, not '0'"),
    ("SECURE_HSTS_SECONDS", "1y", "SECURE_HSTS_SECONDS must be a whole number of at least 0, not '1y'"),
    ("RECAUDO_PROXY_SSL_HEADER", "=https", "RECAUDO_PROXY_SSL_HEADER must be a header name"),
    ("RECAUDO_WEB_WORKERS", "many", "RECAUDO_WEB_WORKERS must be a whole number of processes, not 'many'"),
])
def test_a_bad_setting_is_one_line(tmp_path, name, value, message):
    done = subprocess.run([sys.executable, "-m", "recaudo.cli", "check"], env=clean_env(tmp_path, **{name: value}),
                          capture_output=True, text=True, timeout=60, cwd=ROOT)
    assert done.returncode == 2
    assert done.stderr.startswith(f"recaudo: {message}") and done.stderr.count("\n") == 1
    assert "Traceback" not in done.stderr


def test_check_deploy_is_clean_with_the_https_environment(tmp_path):
    def check(**env):
        env = clean_env(tmp_path, SECRET_KEY=secrets.token_urlsafe(60), ALLOWED_HOSTS="cobros.example.co", **env)
        return subprocess.run([sys.executable, "-m", "recaudo.cli", "check", "--deploy"], env=env,
                              capture_output=True, text=True, timeout=60, cwd=ROOT)

    done = check(RECAUDO_HTTPS="1", SECURE_HSTS_PRELOAD="1", RECAUDO_PROXY_SSL_HEADER="1")
    assert done.returncode == 0, done.stderr
    assert "System check identified no issues" in done.stdout
    assert "WARNINGS" not in done.stderr, done.stderr
    # without RECAUDO_HTTPS, --deploy names what is missing
    plain = check()
    for code in ("W004", "W008", "W012", "W016"):
        assert f"security.{code}" in plain.stderr


# -- Cache-Control: no-store --------------------------------------------------------------------------------


@pytest.mark.django_db
def test_no_store_on_signed_in_pages_and_exports_not_on_static_files(client, portfolio, settings):
    settings.WHITENOISE_USE_FINDERS = True  # serve recaudo/static without collectstatic (read when the client starts)
    make_user("ana", portfolio, role="admin")
    debtor = make_debtor(portfolio)
    make_obligation(portfolio, debtor)

    login(client, "ana")
    page = client.get(reverse("dashboard"))
    assert page.status_code == 200
    assert "no-store" in page.headers["Cache-Control"]
    export = client.get(reverse("statement", args=[portfolio.slug, debtor.pk, "csv"]))
    assert export.status_code == 200 and "attachment" in export.headers["Content-Disposition"]
    assert "no-store" in export.headers["Cache-Control"]

    static = client.get("/static/recaudo/app.css")
    assert static.status_code == 200
    assert "no-store" not in static.headers.get("Cache-Control", "")
    assert "max-age" in static.headers["Cache-Control"]  # WhiteNoise's own caching


def test_no_store_on_a_download_even_without_a_user():
    from django.http import HttpResponse
    from django.test import RequestFactory

    from recaudo.core.nostore import NoStoreMiddleware

    def download(request):
        response = HttpResponse(b"a,b\n", content_type="text/csv")
        response.headers["Content-Disposition"] = 'attachment; filename="x.csv"'
        return response

    response = NoStoreMiddleware(download)(RequestFactory().get("/x.csv"))
    assert "no-store" in response.headers["Cache-Control"]
    plain = NoStoreMiddleware(lambda request: HttpResponse("hola"))(RequestFactory().get("/"))
    assert "Cache-Control" not in plain.headers


# -- recaudo serve, for real ---------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_serve_runs_gunicorn_and_answers(tmp_path):
    port = free_port()
    env = clean_env(tmp_path, TASKS_BACKEND="django_tasks.backends.immediate.ImmediateBackend")
    server = subprocess.Popen([sys.executable, "-m", "recaudo.cli", "serve", "--port", str(port), "--workers", "2"],
                              env=env, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        deadline, answer = time.monotonic() + 180, None  # migrating a new SQLite database comes first
        while time.monotonic() < deadline and server.poll() is None:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/accounts/login/", timeout=5) as response:  # noqa: S310
                    answer = response.status, response.read().decode()
                break
            except urllib.error.HTTPError:
                raise
            except (urllib.error.URLError, ConnectionError):  # not listening yet
                time.sleep(0.5)
        assert answer is not None, f"no answer; exit {server.poll()}"
        assert answer[0] == 200 and "csrfmiddlewaretoken" in answer[1]
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/static/recaudo/app.css", timeout=5) as css:  # noqa: S310
            assert css.status == 200 and "max-age" in css.headers["Cache-Control"]
        assert (tmp_path / "home" / "static" / "recaudo" / "app.css").is_file()  # collectstatic ran
    finally:
        server.send_signal(signal.SIGTERM)
        output = server.communicate(timeout=30)[0]
    assert server.returncode == 0, output
    assert "web server: gunicorn, 2 workers" in output and "Booting worker" in output
    with socket.socket() as probe:  # gunicorn is gone: the port is free again
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        probe.bind(("127.0.0.1", port))
