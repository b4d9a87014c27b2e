"""The `recaudo` commands: ledger, serve, and the CLI's help texts (portfolio: reports/tests/test_portfolio_command.py,
user: accounts/tests/test_commands.py)."""

import io
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from recaudo import cli
from recaudo.portfolio.models import Portfolio

ROOT = Path(__file__).resolve().parents[3]


def run(*args):
    out, err = io.StringIO(), io.StringIO()
    call_command(*args, stdout=out, stderr=err)
    return out.getvalue()


# -- help ----------------------------------------------------------------------------------------------------


def test_recaudo_help_lists_every_command(capsys):
    cli.main(["--help"])
    out = capsys.readouterr().out
    for name in cli.COMMANDS:
        assert f"  {name}" in out


def test_recaudo_help_via_console_script():
    script = Path(sys.executable).parent / "recaudo"
    command = [str(script)] if script.exists() else [sys.executable, "-m", "recaudo.cli"]
    done = subprocess.run([*command, "--help"], capture_output=True, text=True, timeout=60, cwd=ROOT)
    assert done.returncode == 0
    assert "portfolio" in done.stdout and "demo" in done.stdout
    done = subprocess.run([*command, "portfolio", "create", "--help"], capture_output=True, text=True, timeout=60,
                          cwd=ROOT)
    assert done.returncode == 0, done.stderr
    assert "--currency" in done.stdout


@pytest.mark.parametrize(
    "argv, expected",
    [
        (["demo", "--help"], "--no-serve"),
        (["serve", "--help"], "--no-worker"),
        (["portfolio", "--help"], "{create,list,show}"),
        (["portfolio", "create", "--help"], "--tz ZONE"),
        (["portfolio", "list", "--help"], "--format"),
        (["portfolio", "show", "--help"], "--format"),
        (["user", "--help"], "{create,grant}"),
        (["user", "create", "--help"], "--password-stdin"),
        (["user", "grant", "--help"], "--role"),
        (["ledger", "--help"], "{pay,reverse,verify}"),
        (["ledger", "pay", "--help"], "--obligation"),
        (["ledger", "reverse", "--help"], "--payment-reference"),
        (["ledger", "verify", "--help"], "--portfolio"),
    ],
)
def test_command_help(capsys, argv, expected):
    with pytest.raises(SystemExit) as exit_info:
        cli.main(argv)
    assert exit_info.value.code == 0
    assert expected in capsys.readouterr().out


# -- serve ---------------------------------------------------------------------------------------------------


class FakeWorker:
    def __init__(self, argv):
        self.argv, self.pid, self.terminated = argv, 4242, False

    def poll(self):
        return 0 if self.terminated else None

    def terminate(self):
        self.terminated = True

    def wait(self, timeout=None):
        return 0


@pytest.mark.django_db
def test_serve_runs_gunicorn_with_a_worker_and_stops_it(settings, monkeypatch):
    from recaudo.core.management.commands import serve as serve_module

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    calls, children = [], []

    class FakeServer(FakeWorker):
        def wait(self, timeout=None):
            # the task workers run while the web server does
            assert len(children) == 3 and not any(c.terminated for c in children[:2])
            raise KeyboardInterrupt

    def fake_popen(argv):
        children.append((FakeServer if "gunicorn" in argv else FakeWorker)(argv))
        return children[-1]

    monkeypatch.setattr(serve_module, "call_command", lambda name, *a, **k: calls.append((name, a)))
    monkeypatch.setattr(serve_module.subprocess, "Popen", fake_popen)
    monkeypatch.setattr(serve_module, "check_port", lambda host, port: None)
    settings.RECAUDO_WEB_WORKERS = None
    with pytest.raises(KeyboardInterrupt):
        call_command("serve", "--port", "8123", "--host", "127.0.0.2", stdout=io.StringIO())
    assert calls == [("migrate", ()), ("collectstatic", ())]
    assert children[0].argv == [sys.executable, "-m", "recaudo.cli", "db_worker", "--no-reload"]
    assert children[1].argv == [sys.executable, "-m", "recaudo.cli", "worker"]
    assert children[2].argv == [sys.executable, "-m", "gunicorn", "recaudo.wsgi:application", "--bind",
                                "127.0.0.2:8123", "--workers", "2", "--access-logfile", "-", "--graceful-timeout",
                                "10", "--timeout", "120"]
    assert all(c.terminated for c in children)

    calls.clear()
    children.clear()
    monkeypatch.setattr(FakeServer, "wait", lambda self, timeout=None: 0)
    settings.RECAUDO_WEB_WORKERS = 5  # RECAUDO_WEB_WORKERS=5
    call_command("serve", "--no-worker", "--no-migrate", "--host", "::1", stdout=io.StringIO())
    assert calls == [("collectstatic", ())]
    assert [c.argv[5:8] for c in children] == [["[::1]:8000", "--workers", "5"]]
    children.clear()
    call_command("serve", "--no-worker", "--no-migrate", "--workers", "3", stdout=io.StringIO())
    assert children[0].argv[6:8] == ["--workers", "3"]


