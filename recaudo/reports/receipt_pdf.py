"""The receipt of a payment (recibo de caja) as a PDF: its number, the creditor, the debtor and their ID, the amount
in figures and in words, the date, method and reference, how it was allocated (obligation, component, amount), any
unapplied credit and the debtor's balance after it. A reversed payment's receipt is stamped ANULADO (VOID) with
the date. ReportLab, in the style of the statement and the interest liquidation (recaudo.core.pdf)."""

from __future__ import annotations

import io
from xml.sax.saxutils import escape

from django.utils import timezone, translation
from django.utils.translation import gettext as _

from recaudo.core.money import from_minor
from recaudo.core.pdf import a4_document, totals_table_style
from recaudo.core.words import amount_in_words_es
from recaudo.ledger.models import Component, PaymentMethod
from recaudo.ledger.selectors import ReceiptView
from recaudo.portfolio.validation import display_id_number

from .formatting import fmt_amount, fmt_date


def method_label(method: str) -> str:
    """A payment method code of the payment page by its label; free text (imports, the command) as written."""
    labels = dict(PaymentMethod.choices)
    return str(labels.get(method, method)) if method else "—"


def render_receipt_pdf(view: ReceiptView, language: str, compress: bool = True) -> bytes:
    from reportlab.lib import colors
    from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
    from reportlab.lib.units import mm
    from reportlab.platypus import Paragraph, Spacer, Table, TableStyle

    payment, receipt = view.payment, view.receipt
    debtor, portfolio = payment.debtor, payment.portfolio
    cur = str(payment.currency)
    creditor = portfolio.creditor or portfolio.name
    components = dict(Component.choices)
    with translation.override(language):
        title = _("Cash receipt")
        w = {
            "number": _("No."), "creditor": _("Creditor"), "debtor": _("Received from"), "id": _("ID"),
            "code": _("Customer code"), "amount": _("Amount"), "words": _("The sum of"), "date": _("Payment date"),
            "method": _("Method"), "reference": _("Reference"), "issued": _("Issued"),
            "allocation": _("Applied to"), "obligation": _("Obligation"), "component": _("Component"),
            "total": _("Total applied"), "unapplied": _("Unapplied (credit in favour of the debtor)"),
            "balance": _("Balance after this payment"), "void": _("VOID"),
            "void_note": _("This payment was reversed on %(date)s: this receipt is void."),
            "none": _("Nothing applied: the whole payment is kept as a credit."),
        }
        method = method_label(payment.method)
        component = {k: str(v) for k, v in components.items()}
    amount = from_minor(payment.amount_minor, cur)
    issued = timezone.localtime(receipt.issued_at).date()
    words = amount_in_words_es(amount, cur) if not language.startswith("en") else None
    styles = getSampleStyleSheet()
    small = ParagraphStyle("small", parent=styles["Normal"], fontSize=9, leading=12)
    big = ParagraphStyle("big", parent=styles["Normal"], fontSize=14, leading=18)
    buffer = io.BytesIO()
    doc = a4_document(buffer, title=f"{title} {receipt.label}", author=creditor, compress=compress)
    head = Table([[Paragraph(f"<b>{escape(title)}</b>", styles["Title"]),
                   Paragraph(f"<b>{escape(w['number'])} {escape(receipt.label)}</b>", big)]],
                 colWidths=[120 * mm, 60 * mm],
                 style=TableStyle([("VALIGN", (0, 0), (-1, -1), "MIDDLE"), ("ALIGN", (1, 0), (1, 0), "RIGHT")]))
    shown_id = display_id_number(debtor.id_type, debtor.id_number)  # a NIT with its dots and check digit
    debtor_id = f"{escape(debtor.id_type)} {escape(shown_id)}" if debtor.id_number else "—"
    story = [
        head,
        Table([[Paragraph(f"<b>{escape(w['creditor'])}</b><br/>{escape(creditor)}", small),
                Paragraph(f"<b>{escape(w['debtor'])}</b><br/>{escape(debtor.name)}<br/>{escape(w['id'])}: "
                          f"{debtor_id}<br/>{escape(w['code'])}: {escape(debtor.code)}", small),
                Paragraph(f"<b>{escape(w['date'])}</b><br/>{fmt_date(payment.date, language)}<br/>"
                          f"<b>{escape(w['issued'])}</b><br/>{fmt_date(issued, language)}", small)]],
              colWidths=[60 * mm, 70 * mm, 50 * mm], style=TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP")])),
        Spacer(1, 5 * mm),
        Paragraph(f"<b>{escape(w['amount'])}:</b> {cur} {fmt_amount(payment.amount_minor, cur, language)}", big),
    ]
    if words:
        story.append(Paragraph(f"<b>{escape(w['words'])}:</b> {escape(words)}", small))
    story += [
        Paragraph(f"<b>{escape(w['method'])}:</b> {escape(method)} · <b>{escape(w['reference'])}:</b> "
                  f"{escape(payment.reference or '—')}", small),
        Spacer(1, 5 * mm),
        Paragraph(escape(w["allocation"]), styles["Heading4"]),
    ]
    data = [[w["obligation"], w["component"], w["amount"]]]
    for entry in view.lines:
        data.append([entry.obligation.number, component.get(entry.component, entry.component),
                     fmt_amount(-entry.amount_minor, cur, language)])
    if not view.lines:
        data.append([Paragraph(escape(w["none"]), small), "", ""])
    applied = -sum(e.amount_minor for e in view.lines)
    data.append([w["total"], "", fmt_amount(applied, cur, language)])
    story.append(Table(data, colWidths=[70 * mm, 60 * mm, 50 * mm], repeatRows=1, style=totals_table_style(2)))
    story.append(Spacer(1, 3 * mm))
    rows = []
    if payment.unapplied_minor:
        rows.append([w["unapplied"], fmt_amount(payment.unapplied_minor, cur, language)])
    rows.append([w["balance"], fmt_amount(view.balance_after_minor, cur, language)])
    story.append(Table(rows, colWidths=[100 * mm, 50 * mm], hAlign="RIGHT",
                       style=TableStyle([("FONT", (0, 0), (-1, -1), "Helvetica-Bold", 9),
                                         ("ALIGN", (1, 0), (1, -1), "RIGHT"),
                                         ("LINEABOVE", (0, 0), (-1, 0), 0.5, colors.grey)])))
    if view.reversed:
        story += [Spacer(1, 6 * mm), Paragraph(
            escape(w["void_note"] % {"date": fmt_date(timezone.localtime(payment.reversed_at).date(), language)}),
            small)]

    def stamp(canvas, _doc):
        if not view.reversed:
            return
        canvas.saveState()
        canvas.setFont("Helvetica-Bold", 90)
        canvas.setFillColor(colors.Color(0.8, 0.1, 0.1, alpha=0.35))
        canvas.translate(105 * mm, 150 * mm)
        canvas.rotate(35)
        canvas.drawCentredString(0, 0, w["void"])
        canvas.restoreState()

    doc.build(story, onFirstPage=stamp, onLaterPages=stamp)
    return buffer.getvalue()
