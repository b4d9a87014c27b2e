"""Debtor list and debtor 360 pages: access per portfolio, search, filters, sort, pagination, formats."""

from datetime import date, timedelta

import pytest
from django.urls import reverse

from recaudo.demo.testing import login, make_debtor, make_obligation
from recaudo.ledger.services import obligation_set_dispute
from recaudo.portfolio.models import Debtor
from recaudo.portfolio.services import consent_set, contact_add

pytestmark = pytest.mark.django_db


@pytest.fixture
def book(portfolio, other_portfolio):
    """A few debtors in portfolio A (pyme) with different ages, balances, tags and contacts; one in B."""
    today = portfolio.today()
    luz = make_debtor(portfolio, code="C001", name="Luz Marina Restrepo", id_type="CC", id_number="52123456",
                      tags="vip,norte")
    contact_add(debtor=luz, channel="phone", value="300 123 4567", consent="granted", consent_source="contrato")
    contact_add(debtor=luz, channel="email", value="luz.restrepo@example.com")
    contact_add(debtor=luz, channel="phone", value="310 555 0000", role="reference", holder_name="Pedro Gómez")
    make_obligation(portfolio, luz, number="F-100", amount="1234567.89", issue=today - timedelta(days=100),
                    due=today - timedelta(days=45))
    jose = make_debtor(portfolio, code="C002", name="José Ñúñez Álvarez", id_type="CC", id_number="79000111",
                       tags="sur")
    contact_add(debtor=jose, channel="email", value="jose@ejemplo.co")
    ob = make_obligation(portfolio, jose, number="F-200", amount="500000", issue=today - timedelta(days=10),
                         due=today + timedelta(days=20))
    obligation_set_dispute(obligation=ob, disputed=True, reason="Mercancía devuelta")
    andes = make_debtor(portfolio, code="C003", name="Ferretería Los Andes S.A.S.", kind="company")
    make_obligation(portfolio, andes, number="F-300", amount="9000000", issue=today - timedelta(days=500),
                    due=today - timedelta(days=400))
    make_debtor(portfolio, code="C004", name="Zoila Sin Deuda")  # no balance
    bruno = make_debtor(other_portfolio, code="E001", name="Bruno Apartamento 301")
    make_obligation(other_portfolio, bruno, number="ADM-1", amount="350000")
    return {"luz": luz, "jose": jose, "andes": andes, "bruno": bruno}


def list_url(portfolio, **params):
    from urllib.parse import urlencode

    url = reverse("debtor_list", args=[portfolio.slug])
    return f"{url}?{urlencode(params)}" if params else url


def codes(response):
    return [d.code for d in response.context["page"].items]


def test_login_required(client, portfolio):
    response = client.get(list_url(portfolio))
    assert response.status_code == 302
    assert reverse("login") in response["Location"]


def test_list_shows_debtors_with_balance_by_default(client, people, book, portfolio):
    response = login(client, "carlos").get(list_url(portfolio))
    assert response.status_code == 200
    assert codes(response) == ["C003", "C002", "C001"]  # name order; C004 has no balance
    html = response.content.decode()
    assert "1.234.567,89" in html  # es-CO number format
    assert "Deudores" in html and "Saldo" in html


def test_with_balance_off_shows_all(client, people, book, portfolio):
    response = login(client, "carlos").get(list_url(portfolio, filtered=1))
    assert "C004" in codes(response)


@pytest.mark.parametrize("q, expected", [
    ("luz marina", ["C001"]),
    ("NUNEZ", ["C002"]),  # accents and case do not matter
    ("c003", ["C003"]),
    ("52123456", ["C001"]),
    ("300 123 4567", ["C001"]),  # phone as typed matches the stored E.164 form
    ("+573001234567", ["C001"]),
    ("luz.restrepo@example", ["C001"]),
    ("nadie", []),
])
def test_search(client, people, book, portfolio, q, expected):
    response = login(client, "carlos").get(list_url(portfolio, q=q))
    assert codes(response) == expected


