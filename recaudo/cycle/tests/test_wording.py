"""Step reasons are stored as a code with parameters and said in the page's language; reasons stored as English
text before still read sensibly; strategy actions and default stage names are translated."""

import pytest
from django.utils import translation

from recaudo.cycle.wording import decode, encode, reason_text
from recaudo.strategies.wording import action_label, condition_text, stage_label


@pytest.mark.parametrize(("stored", "es", "en"), [
    (encode("held", holds=["promise", "dispute"]), "en espera: Promesa de pago, Disputa",
     "on hold: Promise to pay, Dispute"),
    (encode("conditions", step="call-10", condition="min_amount 1500000"),
     "no se cumplen las condiciones del paso: requiere un saldo de al menos 1.500.000",
     "step conditions not met: needs a balance of at least 1,500,000"),
    (encode("blocked", rules=[{"rule": "CO-CONSENT-SMS", "detail": ""}]), "bloqueado por cumplimiento: CO-CONSENT-SMS",
     "blocked by compliance: CO-CONSENT-SMS"),
    (encode("bureau_marked"), "marcado para el reporte a centrales de riesgo", "marked for the credit bureau report"),
    # Stored before, in English: read back into the same codes.
    ("held: promise", "en espera: Promesa de pago", "on hold: Promise to pay"),
    ("conditions: sms-3: consent for sms", "no se cumplen las condiciones del paso: requiere autorización para SMS",
     "step conditions not met: needs consent for SMS"),
    ("marked for report", "marcado para el reporte a centrales de riesgo", "marked for the credit bureau report"),
    ("something else entirely", "something else entirely", "something else entirely"),
    ("", "", ""),
])
def test_reason_text_in_both_languages(stored, es, en):
    with translation.override("es-co"):
        assert reason_text(stored).startswith(es)
    with translation.override("en"):
        assert reason_text(stored).startswith(en)


def test_old_scheduled_and_blocked_texts_are_read_back():
    assert decode("scheduled: CO-HOURS Sunday 10:00 is outside Sunday's window") == {
        "code": "scheduled", "rules": [{"rule": "CO-HOURS", "detail": "Sunday 10:00 is outside Sunday's window"}]}
    assert decode("CO-CONSENT: no consent; CO-HOURS: closed")["code"] == "blocked"
    with translation.override("es-co"):
        assert "fuera del horario de contacto" in reason_text("scheduled: CO-HOURS Sunday 10:00 is outside ...")


def test_actions_stages_and_conditions_in_spanish():
    with translation.override("es-co"):
        assert action_label("send_message") == "Enviar mensaje"
        assert action_label("mark_legal") == "Pasar a cobro jurídico"
        assert stage_label({"key": "preventive", "name": "Preventive"}) == "Preventiva"
        assert stage_label("pre_legal") == "Prejurídica"
        assert stage_label({"key": "vip", "name": "Clientes VIP"}) == "Clientes VIP"  # the user's own name
        assert condition_text("promise_pending true") == "solo con una promesa pendiente"
    with translation.override("en"):
        assert stage_label({"key": "preventive", "name": "Preventive"}) == "Preventive"


def test_consent_reasons_name_the_channel():
    email = encode("blocked", rules=[{"rule": "CO-CONSENT", "detail": "no consent for email"}])
    with translation.override("es-co"):
        assert reason_text(email) == "bloqueado por cumplimiento: sin autorización para correo"


@pytest.mark.parametrize(("stored", "es", "en"), [
    ("no collectable contact with consent for sms", "sin contacto con autorización para SMS",
     "no contact with consent for SMS"),
    ("consent for email is not granted (revoked?) for ana@example.com",
     "sin autorización para correo (¿revocada?) de ana@example.com",
     "consent for email is not granted (revoked?) for ana@example.com"),
    ("no active template 'overdue_notice' for whatsapp in es (or es)",
     "no hay plantilla activa overdue_notice para WhatsApp", "no active template overdue_notice for WhatsApp"),
])
def test_the_outboxs_own_errors_are_said_in_the_pages_language(stored, es, en):
    """The message pages showed these two outbox errors in English on es-CO pages (issue 14)."""
    with translation.override("es-co"):
        assert reason_text(stored) == es
    with translation.override("en"):
        assert reason_text(stored) == en


def test_a_message_held_for_the_contact_hours_says_so_whatever_its_rules_citation():
    """The enqueue stores the compliance reasons as the rules say them, citation included; the contact-hours rule
    cites two laws joined by "; ", which was taken for a second rule and left the whole English text (rule id,
    version, Monday's window) on the es-CO message page."""
    stored = ("outside the compliance window until 2026-12-07T07:00:00-05:00: CO-HOURS v1 (c) blocked: Monday 04:30 "
              "is outside Monday's window 07:00-19:00. Contact hours Mon-Fri 07:00-19:00, Sat 08:00-15:00, never "
              "Sundays or national holidays (festivos), in the debtor's local time. [Ley 2300 de 2023 art. 3; Ley 51 "
              "de 1983 (festivos)]")
    assert [r["rule"] for r in decode(stored)["rules"]] == ["CO-HOURS"]
    with translation.override("es-co"):
        assert reason_text(stored) == "programado para la próxima hora permitida: fuera del horario de contacto"
    two = "CO-HOURS v1 (c) blocked: closed [Ley 2300 de 2023 art. 3; Ley 51 de 1983]; CO-CONSENT v1 (a) blocked: x"
    assert [r["rule"] for r in decode(two)["rules"]] == ["CO-HOURS", "CO-CONSENT"]
