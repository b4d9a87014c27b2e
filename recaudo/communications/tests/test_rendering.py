"""Templates: sandbox, locale formatting, consolidated obligation list, validation, defaults."""

import pytest

from recaudo.communications.models import Template
from recaudo.communications.rendering import RenderError, render_source, template_lookup, template_validate
from recaudo.communications.services import TemplateInvalid, template_render, template_save

from .conftest import NOW

pytestmark = pytest.mark.django_db


def test_defaults_exist_in_spanish_and_english():
    for code, channels in {"reminder": ("email", "sms", "whatsapp"),
                           "overdue_notice": ("email", "sms", "whatsapp", "letter"),
                           "prelegal": ("letter", "email")}.items():
        for channel in channels:
            for language in ("es", "en"):
                assert Template.objects.filter(portfolio=None, code=code, channel=channel, language=language,
                                               active=True).exists(), (code, channel, language)
    assert all(t.whatsapp_template_name for t in Template.objects.filter(channel="whatsapp"))


def test_spanish_rendering_formats_amounts_and_dates_and_lists_only_overdue(luz):
    template = template_lookup(portfolio=luz.portfolio, code="reminder", channel="email", language="es")
    rendered = template_render(template=template, debtor=luz, now=NOW)
    assert rendered.subject == "Recordatorio de pago - Distribuciones Andinas S.A.S."
    assert "1.234.567,89" in rendered.body  # 1,000,000.50 + 234,567.39
    assert "31/01/2026" in rendered.body and "14/02/2026" in rendered.body
    assert "F-1<" in rendered.body and "F-2<" in rendered.body and "F-3" not in rendered.body  # not yet due
    assert "C001" in rendered.text  # payment reference
    assert "/portal/" not in rendered.text and "http" not in rendered.text  # the portal is off: no link to it
    assert rendered.html and "<table>" in rendered.body and "<table>" not in rendered.text


def test_english_rendering(john):
    template = template_lookup(portfolio=john.portfolio, code="overdue_notice", channel="sms", language="en")
    rendered = template_render(template=template, debtor=john, now=NOW)
    assert "1,234,567.89" in rendered.text
    assert rendered.language == "en" and not rendered.html
    letter = template_lookup(portfolio=john.portfolio, code="overdue_notice", channel="letter", language="en")
    text = template_render(template=letter, debtor=john, now=NOW).text
    assert "Jan 31, 2026" in text and "March 3, 2026" in text


def test_language_falls_back_to_spanish(portfolio):
    Template.objects.filter(portfolio=None, code="reminder", channel="sms", language="en").delete()
    found = template_lookup(portfolio=portfolio, code="reminder", channel="sms", language="en")
    assert found.language == "es"


def test_portfolio_override_wins(portfolio):
    own = template_save(portfolio=portfolio, code="reminder", channel="sms", language="es", subject="",
                        body="Hola {{ debtor.first_name }}", now=NOW)
    assert template_lookup(portfolio=portfolio, code="reminder", channel="sms", language="es") == own
    again = template_save(portfolio=portfolio, code="reminder", channel="sms", language="es", subject="",
                          body="Buenas {{ debtor.first_name }}", now=NOW)
    assert again.pk == own.pk and again.version == 2


@pytest.mark.parametrize("source", [
    "{% load static %}{% static 'x' %}",
    "{% include 'base.html' %}",
    "{% extends 'base.html' %}",
    "{{ debtor.__class__ }}",
    "{{ debtor._meta }}",
    "{% debug %}",
    "{% now 'Y' %}",
    "{{ debtor.name|safe }}",
    "{% url 'admin:index' %}",
    "{% for x in %}",
])
def test_sandbox_refuses(source, portfolio):
    with pytest.raises(RenderError):
        render_source(source, {"debtor": {"name": "x"}}, html=True, locale="es_CO")
    with pytest.raises(TemplateInvalid):
        template_save(portfolio=portfolio, code="reminder", channel="email", language="es", subject="s", body=source,
                      now=NOW)


def test_email_autoescapes_and_text_does_not():
    context = {"debtor": {"name": "<script>alert(1)</script> & Co"}}
    assert render_source("{{ debtor.name }}", context, html=True, locale="es_CO") == (
        "&lt;script&gt;alert(1)&lt;/script&gt; &amp; Co")
    assert render_source("{{ debtor.name }}", context, html=False, locale="es_CO") == context["debtor"]["name"]


def test_validation_warns_about_unknown_variables(portfolio):
    warnings = template_validate(subject="", body="Hola {{ deudor.nombre }} {{ debtor.name }}", channel="sms",
                                 language="es", portfolio=portfolio, now=NOW)
    assert warnings == ["variable desconocida: deudor.nombre"]  # in the active language (es-CO)


def test_whatsapp_needs_an_approved_template_name(portfolio):
    with pytest.raises(TemplateInvalid, match="plantilla aprobada"):
        template_save(portfolio=portfolio, code="reminder", channel="whatsapp", language="es", subject="",
                      body="Hola", now=NOW)
