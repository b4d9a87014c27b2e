"""Report views with the test client: access control, formats, dashboard."""

import csv
import io
from datetime import date

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from recaudo.demo.testing import make_debtor, make_obligation, make_user

from .factories import build_book

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _login_url(settings):
    settings.LOGIN_URL = "/accounts/login/"  # the accounts app may not have its login view yet


@pytest.fixture
def agent(portfolio):
    return make_user("ana", portfolio=portfolio, role="viewer")


@pytest.fixture
def client_in(client, agent):
    client.force_login(agent)
    return client


def statement_url(portfolio, debtor, fmt):
    return reverse("statement", args=[portfolio.slug, debtor.pk, fmt])


@pytest.mark.parametrize("name,args", [("dashboard", []), ("aging", ["pyme"])])
def test_login_required(client, portfolio, name, args):
    response = client.get(reverse(name, args=args))
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_login_required_for_statement(client, portfolio):
    book = build_book(portfolio)
    response = client.get(statement_url(portfolio, book["c1"], "pdf"))
    assert response.status_code == 302


def test_statement_formats(client_in, portfolio):
    book = build_book(portfolio)
    expected = {
        "html": "text/html; charset=utf-8",
        "csv": "text/csv; charset=utf-8",
        "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "pdf": "application/pdf",
    }
    for fmt, content_type in expected.items():
        response = client_in.get(statement_url(portfolio, book["c1"], fmt) + "?to=2026-11-22")
        assert response.status_code == 200, fmt
        assert response["Content-Type"] == content_type
        assert 'filename="estado-de-cuenta-C001-2026-11-22.' + fmt + '"' in response["Content-Disposition"]
    pdf = client_in.get(statement_url(portfolio, book["c1"], "pdf"))
    assert pdf.content.startswith(b"%PDF")
    html = client_in.get(statement_url(portfolio, book["c1"], "html") + "?to=2026-11-22").content.decode()
    assert "250.000,00" in html and "Estado de cuenta" in html


def test_statement_unknown_format_and_bad_dates(client_in, portfolio):
    book = build_book(portfolio)
    assert client_in.get(f"/p/pyme/debtors/{book['c1'].pk}/statement.doc").status_code == 404
    assert client_in.get(statement_url(portfolio, book["c1"], "csv") + "?from=ayer").status_code == 400
    response = client_in.get(statement_url(portfolio, book["c1"], "csv") + "?from=2026-12-01&to=2026-11-01")
    assert response.status_code == 400


def test_statement_csv_neutralizes_formulas(client_in, portfolio):
    debtor = make_debtor(portfolio, code="C009")
    make_obligation(portfolio, debtor, number="F-9", amount="10", issue=date(2026, 1, 1), due=date(2026, 1, 31),
                    description="=cmd|' /C calc'!A0")
    content = client_in.get(statement_url(portfolio, debtor, "csv") + "?csv=plain").content.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(content)))
    assert rows[1][3] == "'=cmd|' /C calc'!A0"
    assert "=cmd" not in [cell for row in rows for cell in row]


