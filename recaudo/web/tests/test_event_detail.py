"""The timeline's one-line detail of an event (templatetags event_detail) is said in the page's language from the
codes the event stores; rows stored before the codes still show their text."""

from datetime import date
from decimal import Decimal

import pytest
from django.utils import translation

from recaudo.web.templatetags.recaudo import event_detail

OUTCOME = {"disposition": "promise", "label": "Promesa de pago", "label_en": "Promise to pay",
           "notes": "paga el miércoles", "effective": True, "direction": "inbound", "channel": "call",
           "amount": Decimal("500000"), "due_date": date(2026, 12, 10)}


@pytest.mark.parametrize(("language", "expected"), [
    ("es-co", "Llamada entrante · Promesa de pago · COP 500.000,00 · vence 10/12/2026 · paga el miércoles"),
    ("en", "Inbound call · Promise to pay · COP 500,000.00 · due 2026-12-10 · paga el miércoles"),
])
def test_a_call_outcome_is_said_in_the_page_language(language, expected):
    with translation.override(language):
        assert event_detail(OUTCOME) == expected


def test_a_visit_and_an_outbound_call():
    visit = {**OUTCOME, "channel": "visit", "amount": None, "due_date": None, "notes": ""}
    outbound = {**visit, "direction": "outbound", "channel": "call", "disposition": "no_answer",
                "label": "No contesta", "label_en": "No answer"}
    with translation.override("es-co"):
        assert event_detail(visit) == "Visita del deudor · Promesa de pago"
        assert event_detail(outbound) == "No contesta"
    with translation.override("en"):
        assert event_detail(visit) == "Debtor's visit · Promise to pay"
        assert event_detail({**outbound, "channel": "visit"}) == "Visit · No answer"


def test_an_outcome_stored_as_spanish_text_still_shows():
    old = {"disposition": "promise", "label": "Promesa de pago", "direction": "inbound", "channel": "call",
           "memo": "Llamada entrante · Promesa de pago · llamó"}
    with translation.override("en"):
        assert "Llamada entrante · Promesa de pago · llamó" in event_detail(old)


def test_the_work_queue_priority_is_said_in_the_page_language():
    with translation.override("es-co"):
        assert event_detail({"priority": 87, "skipped": []}) == "cola de trabajo, prioridad 87"
    with translation.override("en"):
        assert event_detail({"priority": 87, "skipped": []}) == "work queue, priority 87"


def test_a_hold_says_its_reason_by_its_label():
    placed = {"reason": "promise", "until": "2026-07-01", "obligation": None}  # as the audit stores it
    with translation.override("es-co"):
        assert event_detail(placed) == "Promesa de pago · hasta 01/07/2026"
        assert event_detail({"reason": "deceased"}) == "Fallecido"
    with translation.override("en"):
        assert event_detail({**placed, "obligation": "FV-1"}) == "Promise to pay · FV-1 · until 2026-07-01"
    # a reason that is not a hold's code (a reversal's words) is shown as written
    with translation.override("es-co"):
        assert event_detail({"reason": "cheque devuelto"}) == "cheque devuelto"
