"""A creditor's own host name for the portal (issue 16 §1): Portfolio.portal_host reaches that portfolio's portal at
"/" without the slug (recaudo.portal.middleware.PortalHostMiddleware); nothing of the office is reachable there; a
host not in ALLOWED_HOSTS is refused by Django before anything runs."""

from __future__ import annotations

import pytest
from django.urls import reverse

from recaudo.communications.models import Message
from recaudo.demo.testing import make_luz, make_portfolio
from recaudo.portfolio.selectors import portal_hosts_forget
from recaudo.portfolio.services import PortfolioError, portfolio_creditor_set

from .test_portal import code_of

pytestmark = pytest.mark.django_db
HOST = "pagos.edificio.com"


@pytest.fixture
def building(settings):
    settings.ALLOWED_HOSTS = ["testserver", HOST]
    portfolio = make_portfolio(slug="edificio", name="Edificio Los Almendros P.H.")
    portfolio_creditor_set(portfolio=portfolio, actor="test", portal_host="Pagos.Edificio.com")
    make_luz(portfolio)
    yield portfolio
    portal_hosts_forget()


def test_the_creditors_host_opens_its_portal_at_the_root_and_signs_in(client, building):
    other = make_portfolio(slug="pyme")  # the main host is unchanged, and so is another portfolio's portal
    page = client.get("/", HTTP_HOST=HOST)
    body = page.content.decode()
    assert page.status_code == 200 and "Edificio Los Almendros P.H." in body and 'name="identifier"' in body
    assert client.get("/", HTTP_HOST=f"{HOST}:8443").status_code == 200  # a port does not matter
    assert client.get(reverse("portal_enter", args=[other.slug])).status_code == 200
    assert "Edificio Los Almendros" not in client.get(reverse("portal_enter", args=[other.slug])).content.decode()
    # the form on "/" posts to "/": the code is asked for and the flow goes on under /portal/edificio/
    asked = client.post("/", {"identifier": "52123456"}, HTTP_HOST=HOST)
    assert asked.status_code == 302 and asked["Location"] == reverse("portal_code", args=[building.slug])
    code = code_of(Message.objects.get(template_code="portal_code"))
    done = client.post(asked["Location"], {"code": code}, HTTP_HOST=HOST)
    assert done.status_code == 302 and done["Location"] == reverse("portal_home", args=[building.slug])
    assert client.get("/inicio/", HTTP_HOST=HOST).status_code == 200  # the slug-less path of a portal page


def test_nothing_of_the_office_is_reachable_on_the_creditors_host(client, building):
    for path in ("/accounts/login/", f"/p/{building.slug}/debtors/", "/admin/", "/rates/"):
        assert client.get(path, HTTP_HOST=HOST).status_code == 404, path
    assert client.get("/accounts/login/").status_code == 200  # on the main host it is there
    assert client.get("/verificar/", HTTP_HOST=HOST).status_code == 200  # public pages kept


def test_a_host_not_in_allowed_hosts_is_refused(client, building, settings):
    settings.ALLOWED_HOSTS = ["testserver"]
    assert client.get("/", HTTP_HOST=HOST).status_code == 400


def test_the_host_name_is_checked_and_unique(building):
    other = make_portfolio(slug="pyme")
    for bad in ("https://pagos.otro.com/", "pagos", "pagos.otro.com:443", "pa gos.com", "-x.com"):
        with pytest.raises(PortfolioError) as refused:
            portfolio_creditor_set(portfolio=other, actor="test", portal_host=bad)
        assert refused.value.field == "portal_host"
    with pytest.raises(PortfolioError, match="Otra cartera|Another portfolio"):
        portfolio_creditor_set(portfolio=other, actor="test", portal_host="PAGOS.edificio.com.")
    portfolio_creditor_set(portfolio=building, actor="test", portal_host="")  # removed: the root is no portal
    assert building.portal_host == ""


def test_the_settings_page_edits_the_portal_host(client, building):
    from recaudo.demo.testing import login, make_user

    login(client, make_user("ana", building, role="admin").username)
    page = client.get(reverse("portfolio_settings", args=[building.slug])).content.decode()
    assert 'name="portal_host"' in page and 'value="pagos.edificio.com"' in page
