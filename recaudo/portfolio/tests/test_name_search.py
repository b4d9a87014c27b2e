"""Issue 14 §6: a name found with its words in any order, a debtor found by an obligation number, a NIT shown
with its check digit."""

from datetime import date

import pytest
from django.template import Context, Template
from django.urls import reverse

from recaudo.demo.testing import login, make_debtor, make_obligation
from recaudo.portfolio.selectors import (
    MAX_WORDS,
    DebtorFilters,
    debtor_page,
    mask_debtor,
    search_words,
)
from recaudo.portfolio.validation import display_id_number

pytestmark = pytest.mark.django_db


@pytest.fixture
def names(portfolio, other_portfolio):
    adriana = make_debtor(portfolio, code="A1", name="Adriana Romero")
    reversed_ = make_debtor(portfolio, code="A2", name="Romero Adriana")
    initial = make_debtor(portfolio, code="A3", name="Adriana M. Romero")
    accented = make_debtor(portfolio, code="A4", name="Adriána Romero Gómez")
    other = make_debtor(portfolio, code="A5", name="Adriana López")
    company = make_debtor(portfolio, code="A6", name="Distribuidora del Caribe", id_type="NIT",
                          id_number="800.197.268-4", kind="company")
    elsewhere = make_debtor(other_portfolio, code="B1", name="Adriana Romero")
    for i, debtor in enumerate([adriana, reversed_, initial, accented, other, company]):
        make_obligation(portfolio, debtor, number=f"FAC-{i}")
    make_obligation(other_portfolio, elsewhere, number="FAC-9")
    return {"company": company}


def found(portfolio, q):
    page = debtor_page(portfolio, DebtorFilters(q=q, sort="code"), date(2026, 1, 1))
    return [d.code for d in page.items]


@pytest.mark.parametrize("q", ["Adriana Romero", "Romero Adriana", "romero  ADRIANA", "Adriána Romero",
                               "Adriana M. Romero", "Adriana M Romero", "adriana, romero"])
def test_words_in_any_order(portfolio, names, q):
    assert found(portfolio, q) == ["A1", "A2", "A3", "A4"]


def test_every_word_must_appear(portfolio, names):
    assert found(portfolio, "Adriana Gómez") == ["A4"]
    assert found(portfolio, "Adriana López") == ["A5"]
    assert found(portfolio, "Romero Pérez") == []
    assert found(portfolio, "Adriana") == ["A1", "A2", "A3", "A4", "A5"]


def test_short_words_are_left_out_and_words_match_inside_others(portfolio, names):
    assert found(portfolio, "M. Romero") == ["A1", "A2", "A3", "A4"]  # one word left: "romero"
    assert found(portfolio, "driana rom") == ["A1", "A2", "A3", "A4"]  # parts of words, as a one-word query
    assert found(portfolio, "caribe 800197") == ["A6"]  # a word of the name and part of the NIT


def test_search_words_are_bounded():
    assert search_words("Adriana Romero") == ["adriana", "romero"]
    assert search_words("Adriána M. Romero") == ["adriana", "romero"]  # accents off, short words left out
    assert search_words("Adriana") == []  # one word: the query as it is
    assert search_words("300 123 4567") == []  # a phone number: as typed and as E.164
    assert search_words("a b c") == []
    many = search_words("uno dos tres cuatro cinco seis siete ochocientos")
    assert len(many) == MAX_WORDS and "ochocientos" in many and "siete" in many


def test_search_by_obligation_number(client, people, portfolio, names):
    assert found(portfolio, "FAC-3") == ["A4"]
    assert found(portfolio, "fac-3") == ["A4"]  # case does not matter
    assert found(portfolio, "FAC-9") == []  # another portfolio's obligation
    response = login(client, "carlos").get(reverse("debtor_list", args=[portfolio.slug]) + "?q=fac-0")
    assert [d.code for d in response.context["page"].items] == ["A1"]


def test_nit_shown_with_its_check_digit(client, people, portfolio, names):
    company = names["company"]
    assert company.id_number == "8001972684"  # stored compact
    assert display_id_number("NIT", "8001972684") == "800.197.268-4"
    assert display_id_number("CC", "52123456") == "52123456"
    assert display_id_number("NIT", "8001972685") == "8001972685"  # not a valid NIT: as stored
    assert display_id_number("NIT", "******2684") == "******2684"
    assert display_id_number("", "") == ""
    login(client, "carlos")
    html = client.get(reverse("debtor_list", args=[portfolio.slug]) + "?q=Caribe").content.decode()
    assert "NIT 800.197.268-4" in html
    html = client.get(reverse("debtor_detail", args=[portfolio.slug, company.pk])).content.decode()
    assert "800.197.268-4" in html


def test_masked_nit_stays_masked(portfolio, names):
    debtor = mask_debtor(names["company"])
    out = Template("{% load recaudo %}{{ d|id_number }}").render(Context({"d": debtor}))
    assert "800.197" not in out and out.endswith(debtor.id_number[-4:])
