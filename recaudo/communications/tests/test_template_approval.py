"""Issue 12, item 1: an agent's edit of a portfolio's template waits for a supervisor's or administrator's approval;
until then the approved text is the one sent. Supervisors' and administrators' edits apply at once."""

import pytest

from recaudo.audit.models import AuditEvent
from recaudo.communications.models import Message, Template, TemplateRevision
from recaudo.communications.rules import template_can_decide, template_edit_needs_approval
from recaudo.communications.services import (
    CommunicationsError,
    TemplateNotAllowed,
    message_enqueue,
    template_revision_decide,
    template_save,
)
from recaudo.demo.testing import login, make_user

from .conftest import NOW

pytestmark = pytest.mark.django_db

AGENT_TEXT = "Hola {{ debtor.first_name }}, texto del agente."
APPROVED_TEXT = "Hola {{ debtor.first_name }}, texto aprobado."


def test_rule_only_agents_wait():
    assert [template_edit_needs_approval(r) for r in ("agent", "supervisor", "admin", None)] == [
        True, False, False, False]
    assert [template_can_decide(r) for r in ("agent", "viewer", "supervisor", "admin", None)] == [
        False, False, True, True, False]


@pytest.fixture
def sofia(portfolio):
    return make_user("sofia", portfolio, role="supervisor")


def sms_body(luz, key):
    message = message_enqueue(portfolio=luz.portfolio, debtor=luz, channel="sms", template_code="reminder",
                              dedupe_key=key, now=NOW)
    return message.body


def edit(client, luz, body):
    return client.post(f"/p/{luz.portfolio.slug}/comms/templates/reminder/sms/es/", {"body": body, "active": "on"})


def test_an_agents_edit_waits_and_the_approved_text_keeps_being_sent(client, people, sofia, luz):
    template_save(portfolio=luz.portfolio, code="reminder", channel="sms", language="es", subject="",
                  body=APPROVED_TEXT, now=NOW, actor=people["ana"])
    login(client, "carlos")
    page = client.get(f"/p/{luz.portfolio.slug}/comms/templates/reminder/sms/es/")
    assert "Sus cambios esperan la aprobación de un supervisor" in page.content.decode()
    saved = edit(client, luz, AGENT_TEXT)
    assert saved.status_code == 302
    listing = client.get(saved.url).content.decode()
    assert "Su cambio espera la aprobación de un supervisor" in listing and "cambio pendiente de aprobación" in listing
    template = Template.objects.get(portfolio=luz.portfolio, code="reminder", channel="sms", language="es")
    assert template.body == APPROVED_TEXT and template.version == 1
    revision = TemplateRevision.objects.get()
    assert (revision.status, revision.body, revision.base_version, revision.submitted_by) == (
        "pending", AGENT_TEXT, 1, people["carlos"])
    assert AuditEvent.objects.filter(event_type="template.submitted", actor=people["carlos"]).count() == 1
    assert sms_body(luz, "before") == "Hola Luz, texto aprobado."

    # the agent may not decide; the supervisor approves on the approvals page (es-CO)
    assert client.get(f"/p/{luz.portfolio.slug}/comms/templates/approvals/").status_code == 403
    assert client.post(f"/p/{luz.portfolio.slug}/comms/templates/approvals/{revision.pk}/",
                       {"decision": "approve"}).status_code == 403
    login(client, "sofia")
    queue = client.get(f"/p/{luz.portfolio.slug}/comms/templates/approvals/").content.decode()
    assert "Cambios esperando aprobación" in queue and "texto del agente" in queue and "texto aprobado" in queue
    done = client.post(f"/p/{luz.portfolio.slug}/comms/templates/approvals/{revision.pk}/", {"decision": "approve"},
                       follow=True)
    assert "Cambio aprobado" in done.content.decode()
    template.refresh_from_db()
    assert template.body == AGENT_TEXT and template.version == 2
    revision.refresh_from_db()
    assert (revision.status, revision.decided_by, revision.template) == ("approved", sofia, template)
    approved = AuditEvent.objects.get(event_type="template.approved")
    assert approved.actor == sofia and approved.changes["submitted_by"] == "carlos" and approved.changes[
        "version"] == 2
    assert sms_body(luz, "after") == "Hola Luz, texto del agente."


def test_an_agents_first_edit_over_the_default_waits_too(client, people, luz):
    default_text = sms_body(luz, "default").split("http")[0]  # the portal link's signature carries a timestamp
    assert default_text.startswith("Distribuciones Andinas S.A.S.: Luz, le recordamos su saldo vencido de")
    login(client, "carlos")
    assert edit(client, luz, AGENT_TEXT).status_code == 302
    assert not Template.objects.filter(portfolio=luz.portfolio).exists()
    assert TemplateRevision.objects.get().base_version is None
    assert sms_body(luz, "still-default").split("http")[0] == default_text
    revision = template_revision_decide(revision=TemplateRevision.objects.get(), decision="approve",
                                        actor=people["ana"])
    assert revision.template.portfolio == luz.portfolio and revision.template.version == 1
    assert sms_body(luz, "own") == "Hola Luz, texto del agente."


