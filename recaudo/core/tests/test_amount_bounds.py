"""Amounts have bounds (issue 12, item 3; docs/amounts.md): at most MAX_MINOR (10^15) minor units an amount, in the
parser, the services and the database's checks; sums of a portfolio within MAX_SUM_MINOR (10^18), so no page or
command overflows; a database error is one line on the command line and a friendly page on the web."""

import io
import json
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db import DatabaseError, IntegrityError, OperationalError, connection, transaction
from django.urls import reverse

from recaudo import cli
from recaudo.agents.models import DailyTarget
from recaudo.agreements.services.common import AgreementError
from recaudo.agreements.services.payments import payment_receive
from recaudo.agreements.services.promises import promise_record
from recaudo.core.amounts import MAX_MINOR, MAX_SUM_MINOR
from recaudo.demo.testing import make_debtor, make_obligation, make_user
from recaudo.imports.tests.helpers import errors, flat, run, write
from recaudo.ledger.models import Entry, Payment
from recaudo.ledger.posting import entry_post, refresh_summaries
from recaudo.ledger.services import LedgerError, ledger_verify
from recaudo.portfolio.models import Debtor, Obligation
from recaudo.portfolio.services import ValidationProblem
from recaudo.reports.selectors import aging_report

pytestmark = pytest.mark.django_db

BIG = "9223372036854775807"  # the attack's amount: the largest 64-bit integer
MAX_COP = Decimal(MAX_MINOR) / 100  # 10.000.000.000.000,00 COP


# ------------------------------------------------------------------ parsing: imports refuse the row, never write it

def test_import_of_the_largest_integer_is_refused_with_a_row_message(portfolio, tmp_path):
    row = f"F-1;C1;Ana Pérez;CC;1020304050;;;factura;01/02/2026;03/03/2026;{BIG};COP;Venta"
    ok = "F-2;C1;Ana Pérez;CC;1020304050;;;factura;01/02/2026;03/03/2026;10.000.000.000.000,00;COP;Venta"
    over = "F-3;C1;Ana Pérez;CC;1020304050;;;factura;01/02/2026;03/03/2026;10.000.000.000.000,01;COP;Venta"
    fifteen = "F-4;C1;Ana Pérez;CC;1020304050;;;factura;01/02/2026;03/03/2026;999999999999999,99;COP;Venta"
    result = run(portfolio, "obligations", write(tmp_path, flat(row, ok, over, fifteen)), skip_invalid=True)
    limit = "too large: at most 10.000.000.000.000,00 COP"
    assert errors(result) == [(2, "amount", BIG, limit), (4, "amount", "10.000.000.000.000,01", limit),
                              (5, "amount", "999999999999999,99", limit)]
    assert list(Obligation.objects.values_list("number", "original_minor")) == [("F-2", MAX_MINOR)]
    assert Entry.objects.get().amount_minor == MAX_MINOR
    assert ledger_verify(portfolio) == []


def test_payment_import_refuses_an_amount_beyond_the_bound(portfolio, tmp_path):
    debtor = make_debtor(portfolio, code="C1")
    make_obligation(portfolio, debtor, number="F-1", amount="100000")
    content = f"obligation;date;amount;reference\nF-1;2026-02-01;{BIG};R1\nF-1;2026-02-01;1.000;R2\n"
    result = run(portfolio, "payments", write(tmp_path, content), skip_invalid=True)
    assert errors(result) == [(2, "amount", BIG, "too large: at most 10.000.000.000.000,00 COP")]
    assert list(Payment.objects.values_list("source_ref", "amount_minor")) == [("R2", 100000)]


# ------------------------------------------------------------------ services refuse beyond the bound

def test_services_refuse_amounts_beyond_the_bound(portfolio):
    debtor = make_debtor(portfolio, code="C1")
    over = MAX_COP + Decimal("0.01")
    with pytest.raises(ValidationProblem, match=r"demasiado grande: máximo 10\.000\.000\.000\.000,00 COP") as caught:
        make_obligation(portfolio, debtor, number="F-0", amount=str(over))
    assert caught.value.field == "amount"
    obligation = make_obligation(portfolio, debtor, number="F-1", amount=str(MAX_COP))  # the bound itself
    with pytest.raises(LedgerError, match="payment amount too large"):
        payment_receive(portfolio=portfolio, debtor=debtor, amount=over, date=date(2026, 2, 1), reference="R1")
    with pytest.raises(LedgerError, match="amount too large"):
        entry_post(obligation=obligation, kind="fee", amount=over, value_date=date(2026, 2, 1))
    with pytest.raises(AgreementError, match="too large"):
        promise_record(portfolio=portfolio, debtor=debtor, amount=over, due_date=date(2026, 12, 31))
    assert Payment.objects.count() == 0 and Entry.objects.count() == 1
    payment, _ = payment_receive(portfolio=portfolio, debtor=debtor, amount=MAX_COP, date=date(2026, 2, 1),
                                reference="R2")
    assert payment.amount_minor == MAX_MINOR and Obligation.objects.get().balance_minor == 0