def test_statement_english(client_in, portfolio):
    book = build_book(portfolio)
    client_in.cookies["django_language"] = "en"
    html = client_in.get(statement_url(portfolio, book["c1"], "html"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Statement of account" in html and "250,000.00" in html


def test_other_portfolio_is_404(client, portfolio, other_portfolio):
    book = build_book(portfolio)
    outsider = make_user("beto", portfolio=other_portfolio, role="admin")
    client.force_login(outsider)
    assert client.get(statement_url(portfolio, book["c1"], "pdf")).status_code == 404
    assert client.get(reverse("aging", args=["pyme"])).status_code == 404
    # A debtor of another portfolio through a granted portfolio's URL: 404 too.
    own = make_debtor(other_portfolio, code="A-1")
    assert client.get(statement_url(other_portfolio, own, "csv")).status_code == 200
    assert client.get(f"/p/edificio/debtors/{book['c1'].pk}/statement.csv").status_code == 404


def test_dashboard_shows_only_granted_portfolios(client_in, portfolio, other_portfolio):
    build_book(portfolio)
    response = client_in.get(reverse("dashboard") + "?as_of=2026-11-22")
    html = response.content.decode()
    assert response.status_code == 200
    assert portfolio.name in html and other_portfolio.name not in html
    assert "370.000,50" in html  # total balance, es-CO
    assert "<svg" in html and "/p/pyme/debtors/?bucket=6" in html
    assert "73.0 %" in html or "73,0 %" in html
    assert "Corriente" in html
    assert 'width="300.0"' in html and 'y="14.0"' in html  # SVG coordinates are never localized (no "14,0")


def test_dashboard_bad_date_falls_back_to_today(client_in, portfolio):
    response = client_in.get(reverse("dashboard") + "?as_of=mañana")
    assert response.status_code == 200
    assert "no es una fecha válida" in response.content.decode()


def test_aging_page_and_exports(client_in, portfolio):
    build_book(portfolio)
    url = reverse("aging", args=["pyme"])
    html = client_in.get(url + "?as_of=2026-11-22&by=debtor").content.decode()
    assert "Luz Marina Restrepo" in html and "250.000,00" in html and "<svg" in html
    response = client_in.get(url + "?as_of=2026-11-22&by=debtor&format=csv&csv=plain")
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0][:3] == ["code", "name", "total"] and rows[1][:3] == ["C001", "Luz Marina Restrepo", "250000.00"]
    xlsx = client_in.get(url + "?as_of=2026-11-22&format=xlsx")
    assert xlsx.content.startswith(b"PK")
    assert 'filename="cartera-por-edades-pyme-portfolio-2026-11-22.xlsx"' in xlsx["Content-Disposition"]


def test_aging_csv_defaults_to_excel_es_co(client_in, portfolio):
    build_book(portfolio)
    make_debtor(portfolio, code="C001", name="Luz Marina Restrepo", id_type="CC", id_number="52123456")
    url = reverse("aging", args=["pyme"]) + "?as_of=2026-11-22&by=debtor"
    html = client_in.get(url).content.decode()
    assert "format=csv&amp;csv=excel" in html and "format=csv&amp;csv=plain" in html
    assert "Exportar CSV (estándar)" in html
    data = client_in.get(url + "&format=csv").content
    assert data == client_in.get(url + "&format=csv&csv=excel").content
    assert data.startswith(b"\xef\xbb\xbf")
    lines = data.decode("utf-8-sig").split("\r\n")
    assert lines[0].startswith("Código;Nombre;Identificación (tipo y número);Total;Corriente;")
    # the viewer sees the ID masked, as on the pages
    assert lines[1].startswith("C001;Luz Marina Restrepo;CC *****3456;250000,00;100000,00;")
    assert lines[2].startswith("C002;Ferretería El Tornillo S.A.S.;;120000,50;")
    assert lines[3].startswith("Total;;;370000,50;100000,00;")
    # plain CSV keeps the keys and the decimal point
    plain = client_in.get(url + "&format=csv&csv=plain").content.decode("utf-8-sig").split("\r\n")
    assert plain[0].startswith("code,name,total,") and plain[1].startswith("C001,Luz Marina Restrepo,250000.00,")


def test_aging_csv_unmasked_id_for_an_admin(client, portfolio):
    build_book(portfolio)
    make_debtor(portfolio, code="C001", name="Luz Marina Restrepo", id_type="CC", id_number="52123456")
    client.force_login(make_user("jefe", portfolio=portfolio, role="admin"))
    url = reverse("aging", args=["pyme"]) + "?as_of=2026-11-22&by=debtor"
    rows = client.get(url + "&format=csv").content.decode("utf-8-sig").split("\r\n")
    assert rows[1].startswith("C001;Luz Marina Restrepo;CC 52123456;250000,00;")
    sheet = load_workbook(io.BytesIO(client.get(url + "&format=xlsx").content)).active
    assert [c.value for c in sheet[1]][:4] == ["Código", "Nombre", "Identificación (tipo y número)", "Total"]
    assert sheet["C2"].value == "CC 52123456" and sheet["D2"].number_format == "#,##0.00"
    assert sheet["A4"].value == "Total" and float(sheet["D4"].value) == 370000.5


def test_aging_csv_english_defaults_to_plain(client_in, portfolio):
    build_book(portfolio)
    client_in.cookies["django_language"] = "en"
    url = reverse("aging", args=["pyme"]) + "?as_of=2026-11-22&by=debtor&format=csv"
    rows = client_in.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode("utf-8-sig").split("\r\n")
    assert rows[0].startswith("code,name,total,")


def test_statement_csv_dialects(client_in, portfolio):
    book = build_book(portfolio)
    url = statement_url(portfolio, book["c1"], "csv") + "?to=2026-11-22"
    excel = client_in.get(url).content
    assert excel.startswith(b"\xef\xbb\xbf") and ";250000,00\r\n" in excel.decode("utf-8-sig")
    assert "01/11/2026;" in excel.decode("utf-8-sig")
    plain = client_in.get(url + "&csv=plain").content.decode("utf-8-sig")
    assert ",250000.00\r\n" in plain and "2026-11-01," in plain
    html = client_in.get(reverse("debtor_detail", args=[portfolio.slug, book["c1"].pk])).content.decode()
    assert "statement.csv?csv=plain" in html and "CSV (estándar)" in html