@pytest.mark.parametrize("who", ["sofia", "ana"])
def test_supervisors_and_administrators_edits_apply_at_once(client, people, sofia, luz, who):
    login(client, who)
    assert edit(client, luz, AGENT_TEXT).status_code == 302
    assert Template.objects.get(portfolio=luz.portfolio).body == AGENT_TEXT
    assert not TemplateRevision.objects.exists()
    assert sms_body(luz, who) == "Hola Luz, texto del agente."


def test_rejecting_needs_a_reason_and_leaves_the_template_alone(client, people, sofia, luz):
    revision = template_save(portfolio=luz.portfolio, code="reminder", channel="sms", language="es", subject="",
                             body=AGENT_TEXT, now=NOW, actor=people["carlos"])
    assert isinstance(revision, TemplateRevision)
    with pytest.raises(CommunicationsError, match="motivo"):
        template_revision_decide(revision=revision, decision="reject", actor=sofia)
    login(client, "sofia")
    client.post(f"/p/{luz.portfolio.slug}/comms/templates/approvals/{revision.pk}/",
                {"decision": "reject", "reason": "Tono inadecuado"})
    revision.refresh_from_db()
    assert (revision.status, revision.reason) == ("rejected", "Tono inadecuado")
    assert not Template.objects.filter(portfolio=luz.portfolio).exists()
    event = AuditEvent.objects.get(event_type="template.rejected")
    assert event.actor == sofia and event.changes["reason"] == "Tono inadecuado"
    with pytest.raises(CommunicationsError, match="no está pendiente"):
        template_revision_decide(revision=revision, decision="approve", actor=sofia)


def test_only_supervisors_and_administrators_decide(people, luz):
    revision = template_save(portfolio=luz.portfolio, code="reminder", channel="sms", language="es", subject="",
                             body=AGENT_TEXT, now=NOW, actor=people["carlos"])
    for who in ("carlos", "vera", "beto"):
        with pytest.raises(TemplateNotAllowed):
            template_revision_decide(revision=revision, decision="approve", actor=people[who])
    with pytest.raises(TemplateNotAllowed):
        template_revision_decide(revision=revision, decision="approve", actor="a command")


def test_a_newer_edit_supersedes_the_pending_one(people, luz):
    first = template_save(portfolio=luz.portfolio, code="reminder", channel="sms", language="es", subject="",
                          body="Uno {{ debtor.name }}", now=NOW, actor=people["carlos"])
    second = template_save(portfolio=luz.portfolio, code="reminder", channel="sms", language="es", subject="",
                           body="Dos {{ debtor.name }}", now=NOW, actor=people["carlos"])
    first.refresh_from_db()
    assert (first.status, second.status) == ("superseded", "pending")
    assert AuditEvent.objects.get(event_type="template.submitted", subject_id=second.pk).changes[
        "supersedes"] == [first.pk]


def test_an_edit_written_against_an_older_version_is_not_approved(people, sofia, luz):
    revision = template_save(portfolio=luz.portfolio, code="reminder", channel="sms", language="es", subject="",
                             body=AGENT_TEXT, now=NOW, actor=people["carlos"])
    template_save(portfolio=luz.portfolio, code="reminder", channel="sms", language="es", subject="",
                  body=APPROVED_TEXT, now=NOW, actor=sofia)
    with pytest.raises(CommunicationsError, match="changed since"):
        template_revision_decide(revision=revision, decision="approve", actor=sofia)
    assert Template.objects.get(portfolio=luz.portfolio).body == APPROVED_TEXT


def test_approving_a_message_still_goes_through_the_worker_unchanged_until_approval(people, sofia, luz):
    """A message queued for send-time rendering (the daily cycle) uses whatever is approved when it is sent."""
    from recaudo.communications.services import messages_enqueue_bulk
    from recaudo.cycle.outbox import outbox_process

    template_save(portfolio=luz.portfolio, code="reminder", channel="sms", language="es", subject="",
                  body=APPROVED_TEXT, now=NOW, actor=sofia)
    template_save(portfolio=luz.portfolio, code="reminder", channel="sms", language="es", subject="",
                  body=AGENT_TEXT, now=NOW, actor=people["carlos"])
    messages_enqueue_bulk([{"portfolio": luz.portfolio, "debtor": luz, "channel": "sms", "template_code": "reminder",
                            "dedupe_key": "cycle"}], now=NOW)
    outbox_process(now=NOW, worker_id="test")
    assert Message.objects.get(dedupe_key="cycle").body == "Hola Luz, texto aprobado."
