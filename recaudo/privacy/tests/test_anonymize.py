"""Anonymization: identity removed everywhere (search text and audit trail included), the ledger kept."""

import json
from datetime import UTC, date, datetime

import pytest
from django.db.models import Sum

from recaudo.agreements.services.promises import promise_record
from recaudo.audit.models import AuditEvent
from recaudo.communications.models import Message
from recaudo.ledger.models import Entry, Payment
from recaudo.ledger.services import ledger_verify
from recaudo.portfolio.models import Consent, Contact, Debtor, Obligation
from recaudo.portfolio.selectors import DebtorFilters, debtor_search
from recaudo.privacy.services import PrivacyError, debtor_anonymize

from .conftest import make_message, pay_off

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 3, 1, 15, 0, tzinfo=UTC)
OLD_VALUES = ["Luz Marina Restrepo", "52123456", "+573001234567", "luz.restrepo@example.com"]


def found(portfolio, q):
    return list(debtor_search(portfolio, DebtorFilters(q=q, with_balance=False), date(2026, 3, 1))
                .values_list("code", flat=True))


def test_refused_while_the_debtor_owes_money(luz):
    with pytest.raises(PrivacyError, match="not anonymized: the debtor still owes money"):
        debtor_anonymize(debtor=luz, reason="solicitud del titular", now=NOW)
    assert Debtor.objects.get(pk=luz.pk).name == "Luz Marina Restrepo"


def test_refused_with_a_pending_promise_even_with_no_balance(luz):
    # promised while owing (a promise of more than the debtor owes is refused), then paid off before its date
    promise_record(portfolio=luz.portfolio, debtor=luz, amount="1000", due_date=date(2026, 3, 20),
                   now=datetime(2026, 3, 1, 14, 0, tzinfo=UTC))
    pay_off(luz)
    with pytest.raises(PrivacyError, match="pending promise to pay"):
        debtor_anonymize(debtor=luz, reason="solicitud del titular", now=NOW)


def test_a_reason_is_required(luz):
    with pytest.raises(PrivacyError, match="motivo: diga por qué"):
        debtor_anonymize(debtor=luz, reason="  ", force=True, now=NOW)


def test_only_an_admin_may_force(luz):
    with pytest.raises(PrivacyError, match="solo un administrador puede forzar"):
        debtor_anonymize(debtor=luz, reason="solicitud", force=True, is_admin=False, now=NOW)


def test_anonymize_removes_identity_everywhere_and_keeps_the_ledger(luz, portfolio):
    make_message(luz)
    pay_off(luz)
    assert found(portfolio, "Luz Marina") == ["C001"]
    totals_before = (Entry.objects.filter(debtor=luz).aggregate(s=Sum("amount_minor"))["s"],
                     Entry.objects.filter(debtor=luz).count(), Payment.objects.filter(debtor=luz).count(),
                     Obligation.objects.get(debtor=luz).original_minor)
    result = debtor_anonymize(debtor=luz, reason="solicitud del titular 2026-02-20", actor="cli", now=NOW)
    debtor = Debtor.objects.get(pk=luz.pk)
    assert debtor.name == f"Anonimizado {luz.pk}"
    assert (debtor.id_type, debtor.id_number, debtor.search_text) == ("", "", "")
    assert debtor.anonymized_at == NOW
    assert debtor.code == "C001"  # not the ID number: kept
    assert sorted(Contact.objects.filter(debtor=luz).values_list("value", flat=True)) == sorted(
        f"Anonimizado {c.pk}" for c in Contact.objects.filter(debtor=luz))
    assert not Consent.objects.filter(contact__debtor=luz, status="granted").exists()
    message = Message.objects.get(debtor=luz)
    assert (message.body, message.subject, message.to, message.provider_payload, message.context) == (
        "", "", f"Anonimizado {luz.pk}", {}, {})
    assert (message.channel, message.status) == ("sms", "sent")
    # Nothing of the old identity is findable or left in the audit trail of the debtor.
    for value in OLD_VALUES:
        assert found(portfolio, value) == [], value
    trail = json.dumps(list(AuditEvent.objects.filter(debtor=luz).values("changes", "subject_label")),
                       ensure_ascii=False)
    for value in OLD_VALUES:
        assert value.lower() not in trail.lower(), value
    # The ledger and the aggregates are untouched, and ledger verify stays clean.
    assert totals_before == (Entry.objects.filter(debtor=luz).aggregate(s=Sum("amount_minor"))["s"],
                             Entry.objects.filter(debtor=luz).count(), Payment.objects.filter(debtor=luz).count(),
                             Obligation.objects.get(debtor=luz).original_minor)
    assert totals_before[0] == 0
    assert ledger_verify(portfolio) == []
    event = AuditEvent.objects.get(event_type="debtor.anonymized", debtor=luz)
    assert event.changes["reason"] == "solicitud del titular 2026-02-20"
    assert event.changes["forced"] is False
    assert event.changes["counts"]["contacts"] == 2
    assert result.counts["consents_revoked"] == 3
    with pytest.raises(PrivacyError, match="ya fue anonimizado el 2026-03-01"):
        debtor_anonymize(debtor=debtor, reason="otra vez", now=NOW)


def test_forced_anonymization_with_balance_is_recorded_as_forced(luz, portfolio):
    balance = luz.balance_minor
    result = debtor_anonymize(debtor=luz, reason="orden de la SIC", force=True, now=NOW)
    assert result.forced
    debtor = Debtor.objects.get(pk=luz.pk)
    assert debtor.balance_minor == balance == 100_000_000
    event = AuditEvent.objects.get(event_type="debtor.anonymized", debtor=luz)
    assert (event.changes["forced"], event.changes["blockers"]) == (True, ["balance"])
    assert ledger_verify(portfolio) == []


def test_customer_code_that_is_the_id_number_is_replaced(portfolio):
    from recaudo.demo.testing import make_debtor

    debtor = make_debtor(portfolio, code="79000111", name="José Ñúñez", id_type="CC", id_number="79000111")
    debtor_anonymize(debtor=debtor, reason="solicitud", now=NOW)
    debtor.refresh_from_db()
    assert debtor.code == f"ANON-{debtor.pk}"
    assert found(portfolio, "79000111") == []
