"""Amounts in words for receipts (recaudo.core.words): worked examples."""

from decimal import Decimal

import pytest

from recaudo.core.words import amount_in_words_es, number_words_es


@pytest.mark.parametrize("amount, words", [
    ("1500000", "un millón quinientos mil pesos m/cte"),
    ("1000000", "un millón de pesos m/cte"),
    ("2000000000", "dos mil millones de pesos m/cte"),
    ("21000", "veintiún mil pesos m/cte"),
    ("21", "veintiún pesos m/cte"),
    ("1", "un peso m/cte"),
    ("31000", "treinta y un mil pesos m/cte"),
    ("201000", "doscientos un mil pesos m/cte"),
    ("1521321", "un millón quinientos veintiún mil trescientos veintiún pesos m/cte"),
    ("250000.50", "doscientos cincuenta mil pesos con cincuenta centavos m/cte"),
    ("0.01", "cero pesos con un centavo m/cte"),
])
def test_amount_in_words_es_cop(amount, words):
    assert amount_in_words_es(Decimal(amount), "COP") == words


def test_other_currencies_and_plain_numbers():
    assert amount_in_words_es(Decimal("21"), "USD") == "veintiún dólares"
    assert amount_in_words_es(Decimal("5"), "XYZ") == "cinco XYZ"
    assert number_words_es(21000000) == "veintiún millones"
    assert number_words_es(41) == "cuarenta y uno"
