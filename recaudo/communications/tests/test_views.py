"""Outbox and template pages: access per portfolio, filters, edit with a live preview against a real debtor."""

import re

import pytest

from recaudo.communications.models import Template
from recaudo.communications.services import message_enqueue
from recaudo.communications.transports import Outgoing
from recaudo.communications.transports.letter import LetterTransport
from recaudo.cycle.outbox import outbox_process
from recaudo.demo.testing import login

from .conftest import NOW

pytestmark = pytest.mark.django_db


def test_outbox_page_lists_and_filters(client, people, luz, john):
    message_enqueue(portfolio=luz.portfolio, debtor=luz, channel="email", template_code="reminder",
                    dedupe_key="a", now=NOW)
    message_enqueue(portfolio=luz.portfolio, debtor=luz, channel="sms", template_code="reminder",
                    dedupe_key="b", now=NOW)
    login(client, "ana")  # (a viewer sees the recipients masked: recaudo/privacy/tests/test_scope_pages.py)
    page = client.get(f"/p/{luz.portfolio.slug}/comms/outbox/")
    assert page.status_code == 200 and b"luz@example.com" in page.content and b"+573001234567" in page.content
    only_sms = client.get(f"/p/{luz.portfolio.slug}/comms/outbox/?channel=sms", HTTP_HX_REQUEST="true")
    assert b"+573001234567" in only_sms.content and b"luz@example.com" not in only_sms.content
    assert b"<html" not in only_sms.content  # the table fragment for htmx


def test_other_portfolios_and_anonymous_users_get_nothing(client, people, portfolio):
    assert client.get(f"/p/{portfolio.slug}/comms/outbox/").status_code == 302
    login(client, "beto")
    assert client.get(f"/p/{portfolio.slug}/comms/outbox/").status_code == 404
    assert client.get(f"/p/{portfolio.slug}/comms/templates/").status_code == 404


def test_viewer_cannot_edit_templates(client, people, portfolio):
    login(client, "vera")
    assert client.get(f"/p/{portfolio.slug}/comms/templates/").status_code == 200
    assert client.get(f"/p/{portfolio.slug}/comms/templates/reminder/sms/es/").status_code == 404


def test_edit_previews_with_a_real_debtor_then_saves_an_override(client, people, luz):
    slug = luz.portfolio.slug
    login(client, "ana")
    page = client.get(f"/p/{slug}/comms/templates/reminder/email/es/")
    assert page.status_code == 200 and "Luz Marina Restrepo" in page.content.decode()
    body = "Hola {{ debtor.name }}, debes {{ total_overdue|money:currency }} desde {{ oldest_due_date|date }}."
    preview = client.post(f"/p/{slug}/comms/templates/reminder/email/es/preview/",
                          {"subject": "Aviso", "body": body, "debtor_code": "C001", "active": "on"},
                          HTTP_HX_REQUEST="true")
    text = preview.content.decode()
    # the preview runs on today's clock: the amount depends on what is overdue today, the format does not
    assert re.search(r"\$ \d{1,3}(\.\d{3})+,\d{2}", text) and "31/01/2026" in text and "Luz Marina Restrepo" in text
    assert not Template.objects.filter(portfolio=luz.portfolio).exists()  # preview never saves
    bad = client.post(f"/p/{slug}/comms/templates/reminder/email/es/preview/",
                      {"subject": "x", "body": "{% load x %}", "debtor_code": "C001"})
    assert "La plantilla no se puede generar" in bad.content.decode()  # es-CO by default
    saved = client.post(f"/p/{slug}/comms/templates/reminder/email/es/",
                        {"subject": "Aviso", "body": body, "active": "on"})
    assert saved.status_code == 302
    own = Template.objects.get(portfolio=luz.portfolio, code="reminder", channel="email", language="es")
    assert own.body == body and own.version == 1
    refused = client.post(f"/p/{slug}/comms/templates/reminder/email/es/", {"subject": "x", "body": "{{ a._b }}"})
    assert refused.status_code == 200 and "La plantilla no se puede generar" in refused.content.decode()


def test_letters_go_to_one_pdf_batch(settings, tmp_path, luz):
    settings.RECAUDO_TRANSPORTS = {"letter": "letter"}
    message_enqueue(portfolio=luz.portfolio, debtor=luz, channel="letter", template_code="prelegal",
                    dedupe_key="l1", now=NOW)
    assert outbox_process(now=NOW, worker_id="w1")["sent"] == 1
    results = LetterTransport(directory=str(tmp_path / "batch")).send_many([
        Outgoing(message_id=i, channel="letter", to=f"Calle {i}", subject="Aviso", body="x", text="Texto\n\nMás")
        for i in (1, 2, 3)])
    files = list((tmp_path / "batch").glob("letters-*.pdf"))
    assert len(files) == 1 and files[0].read_bytes().startswith(b"%PDF")
    assert [r.split("#")[1] for r in results] == ["1", "2", "3"]
    assert list((tmp_path / "letters").glob("letters-*.pdf"))