@pytest.mark.django_db
def test_serve_reports_a_server_that_fails_and_bad_worker_counts(monkeypatch, settings):
    from recaudo.core.management.commands import serve as serve_module

    monkeypatch.setattr(serve_module, "call_command", lambda *a, **k: None)
    monkeypatch.setattr(serve_module, "check_port", lambda host, port: None)
    failing = FakeWorker([])
    failing.wait = lambda timeout=None: 3
    monkeypatch.setattr(serve_module.subprocess, "Popen", lambda argv: failing)
    with pytest.raises(CommandError, match="gunicorn.*stopped with status 3"):
        call_command("serve", "--no-worker", stdout=io.StringIO())
    with pytest.raises(CommandError, match="at least 1, not 0"):
        call_command("serve", "--workers", "0", stdout=io.StringIO())
    settings.RECAUDO_WEB_WORKERS = 0
    with pytest.raises(CommandError, match="at least 1, not 0"):
        call_command("serve", stdout=io.StringIO())
    # RECAUDO_WEB_WORKERS=many: recaudo/settings.py refuses it (core/tests/test_production.py)


def test_demo_keeps_the_simple_server(monkeypatch):
    from recaudo.core.management.commands import serve as serve_module

    calls = []
    monkeypatch.setattr(serve_module, "call_command", lambda name, *a, **k: calls.append((name, a)))
    monkeypatch.setattr(serve_module, "check_port", lambda host, port: None)
    serve_module.serve(worker=False, migrate=False, production=False)
    assert calls == [("runserver", ("127.0.0.1:8000", "--noreload", "--insecure"))]


@pytest.mark.django_db
def test_serve_needs_no_worker_with_the_immediate_backend(monkeypatch):
    from recaudo.core.management.commands import serve as serve_module

    monkeypatch.setattr(serve_module, "call_command", lambda *a, **k: None)
    monkeypatch.setattr(serve_module, "check_port", lambda host, port: None)
    server = FakeWorker([])
    monkeypatch.setattr(serve_module.subprocess, "Popen",
                        lambda argv: server if "gunicorn" in argv else pytest.fail("no worker expected"))
    out = io.StringIO()
    call_command("serve", stdout=out)
    assert "no worker needed" in out.getvalue()


@pytest.mark.django_db
def test_serve_refuses_a_taken_port_before_starting_anything(settings, monkeypatch):
    import socket

    from recaudo.core.management.commands import serve as serve_module

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    monkeypatch.setattr(serve_module, "call_command", lambda *a, **k: pytest.fail("nothing should run"))
    monkeypatch.setattr(serve_module.subprocess, "Popen", lambda argv: pytest.fail("no worker expected"))
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        with pytest.raises(CommandError, match=f"cannot listen on 127.0.0.1:{port}"):
            call_command("serve", "--port", str(port), stdout=io.StringIO())
        with pytest.raises(CommandError, match="cannot listen"):
            call_command("demo", "--port", str(port), stdout=io.StringIO())
    assert not Portfolio.objects.exists()


def test_serve_stops_the_worker_on_sigterm(settings, monkeypatch):
    import signal

    from recaudo.core.management.commands import serve as serve_module

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    workers = []
    before = signal.getsignal(signal.SIGTERM)

    class FakeServer(FakeWorker):
        def wait(self, timeout=None):
            if not self.terminated:
                signal.raise_signal(signal.SIGTERM)  # as `kill PID` would, while the server runs
            return 0

    monkeypatch.setattr(serve_module, "call_command", lambda *a, **k: None)
    monkeypatch.setattr(serve_module, "check_port", lambda host, port: None)
    monkeypatch.setattr(serve_module.subprocess, "Popen",
                        lambda argv: workers.append((FakeServer if "gunicorn" in argv else FakeWorker)(argv))
                        or workers[-1])
    with pytest.raises(SystemExit):
        serve_module.serve(port=8124, migrate=False)
    assert len(workers) == 3 and all(w.terminated for w in workers)
    assert signal.getsignal(signal.SIGTERM) is before
