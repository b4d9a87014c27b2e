"""The office's habeas data pages: the queue (business days left, overdue highlighted, filters), a request (extend,
answer, send back, close), filing from the debtor page; the 'reclamo en trámite' mark on the debtor page and the
statement."""

from datetime import UTC, datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from recaudo.audit.services import portal_actor
from recaudo.communications.models import Message
from recaudo.demo.testing import make_user
from recaudo.privacy.models import HabeasRequest
from recaudo.privacy.services_requests import habeas_request_file

pytestmark = pytest.mark.django_db


def file(debtor, kind="reclamo", now=None, text="Corrijan mi reporte: <script>x</script>"):
    return habeas_request_file(debtor=debtor, kind=kind, channel="portal", text=text, actor=portal_actor(debtor.pk),
                               now=now)


@pytest.fixture
def staff(portfolio):
    return {"sofia": make_user("sofia", portfolio, role="supervisor"),
            "carlos": make_user("carlos", portfolio, role="agent")}


def test_queue_shows_days_left_and_highlights_overdue(client, portfolio, luz, staff):
    late = file(luz, kind="consulta", now=datetime(2026, 1, 2, 15, 0, tzinfo=UTC))
    fresh = file(luz)
    client.force_login(staff["sofia"])
    html = client.get(reverse("habeas_queue", args=["pyme"])).content.decode()
    assert late.number in html and fresh.number in html
    assert f'<tr id="habeas-{late.pk}" class="is-overdue">' in html
    assert f'<tr id="habeas-{fresh.pk}">' in html
    assert "<script>x</script>" not in html
    html = client.get(reverse("habeas_queue", args=["pyme"]), {"kind": "reclamo"}).content.decode()
    assert fresh.number in html and late.number not in html
    html = client.get(reverse("habeas_queue", args=["pyme"]), {"status": "overdue"}).content.decode()
    assert late.number in html and fresh.number not in html
    assert 'id="nav-habeas"' in html


def test_agents_do_not_see_the_queue(client, portfolio, luz, staff):
    request = file(luz)
    client.force_login(staff["carlos"])
    assert client.get(reverse("habeas_queue", args=["pyme"])).status_code == 403
    assert client.get(reverse("habeas_request", args=["pyme", request.pk])).status_code == 403


def test_request_page_extends_and_answers(client, portfolio, luz, staff):
    request = file(luz)
    url = reverse("habeas_request", args=["pyme", request.pk])
    client.force_login(staff["sofia"])
    html = client.get(url).content.decode()
    assert 'id="habeas-extend-form"' in html and 'id="habeas-require-form"' in html
    assert "&lt;script&gt;x&lt;/script&gt;" in html
    response = client.post(url, {"action": "extend", "extend-reason": ""})
    assert response.status_code == 200 and "errorlist" in response.content.decode()
    response = client.post(url, {"action": "extend", "extend-reason": "Verificando con el banco."})
    assert response.status_code == 302
    request.refresh_from_db()
    assert request.extended
    assert 'id="habeas-extend-form"' not in client.get(url).content.decode()  # only once
    response = client.post(url, {"action": "answer", "answer-answer": "Corregimos el dato."})
    assert response.status_code == 302
    request.refresh_from_db()
    assert request.status == "answered" and request.answered_by == staff["sofia"]
    assert Message.objects.filter(template_code="habeas_answer", debtor=luz).exists()
    html = client.get(url).content.decode()
    assert "Corregimos el dato." in html and 'id="habeas-answer-form"' not in html
    assert client.post(url, {"action": "nope"}).status_code == 400


def test_filing_from_the_debtor_page_and_the_mark(client, portfolio, luz, staff):
    client.force_login(staff["carlos"])
    url = reverse("habeas_request_new", args=["pyme", luz.pk])
    assert client.get(url).status_code == 200
    response = client.post(url, {"kind": "reclamo", "channel": "phone", "text": "", "obligation": ""})
    assert response.status_code == 200 and not HabeasRequest.objects.exists()
    upload = SimpleUploadedFile("soporte.pdf", b"%PDF-1.4 soporte", content_type="application/pdf")
    obligation = luz.obligations.get()
    response = client.post(url, {"kind": "reclamo", "channel": "phone", "text": "Ya pagué la factura.",
                                 "obligation": str(obligation.pk), "attachment": upload})
    assert response.status_code == 302
    request = HabeasRequest.objects.get()
    assert request.filed_by == "carlos" and request.obligation == obligation
    assert request.attachment.filename == "soporte.pdf"
    html = client.get(reverse("debtor_detail", args=["pyme", luz.pk])).content.decode()
    assert 'id="claim-badge"' in html and 'id="habeas-new-link"' in html
    assert 'id="habeas-requests"' not in html  # the list of requests: supervisors
    client.force_login(staff["sofia"])
    html = client.get(reverse("debtor_detail", args=["pyme", luz.pk])).content.decode()
    assert 'id="habeas-requests"' in html and request.number in html
    statement = client.get(reverse("statement", args=["pyme", luz.pk, "html"])).content.decode()
    assert 'id="claim-in-progress"' in statement
    pdf = client.get(reverse("statement", args=["pyme", luz.pk, "pdf"]))
    assert pdf.status_code == 200


def test_no_mark_no_badge(client, portfolio, luz, staff):
    file(luz, kind="consulta")
    client.force_login(staff["sofia"])
    html = client.get(reverse("debtor_detail", args=["pyme", luz.pk])).content.decode()
    assert 'id="claim-badge"' not in html and 'id="habeas-requests"' in html
    statement = client.get(reverse("statement", args=["pyme", luz.pk, "html"])).content.decode()
    assert 'id="claim-in-progress"' not in statement
