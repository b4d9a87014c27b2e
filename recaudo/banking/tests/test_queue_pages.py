"""The reconciliation pages in es-CO: suggestions with their score and reasons, accepting one, splitting a line,
the applied lines and undoing one."""

import pytest
from django.urls import reverse

from recaudo.banking import services
from recaudo.banking.models import BankLine
from recaudo.banking.tests import files
from recaudo.demo.testing import login, make_debtor, make_obligation, make_portfolio, make_user
from recaudo.ledger.models import Payment

pytestmark = pytest.mark.django_db


@pytest.fixture
def book():
    portfolio = make_portfolio()
    luz = make_debtor(portfolio, code="C001", name="Luz Marina Pérez", id_type="CC", id_number="52123456")
    pedro = make_debtor(portfolio, code="C002", name="Pedro Gómez", id_type="CC", id_number="79111222")
    make_obligation(portfolio, luz, number="1203", amount="1000000")
    make_debtor(portfolio, code="1203", name="Otro Señor")
    for role, name in (("supervisor", "sofia"), ("admin", "ana"), ("agent", "carlos")):
        make_user(name, portfolio, role=role)
    text = files.file_2001([("7709998000011", [("1203", 5_000_00), ("C002", 2_000_00)])])
    services.bank_file_import(portfolio=portfolio, content=text.encode(), actor="test")
    return portfolio, luz, pedro, BankLine.objects.get(status="queued"), BankLine.objects.get(status="applied")


def test_the_queue_shows_each_suggestion_with_its_score_and_reasons(client, book):
    portfolio, _luz, _pedro, line, _applied = book
    login(client, "sofia")
    page = client.get(reverse("bank_queue", args=[portfolio.slug])).content.decode()
    assert "la referencia corresponde a 2 deudores distintos" in page
    assert "puntaje 70" in page and "referencia 1203 = obligación 1203" in page
    assert "puntaje 60" in page and "referencia 1203 = el código del deudor" in page
    assert "Luz Marina Pérez" in page and "Aceptar" in page and "Repartir entre varios" in page
    assert reverse("bank_line_accept", args=[portfolio.slug, line.pk]) in page


def test_accepting_a_suggestion_from_the_page(client, book):
    portfolio, luz, _pedro, line, _applied = book
    login(client, "sofia")
    url = reverse("bank_line_accept", args=[portfolio.slug, line.pk])
    page = client.post(url, {"suggestion": "9"}).content.decode()
    assert "esta línea no tiene esa sugerencia" in page
    response = client.post(url, {"suggestion": "0"}, follow=True)
    assert "Sugerencia aceptada: se recibió el pago." in response.content.decode()
    line.refresh_from_db()
    assert line.status == "applied" and line.payment.debtor == luz


def test_splitting_from_the_page_checks_the_sum(client, book):
    portfolio, luz, pedro, line, _applied = book
    login(client, "ana")
    url = reverse("bank_line_split", args=[portfolio.slug, line.pk])
    p = f"s{line.pk}"
    page = client.post(url, {f"{p}-debtor_1": "C001", f"{p}-amount_1": "3.000",
                             f"{p}-debtor_2": "C002", f"{p}-amount_2": "1.000"}).content.decode()
    assert "las partes suman 4.000,00 y la línea es de 5.000,00: deben ser iguales" in page
    assert not Payment.objects.filter(debtor=luz).exists()
    response = client.post(url, {f"{p}-debtor_1": "C001", f"{p}-obligation_1": "1203", f"{p}-amount_1": "3.000",
                                 f"{p}-debtor_2": "C002", f"{p}-amount_2": "2.000"}, follow=True)
    assert "Línea bancaria repartida" in response.content.decode()
    assert Payment.objects.filter(debtor=luz, amount_minor=3_000_00).exists()
    assert Payment.objects.filter(debtor=pedro, source_ref=f"{line.source_key}/2").exists()


