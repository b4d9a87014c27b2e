"""The debtor list's export (what it shows, every page) and saved filters."""

import io
from datetime import timedelta

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from recaudo.audit.models import AuditEvent
from recaudo.demo.testing import login, make_debtor, make_obligation, make_user
from recaudo.portfolio import services
from recaudo.portfolio.models import SavedFilter
from recaudo.portfolio.selectors import PAGE_SIZE, filter_query
from recaudo.portfolio.services import PortfolioError, saved_filter_delete, saved_filter_save

pytestmark = pytest.mark.django_db


@pytest.fixture
def many(portfolio):
    """PAGE_SIZE + 10 debtors with a balance (more than one page), one of them a company with a NIT; one without a
    balance."""
    today = portfolio.today()
    for i in range(PAGE_SIZE + 10):
        data = {"kind": "company", "id_type": "NIT", "id_number": "8001972684"} if i == 0 else {}
        debtor = make_debtor(portfolio, code=f"D{i:03}", name=f"Deudor {i:03}", tags="norte" if i % 2 else "sur",
                             **data)
        make_obligation(portfolio, debtor, number=f"F-{i}", amount=str(100000 + i * 1000),
                        issue=today - timedelta(days=90), due=today - timedelta(days=40))
    make_debtor(portfolio, code="Z999", name="Sin saldo")


@pytest.fixture
def users(portfolio):
    return {"sofia": make_user("sofia", portfolio, role="supervisor"),
            "vera": make_user("vera", portfolio, role="viewer"),
            "carlos": make_user("carlos", portfolio, role="agent")}


def export(client, portfolio, query):
    return client.get(reverse("debtor_list_export", args=[portfolio.slug]) + "?" + query)


def test_the_csv_has_every_page_in_the_lists_order_in_the_excel_dialect(client, portfolio, many, users):
    login(client, "sofia")
    response = export(client, portfolio, "filtered=1&with_balance=on&sort=-balance&format=csv")
    assert response.status_code == 200 and response["Content-Disposition"].startswith("attachment")
    text = response.content.decode("utf-8-sig")
    lines = text.strip().split("\r\n")
    assert lines[0].startswith("Código;Nombre;")  # Spanish headers, `;` for Excel es-CO
    assert len(lines) == 1 + PAGE_SIZE + 10  # every page, not the first 50; no debtor without a balance
    codes = [line.split(";")[0] for line in lines[1:]]
    assert codes[0] == f"D{PAGE_SIZE + 9:03}" and codes[-1] == "D000"  # highest balance first, as the list
    assert "800.197.268-4" in lines[-1]  # the NIT with its check digit, as the list shows it
    assert "100000,00" in lines[-1]  # an amount Excel reads as a number
    assert AuditEvent.objects.filter(event_type="debtor_list.exported", changes__rows=PAGE_SIZE + 10).exists()


def test_the_export_follows_the_filter_and_the_plain_dialect(client, portfolio, many, users):
    login(client, "sofia")
    text = export(client, portfolio, "filtered=1&with_balance=on&tag=norte&format=csv&csv=plain").content.decode(
        "utf-8-sig")
    lines = text.strip().split("\r\n")
    assert lines[0].startswith("Código,Nombre,") and len(lines) == 1 + (PAGE_SIZE + 10) // 2
    assert all(",norte," in line for line in lines[1:])


def test_the_xlsx_has_numbers_and_every_row(client, portfolio, many, users):
    login(client, "sofia")
    response = export(client, portfolio, "format=xlsx")
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "Código" and len(rows) == 1 + PAGE_SIZE + 10
    assert isinstance(rows[1][5], (int, float))


def test_a_viewer_exports_masked_ids(client, portfolio, many, users):
    login(client, "vera")
    text = export(client, portfolio, "filtered=1&with_balance=on&q=D000&format=csv").content.decode("utf-8-sig")
    assert "8001972684" not in text and "800.197.268-4" not in text and "684" in text


def test_a_too_large_export_goes_back_with_a_message(client, portfolio, many, users, monkeypatch):
    monkeypatch.setattr(services, "EXPORT_MAX", 5)
    login(client, "sofia")
    response = export(client, portfolio, "filtered=1&tag=norte&format=csv")
    assert response.status_code == 302 and "tag=norte" in response["Location"]
    page = client.get(response["Location"])
    assert any("5" in str(m) for m in page.context["messages"])


