"""The debtor's data export as a PDF: one section per kind of record (recaudo.privacy.selectors), in the style of
the statement and the interest liquidation (recaudo.core.pdf). es-CO by default."""

from __future__ import annotations

import io
import json
from xml.sax.saxutils import escape

from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from recaudo.core.pdf import a4_document, numbered_canvas, totals_table_style


def _section_titles() -> dict:
    return {
        "co_debtor_links": _("Co-debtor and guarantor links"), "contacts": _("Contacts and consents"),
        "obligations": _("Obligations"), "ledger_entries": _("Ledger entries"), "payments": _("Payments"),
        "promises": _("Promises to pay"), "agreements": _("Payment agreements"), "offers": _("Offers"),
        "messages": _("Messages sent"), "contact_attempts": _("Contact attempts"),
        "agent_outcomes": _("Call outcomes and notes"), "agent_tasks": _("Agent tasks"),
        "notes": _("Notes on the debtor"), "documents": _("Documents attached"), "audit_events": _("Audit trail"),
        "habeas_requests": _("Habeas data requests"),
    }


def _column_labels() -> dict:
    return {
        "as": _("Link"), "role": _("Role"), "obligation": _("Obligation"), "obligation_debtor_code": _("Holder"),
        "party_code": _("Party"), "channel": _("Channel"), "value": _("Value"), "holder_name": _("Holder name"),
        "city": _("City"), "is_primary": _("Primary"), "created_at": _("Created"), "consents": _("Consents"),
        "number": _("Number"), "kind": _("Kind"), "issue_date": _("Issued"), "due_date": _("Due"),
        "original": _("Original"), "balance": _("Balance"), "status": _("Status"), "description": _("Description"),
        "external_ref": _("Reference"), "disputed": _("Disputed"), "dispute_reason": _("Dispute reason"),
        "value_date": _("Value date"), "component": _("Component"), "amount": _("Amount"), "memo": _("Memo"),
        "date": _("Date"), "method": _("Method"), "reference": _("Reference"), "source": _("Source"),
        "unapplied": _("Unapplied"), "reversed_at": _("Reversed"), "promised_on": _("Promised on"),
        "paid": pgettext("amount", "Paid"), "notes": _("Notes"), "made_on": _("Date"), "debt": _("Debt"),
        "down_payment": _("Down payment"), "financed": _("Financed"), "interest": _("Interest"),
        "installments": _("Installments"), "frequency": _("Frequency"), "first_due": _("First due date"),
        "acceptance": _("Acceptance"), "forgiven": _("Forgiven"), "reason": _("Reason"),
        "expires_on": _("Valid until"), "to": _("To"), "sent_at": _("Sent"), "delivered_at": _("Delivered"),
        "subject": _("Subject"), "body": _("Text"), "at": _("When"), "outcome": _("Outcome"),
        "effective": _("Effective"), "agent": _("Agent"), "disposition": _("Outcome code"),
        "right_party_contact": _("Right party"), "callback_at": _("Callback"), "promise_amount": _("Promised"),
        "promise_due": _("Promised date"), "due_at": _("Due at"), "actor": _("Who"), "event_type": _("Event"),
        "changes": _("Change"), "author": _("Author"), "text": _("Note"), "filename": _("File name"),
        "size": _("Size (bytes)"), "uploaded_by": _("Attached by"), "filed_at": _("Filed"),
        "due_on": _("Due"), "answer": _("Answer"), "answered_at": _("Answered"),
    }


def _cell(value) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    return str(value)


def render_export_pdf(data: dict, language: str = "es") -> bytes:
    from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
    from reportlab.lib.units import mm
    from reportlab.platypus import Paragraph, Spacer, Table


    styles = getSampleStyleSheet()
    small = ParagraphStyle("small", parent=styles["Normal"], fontSize=7, leading=8.5)
    buffer = io.BytesIO()
    portfolio, debtor = data["portfolio"], data["debtor"]
    with translation.override(language):
        title = _("Personal data held about the debtor")
        intro = _("Under Ley 1581 de 2012 (art. 8 and 14) and Ley 1266 de 2008 (art. 6) the data subject may know "
                  "all the personal data the creditor holds about them. This document lists every record kept by "
                  "%(creditor)s in Recaudo about the debtor below, as of %(when)s.") % {
            "creditor": portfolio["creditor"], "when": (data.get("generated_at") or "")[:16].replace("T", " ")}
        masked_note = _("Contact data and ID numbers are masked in this copy.") if data.get("masked") else ""
        labels = {"code": _("Customer code"), "name": _("Name"), "id_number": _("ID number"), "id_type": _("ID type"),
                  "kind": _("Type"), "customer_since": _("Customer since"), "balance": _("Balance"),
                  "credit": _("Credit"), "language": _("Language"), "tags": _("Tags"),
                  "anonymized_at": _("Anonymized at"), "created_at": _("Created")}
        sections = _section_titles()
        column_labels = _column_labels()
        none = _("No records.")
        footer = f"{portfolio['creditor']} · {debtor['code']}"
        page_label = lambda page, total: _("Page %(page)s of %(total)s") % {"page": page, "total": total}  # noqa: E731
        doc = a4_document(buffer, title=f"{title} {debtor['code']}", author=portfolio["creditor"])
        story = [Paragraph(escape(title), styles["Title"]), Paragraph(escape(intro), small)]
        if masked_note:
            story.append(Paragraph(f"<b>{escape(masked_note)}</b>", small))
        story.append(Spacer(1, 4 * mm))
        rows = [[labels[k], _cell(debtor.get(k))] for k in labels if k in debtor]
        story.append(Table(rows, colWidths=[45 * mm, 135 * mm], style=totals_table_style(1)))
        for key, heading in sections.items():
            items = data.get(key) or []
            story.append(Spacer(1, 4 * mm))
            story.append(Paragraph(f"{escape(heading)} ({len(items)})", styles["Heading4"]))
            if not items:
                story.append(Paragraph(escape(none), small))
                continue
            columns = list(items[0].keys())
            table = [[Paragraph(f"<b>{escape(column_labels.get(c, c))}</b>", small) for c in columns]]
            table += [[Paragraph(escape(_cell(item.get(c)))[:2000], small) for c in columns] for item in items]
            table.append([""] * len(columns))
            width = 180 * mm / len(columns)
            story.append(Table(table, colWidths=[width] * len(columns), repeatRows=1,
                               style=totals_table_style(len(columns))))
        doc.build(story, canvasmaker=numbered_canvas(page_label, footer))
    return buffer.getvalue()