# ------------------------------------------------------------------ the database's checks (both engines)

def _insert_entry(obligation, amount_minor):
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO ledger_entry (portfolio_id, debtor_id, obligation_id, kind, component, amount_minor, "
            "value_date, created_at, memo) VALUES (%s, %s, %s, 'fee', 'fee', %s, %s, %s, '')",
            [obligation.portfolio_id, obligation.debtor_id, obligation.pk, amount_minor,
             connection.ops.adapt_datefield_value(date(2026, 2, 1)),
             connection.ops.adapt_datetimefield_value(datetime(2026, 2, 1, tzinfo=UTC))])


@pytest.mark.parametrize(("table", "sql"), [
    ("ledger_entry", None),
    ("portfolio_obligation", "UPDATE portfolio_obligation SET original_minor = %s"),
    ("portfolio_obligation", "UPDATE portfolio_obligation SET balance_minor = %s * 1000 + 1"),
    ("portfolio_debtor", "UPDATE portfolio_debtor SET balance_minor = %s * 1000 + 1"),
    ("ledger_payment", "UPDATE ledger_payment SET amount_minor = %s, unapplied_minor = 0"),
])
def test_raw_sql_beyond_the_bound_is_refused_by_the_database(portfolio, table, sql):
    debtor = make_debtor(portfolio, code="C1")
    obligation = make_obligation(portfolio, debtor, number="F-1", amount="100000")
    payment_receive(portfolio=portfolio, debtor=debtor, amount=Decimal(10), date=date(2026, 2, 1), reference="R")
    _insert_entry(obligation, MAX_MINOR)  # the bound itself goes in
    with pytest.raises(IntegrityError, match="bounded"), transaction.atomic():
        if sql is None:
            _insert_entry(obligation, MAX_MINOR + 1)
        else:
            with connection.cursor() as cursor:
                cursor.execute(sql, [MAX_MINOR + 1])


# ------------------------------------------------------------------ sums: pages and commands at the bound

def _book_at_the_bound(portfolio, count=1000, debtors=4):
    """`count` obligations of MAX_MINOR each over `debtors` debtors: on SQLite a portfolio's whole volume
    (count * MAX_MINOR = MAX_SUM_MINOR)."""
    people = [make_debtor(portfolio, code=f"D{i}", name=f"Deudor {i}") for i in range(debtors)]
    Obligation.objects.bulk_create(
        Obligation(portfolio=portfolio, debtor=people[i % debtors], number=f"B-{i}", kind="invoice",
                   issue_date=date(2025, 1, 1), due_date=date(2025, 1, 1 + i % 28), original_minor=MAX_MINOR,
                   currency=portfolio.currency, balance_minor=0)
        for i in range(count))
    now = datetime(2026, 1, 1, tzinfo=UTC)
    Entry.objects.bulk_create(
        Entry(portfolio_id=portfolio.pk, debtor_id=o.debtor_id, obligation_id=o.pk, kind="charge",
              component="principal", amount_minor=MAX_MINOR, value_date=o.issue_date, created_at=now)
        for o in Obligation.objects.filter(portfolio=portfolio))
    refresh_summaries(portfolio=portfolio)
    return people


def test_pages_and_commands_hold_a_portfolio_at_the_bound(client, portfolio):
    _book_at_the_bound(portfolio)
    total = 1000 * MAX_MINOR
    assert total == MAX_SUM_MINOR
    assert sum(Debtor.objects.values_list("balance_minor", flat=True)) == total
    assert aging_report(portfolio=portfolio, as_of=date(2026, 6, 30)).total_minor == total
    # the historic path sums the entries (as of a date before the latest value date)
    assert aging_report(portfolio=portfolio, as_of=date(2025, 12, 31), use_cache=False).total_minor == total
    out = io.StringIO()
    call_command("aging", "--portfolio", portfolio.slug, "--as-of", "2026-06-30", "--format", "json", stdout=out)
    assert json.loads(out.getvalue())["total"] == "10000000000000000.00"
    call_command("aging", "--portfolio", portfolio.slug, "--as-of", "2026-06-30", "--by", "debtor", stdout=out)
    assert ledger_verify(portfolio) == []
    client.force_login(make_user("sofia", portfolio, role="supervisor"))
    for url in (reverse("dashboard"), reverse("aging", args=[portfolio.slug]),
                reverse("aging", args=[portfolio.slug]) + "?by=debtor&as_of=2025-12-31",
                reverse("debtor_list", args=[portfolio.slug])):
        response = client.get(url)
        assert response.status_code == 200, url
    assert "10.000.000.000.000.000" in client.get(reverse("aging", args=[portfolio.slug])).content.decode()


