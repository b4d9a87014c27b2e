"""Habeas data requests (recaudo/privacy/services_requests.py): filing, the legal due date in business days, the
'reclamo en trámite' mark, extension, completion, answer through the outbox, closing, and the bureau check."""

import json
from datetime import UTC, date, datetime
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from recaudo.audit.models import AuditEvent
from recaudo.audit.services import portal_actor
from recaudo.communications.models import Message
from recaudo.compliance.services import bureau_report_check
from recaudo.core.errors import NotAllowed
from recaudo.demo.testing import make_debtor, make_user
from recaudo.portfolio.models import Debtor
from recaudo.privacy.models import HabeasRequest
from recaudo.privacy.services import debtor_anonymize, debtor_export
from recaudo.privacy.services_requests import (
    HabeasNotAllowed,
    HabeasRequestError,
    habeas_abandoned_close,
    habeas_request_answer,
    habeas_request_close,
    habeas_request_complete,
    habeas_request_extend,
    habeas_request_file,
    habeas_request_require_completion,
)

# Friday 2026-03-20, 10:00 in Bogotá (Monday 23 is San José, 2-3 April Holy Week)
FRIDAY = datetime(2026, 3, 20, 15, 0, tzinfo=UTC)


def bog(y, m, d, h=10):
    return datetime(y, m, d, h + 5, 0, tzinfo=UTC)


def file(debtor, kind="reclamo", actor=None, now=FRIDAY, **kwargs):
    return habeas_request_file(debtor=debtor, kind=kind, channel=kwargs.pop("channel", "portal"),
                               text=kwargs.pop("text", "Mi deuda F-100 ya fue pagada; corrijan el reporte."),
                               actor=actor or portal_actor(debtor.pk), now=now, **kwargs)


def mark(debtor):
    return Debtor.objects.values_list("habeas_claim_since", flat=True).get(pk=debtor.pk)


def test_claim_from_the_portal_gets_its_due_date_and_the_mark(luz):
    request = file(luz)
    assert request.received_on == date(2026, 3, 20) and request.due_on == date(2026, 4, 15)
    assert request.status == "open" and request.filed_by == f"portal:debtor:{luz.pk}"
    assert request.number == f"HD-{request.pk}"
    assert mark(luz) == FRIDAY
    event = AuditEvent.objects.get(event_type="habeas.filed")
    assert event.actor_label == f"portal:debtor:{luz.pk}" and event.changes["due_on"] == "2026-04-15"
    assert event.changes["claim_mark"][0] is None and event.changes["claim_mark"][1]


def test_consultation_has_ten_business_days_and_no_mark(luz):
    request = file(luz, kind="consulta")
    assert request.due_on == date(2026, 4, 8)
    assert mark(luz) is None


def test_who_may_file(portfolio, luz):
    other = make_debtor(portfolio, code="C002", name="Pedro Gómez")
    with pytest.raises(HabeasNotAllowed):
        file(luz, actor=portal_actor(other.pk))
    with pytest.raises(NotAllowed):
        file(luz, actor=make_user("vera", portfolio, role="viewer"))
    request = file(luz, actor=make_user("carlos", portfolio, role="agent"), channel="phone")
    assert request.filed_by == "carlos"


@pytest.mark.parametrize("kwargs, field", [
    ({"kind": "queja"}, "kind"), ({"channel": "fax"}, "channel"), ({"text": "   "}, "text"),
    ({"text": "x" * 5001}, "text")])
def test_bad_input_names_the_field_and_writes_nothing(luz, kwargs, field):
    with pytest.raises(HabeasRequestError) as info:
        file(luz, **kwargs)
    assert info.value.field == field
    assert not HabeasRequest.objects.exists() and mark(luz) is None


def test_open_requests_per_debtor_are_bounded(luz):
    for _ in range(10):
        file(luz, kind="consulta")
    with pytest.raises(HabeasRequestError):
        file(luz, kind="consulta")


