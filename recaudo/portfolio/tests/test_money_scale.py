"""Each portfolio records the exponent its amounts are stored with; every conversion of its amounts uses it."""

from decimal import Decimal

import pytest

from recaudo.core.money import Unit, from_minor, precision
from recaudo.demo.testing import make_debtor, make_obligation, make_portfolio
from recaudo.portfolio.models import Obligation, Portfolio

pytestmark = pytest.mark.django_db


def test_a_new_portfolio_records_the_tables_exponent():
    cop = make_portfolio()
    clp = make_portfolio(slug="chile", name="Cobranzas Santiago SpA", country="CL", currency="CLP")
    assert (cop.money_exponent, clp.money_exponent) == (2, 0)
    assert Portfolio.objects.get(pk=cop.pk).money_exponent == 2


def test_amounts_read_back_with_the_recorded_exponent_even_if_the_table_changes(monkeypatch):
    portfolio = make_portfolio()
    debtor = make_debtor(portfolio)
    obligation = make_obligation(portfolio, debtor, amount="1234567.89")
    assert obligation.original_minor == 123456789

    # The table now says COP has 0 decimals (as Babel 2.19's CLDR did): stored amounts keep their meaning.
    import recaudo.core.money as money

    monkeypatch.setitem(money.exponents(), "COP", 0)
    reread = Obligation.objects.get(pk=obligation.pk)
    assert isinstance(reread.currency, Unit) and precision(reread.currency) == 2
    assert from_minor(reread.original_minor, reread.currency) == Decimal("1234567.89")
    again = Portfolio.objects.get(pk=portfolio.pk)
    assert precision(again.currency) == 2
    second = make_obligation(again, debtor, number="F-2", amount="1000.50")
    assert second.original_minor == 100050


def test_a_portfolio_recorded_with_another_exponent_keeps_it():
    """A portfolio written when COP was stored in whole pesos keeps whole pesos (no silent rescaling)."""
    portfolio = make_portfolio()
    Portfolio.objects.filter(pk=portfolio.pk).update(money_exponent=0)
    portfolio = Portfolio.objects.get(pk=portfolio.pk)
    debtor = make_debtor(portfolio)
    obligation = make_obligation(portfolio, debtor, amount="1234568")
    assert obligation.original_minor == 1234568
    assert from_minor(Obligation.objects.get(pk=obligation.pk).original_minor,
                      Obligation.objects.get(pk=obligation.pk).currency) == Decimal("1234568")


def test_display_decimals_show_whole_pesos_without_changing_storage(client):
    from recaudo.web.templatetags.recaudo import money

    portfolio = make_portfolio()
    Portfolio.objects.filter(pk=portfolio.pk).update(display_decimals=0)
    portfolio = Portfolio.objects.get(pk=portfolio.pk)
    assert money(123456789, portfolio.currency) == "1.234.568"
    debtor = make_debtor(portfolio)
    obligation = make_obligation(portfolio, debtor, amount="1234567.89")
    assert obligation.original_minor == 123456789


def test_the_database_refuses_an_exponent_out_of_range():
    from django.db import IntegrityError, transaction

    portfolio = make_portfolio()
    with pytest.raises(IntegrityError), transaction.atomic():
        Portfolio.objects.filter(pk=portfolio.pk).update(money_exponent=9)
