"""The `recaudo` commands: ledger, serve, and the CLI's help texts (portfolio: reports/tests/test_portfolio_command.py,
user: accounts/tests/test_commands.py)."""

import io
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from recaudo import cli
from recaudo.demo.testing import make_debtor, make_obligation
from recaudo.ledger.models import Payment
from recaudo.portfolio.models import Obligation, Portfolio

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


# -- ledger --------------------------------------------------------------------------------------------------


@pytest.fixture
def owed(portfolio):
    debtor = make_debtor(portfolio, code="C1")
    make_obligation(portfolio, debtor, number="F-1", amount="100000", issue=date(2025, 1, 1), due=date(2025, 1, 31))
    make_obligation(portfolio, debtor, number="F-2", amount="200000", issue=date(2025, 2, 1), due=date(2025, 2, 28))
    return debtor


@pytest.mark.django_db
def test_ledger_pay_allocates_and_is_idempotent(portfolio, owed):
    out = run("ledger", "pay", "--portfolio", "pyme", "--debtor", "C1", "--amount", "150000", "--date",
              "2025-03-10", "--reference", "PSE-1", "--method", "PSE")
    assert "recorded payment PSE-1" in out and "F-1" in out and "F-2" in out
    owed.refresh_from_db()
    assert owed.balance_minor == 15_000_000  # 300,000.00 - 150,000.00 in cents
    assert Obligation.objects.get(number="F-1").status == "paid"
    again = run("ledger", "pay", "--portfolio", "pyme", "--debtor", "C1", "--amount", "150000", "--date",
                "2025-03-10", "--reference", "PSE-1")
    assert "already recorded" in again
    assert Payment.objects.count() == 1

    out = run("ledger", "pay", "--portfolio", "pyme", "--debtor", "C1", "--amount", "20.000,00",
              "--date", "15/03/2025", "--obligation", "F-2")
    payment = Payment.objects.get(reference__startswith="CLI-")
    assert payment.obligation.number == "F-2" and payment.date == date(2025, 3, 15)
    assert "balance of C1 now COP 130000.00" in out


@pytest.mark.django_db
@pytest.mark.parametrize(
    "args, message",
    [
        (["--portfolio", "nada", "--debtor", "C1", "--amount", "1", "--date", "2025-03-01"], "no portfolio"),
        (["--portfolio", "pyme", "--debtor", "X9", "--amount", "1", "--date", "2025-03-01"], "no debtor"),
        (["--portfolio", "pyme", "--debtor", "C1", "--amount", "mucho", "--date", "2025-03-01"],
         "--amount: 'mucho': not a number"),
        (["--portfolio", "pyme", "--debtor", "C1", "--amount", "-5", "--date", "2025-03-01"], "must not be negative"),
        (["--portfolio", "pyme", "--debtor", "C1", "--amount", "0", "--date", "2025-03-01"], "must be positive"),
        (["--portfolio", "pyme", "--debtor", "C1", "--amount", "1.50", "--date", "2025-03-01"],
         "--amount: '1.50': not a number: '.' only separates thousands, in groups of three"),
        (["--portfolio", "pyme", "--debtor", "C1", "--amount", "150000.50", "--date", "2025-03-01"],
         "--amount: '150000.50': not a number"),
        (["--portfolio", "pyme", "--debtor", "C1", "--amount", "1,505", "--date", "2025-03-01"],
         "COP amounts have at most 2 decimals"),
        (["--portfolio", "pyme", "--debtor", "C1", "--amount", "USD 5", "--date", "2025-03-01"],
         "the amount is in USD, not COP"),
        (["--portfolio", "pyme", "--debtor", "C1", "--amount", "5", "--date", "ayer"], "not a date"),
        (["--portfolio", "pyme", "--debtor", "C1", "--amount", "5", "--date", "2999-01-01"],
         r"the payment date 2999-01-01 is after today \(\d{4}-\d\d-\d\d\) in the portfolio's time zone"),
        (["--portfolio", "pyme", "--debtor", "C1", "--amount", "5", "--date", "2025-03-01", "--obligation", "F-9"],
         "no obligation"),
    ],
)
def test_ledger_pay_errors(portfolio, owed, args, message):
    with pytest.raises(CommandError, match=message):
        run("ledger", "pay", *args)
    assert not Payment.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize(("amount", "decimal", "minor"), [
    ("150.000", [], 150_000_00),  # read as 150 before: Decimal("150.000")
    ("150.000,50", [], 150_000_50),
    ("$ 150.000", [], 150_000_00),
    ("150,000.50", ["--decimal", "."], 150_000_50),
    ("150000.50", ["--decimal", "point"], 150_000_50),
])
def test_ledger_pay_reads_es_co_amounts(portfolio, owed, amount, decimal, minor):
    run("ledger", "pay", "--portfolio", "pyme", "--debtor", "C1", "--amount", amount, "--date", "2025-03-10",
        "--reference", "PSE-9", *decimal)
    assert Payment.objects.get().amount_minor == minor


