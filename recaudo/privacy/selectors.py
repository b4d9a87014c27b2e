"""Habeas data reads: everything Recaudo holds about one debtor, as plain data (JSON-ready).

Ley 1581 de 2012, art. 8 (a) and art. 14: the data subject may know all the personal data held about them, free of
charge at least once a calendar month; Ley 1266 de 2008, art. 6: the same for credit data (docs/habeas-data.md).
"""

from __future__ import annotations

from datetime import date, datetime

from recaudo.agents.models import AgentTask, Interaction
from recaudo.agreements.models import Agreement, Offer, Promise
from recaudo.audit.models import AuditEvent
from recaudo.communications.models import Message
from recaudo.compliance.models import ContactAttempt
from recaudo.core.money import from_minor
from recaudo.ledger.models import Entry, Payment
from recaudo.portfolio.masking import mask_changes, mask_contact, mask_guess, mask_id, mask_text
from recaudo.portfolio.models import Consent, Contact, Document, Note, Obligation, ObligationParty

from .models import HabeasRequest

EXPORT_VERSION = 1
SECTIONS = ("debtor", "co_debtor_links", "contacts", "obligations", "ledger_entries", "payments", "promises",
            "agreements", "offers", "messages", "contact_attempts", "agent_outcomes", "agent_tasks", "notes",
            "documents", "habeas_requests", "audit_events")


def _iso(value):
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    return value


def _money(minor, currency) -> str | None:
    return None if minor is None else str(from_minor(minor, currency))