def test_search_never_crosses_portfolios(client, people, book, portfolio):
    response = login(client, "carlos").get(list_url(portfolio, q="Bruno"))
    assert codes(response) == []


def test_filter_bucket(client, people, book, portfolio):
    client = login(client, "carlos")
    assert codes(client.get(list_url(portfolio, bucket=0))) == ["C002"]  # current
    assert codes(client.get(list_url(portfolio, bucket=2))) == ["C001"]  # 31-60
    assert codes(client.get(list_url(portfolio, bucket=6))) == ["C003"]  # over 360


def test_filter_amount_range_in_local_format(client, people, book, portfolio):
    client = login(client, "carlos")
    assert codes(client.get(list_url(portfolio, min_balance="1.000.000"))) == ["C003", "C001"]
    assert codes(client.get(list_url(portfolio, min_balance="1.000.000", max_balance="2.000.000"))) == ["C001"]
    assert codes(client.get(list_url(portfolio, max_balance="500000"))) == ["C002"]


def test_filter_tag_and_disputed(client, people, book, portfolio):
    client = login(client, "carlos")
    assert codes(client.get(list_url(portfolio, tag="VIP"))) == ["C001"]
    assert codes(client.get(list_url(portfolio, tag="nor"))) == []  # whole tags only
    assert codes(client.get(list_url(portfolio, disputed="yes"))) == ["C002"]
    assert codes(client.get(list_url(portfolio, disputed="no"))) == ["C003", "C001"]


@pytest.mark.parametrize("sort, expected", [
    ("name", ["C003", "C002", "C001"]),
    ("-name", ["C001", "C002", "C003"]),
    ("code", ["C001", "C002", "C003"]),
    ("-code", ["C003", "C002", "C001"]),
    ("-balance", ["C003", "C001", "C002"]),
    ("balance", ["C002", "C001", "C003"]),
    ("-dpd", ["C003", "C001", "C002"]),
    ("dpd", ["C002", "C001", "C003"]),
])
def test_sort(client, people, book, portfolio, sort, expected):
    assert codes(login(client, "carlos").get(list_url(portfolio, sort=sort))) == expected


def test_invalid_filters_are_ignored_with_a_message(client, people, book, portfolio):
    response = login(client, "carlos").get(
        list_url(portfolio, bucket="99x", min_balance="mucho", sort="hack", disputed="tal vez", page="-3"))
    assert response.status_code == 200
    assert codes(response) == ["C003", "C002", "C001"]
    assert "Se ignoraron filtros con valores inválidos" in response.content.decode()


def test_pagination(client, people, portfolio):
    for i in range(120):
        d = make_debtor(portfolio, code=f"P{i:03d}", name=f"Deudor {i:03d}")
        make_obligation(portfolio, d, number=f"N-{i}", amount="1000")
    client = login(client, "carlos")
    first = client.get(list_url(portfolio, sort="code"))
    assert len(first.context["page"].items) == 50
    assert first.context["page"].total == 120 and first.context["page"].has_next
    third = client.get(list_url(portfolio, sort="code", page=3))
    assert codes(third) == [f"P{i:03d}" for i in range(100, 120)]
    assert not third.context["page"].has_next
    beyond = client.get(list_url(portfolio, sort="code", page=99))
    assert beyond.context["page"].number == 3


