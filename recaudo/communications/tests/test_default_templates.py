"""The shipped default templates (issue 14 §8): "usted" in Spanish, a company addressed by its name, no link to a
portal that is off, SMS texts in one segment; and the SMS segment count (rules.sms_size) on the editor's preview."""

import doctest
import re
from datetime import date

import pytest

from recaudo.communications import rules
from recaudo.communications.models import Template
from recaudo.communications.rendering import template_lookup, template_render
from recaudo.communications.rules import sms_size
from recaudo.demo.testing import login, make_debtor, make_obligation

from .conftest import NOW

pytestmark = pytest.mark.django_db

INFORMAL = re.compile(r"\b(tienes|te recordamos|puedes|pagaste|ignora|paga en|hola|tu saldo|tu cuenta)\b", re.I)


def test_rules_examples():
    assert doctest.testmod(rules).failed == 0


@pytest.fixture
def company(portfolio):
    debtor = make_debtor(portfolio, code="N001", name="Distribuciones El Sol S.A.S.", kind="company",
                         id_type="NIT", id_number="800197268-4", language="es")
    make_obligation(portfolio, debtor, number="F-9", amount="1234567.89", issue=date(2026, 1, 1),
                    due=date(2026, 1, 31))
    return debtor


def _rendered(debtor, code, channel, language="es"):
    template = template_lookup(portfolio=debtor.portfolio, code=code, channel=channel, language=language)
    return template_render(template=template, debtor=debtor, now=NOW)


def test_spanish_defaults_say_usted():
    spanish = list(Template.objects.filter(portfolio=None, language="es"))
    assert spanish
    for t in spanish:
        assert not INFORMAL.search(t.subject + " " + t.body), (t.code, t.channel, INFORMAL.search(t.body))


def test_a_company_is_addressed_by_its_name(company, luz):
    sms = _rendered(company, "reminder", "sms").text
    assert sms.startswith("Distribuciones Andinas S.A.S.: Distribuciones El Sol S.A.S., le recordamos")
    assert _rendered(company, "reminder", "email").text.startswith("Señores Distribuciones El Sol S.A.S.:")
    assert _rendered(luz, "reminder", "sms").text.startswith("Distribuciones Andinas S.A.S.: Luz, le recordamos")
    assert _rendered(luz, "reminder", "email").text.startswith("Señor(a) Luz Marina Restrepo:")


def test_no_portal_link_while_the_portal_is_off(luz):
    for t in Template.objects.filter(portfolio=None).exclude(code="portal_code"):  # the portal's own access code
        out = _rendered(luz, t.code, t.channel, t.language)
        assert "http" not in out.body + out.text and "portal" not in out.text.lower(), (t.code, t.channel)


def test_the_portal_link_appears_when_the_portal_is_on(luz, settings):
    settings.RECAUDO_PORTAL_URL = "https://pagos.example.com"
    assert "https://pagos.example.com/portal/l/" in _rendered(luz, "reminder", "email").body
    assert "Pague en https://pagos.example.com/portal/l/" in _rendered(luz, "reminder", "sms").text


def test_the_portal_link_uses_the_creditors_own_host_name(luz, settings):
    settings.RECAUDO_PORTAL_URL = "https://pagos.example.com"
    luz.portfolio.portal_host = "pagos.edificio.com"
    luz.portfolio.save(update_fields=["portal_host"])
    luz.refresh_from_db()
    body = _rendered(luz, "reminder", "email").body
    assert "https://pagos.edificio.com/portal/l/" in body and "pagos.example.com" not in body


def test_default_sms_fit_one_segment(luz, john, company):
    for debtor, language in ((luz, "es"), (company, "es"), (john, "en")):
        for code in ("reminder", "overdue_notice"):
            text = _rendered(debtor, code, "sms", language).text
            size = sms_size(text)
            assert (size.encoding, size.segments) == ("GSM-7", 1), (code, language, text, size)


def test_amounts_in_an_sms_use_plain_spaces(luz, settings):
    text = _rendered(luz, "reminder", "sms").text
    assert "$ 1.234.567,89" in text and "\u00a0" not in text and "\u202f" not in text


def test_the_editor_preview_shows_the_segment_count(client, people, luz):
    slug = luz.portfolio.slug
    login(client, "ana")
    page = client.get(f"/p/{slug}/comms/templates/reminder/sms/es/").content.decode()
    assert "<h1>Recordatorio amable · SMS · Español</h1>" in page  # names, not codes (reminder · sms · es)
    assert re.search(r'id="sms-size" data-segments="1">\s*\d+ caracteres · 1 segmento SMS \(GSM-7, hasta 160 '
                     r"caracteres\)", page), page[page.find("preview"):][:2000]
    long_text = "Señor {{ debtor.name }}, " + "su saldo está vencido. " * 8
    preview = client.post(f"/p/{slug}/comms/templates/reminder/sms/es/preview/",
                          {"body": long_text, "debtor_code": "C001", "active": "on"}, HTTP_HX_REQUEST="true")
    html = preview.content.decode()
    assert 'data-segments="4"' in html and "segmentos SMS (UCS-2, 67 caracteres cada uno)" in html
    assert "no están en el alfabeto GSM" in html and ": á" in html
    email = client.get(f"/p/{slug}/comms/templates/reminder/email/es/").content.decode()
    assert "sms-size" not in email


def test_the_payment_link_appears_only_when_there_is_one(luz, company):
    """The defaults show "Pague en línea: <link>" (e-mail) and "Pague en <link>" (SMS) with the debtor's open link,
    and nothing of it while the debtor has none (payment_link is empty: `{% if payment_link %}`)."""
    from datetime import timedelta

    from recaudo.banking.models import GatewayAccount, PaymentLink

    address = "https://checkout.wompi.co/l/test_abc"
    for code in ("reminder", "overdue_notice", "prelegal", "statement"):
        assert "Pague en línea" not in _rendered(luz, code, "email").body
    assert "Pague en http" not in _rendered(luz, "reminder", "sms").text
    GatewayAccount.objects.create(portfolio=luz.portfolio, provider="wompi", config={}, active=True)
    PaymentLink.objects.create(portfolio=luz.portfolio, debtor=luz, amount_minor=100_000, currency="COP",
                               reference="RC0123456789AB", provider="wompi", url=address,
                               expires_at=NOW + timedelta(days=3))
    for code in ("reminder", "overdue_notice", "prelegal", "statement"):
        body = _rendered(luz, code, "email").body
        assert f'Pague en línea: <a href="{address}">{address}</a>' in body, code
    assert _rendered(luz, "reminder", "sms").text.endswith(f"Pague en {address}")
    assert f'Pay online: <a href="{address}">' in _rendered(luz, "reminder", "email", "en").body
    # another debtor of the portfolio has no link: nothing of it
    assert address not in _rendered(company, "reminder", "email").body
    # every default collection e-mail (the habeas data notices of privacy's migration ask for no money: no link)
    assert all(t.version >= 2 and "payment_link" in t.body
               for t in Template.objects.filter(portfolio=None, channel="email").exclude(code="portal_code")
               .exclude(code__startswith="habeas_"))