def debtor_export_data(debtor, *, masked: bool = False, generated_at: datetime | None = None) -> dict:
    """Every row held about the debtor, section by section. masked: contact data and IDs masked (a viewer's
    export, recaudo.privacy.rules)."""


    portfolio = debtor.portfolio
    cur = portfolio.currency

    def contact_value(channel, value):
        return mask_contact(channel, value) if masked else value

    consents: dict[int, list] = {}
    for c in Consent.objects.filter(contact__debtor=debtor).order_by("contact_id", "channel"):
        consents.setdefault(c.contact_id, []).append(
            {"channel": c.channel, "status": c.status, "at": _iso(c.at), "evidence": c.source, "method": c.method,
             "given_on": _iso(c.given_on)})
    contacts = [
        {"channel": c.channel, "value": contact_value(c.channel, c.value), "role": c.role,
         "holder_name": mask_text(c.holder_name) if masked else c.holder_name, "city": c.city,
         "is_primary": c.is_primary, "created_at": _iso(c.created_at), "consents": consents.get(c.pk, [])}
        for c in Contact.objects.filter(debtor=debtor).order_by("role", "channel", "pk")
    ]
    links = [
        {"as": "party", "role": p.role, "obligation": p.obligation.number,
         "obligation_debtor_code": p.obligation.debtor.code}
        for p in ObligationParty.objects.filter(debtor=debtor).select_related("obligation__debtor").order_by("pk")
    ] + [
        {"as": "holder", "role": p.role, "obligation": p.obligation.number, "party_code": p.debtor.code}
        for p in ObligationParty.objects.filter(obligation__debtor=debtor).select_related("obligation", "debtor")
        .order_by("pk")
    ]
    obligations = [
        {"number": o.number, "kind": o.kind, "issue_date": _iso(o.issue_date), "due_date": _iso(o.due_date),
         "original": _money(o.original_minor, cur), "balance": _money(o.balance_minor, cur), "status": o.status,
         "description": o.description, "external_ref": o.external_ref, "disputed": o.disputed,
         "dispute_reason": o.dispute_reason}
        for o in Obligation.objects.filter(debtor=debtor).order_by("due_date", "number")
    ]
    entries = [
        {"value_date": _iso(e.value_date), "obligation": e.obligation.number, "kind": e.kind,
         "component": e.component, "amount": _money(e.amount_minor, cur), "memo": e.memo,
         "created_at": _iso(e.created_at)}
        for e in Entry.objects.filter(debtor=debtor).select_related("obligation").order_by("value_date", "pk")
    ]
    payments = [
        {"date": _iso(p.date), "amount": _money(p.amount_minor, cur), "method": p.method, "reference": p.reference,
         "source": p.source, "unapplied": _money(p.unapplied_minor, cur), "reversed_at": _iso(p.reversed_at)}
        for p in Payment.objects.filter(debtor=debtor).order_by("date", "pk")
    ]
    promises = [
        {"amount": _money(p.amount_minor, cur), "promised_on": _iso(p.promised_on), "due_date": _iso(p.due_date),
         "status": p.status, "channel": p.channel, "source": p.source, "paid": _money(p.paid_minor, cur),
         "notes": p.notes, "created_at": _iso(p.created_at)}
        for p in Promise.objects.filter(debtor=debtor).order_by("promised_on", "pk")
    ]
    agreements = []
    for a in Agreement.objects.filter(debtor=debtor).order_by("made_on", "pk"):
        acceptance = getattr(a, "acceptance", None)  # the reverse one-to-one raises AttributeError when absent
        agreements.append({
            "number": a.number, "status": a.status, "made_on": _iso(a.made_on), "debt": _money(a.debt_minor, cur),
            "down_payment": _money(a.down_payment_minor, cur), "financed": _money(a.financed_minor, cur),
            "interest": _money(a.interest_minor, cur), "installments": a.installments, "frequency": a.frequency,
            "first_due": _iso(a.first_due),
            "acceptance": None if acceptance is None else {
                "channel": acceptance.channel, "at": _iso(acceptance.at), "evidence_text": acceptance.evidence_text,
                "evidence_file": acceptance.evidence_file.name if acceptance.evidence_file else ""},
        })
    offers = [
        {"kind": o.kind, "status": o.status, "debt": _money(o.debt_minor, cur),
         "forgiven": _money(o.forgiven_minor, cur), "installments": o.installments, "reason": o.reason,
         "expires_on": _iso(o.expires_on)}
        for o in Offer.objects.filter(debtor=debtor).order_by("pk")
    ]
    messages = [
        {"channel": m.channel, "to": mask_guess(m.to) if masked else m.to, "created_at": _iso(m.created_at),
         "sent_at": _iso(m.sent_at), "delivered_at": _iso(m.delivered_at), "status": m.status,
         "subject": m.subject, "body": m.body}
        for m in Message.objects.filter(debtor=debtor).order_by("created_at", "pk")
    ]
    attempts = [
        {"channel": a.channel, "at": _iso(a.at), "outcome": a.outcome, "effective": a.effective, "notes": a.notes}
        for a in ContactAttempt.objects.filter(debtor=debtor).order_by("at", "pk")
    ]
    outcomes = [
        {"at": _iso(i.at), "agent": i.agent.get_username(), "disposition": i.disposition.code, "notes": i.notes,
         "right_party_contact": i.right_party_contact, "callback_at": _iso(i.callback_at),
         "promise_amount": _money(i.promise_amount_minor, cur), "promise_due": _iso(i.promise_due)}
        for i in Interaction.objects.filter(debtor=debtor).select_related("agent", "disposition").order_by("at", "pk")
    ]
    tasks = [
        {"kind": t.kind, "due_at": _iso(t.due_at), "status": t.status, "notes": t.notes}
        for t in AgentTask.objects.filter(debtor=debtor).order_by("due_at", "pk")
    ]
    events = [
        {"at": _iso(e.at), "actor": e.actor_label, "event_type": e.event_type,
         "changes": mask_changes(e.changes) if masked else e.changes}
        for e in AuditEvent.objects.filter(debtor=debtor).order_by("at", "pk")
    ]
    notes = [{"created_at": _iso(n.created_at), "author": n.author, "text": mask_text(n.text) if masked else n.text}
             for n in Note.objects.filter(debtor=debtor).order_by("created_at", "pk")]
    documents = [  # the files themselves are downloaded from the debtor page
        {"created_at": _iso(d.created_at), "kind": d.kind, "obligation": d.obligation.number if d.obligation else "",
         "filename": d.filename, "size": d.size, "uploaded_by": d.uploaded_by}
        for d in Document.objects.filter(debtor=debtor).select_related("obligation").order_by("created_at", "pk")]
    habeas = [  # consultations and claims (Ley 1581 de 2012, arts. 14-15) and their answers
        {"number": h.number, "filed_at": _iso(h.filed_at), "kind": h.kind, "channel": h.channel,
         "text": mask_text(h.text) if masked else h.text, "status": h.status, "due_on": _iso(h.due_on),
         "answer": mask_text(h.answer) if masked else h.answer, "answered_at": _iso(h.answered_at)}
        for h in HabeasRequest.objects.filter(debtor=debtor).order_by("filed_at", "pk")]
    return {
        "format": "recaudo-debtor-export", "version": EXPORT_VERSION,
        "generated_at": _iso(generated_at), "masked": masked,
        "portfolio": {"slug": portfolio.slug, "name": portfolio.name, "creditor": portfolio.creditor or portfolio.name,
                      "currency": str(cur)},
        "debtor": {
            "code": debtor.code, "kind": debtor.kind, "id_type": debtor.id_type,
            "id_number": mask_id(debtor.id_number) if masked else debtor.id_number, "name": debtor.name,
            "customer_since": _iso(debtor.customer_since), "tags": debtor.tag_list, "language": debtor.language,
            "timezone": debtor.timezone, "balance": _money(debtor.balance_minor, cur),
            "credit": _money(debtor.credit_minor, cur), "created_at": _iso(debtor.created_at),
            "anonymized_at": _iso(debtor.anonymized_at),
        },
        "co_debtor_links": links, "contacts": contacts, "obligations": obligations, "ledger_entries": entries,
        "payments": payments, "promises": promises, "agreements": agreements, "offers": offers,
        "messages": messages, "contact_attempts": attempts, "agent_outcomes": outcomes, "agent_tasks": tasks,
        "notes": notes, "documents": documents, "habeas_requests": habeas, "audit_events": events,
    }