def test_attachment_is_a_checked_document(luz):
    request = file(luz, attachment=b"%PDF-1.4 recibo", attachment_name="recibo.pdf")
    assert request.attachment.filename == "recibo.pdf" and request.attachment.kind == "correspondence"
    with pytest.raises(Exception) as info:
        file(luz, attachment=b"MZ\x90\x00 not a pdf", attachment_name="virus.pdf")
    assert getattr(info.value, "field", None) == "file"


def test_extend_once_before_the_term_with_a_notice(portfolio, luz):
    sofia = make_user("sofia", portfolio, role="supervisor")
    request = file(luz)
    request = habeas_request_extend(request=request, reason="Estamos verificando el pago con el banco.",
                                    actor=sofia, now=bog(2026, 4, 15))
    assert request.extended and request.due_on == date(2026, 4, 27)
    notice = Message.objects.get(template_code="habeas_extension")
    assert notice.channel == "email" and "2026-04-27" in notice.body and "verificando el pago" in notice.body
    with pytest.raises(HabeasRequestError) as info:
        habeas_request_extend(request=request, reason="otra vez", actor=sofia, now=bog(2026, 4, 16))
    assert info.value.field == "reason"
    event = AuditEvent.objects.get(event_type="habeas.extended")
    assert event.changes["due_on"] == ["2026-04-15", "2026-04-27"] and event.changes["notice"].startswith("email")


def test_extension_after_the_term_is_refused(portfolio, luz):
    request = file(luz, kind="consulta")
    with pytest.raises(HabeasRequestError) as info:
        habeas_request_extend(request=request, reason="tarde", actor="cli", now=bog(2026, 4, 9))
    assert "2026-04-08" in info.value.message


def test_agents_and_the_debtor_do_not_handle_requests(portfolio, luz):
    request = file(luz)
    with pytest.raises(HabeasNotAllowed):
        habeas_request_answer(request=request, answer="No.", actor=make_user("carlos", portfolio, role="agent"))
    with pytest.raises(HabeasNotAllowed):
        habeas_request_answer(request=request, answer="Sí.", actor=portal_actor(luz.pk))


def test_answer_reaches_the_debtor_and_lifts_the_mark(portfolio, luz):
    ana = make_user("ana", portfolio, role="admin")
    request = file(luz)
    first = file(luz, now=bog(2026, 3, 25))
    request = habeas_request_answer(request=request, answer="Verificamos el pago del 10 de marzo.\nCorregido.",
                                    actor=ana, now=bog(2026, 4, 1))
    assert request.status == "answered" and request.answered_by == ana and request.answered_at == bog(2026, 4, 1)
    message = Message.objects.get(template_code="habeas_answer")
    assert message.to == "luz.restrepo@example.com" and "Verificamos el pago" in message.body
    assert request.answer_delivery == f"email: message {message.pk}"
    assert mark(luz) == bog(2026, 3, 25)  # the other claim is still open
    habeas_request_answer(request=first, answer="Resuelto.", actor=ana, now=bog(2026, 4, 1))
    assert mark(luz) is None
    assert AuditEvent.objects.filter(event_type="habeas.answered").count() == 2
    with pytest.raises(HabeasRequestError):
        habeas_request_answer(request=first, answer="otra", actor=ana)


def test_answer_without_a_consented_channel_says_so(portfolio):
    debtor = make_debtor(portfolio, code="C009", name="Sin Contacto")
    request = file(debtor, channel="office", actor="cli")
    request = habeas_request_answer(request=request, answer="Respuesta.", actor="cli", now=bog(2026, 3, 24))
    assert request.status == "answered" and request.answer_delivery.startswith("not sent")
    assert not Message.objects.exists()


def test_incomplete_claim_goes_back_then_completes_with_a_new_term(luz):
    request = file(luz)
    request = habeas_request_require_completion(request=request, missing="Copia del soporte de pago.",
                                                actor="cli", now=bog(2026, 3, 26))
    assert request.status == "incomplete" and mark(luz) is None
    assert "soporte de pago" in Message.objects.get(template_code="habeas_incomplete").body
    request = habeas_request_complete(request=request, text="Adjunto el soporte.", actor=portal_actor(luz.pk),
                                      now=bog(2026, 4, 6))
    # completed Monday 6 April: 15 business days from the 7th
    assert request.status == "open" and request.received_on == date(2026, 4, 6) and request.due_on == date(2026, 4, 27)
    assert "Adjunto el soporte." in request.text and mark(luz) == FRIDAY


