"""Codes are shown by their names: a debtor's or a message's language is "Español", not "ES" (issue 14)."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import translation

from recaudo.demo.testing import make_debtor, make_user, sign_in
from recaudo.web.templatetags.recaudo import language_name


def test_language_codes_are_named_in_the_page_language():
    with translation.override("es-co"):
        assert language_name("es") == "Español" and language_name("EN") == "Inglés"
    with translation.override("en"):
        assert language_name("es") == "Spanish"
    assert language_name("pt") == "PT" and language_name("") == "" and language_name(None) == ""


@pytest.mark.django_db
def test_the_debtor_page_names_the_debtors_language(client, portfolio):
    debtor = make_debtor(portfolio, code="C1", name="Luz Marina Restrepo")
    make_user("ana", portfolio, role="agent")
    sign_in(client, "ana")
    html = client.get(reverse("debtor_detail", args=[portfolio.slug, debtor.pk]),
                      HTTP_ACCEPT_LANGUAGE="es-CO").content.decode()
    assert "Idioma <strong>Español</strong>" in html and "<strong>ES</strong>" not in html
