"""Login, logout (POST only) and password change pages."""

import pytest
from django.urls import reverse

from recaudo.demo.testing import TEST_PASSWORD, make_user, sign_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def ana(portfolio):
    return make_user("ana", portfolio, role="admin")


def test_login_page_is_a_branded_card_in_spanish(client):
    response = client.get(reverse("login"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Recaudo" in html and "auth-card" in html
    assert "Cobranza y cartera" in html and "Iniciar sesión" in html


def test_login_and_redirect(client, ana, portfolio):
    response = client.post(reverse("login"), {"username": "ana", "password": TEST_PASSWORD,
                                              "next": reverse("debtor_list", args=[portfolio.slug])})
    assert response.status_code == 302
    assert response["Location"] == reverse("debtor_list", args=[portfolio.slug])
    assert "_auth_user_id" in client.session


def test_login_rejects_a_wrong_password(client, ana):
    response = client.post(reverse("login"), {"username": "ana", "password": "otra-cosa"})
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session
    assert "message-error" in response.content.decode()


def test_logout_is_a_post(client, ana, portfolio):
    sign_in(client, "ana")
    html = client.get(reverse("debtor_list", args=[portfolio.slug])).content.decode()
    assert f'action="{reverse("logout")}"' in html and 'method="post"' in html
    assert client.get(reverse("logout")).status_code == 405
    response = client.post(reverse("logout"))
    assert response.status_code == 302 and response["Location"] == reverse("login")
    assert "_auth_user_id" not in client.session


def test_password_change(client, ana):
    sign_in(client, "ana")
    assert client.get(reverse("password_change")).status_code == 200
    response = client.post(reverse("password_change"), {
        "old_password": TEST_PASSWORD, "new_password1": "Cartera-Nueva-2026", "new_password2": "Cartera-Nueva-2026",
    })
    assert response.status_code == 302 and response["Location"] == reverse("password_change_done")
    assert "Contraseña cambiada" in client.get(reverse("password_change_done")).content.decode()
    client.post(reverse("logout"))
    assert sign_in(client, "ana", "Cartera-Nueva-2026")


def test_password_change_requires_login(client):
    response = client.get(reverse("password_change"))
    assert response.status_code == 302 and reverse("login") in response["Location"]


def test_language_switch_on_login_page(client):
    client.post(reverse("set_language"), {"language": "en", "next": reverse("login")})
    html = client.get(reverse("login")).content.decode()
    assert "Collections and accounts receivable" in html and "Log in" in html