def test_completion_request_only_within_five_business_days(luz):
    request = file(luz)
    with pytest.raises(HabeasRequestError) as info:
        habeas_request_require_completion(request=request, missing="soporte", actor="cli", now=bog(2026, 3, 31))
    assert "2026-03-30" in info.value.message


def test_abandoned_after_two_months(portfolio, luz):
    request = file(luz)
    habeas_request_require_completion(request=request, missing="soporte", actor="cli", now=bog(2026, 3, 26))
    with pytest.raises(HabeasRequestError):
        habeas_request_close(request=request, reason="abandoned", actor="cli", now=bog(2026, 5, 26))
    assert habeas_abandoned_close(portfolio=portfolio, actor="cli", now=bog(2026, 5, 26)) == []
    closed = habeas_abandoned_close(portfolio=portfolio, actor="cli", now=bog(2026, 5, 27))
    assert [r.pk for r in closed] == [request.pk] and closed[0].close_reason == "abandoned"


def test_the_debtor_withdraws_their_claim(luz):
    request = file(luz)
    request = habeas_request_close(request=request, reason="withdrawn", actor=portal_actor(luz.pk))
    assert request.status == "closed" and mark(luz) is None


def test_bureau_report_blocked_while_a_claim_is_open(luz):
    notices = [date(2026, 1, 2)]
    allowed = bureau_report_check(debtor=luz, report_date=date(2026, 3, 20), notice_dates=notices, record=False)
    assert allowed.allowed
    request = file(luz)
    blocked = bureau_report_check(debtor=luz, report_date=date(2026, 3, 20), notice_dates=notices)
    assert not blocked.allowed and blocked.next_allowed_on is None
    assert any(r.rule_id == "CO-BUREAU-CLAIM" for r in blocked.reasons)
    habeas_request_answer(request=request, answer="Resuelto.", actor="cli", now=bog(2026, 3, 25))
    assert bureau_report_check(debtor=luz, report_date=date(2026, 3, 26), notice_dates=notices,
                               record=False).allowed


# -- the command and the pages ------------------------------------------------------------------------------------
def run(*args) -> str:
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def test_requests_command_table_and_json(portfolio, luz):
    late = file(luz, kind="consulta", now=bog(2026, 1, 2))  # due 2026-01-19
    fresh = file(luz, now=timezone.now())
    out = run("privacy", "requests", "--portfolio", "pyme")
    assert late.number in out and fresh.number in out and "1 overdue" in out
    late_line = next(line for line in out.splitlines() if line.startswith(late.number))
    assert late_line.endswith(" late") and "2026-01-19" in late_line
    data = json.loads(run("privacy", "requests", "--portfolio", "pyme", "--format", "json", "--kind", "reclamo"))
    assert [r["number"] for r in data["requests"]] == [fresh.number]
    assert data["requests"][0]["overdue"] is False and data["requests"][0]["days_left"] > 0
    with pytest.raises(CommandError, match="--portfolio"):
        run("privacy", "requests")
    assert "agents see assigned only" in run("privacy", "pyme")  # the settings form still works



def test_export_lists_requests_and_anonymization_scrubs_them(luz):
    request = file(luz, kind="consulta", text="Soy Luz Marina Restrepo, CC 52123456: ¿qué datos tienen?")
    habeas_request_answer(request=request, answer="Luz Marina Restrepo, le enviamos sus datos.", actor="cli",
                          now=bog(2026, 3, 24))
    data = debtor_export(debtor=luz, fmt="json", actor="cli").data
    assert data["habeas_requests"][0]["number"] == request.number
    assert "52123456" in data["habeas_requests"][0]["text"]
    debtor_anonymize(debtor=luz, reason="solicitud del titular", actor="cli", force=True)
    request.refresh_from_db()
    assert "Luz Marina" not in request.text and "52123456" not in request.text
    assert "Luz Marina" not in request.answer and request.answer.startswith(f"Anonimizado {luz.pk}")
