"""`recaudo portfolio`: create, list, show."""

import io
import json
from datetime import date

import pytest
from django.core.management import CommandError, call_command

from recaudo.demo.testing import make_debtor, make_obligation
from recaudo.portfolio.models import Portfolio


def run(*args):
    out, err = io.StringIO(), io.StringIO()
    call_command(*args, stdout=out, stderr=err)
    return out.getvalue()


# -- portfolio -----------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_portfolio_create_list_show():
    out = run("portfolio", "create", "pyme", "--name", "Distribuciones Andinas S.A.S.", "--country", "co",
              "--currency", "cop", "--tz", "America/Bogota", "--creditor", "Distribuciones Andinas S.A.S.")
    assert "created portfolio pyme" in out
    p = Portfolio.objects.get(slug="pyme")
    assert (p.country, p.currency, p.timezone, p.creditor) == ("CO", "COP", "America/Bogota",
                                                               "Distribuciones Andinas S.A.S.")
    run("portfolio", "create", "lima", "--name", "Cartera Lima", "--country", "PE", "--currency", "PEN")
    assert Portfolio.objects.get(slug="lima").timezone == "America/Lima"

    table = run("portfolio", "list")
    assert "pyme" in table and "Cartera Lima" in table and "SLUG" in table
    data = json.loads(run("portfolio", "list", "--format", "json"))
    assert [r["slug"] for r in data] == ["lima", "pyme"]
    assert data[1] == {"slug": "pyme", "name": "Distribuciones Andinas S.A.S.", "country": "CO", "currency": "COP",
                       "timezone": "America/Bogota", "debtors": 0}

    debtor = make_debtor(p, code="C1")
    make_obligation(p, debtor, number="F-1", amount="150000", issue=date(2024, 1, 1), due=date(2024, 1, 31))
    make_obligation(p, debtor, number="F-2", amount="50000.50", issue=date(2024, 2, 1), due=date(2099, 1, 1))
    shown = json.loads(run("portfolio", "show", "pyme", "--format", "json"))
    assert shown["debtors"] == 1 and shown["obligations"] == 2 and shown["open_obligations"] == 2
    assert shown["balance"] == "200000.50"
    buckets = {b["label"]: b for b in shown["buckets"]}
    assert buckets["current"]["amount"] == "50000.50" and buckets["current"]["count"] == 1
    assert buckets["over 360"]["amount"] == "150000.00"
    table = run("portfolio", "show", "pyme")
    assert "200.000,50" in table and "over 360" in table and "1 with balance" in table


@pytest.mark.django_db
@pytest.mark.parametrize(
    "args, message",
    [
        (["pyme", "--name", "Otra", "--country", "CO", "--currency", "COP"], "already exists"),
        (["nueva", "--name", "X", "--country", "ZZ", "--currency", "COP"], "unknown country"),
        (["nueva", "--name", "X", "--country", "CO", "--currency", "XYZ"], "unknown currency"),
        (["nueva", "--name", "X", "--country", "CO", "--currency", "COP", "--tz", "Marte/Olimpo"], "unknown time zone"),
        (["Mala Slug", "--name", "X", "--country", "CO", "--currency", "COP"], "invalid slug"),
        (["nueva", "--name", " ", "--country", "CO", "--currency", "COP"], "necesita un nombre"),
    ],
)
def test_portfolio_create_errors(portfolio, args, message):
    with pytest.raises(CommandError, match=message):
        run("portfolio", "create", *args)
    assert Portfolio.objects.count() == 1


@pytest.mark.django_db
def test_portfolio_show_unknown_and_empty_list():
    assert "no portfolios yet" in run("portfolio", "list")
    assert json.loads(run("portfolio", "list", "--format", "json")) == []
    with pytest.raises(CommandError, match="no portfolio with slug 'nada'"):
        run("portfolio", "show", "nada")
    with pytest.raises(CommandError):
        run("portfolio", "show", "nada", "--format", "xml")
    with pytest.raises(CommandError):
        run("portfolio")