def test_a_formula_in_a_name_is_neutralized(client, portfolio, users):
    debtor = make_debtor(portfolio, code="X1", name="=HYPERLINK(\"http://evil\")")
    make_obligation(portfolio, debtor, number="X-1", amount="1000")
    login(client, "sofia")
    text = export(client, portfolio, "format=csv").content.decode("utf-8-sig")
    assert "'=HYPERLINK" in text


# ------------------------------------------------------------------------------------------------ saved filters
def test_filter_query_keeps_only_the_lists_filters():
    assert filter_query("q=ana&page=3&evil=1&bucket=2&with_balance=on") == "q=ana&bucket=2&with_balance=on"
    assert filter_query("filtered=1&page=2") == "filtered=1"  # "with balance only" unticked stays unticked
    assert filter_query("page=2") == ""  # the list's first view


def test_save_list_reapply_and_delete_a_filter(client, portfolio, many, users):
    login(client, "sofia")
    response = client.post(reverse("saved_filter_add", args=[portfolio.slug]),
                           {"name": "mis 31-60 más de 5M", "query": "filtered=1&bucket=2&min_balance=5000000&page=4"})
    saved = SavedFilter.objects.get()
    assert saved.owner == users["sofia"] and saved.query == "filtered=1&bucket=2&min_balance=5000000"
    assert response.status_code == 302 and response["Location"].endswith(saved.query)
    page = client.get(reverse("debtor_list", args=[portfolio.slug])).content.decode()
    assert "mis 31-60 más de 5M" in page and f"?{saved.query.replace('&', '&amp;')}" in page
    client.post(reverse("saved_filter_delete", args=[portfolio.slug, saved.pk]))
    assert not SavedFilter.objects.exists()
    assert AuditEvent.objects.filter(event_type="saved_filter.deleted").exists()


def test_a_filter_is_private_unless_shared(client, portfolio, users):
    saved_filter_save(portfolio=portfolio, owner=users["sofia"], name="privado", query="tag=a")
    saved_filter_save(portfolio=portfolio, owner=users["sofia"], name="del equipo", query="tag=b", shared=True)
    login(client, "carlos")
    page = client.get(reverse("debtor_list", args=[portfolio.slug])).content.decode()
    assert "del equipo" in page and "privado" not in page


def test_only_the_owner_deletes(client, portfolio, users):
    saved = saved_filter_save(portfolio=portfolio, owner=users["sofia"], name="del equipo", query="", shared=True)
    login(client, "carlos")
    response = client.post(reverse("saved_filter_delete", args=[portfolio.slug, saved.pk]))
    assert response.status_code == 403 and SavedFilter.objects.exists()
    with pytest.raises(PortfolioError):
        saved_filter_delete(saved_filter=saved, actor=users["carlos"])


def test_a_hostile_name_is_escaped(client, portfolio, users):
    saved_filter_save(portfolio=portfolio, owner=users["sofia"], name='<script>alert("x")</script>', query="")
    login(client, "sofia")
    page = client.get(reverse("debtor_list", args=[portfolio.slug])).content.decode()
    assert '<script>alert("x")</script>' not in page and "&lt;script&gt;" in page


def test_a_name_is_required_bounded_and_the_same_name_replaces(portfolio, users):
    with pytest.raises(PortfolioError) as caught:
        saved_filter_save(portfolio=portfolio, owner=users["sofia"], name="  ", query="")
    assert caught.value.field == "name"
    with pytest.raises(PortfolioError):
        saved_filter_save(portfolio=portfolio, owner=users["sofia"], name="x" * 81, query="")
    saved_filter_save(portfolio=portfolio, owner=users["sofia"], name="norte", query="tag=a")
    saved_filter_save(portfolio=portfolio, owner=users["sofia"], name="norte", query="tag=b")
    assert SavedFilter.objects.get().query == "tag=b"


def test_saved_filters_are_bounded_per_user(portfolio, users, monkeypatch):
    monkeypatch.setattr(services, "SAVED_FILTERS_MAX", 2)
    saved_filter_save(portfolio=portfolio, owner=users["sofia"], name="a", query="")
    saved_filter_save(portfolio=portfolio, owner=users["sofia"], name="b", query="")
    with pytest.raises(PortfolioError):
        saved_filter_save(portfolio=portfolio, owner=users["sofia"], name="c", query="")
