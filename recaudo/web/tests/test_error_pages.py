"""403 and 404 answer in the user's language with the app's look, like the 500 page."""

import pytest

from recaudo.demo.testing import make_user, sign_in

pytestmark = pytest.mark.django_db


def test_not_found_page_in_spanish(client, portfolio):
    user = make_user("ana", portfolio, role="agent")
    sign_in(client, user.username)
    page = client.get("/p/no-existe/deudores/", HTTP_ACCEPT_LANGUAGE="es-CO")
    assert page.status_code == 404
    text = page.content.decode()
    assert "Página no encontrada (404)" in text and 'lang="es-co"' in text


def test_forbidden_page_in_spanish(client, portfolio):
    user = make_user("ana", portfolio, role="agent")
    sign_in(client, user.username)
    page = client.get("/rates/", HTTP_ACCEPT_LANGUAGE="es-CO")  # only administrators load legal rates
    assert page.status_code == 403
    assert "No puede abrir esta página (403)" in page.content.decode()
