"""Export of everything held about a debtor (Ley 1581 de 2012 art. 8 a, 14): JSON and PDF, audited."""

import json
from datetime import UTC, date, datetime

import pytest

from recaudo.agreements.services.promises import promise_record
from recaudo.audit.models import AuditEvent
from recaudo.privacy.selectors import SECTIONS
from recaudo.privacy.services import PrivacyError, debtor_export

from .conftest import make_message, pay_off

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 3, 1, 15, 0, tzinfo=UTC)


def test_json_export_holds_every_section_with_exact_rows(luz):
    make_message(luz)
    promise_record(portfolio=luz.portfolio, debtor=luz, amount="200000", due_date=date(2026, 2, 10),
                   notes="paga el viernes", now=datetime(2026, 2, 1, 15, 0, tzinfo=UTC))
    pay_off(luz)
    export = debtor_export(debtor=luz, fmt="json", actor="cli", now=NOW)
    data = json.loads(export.content)
    assert export.filename == "datos-deudor-C001-2026-03-01.json"
    assert set(SECTIONS) <= set(data)
    assert data["debtor"]["name"] == "Luz Marina Restrepo"
    assert data["debtor"]["id_number"] == "52123456"
    assert data["debtor"]["balance"] == "0.00"
    assert [c["value"] for c in data["contacts"]] == ["luz.restrepo@example.com", "+573001234567"]
    phone = data["contacts"][1]
    assert [(k["channel"], k["status"], k["evidence"]) for k in phone["consents"]] == [
        ("call", "granted", "cláusula 12 del contrato"), ("sms", "granted", "cláusula 12 del contrato")]
    assert [(o["number"], o["original"], o["balance"]) for o in data["obligations"]] == [
        ("F-100", "1000000.00", "0.00")]
    assert [(e["kind"], e["amount"]) for e in data["ledger_entries"]] == [
        ("charge", "1000000.00"), ("payment", "-1000000.00")]
    assert [(p["amount"], p["reference"]) for p in data["payments"]] == [("1000000.00", "transferencia Bancolombia")]
    assert [(p["amount"], p["notes"]) for p in data["promises"]] == [("200000.00", "paga el viernes")]
    assert [(m["channel"], m["status"], m["body"]) for m in data["messages"]] == [
        ("sms", "sent", "Hola Luz Marina, su saldo es $ 1.000.000")]
    assert "debtor.created" in [e["event_type"] for e in data["audit_events"]]


def test_each_export_is_audited_without_the_data(luz):
    debtor_export(debtor=luz, fmt="json", actor="cli", now=NOW)
    event = AuditEvent.objects.get(event_type="debtor.exported", debtor=luz)
    assert event.changes["format"] == "json"
    assert event.changes["rows"]["contacts"] == 2
    assert "52123456" not in json.dumps(event.changes)
    assert "+573001234567" not in json.dumps(event.changes)


def test_pdf_export_is_a_pdf_and_audited(luz):
    export = debtor_export(debtor=luz, fmt="pdf", actor="cli", now=NOW)
    assert export.content.startswith(b"%PDF")
    assert export.content_type == "application/pdf"
    assert AuditEvent.objects.filter(event_type="debtor.exported", debtor=luz, changes__format="pdf").count() == 1


def test_masked_export_masks_contacts_and_id(luz):
    data = debtor_export(debtor=luz, fmt="json", actor="cli", masked=True, now=NOW).data
    assert data["debtor"]["id_number"] == "*****3456"
    assert [c["value"] for c in data["contacts"]] == ["l***@example.com", "+57 300 *** **67"]
    assert "52123456" not in json.dumps(data)


def test_unknown_format_is_refused(luz):
    with pytest.raises(PrivacyError, match="format: 'xml' is not json or pdf"):
        debtor_export(debtor=luz, fmt="xml")