@pytest.mark.skipif(connection.vendor != "sqlite", reason="PostgreSQL sums bigints exactly (numeric): no volume bound")
def test_sqlite_refuses_to_grow_a_portfolio_beyond_what_its_sums_hold(portfolio, other_portfolio):
    people = _book_at_the_bound(portfolio)
    obligation = Obligation.objects.filter(portfolio=portfolio).first()
    with pytest.raises(IntegrityError, match="ledger_tally_volume_bounded"), transaction.atomic():
        _insert_entry(obligation, 1)
    with pytest.raises(IntegrityError, match="ledger_tally_volume_bounded"), transaction.atomic():
        payment_receive(portfolio=portfolio, debtor=people[0], amount=Decimal(1), date=date(2026, 2, 1),
                       reference="R")
    # another portfolio has its own volume
    debtor = make_debtor(other_portfolio, code="X1")
    make_obligation(other_portfolio, debtor, number="F-1", amount=str(MAX_COP))
    assert aging_report(portfolio=portfolio, as_of=date(2026, 6, 30)).total_minor == MAX_SUM_MINOR
    assert ledger_verify(portfolio) == [] and ledger_verify(other_portfolio) == []


# ------------------------------------------------------------------ a database error is one line

def test_cli_prints_one_line_on_a_database_error(monkeypatch, capsys):
    def fail(argv):
        raise IntegrityError("CHECK constraint failed: entry_amount_bounded\nDETAIL:  Failing row contains (...)")

    monkeypatch.setattr("django.core.management.execute_from_command_line", fail)
    with pytest.raises(SystemExit) as exit_:
        cli.main(["aging", "--portfolio", "pyme"])
    assert exit_.value.code == cli.EXIT_DATABASE_ERROR
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert err.startswith("recaudo: the database refused the operation: an amount or a sum beyond what Recaudo keeps")

    def lost(argv):
        raise OperationalError("server closed the connection unexpectedly\n\tThis probably means...")

    monkeypatch.setattr("django.core.management.execute_from_command_line", lost)
    with pytest.raises(SystemExit):
        cli.main(["aging", "--portfolio", "pyme"])
    assert capsys.readouterr().err == ("recaudo: the database refused the operation: server closed the connection "
                                       "unexpectedly\n")


@pytest.mark.parametrize(("language", "text"), [
    ("es-co", "La base de datos rechazó la operación"), ("en", "The change was not saved"),
])
def test_web_answers_a_friendly_page_on_a_database_error(client, portfolio, monkeypatch, language, text):
    def fail(**kwargs):
        raise DatabaseError("CHECK constraint failed: obligation_balance_bounded")

    monkeypatch.setattr("recaudo.reports.views.aging_report", fail)
    client.force_login(make_user("sofia", portfolio, role="supervisor"))
    client.raise_request_exception = False
    client.cookies["django_language"] = language
    response = client.get(reverse("aging", args=[portfolio.slug]), HTTP_ACCEPT_LANGUAGE=language)
    body = response.content.decode()
    assert response.status_code == 500
    assert text.lower() in body.lower() and "Traceback" not in body and "obligation_balance_bounded" not in body


def test_import_says_in_one_line_what_the_database_refused(portfolio, tmp_path, monkeypatch):
    from recaudo.imports import services
    from recaudo.imports.reading import ImportFileError

    def fail(**kwargs):
        raise IntegrityError("CHECK constraint failed: ledger_tally_volume_bounded\nmore")

    monkeypatch.setattr(services, "_import_file", fail)
    with pytest.raises(ImportFileError) as caught:
        run(portfolio, "obligations", write(tmp_path, flat()))
    assert "\n" not in str(caught.value)
    assert str(caught.value).startswith("file.csv: no se importó nada: la base de datos rechazó la operación: un "
                                        "valor o una suma mayor de lo que Recaudo guarda")


def test_daily_target_beyond_the_bound_is_refused(portfolio):
    from recaudo.agents.services import WorkspaceError, target_set

    agent = make_user("carla", portfolio, role="agent")
    with pytest.raises(WorkspaceError, match="too large"):
        target_set(portfolio=portfolio, agent=agent, day=date(2026, 2, 1), amount=MAX_COP + 1, actor="test")
    assert not DailyTarget.objects.exists()
