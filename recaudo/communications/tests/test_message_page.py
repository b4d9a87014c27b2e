"""The outbox opens a message: what was sent to whom and its delivery history, in es-CO; a viewer sees the
recipient masked."""

from datetime import UTC, datetime

import pytest
from django.urls import reverse

from recaudo.communications.models import Message, Template
from recaudo.demo.testing import make_debtor, make_user, sign_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def message(portfolio):
    debtor = make_debtor(portfolio, code="C1", name="Luz Marina Restrepo")
    at = datetime(2026, 3, 2, 14, 0, tzinfo=UTC)
    return Message.objects.create(
        portfolio=portfolio, debtor=debtor, channel="email", to="luz.restrepo@example.com", template_code="reminder",
        language="es", subject="Recordatorio", body="<p>Hola <b>Luz</b>, su saldo es $ 1.000.000</p>", html=True,
        dedupe_key="k1", scheduled_for=at, next_attempt_at=at, status="delivered", sent_at=at, delivered_at=at,
        provider="smtp")


def test_supervisor_reads_the_message_and_its_history(client, portfolio, message):
    make_user("sofia", portfolio, role="supervisor")
    sign_in(client, "sofia")
    page = client.get(reverse("comms_message", args=[portfolio.slug, message.pk]), HTTP_ACCEPT_LANGUAGE="es-CO")
    html = page.content.decode()
    assert page.status_code == 200
    assert "Hola Luz, su saldo es $ 1.000.000" in html  # the HTML e-mail as text
    assert "luz.restrepo@example.com" in html and "Historial de entrega" in html
    assert "Mensaje creado" in html and "Entregado al destinatario" in html
    outbox = client.get(reverse("comms_outbox", args=[portfolio.slug]), HTTP_ACCEPT_LANGUAGE="es-CO")
    assert reverse("comms_message", args=[portfolio.slug, message.pk]) in outbox.content.decode()
    assert "Entregado: 1" in outbox.content.decode()


def test_viewer_sees_the_recipient_masked(client, portfolio, message):
    make_user("vera", portfolio, role="viewer")
    sign_in(client, "vera")
    html = client.get(reverse("comms_message", args=[portfolio.slug, message.pk])).content.decode()
    assert "luz.restrepo@example.com" not in html


def test_another_portfolios_message_is_not_found(client, portfolio, other_portfolio, message):
    make_user("otro", other_portfolio, role="admin")
    sign_in(client, "otro")
    assert client.get(reverse("comms_message", args=[other_portfolio.slug, message.pk])).status_code == 404


def test_the_template_and_language_are_named_not_coded(client, portfolio, message):
    """The page named the template by its code ("reminder") and the language "es" (issue 14): its name, in words."""
    make_user("sofia", portfolio, role="supervisor")
    sign_in(client, "sofia")
    html = client.get(reverse("comms_message", args=[portfolio.slug, message.pk]),
                      HTTP_ACCEPT_LANGUAGE="es-CO").content.decode()
    template = Template.objects.get(portfolio=None, code="reminder", channel="email", language="es")
    assert f"<dd>{template.name} · Español</dd>" in html


def test_a_message_whose_template_is_gone_still_shows_its_code(client, portfolio, message):
    Message.objects.filter(pk=message.pk).update(template_code="retired_notice", language="")
    make_user("sofia", portfolio, role="supervisor")
    sign_in(client, "sofia")
    html = client.get(reverse("comms_message", args=[portfolio.slug, message.pk]),
                      HTTP_ACCEPT_LANGUAGE="es-CO").content.decode()
    assert "<dd>retired_notice</dd>" in html


def test_the_outbox_names_each_messages_template(client, portfolio, message):
    make_user("sofia", portfolio, role="supervisor")
    sign_in(client, "sofia")
    html = client.get(reverse("comms_outbox", args=[portfolio.slug]), HTTP_ACCEPT_LANGUAGE="es-CO").content.decode()
    template = Template.objects.get(portfolio=None, code="reminder", channel="email", language="es")
    assert f"<td>{template.name}</td>" in html and "<td>reminder</td>" not in html


def test_a_queued_message_shows_whom_it_would_go_to(client, portfolio):
    """The cycle queues messages without a recipient (the outbox picks the contact with consent when it sends):
    the outbox showed an empty "Para" on every queued message (issue 14). It shows the contact it would go to
    now, marked "al enviarse"; a viewer sees it masked; nothing is saved."""
    from recaudo.portfolio.services import contact_add

    debtor = make_debtor(portfolio, code="C2", name="Ana Gómez")
    contact_add(debtor=debtor, channel="email", value="ana.gomez@example.com", consent="granted",
                consent_source="formulario web")
    at = datetime(2026, 3, 2, 14, 0, tzinfo=UTC)
    queued = Message.objects.create(portfolio=portfolio, debtor=debtor, channel="email", to="",
                                    template_code="reminder", language="es", dedupe_key="k2", scheduled_for=at,
                                    next_attempt_at=at, status="queued")
    make_user("sofia", portfolio, role="supervisor")
    sign_in(client, "sofia")
    outbox = client.get(reverse("comms_outbox", args=[portfolio.slug]), HTTP_ACCEPT_LANGUAGE="es-CO")
    html = outbox.content.decode()
    assert "ana.gomez@example.com" in html and "(al enviarse)" in html
    detail = client.get(reverse("comms_message", args=[portfolio.slug, queued.pk]), HTTP_ACCEPT_LANGUAGE="es-CO")
    assert "ana.gomez@example.com" in detail.content.decode()
    queued.refresh_from_db()
    assert queued.to == ""
    make_user("vera", portfolio, role="viewer")
    sign_in(client, "vera")
    masked = client.get(reverse("comms_outbox", args=[portfolio.slug])).content.decode()
    assert "ana.gomez@example.com" not in masked


def test_the_outbox_table_scrolls_inside_its_card(client, portfolio, message):
    """Ten columns ran past the card at 1280 px (issue 14): the table scrolls inside it."""
    make_user("sofia", portfolio, role="supervisor")
    sign_in(client, "sofia")
    html = client.get(reverse("comms_outbox", args=[portfolio.slug])).content.decode()
    assert '<div id="outbox-table" class="card">\n<div class="table-wrap tall"><table class="table">' in html
