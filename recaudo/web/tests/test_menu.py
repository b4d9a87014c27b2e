"""The main menu offers each role only the pages it may open: a viewer was offered "Cola" and "Gestionar este
deudor" (both 404); supervisors get "Aprobaciones"."""

import pytest
from django.urls import reverse

from recaudo.demo.testing import make_debtor, make_user, sign_in

pytestmark = pytest.mark.django_db


def _page(client, portfolio, username, role):
    make_user(username, portfolio, role=role)
    sign_in(client, username)
    debtor = make_debtor(portfolio, code=f"D-{username}")
    return client.get(reverse("debtor_detail", args=[portfolio.slug, debtor.pk]),
                      HTTP_ACCEPT_LANGUAGE="es-CO").content.decode()


@pytest.mark.parametrize(("role", "shown", "hidden"), [
    ("viewer", [], ["agent_queue", "agent_team", "approvals", "work-debtor", "import_list"]),
    ("agent", ["agent_queue", "work-debtor"], ["agent_team", "approvals", "import_list"]),
    ("supervisor", ["agent_queue", "agent_team", "approvals", "work-debtor", "import_list"], []),
])
def test_menu_by_role(client, portfolio, role, shown, hidden):
    html = _page(client, portfolio, f"u{role}", role)
    urls = {"agent_queue": reverse("agent_queue", args=[portfolio.slug]),
            "agent_team": reverse("agent_team", args=[portfolio.slug]),
            "approvals": reverse("approvals", args=[portfolio.slug]),
            "import_list": reverse("import_list", args=[portfolio.slug]),
            "work-debtor": 'id="work-debtor"'}
    for name in shown:
        assert urls[name] in html, name
    for name in hidden:
        assert (f'href="{urls[name]}"' if name != "work-debtor" else urls[name]) not in html, name
    if role == "supervisor":
        assert ">Aprobaciones</a>" in html


def test_a_portfolios_own_address_opens_its_debtors_and_stays_closed_to_others(client, portfolio, other_portfolio):
    make_user("uhome", portfolio, role="viewer")
    sign_in(client, "uhome")
    home = client.get(f"/p/{portfolio.slug}/")  # was a 404
    assert home.status_code == 302 and home.url == reverse("debtor_list", args=[portfolio.slug])
    assert client.get(home.url).status_code == 200
    assert client.get(f"/p/{other_portfolio.slug}/").status_code == 404
