"""Issue 12, item 1: rendered text is plain text wherever it is shown; script in a template or in a debtor's name
never runs in the browser of whoever opens the preview."""

from datetime import date

import pytest
from django.utils.safestring import SafeData

from recaudo.communications.rendering import render_source
from recaudo.communications.services import template_save
from recaudo.demo.testing import login, make_debtor, make_obligation

from .conftest import NOW

pytestmark = pytest.mark.django_db

IMG_ATTACK = "Hola <img src=x onerror=alert(document.cookie)>"
SCRIPT_NAME = "<script>alert(document.cookie)</script>"


def preview_part(page: str) -> str:
    return page.split('id="preview"', 1)[1]


@pytest.mark.parametrize("html", [True, False])
def test_the_sandbox_returns_plain_strings_never_safe_ones(html):
    out = render_source("Hola {{ debtor.name }} <b>", {"debtor": {"name": "Ana"}}, html=html, locale="es_CO")
    assert out == "Hola Ana <b>" and type(out) is str and not isinstance(out, SafeData)


@pytest.mark.parametrize("channel", ["sms", "whatsapp"])
def test_a_script_in_a_text_template_is_shown_as_text(client, people, luz, channel):
    login(client, "ana")
    url = f"/p/{luz.portfolio.slug}/comms/templates/reminder/{channel}/es/"
    data = {"body": IMG_ATTACK, "debtor_code": "C001", "active": "on", "whatsapp_template_name": "recaudo_x"}
    preview = client.post(url + "preview/", data, HTTP_HX_REQUEST="true").content.decode()
    assert "<img src=x" not in preview and "Hola &lt;img src=x onerror=alert(document.cookie)&gt;" in preview
    # saved by an administrator, the page that edits it again shows it as text too
    template_save(portfolio=luz.portfolio, code="reminder", channel=channel, language="es", subject="",
                  body=IMG_ATTACK, whatsapp_template_name="recaudo_x", now=NOW)
    page = client.get(url).content.decode()
    assert "<img src=x" not in page
    assert "Hola &lt;img src=x onerror=alert(document.cookie)&gt;" in preview_part(page)


def test_a_debtor_named_script_with_the_oldest_due_date_is_shown_as_text_on_the_default_pages(client, people, luz):
    villain = make_debtor(luz.portfolio, code="X1", name=SCRIPT_NAME)
    make_obligation(luz.portfolio, villain, number="X-1", amount="1000", issue=date(1, 1, 1), due=date(1, 1, 1))
    login(client, "ana")
    for channel in ("sms", "whatsapp", "email", "letter"):
        page = client.get(f"/p/{luz.portfolio.slug}/comms/templates/overdue_notice/{channel}/es/").content.decode()
        assert "(X1)" in preview_part(page)  # the default preview debtor
        shown = preview_part(page)
        if channel == "email":  # escaped by the email's HTML, then again inside the frame's srcdoc attribute
            assert "&amp;lt;script&amp;gt;alert(document.cookie)&amp;lt;/script&amp;gt;" in shown
        else:  # the debtor's name above the preview, then the rendered text
            assert shown.count("&lt;script&gt;alert(document.cookie)&lt;/script&gt;") >= 2
        assert SCRIPT_NAME not in page, channel


def test_an_email_body_cannot_leave_the_preview_frame(client, people, luz):
    login(client, "ana")
    body = '<p>Hola</p>"></iframe><script>alert(document.cookie)</script><iframe srcdoc="'
    preview = client.post(f"/p/{luz.portfolio.slug}/comms/templates/reminder/email/es/preview/",
                          {"subject": "Aviso", "body": body, "debtor_code": "C001", "active": "on"},
                          HTTP_HX_REQUEST="true").content.decode()
    assert "<script>" not in preview and "</iframe><script>" not in preview
    assert 'srcdoc="&lt;p&gt;Hola&lt;/p&gt;&quot;&gt;&lt;/iframe&gt;&lt;script&gt;' in preview