def test_htmx_returns_the_table_partial(client, people, book, portfolio):
    response = login(client, "carlos").get(list_url(portfolio, q="luz"), HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert 'id="debtor-table"' in html and "<html" not in html
    assert "C001" in html


def test_agent_of_another_portfolio_gets_404(client, people, book, portfolio):
    client = login(client, "beto")
    assert client.get(list_url(portfolio)).status_code == 404
    assert client.get(reverse("debtor_detail", args=[portfolio.slug, book["luz"].pk])).status_code == 404


def test_debtor_of_another_portfolio_gets_404(client, people, book, portfolio):
    url = reverse("debtor_detail", args=[portfolio.slug, book["bruno"].pk])
    assert login(client, "ana").get(url).status_code == 404


def test_debtor_360(client, people, book, portfolio):
    luz = book["luz"]
    phone = luz.contacts.get(value="+573001234567")
    consent_set(contact=phone, channel="sms", status="revoked", source="llamada del 3 de marzo")
    response = login(client, "carlos").get(reverse("debtor_detail", args=[portfolio.slug, luz.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Luz Marina Restrepo" in html and "52123456" in html
    assert "+573001234567" in html and "luz.restrepo@example.com" in html
    assert "Referencia · nunca para cobro" in html and "Pedro Gómez" in html
    assert "Llamada: otorgada" in html and "SMS: revocada" in html and "llamada del 3 de marzo" in html
    assert "F-100" in html and "1.234.567,89" in html
    assert "badge-31-60" in html
    assert "Obligación creada" in html and "Contacto agregado" in html and "Autorización revocada" in html
    events = list(response.context["v"].events)
    assert events == sorted(events, key=lambda e: (e.at, e.pk), reverse=True)
    assert "Cargo de capital" in html  # ledger entry kind
    # A viewer sees the same page with the contact data and the ID masked (docs/habeas-data.md).
    html = login(client, "vera").get(reverse("debtor_detail", args=[portfolio.slug, luz.pk])).content.decode()
    assert "Luz Marina Restrepo" in html and "52123456" not in html and "*****3456" in html
    assert "+573001234567" not in html and "+57 300 *** **67" in html and "l***@example.com" in html
    assert "Pedro Gómez" not in html and "Pedro ***" in html


def test_debtor_360_ledger_shows_the_principal_charges_description(client, people, book, portfolio):
    luz = book["luz"]
    make_obligation(portfolio, luz, number="F-101", amount="1000", description="Suministro de papelería")
    html = login(client, "vera").get(reverse("debtor_detail", args=[portfolio.slug, luz.pk])).content.decode()
    ledger = html[html.index('id="ledger"'):]
    assert "Suministro de papelería" in ledger[:ledger.index("</section>")]


def test_debtor_360_shows_dispute_reason(client, people, book, portfolio):
    response = login(client, "carlos").get(reverse("debtor_detail", args=[portfolio.slug, book["jose"].pk]))
    html = response.content.decode()
    assert "En disputa" in html and "Mercancía devuelta" in html


def test_debtor_360_ledger_limit(client, people, portfolio):
    debtor = make_debtor(portfolio, code="L1", name="Muchas Facturas")
    for i in range(105):
        make_obligation(portfolio, debtor, number=f"M-{i}", amount="10", issue=date(2026, 1, 1), due=date(2026, 2, 1))
    client = login(client, "carlos")
    url = reverse("debtor_detail", args=[portfolio.slug, debtor.pk])
    limited = client.get(url)
    assert len(limited.context["v"].entries) == 100 and limited.context["v"].entries_more
    assert "?ledger=all" in limited.content.decode()
    assert len(client.get(url + "?ledger=all").context["v"].entries) == 105


def test_debtor_360_query_count(client, people, book, portfolio, django_assert_max_num_queries):
    client = login(client, "carlos")
    url = reverse("debtor_detail", args=[portfolio.slug, book["luz"].pk])
    client.get(url)
    # 16, plus the debtor's notes, documents, the obligations of the attach form and the statement's channels, and
    # the portfolio's payment reference setting (banking), the portfolio's active payment gateway and the debtor's
    # payment links, the debtor's certificates, and what the debtor wrote by SMS/WhatsApp
    # (communications.selectors.debtor_inbound), and the debtor's risk category and its reasons
    with django_assert_max_num_queries(26):
        client.get(url)


def test_debtor_list_query_count(client, people, book, portfolio, django_assert_max_num_queries):
    client = login(client, "carlos")
    client.get(list_url(portfolio))
    with django_assert_max_num_queries(14):
        client.get(list_url(portfolio, q="luz", bucket=2))


def test_language_switch_to_english(client, people, book, portfolio):
    client = login(client, "carlos")
    assert "Deudores" in client.get(list_url(portfolio)).content.decode()
    response = client.post(reverse("set_language"), {"language": "en", "next": list_url(portfolio)})
    assert response.status_code == 302
    html = client.get(list_url(portfolio)).content.decode()
    assert "Debtors" in html and "Balance" in html and "Deudores" not in html
    assert "1,234,567.89" in html


def test_spanish_is_the_default_and_money_format(client, people, book, portfolio):
    html = login(client, "ana").get(reverse("debtor_detail", args=[portfolio.slug, book["andes"].pk])).content.decode()
    assert 'lang="es-co"' in html
    assert "9.000.000,00" in html
    assert "Persona jurídica" in html


def test_nav_shows_only_granted_portfolios_and_admin_for_staff(client, people, book, portfolio, other_portfolio):
    html = login(client, "carlos").get(list_url(portfolio)).content.decode()
    assert portfolio.name in html and other_portfolio.name not in html
    assert reverse("admin:index") not in html
    assert reverse("import_list", args=[portfolio.slug]) not in html  # agents do not import
    html = login(client, "ana").get(list_url(portfolio)).content.decode()
    assert reverse("import_list", args=[portfolio.slug]) in html


def test_debtor_count_is_capped(portfolio, monkeypatch):
    from recaudo.portfolio import selectors

    for i in range(7):
        Debtor.objects.create(portfolio=portfolio, code=f"K{i}", name=f"K {i}", balance_minor=100, open_count=1)
    monkeypatch.setattr(selectors, "COUNT_CAP", 5)
    page = selectors.debtor_page(portfolio, selectors.DebtorFilters(), as_of=date(2026, 1, 1), per_page=3)
    assert page.total_capped and page.total == 5 and page.num_pages is None and page.has_next


def test_exact_code_id_phone_or_email_wins_over_substring_matches(client, people, book, portfolio):
    # "C00" is in every code: a substring search; "C001" is one debtor's exact code, so only that one
    make_obligation(portfolio, make_debtor(portfolio, code="C0010", name="Otro C001"), number="F-999")
    login(client, "carlos")
    assert codes(client.get(list_url(portfolio, q="C00"))) == ["C003", "C002", "C001", "C0010"]
    assert codes(client.get(list_url(portfolio, q="C001"))) == ["C001"]
    assert codes(client.get(list_url(portfolio, q="c001"))) == ["C001"]  # codes are matched as typed or upper
    assert codes(client.get(list_url(portfolio, q="52.123.456"))) == ["C001"]  # ID with separators
    assert codes(client.get(list_url(portfolio, q="jose@ejemplo.co"))) == ["C002"]
    assert codes(client.get(list_url(portfolio, q="E001"))) == []  # another portfolio's exact code


def test_text_search_pages_without_counting_everything(client, people, portfolio):
    from recaudo.portfolio.selectors import DebtorFilters, debtor_page

    for i in range(7):
        make_obligation(portfolio, make_debtor(portfolio, code=f"G{i}", name=f"García {i}"), number=f"FG-{i}")
    today = portfolio.today()
    first = debtor_page(portfolio, DebtorFilters(q="garcia"), today, page=1, per_page=5)
    assert [d.code for d in first.items] == ["G0", "G1", "G2", "G3", "G4"]
    assert (first.total, first.total_capped, first.has_next, first.num_pages) == (5, True, True, None)
    second = debtor_page(portfolio, DebtorFilters(q="garcia"), today, page=2, per_page=5)
    assert [d.code for d in second.items] == ["G5", "G6"]
    assert (second.total, second.total_capped, second.has_next) == (7, False, False)


def test_admin_never_offers_to_move_an_obligation(admin_client, book):
    """An obligation's debtor and portfolio are read-only once it exists (the database refuses a change); a new
    obligation still picks them."""
    ob = book["luz"].obligations.get()
    change = admin_client.get(reverse("admin:portfolio_obligation_change", args=[ob.pk])).content.decode()
    assert 'name="debtor"' not in change and 'name="portfolio"' not in change and "Luz Marina Restrepo" in change
    add = admin_client.get(reverse("admin:portfolio_obligation_add")).content.decode()
    assert 'name="debtor"' in add and 'name="portfolio"' in add