def test_the_applied_lines_are_listed_filtered_and_undone(client, book):
    portfolio, _luz, pedro, _line, applied = book
    login(client, "sofia")
    url = reverse("bank_applied", args=[portfolio.slug])
    page = client.get(url).content.decode()
    assert "Pagos bancarios aplicados" in page and "Pedro Gómez" in page and "aplicada por la importación" in page
    assert "Pedro Gómez" not in client.get(url, {"q": "C001"}).content.decode()
    assert "Pedro Gómez" in client.get(url, {"q": "C002", "date_from": "2026-03-01"}).content.decode()
    undo = reverse("bank_line_undo", args=[portfolio.slug, applied.pk])
    page = client.post(undo, {f"u{applied.pk}-reason": ""}).content.decode()
    assert "Este campo es obligatorio" in page
    response = client.post(undo, {f"u{applied.pk}-reason": "no era de Pedro"}, follow=True)
    assert "Línea bancaria deshecha" in response.content.decode()
    assert "deshecha por una persona: no era de Pedro" in response.content.decode()
    applied.refresh_from_db()
    assert applied.status == "queued" and Payment.objects.get(debtor=pedro).reversed_at is not None
    # undone twice: said, nothing more reversed
    page = client.post(undo, {f"u{applied.pk}-reason": "otra vez"}, follow=True).content.decode()
    assert "no hay nada que deshacer" in page


def test_agents_see_no_applied_lines_and_may_not_undo(client, book):
    portfolio, _luz, _pedro, _line, applied = book
    login(client, "carlos")
    assert client.get(reverse("bank_applied", args=[portfolio.slug])).status_code == 404
    response = client.post(reverse("bank_line_undo", args=[portfolio.slug, applied.pk]),
                           {f"u{applied.pk}-reason": "x"})
    assert response.status_code in (403, 404)
    applied.refresh_from_db()
    assert applied.status == "applied"


def test_the_queue_and_the_applied_lines_share_their_form_and_pager_includes(client, book):
    """bank_queue.html and bank_applied.html draw a line's form, its fields and the pages with the same includes
    (banking/_line_form.html, _line_field.html, _pager.html), not copies: the CSRF token and the fields' ids are
    there on both."""
    portfolio, _luz, _pedro, line, applied_line = book
    login(client, "sofia")
    queue = client.get(reverse("bank_queue", args=[portfolio.slug]))
    includes = {"banking/_line_form.html", "banking/_line_field.html", "banking/_pager.html"}
    assert includes <= {t.name for t in queue.templates}
    html = queue.content.decode()
    assert html.count('name="csrfmiddlewaretoken"') >= 4  # accept (x2), apply, split, dismiss
    assert f'id="id_a{line.pk}-debtor"' in html and f'id="id_d{line.pk}-reason"' in html
    assert f'id="id_s{line.pk}-amount_1"' in html or f'id="id_s{line.pk}-' in html
    applied = client.get(reverse("bank_applied", args=[portfolio.slug]))
    assert includes <= {t.name for t in applied.templates}
    html = applied.content.decode()
    assert f'id="id_u{applied_line.pk}-reason"' in html and 'name="csrfmiddlewaretoken"' in html
    assert f'action="{reverse("bank_line_undo", args=[portfolio.slug, applied_line.pk])}#applied-{applied_line.pk}"' \
        in html
    assert 'id="id_q"' in html  # the filters' fields through the same field include


def test_each_rows_forms_post_to_an_address_that_opens_the_page_at_the_row(client, book):
    """A refused action shows its error at its row, which can be far down the (scrolling) list: the form's address
    ends with the row's anchor, so the page that shows the error opens there."""
    portfolio, _luz, _pedro, line, applied = book
    login(client, "sofia")
    queue = client.get(reverse("bank_queue", args=[portfolio.slug])).content.decode()
    assert f'id="line-{line.pk}"' in queue
    for name in ("bank_line_accept", "bank_line_apply", "bank_line_split", "bank_line_dismiss"):
        assert f'action="{reverse(name, args=[portfolio.slug, line.pk])}#line-{line.pk}"' in queue
    url = reverse("bank_line_split", args=[portfolio.slug, line.pk])
    page = client.post(url, {f"s{line.pk}-debtor_1": "C001", f"s{line.pk}-amount_1": "1",
                             f"s{line.pk}-debtor_2": "C002", f"s{line.pk}-amount_2": "1"}).content.decode()
    assert "deben ser iguales" in page and f'action="{url}#line-{line.pk}"' in page
    applied_page = client.get(reverse("bank_applied", args=[portfolio.slug])).content.decode()
    undo = reverse("bank_line_undo", args=[portfolio.slug, applied.pk])
    assert f'id="applied-{applied.pk}"' in applied_page and f'action="{undo}#applied-{applied.pk}"' in applied_page
