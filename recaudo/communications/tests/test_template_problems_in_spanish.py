"""What is wrong with a message template (a tag or filter the sandbox does not have, an unclosed tag, a name with an
underscore, a variable it does not know) is said in the page's language on the preview and when saving, not in
the English of Django's template parser."""

import pytest

from recaudo.demo.testing import login

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(("body", "spanish", "english"), [
    ("{% load static %}hola", "línea 1: las plantillas de mensajes no tienen la etiqueta «load»", "Invalid block tag"),
    ("{% include 'base.html' %}", "no tienen la etiqueta «include»", "Did you forget"),
    ("{% if debtor.name %}hola", "línea 1: la etiqueta «if» no se cierra (ciérrela con elif, else, endif)",
     "Unclosed tag"),
    ("{{ debtor.name|safe }}", "las plantillas de mensajes no tienen el filtro «safe»", "Invalid filter"),
    ("{{ debtor.__class__ }}", "el nombre de una variable no puede empezar con guion bajo", "may not begin"),
    ("{% for o in obligations %}{{ o.number }}{% endif %}", "la etiqueta «endif» no va aquí", "expected"),
])
def test_a_broken_template_is_explained_in_es_co(client, people, luz, body, spanish, english):
    login(client, "ana")
    url = f"/p/{luz.portfolio.slug}/comms/templates/reminder/sms/es/"
    data = {"body": body, "debtor_code": "C001", "active": "on"}
    preview = client.post(url + "preview/", data, HTTP_HX_REQUEST="true").content.decode()
    assert spanish in preview.replace("&#x27;", "'") and english not in preview
    saved = client.post(url, data).content.decode()
    assert spanish in saved and english not in saved


def test_an_unknown_variable_is_warned_in_es_co(client, people, luz):
    login(client, "ana")
    preview = client.post(f"/p/{luz.portfolio.slug}/comms/templates/reminder/sms/es/preview/",
                          {"body": "Hola {{ request.user }}", "debtor_code": "C001", "active": "on"},
                          HTTP_HX_REQUEST="true").content.decode()
    assert "variable desconocida: request.user" in preview and "unknown variable" not in preview