@pytest.mark.django_db
def test_ledger_pay_obligation_of_another_debtor(portfolio, owed):
    other = make_debtor(portfolio, code="C2", name="Otro Cliente")
    make_obligation(portfolio, other, number="G-1", issue=date(2025, 1, 1), due=date(2025, 1, 31))
    with pytest.raises(CommandError, match="belongs to another debtor"):
        run("ledger", "pay", "--portfolio", "pyme", "--debtor", "C1", "--amount", "5", "--date", "2025-03-01",
            "--obligation", "G-1")


@pytest.mark.django_db
def test_ledger_reverse(portfolio, owed):
    run("ledger", "pay", "--portfolio", "pyme", "--debtor", "C1", "--amount", "100000", "--date", "2025-03-10",
        "--reference", "CHQ-7")
    owed.refresh_from_db()
    assert owed.balance_minor == 20_000_000
    out = run("ledger", "reverse", "--portfolio", "pyme", "--payment-reference", "CHQ-7", "--reason",
              "cheque devuelto")
    assert "reversed payment CHQ-7" in out
    owed.refresh_from_db()
    assert owed.balance_minor == 30_000_000
    assert Payment.objects.get().reversed_at is not None
    with pytest.raises(CommandError, match="already reversed"):
        run("ledger", "reverse", "--portfolio", "pyme", "--payment-reference", "CHQ-7", "--reason", "otra vez")
    with pytest.raises(CommandError, match="no payment with reference"):
        run("ledger", "reverse", "--portfolio", "pyme", "--payment-reference", "NADA", "--reason", "x")
    with pytest.raises(CommandError, match="needs a reason"):
        run("ledger", "reverse", "--portfolio", "pyme", "--payment-reference", "CHQ-7", "--reason", " ")


@pytest.mark.django_db
def test_ledger_verify(portfolio, owed):
    assert "consistent" in run("ledger", "verify", "--portfolio", "pyme")
    Obligation.objects.filter(number="F-1").update(balance_minor=1)
    err = io.StringIO()
    with pytest.raises(CommandError, match="1 problem") as info:
        call_command("ledger", "verify", "--portfolio", "pyme", stdout=io.StringIO(), stderr=err)
    assert info.value.returncode == 1
    assert "obligation F-1: cached 1 != ledger 10000000" in err.getvalue()


def test_ledger_verify_exits_1_from_the_command_line(tmp_path):
    """End to end in a fresh SQLite database: verify's exit status is 1 when balances disagree."""
    env = {"RECAUDO_HOME": str(tmp_path), "PATH": "/usr/bin:/bin", "DATABASE_URL": f"sqlite:///{tmp_path}/db.sqlite3"}
    code = (
        "import django, sys; django.setup();"
        "from django.core.management import call_command;"
        "call_command('migrate', verbosity=0);"
        "from recaudo.demo.testing import make_portfolio, make_debtor, make_obligation;"
        "p = make_portfolio(); d = make_debtor(p); make_obligation(p, d);"
        "from recaudo.portfolio.models import Obligation; Obligation.objects.update(balance_minor=5)"
    )
    env["DJANGO_SETTINGS_MODULE"] = "recaudo.settings"
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert done.returncode == 0, done.stderr
    done = subprocess.run([sys.executable, "-m", "recaudo.cli", "ledger", "verify", "--portfolio", "pyme"], env=env,
                          capture_output=True, text=True, timeout=60, cwd=ROOT)
    assert done.returncode == 1
    assert "cached 5 != ledger" in done.stderr and "Traceback" not in done.stderr


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
