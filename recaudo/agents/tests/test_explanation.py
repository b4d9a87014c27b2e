"""The work page's priority line for a debtor the daily cycle has not scored (issue 14: a paid-up debtor read
"sin puntaje aún (el ciclo diario no ha corrido)" although the cycle had run)."""

import pytest
from django.utils import translation

from recaudo.agents.selectors import explanation_for
from recaudo.demo.testing import make_debtor, make_obligation

pytestmark = pytest.mark.django_db


def test_a_debtor_who_owes_nothing_is_said_to_owe_nothing(portfolio):
    debtor = make_debtor(portfolio, code="P1", name="Pagado Al Día")
    with translation.override("es-co"):
        text = explanation_for(debtor, portfolio, "es")
    assert text == "no debe nada: el ciclo diario no le asigna puntaje"


def test_a_debtor_who_owes_and_is_not_scored_waits_for_the_cycle(portfolio):
    debtor = make_debtor(portfolio, code="D1", name="Debe Algo")
    make_obligation(portfolio, debtor, number="F-1", amount="100000")
    debtor.refresh_from_db()
    with translation.override("es-co"):
        text = explanation_for(debtor, portfolio, "es")
    assert text == "sin puntaje aún (el ciclo diario no ha corrido)"
