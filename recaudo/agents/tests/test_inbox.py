"""The agents' inbox (issue 16 §4): what debtors wrote by SMS/WhatsApp that no keyword answered, on the portfolio's
inbox page and on the debtor's page, until someone marks it handled."""

from datetime import UTC, date, datetime

import pytest

from recaudo.audit.models import AuditEvent
from recaudo.communications.models import InboundMessage
from recaudo.communications.services_inbound import inbound_receive
from recaudo.demo.testing import login, make_debtor, make_obligation
from recaudo.portfolio.services import contact_add

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 3, 3, 15, 0, tzinfo=UTC)


@pytest.fixture
def luz(portfolio):
    debtor = make_debtor(portfolio, code="C001", name="Luz Marina Restrepo")
    make_obligation(portfolio, debtor, number="F-1", amount="1000000", issue=date(2026, 1, 1), due=date(2026, 1, 31))
    contact_add(debtor=debtor, channel="phone", value="+57 300 123 4567", consent="granted", now=NOW)
    return debtor


def _write(text, sender="+573001234567", sid="SM1"):
    return inbound_receive(channel="sms", sender=sender, text=text, provider="twilio", provider_id=sid, now=NOW)


def test_the_inbox_lists_what_waits_and_escapes_it(client, people, luz):
    _write("<script>alert(1)</script> no puedo pagar")
    _write("SALDO", sid="SM2")  # answered automatically: not in the inbox
    login(client, "carlos")
    page = client.get(f"/p/{luz.portfolio.slug}/inbox/").content.decode()
    assert "&lt;script&gt;alert(1)&lt;/script&gt; no puedo pagar" in page and "<script>alert(1)" not in page
    assert page.count("data-inbound=") == 1
    assert f'href="/p/{luz.portfolio.slug}/debtors/{luz.pk}/#inbound"' in page
    assert "1 mensaje" in page


def test_marking_handled_from_the_debtor_page(client, people, luz):
    (row,) = _write("¿me pueden llamar mañana?")
    login(client, "carlos")
    debtor_page = client.get(f"/p/{luz.portfolio.slug}/debtors/{luz.pk}/").content.decode()
    assert "¿me pueden llamar mañana?" in debtor_page and "Marcar como atendido" in debtor_page
    response = client.post(f"/p/{luz.portfolio.slug}/inbox/{row.pk}/handled/", {"next": "debtor"})
    assert response.status_code == 302 and response["Location"].endswith(f"/debtors/{luz.pk}/#inbound")
    row.refresh_from_db()
    assert row.handled_at is not None and row.handled_by == people["carlos"]
    assert AuditEvent.objects.filter(event_type="inbound.handled", debtor=luz).count() == 1
    assert "Marcar como atendido" not in client.get(f"/p/{luz.portfolio.slug}/debtors/{luz.pk}/").content.decode()
    assert "data-inbound=" not in client.get(f"/p/{luz.portfolio.slug}/inbox/").content.decode()
    # twice: refused with a message, nothing changes
    again = client.post(f"/p/{luz.portfolio.slug}/inbox/{row.pk}/handled/", follow=True)
    assert "ya fue marcado como atendido" in again.content.decode()


def test_a_viewer_sees_the_message_masked_and_no_button(client, people, luz):
    _write("mi número es 3001234567")
    login(client, "vera")
    page = client.get(f"/p/{luz.portfolio.slug}/debtors/{luz.pk}/").content.decode()
    assert "3001234567" not in page and "Marcar como atendido" not in page
    assert client.get(f"/p/{luz.portfolio.slug}/inbox/").status_code == 404


def test_another_portfolios_message_cannot_be_marked(client, people, luz, other_portfolio):
    other = make_debtor(other_portfolio, code="X1", name="Otro")
    contact_add(debtor=other, channel="phone", value="+57 311 000 0000", consent="granted", now=NOW)
    (row,) = _write("hola?", sender="+573110000000")
    login(client, "carlos")
    assert client.post(f"/p/{luz.portfolio.slug}/inbox/{row.pk}/handled/").status_code == 404
    assert InboundMessage.objects.get(pk=row.pk).handled_at is None
