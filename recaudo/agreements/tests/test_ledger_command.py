"""The `ledger` command (pay, reverse, verify): it lives in agreements because paying goes through
agreements' payment_receive (a payment may keep a promise or an installment)."""

import io
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from recaudo.demo.testing import make_debtor, make_obligation
from recaudo.ledger.models import Payment
from recaudo.portfolio.models import Obligation

ROOT = Path(__file__).resolve().parents[3]


def run(*args):
    out, err = io.StringIO(), io.StringIO()
    call_command(*args, stdout=out, stderr=err)
    return out.getvalue()


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
    with pytest.raises(CommandError, match="pertenece a otro deudor"):
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
    with pytest.raises(CommandError, match="ya está reversado"):
        run("ledger", "reverse", "--portfolio", "pyme", "--payment-reference", "CHQ-7", "--reason", "otra vez")
    with pytest.raises(CommandError, match="no payment with reference"):
        run("ledger", "reverse", "--portfolio", "pyme", "--payment-reference", "NADA", "--reason", "x")
    with pytest.raises(CommandError, match="necesita un motivo"):
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
