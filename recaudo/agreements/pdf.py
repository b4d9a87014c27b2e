"""The agreement document (PDF, Spanish or English): parties, terms, schedule, breach clause, acceptance."""

from __future__ import annotations

import io
from xml.sax.saxutils import escape

from recaudo.core.money import format_amount, from_minor
from recaudo.core.pdf import a4_document, numbered_canvas
from recaudo.portfolio.validation import display_id_number

from .models import Agreement

TEXT = {
    "es": {
        "title": "Acuerdo de pago", "creditor": "Acreedor", "debtor": "Deudor", "code": "Código",
        "reference": "Referencia de pago",
        "pay_with": "Pague cada cuota citando la referencia de pago {reference}.",
        "id": "Identificación",
        "date": "Fecha", "terms": "Condiciones", "debt": "Deuda incluida", "down": "Cuota inicial",
        "financed": "Monto financiado", "installments": "Número de cuotas", "frequency": "Periodicidad",
        "rate": "Tasa de interés", "no_rate": "Sin intereses", "interest": "Intereses totales",
        "total": "Total a pagar", "obligations": "Obligaciones incluidas", "schedule": "Plan de pagos",
        "cols": ["Cuota", "Vencimiento", "Valor cuota", "Interés", "Capital", "Saldo"], "down_row": "Inicial",
        "breach": "Cláusula de incumplimiento",
        "breach_text": "Si {n} o más cuotas permanecen en mora por más de {d} días, el acuerdo se entenderá "
                       "incumplido sin necesidad de requerimiento. ",
        "revert": "En tal caso el acuerdo queda sin efecto y se restablece la deuda original, descontando lo "
                  "pagado en virtud del acuerdo, con los intereses de mora que la ley permita.",
        "accelerate": "En tal caso el acreedor podrá exigir de inmediato la totalidad del saldo pendiente "
                      "(cláusula aceleratoria); los intereses aún no causados no se cobran.",
        "cap": "La tasa pactada ({rate} E.A.) no supera el límite legal vigente ({cap} E.A.; {source}).",
        "settle": "Al aceptar, las obligaciones incluidas se saldan en el acuerdo y cada cuota se vuelve una "
                  "obligación con su fecha de vencimiento.",
        "accepted": "Aceptado", "signature": "Firma del deudor", "page": "Página {page} de {pages}",
        "freq": {"monthly": "Mensual", "semimonthly": "Quincenal (días 15 y último del mes)",
                 "biweekly": "Cada 14 días", "weekly": "Semanal"},
        "kind": {"monthly": "mensual efectiva", "nominal-annual": "nominal anual mes vencido",
                 "effective-annual": "efectiva anual"},
        "channels": {"signed_upload": "documento firmado", "email_reply": "respuesta por correo",
                     "portal_checkbox": "casilla en el portal", "in_person": "en persona / por teléfono"},
        "locale": "es_CO", "date_fmt": "%d/%m/%Y",
    },
    "en": {
        "title": "Payment agreement", "creditor": "Creditor", "debtor": "Debtor", "code": "Code", "id": "ID",
        "reference": "Payment reference",
        "pay_with": "Pay each installment quoting payment reference {reference}.",
        "date": "Date", "terms": "Terms", "debt": "Debt included", "down": "Down payment",
        "financed": "Financed amount", "installments": "Installments", "frequency": "Frequency",
        "rate": "Interest rate", "no_rate": "No interest", "interest": "Total interest", "total": "Total to pay",
        "obligations": "Obligations included", "schedule": "Payment schedule",
        "cols": ["Installment", "Due date", "Amount", "Interest", "Principal", "Balance"], "down_row": "Down",
        "breach": "Breach clause",
        "breach_text": "If {n} or more installments remain overdue for more than {d} days, the agreement is "
                       "broken without further notice. ",
        "revert": "The agreement then ends and the original debt is reinstated, less what was paid under the "
                  "agreement, with the late interest the law allows.",
        "accelerate": "The creditor may then demand the whole remaining balance at once (acceleration clause); "
                      "interest not yet accrued is not charged.",
        "cap": "The agreed rate ({rate} E.A.) is within the legal cap in force ({cap} E.A.; {source}).",
        "settle": "On acceptance the obligations included are settled into the agreement and each installment "
                  "becomes an obligation with its due date.",
        "accepted": "Accepted", "signature": "Debtor's signature", "page": "Page {page} of {pages}",
        "freq": {"monthly": "Monthly", "semimonthly": "Semimonthly (15th and last day)",
                 "biweekly": "Biweekly (every 14 days)", "weekly": "Weekly"},
        "kind": {"monthly": "monthly effective", "nominal-annual": "nominal annual, monthly",
                 "effective-annual": "effective annual"},
        "channels": {"signed_upload": "signed document", "email_reply": "email reply",
                     "portal_checkbox": "portal checkbox", "in_person": "in person / phone"},
        "locale": "en_US", "date_fmt": "%Y-%m-%d",
    },
}


def render_agreement_pdf(agreement: Agreement, language: str = "es", compress: bool = True,
                         payment_reference: str = "") -> bytes:
    """The agreement's PDF; `payment_reference` (banking's, given by the caller a layer above) is printed with the
    debtor and with the schedule, so each installment is paid with it."""
    from reportlab.lib import colors
    from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
    from reportlab.lib.units import mm
    from reportlab.platypus import Paragraph, Spacer, Table, TableStyle


    t = TEXT["en" if language.startswith("en") else "es"]
    cur = agreement.currency
    portfolio, debtor = agreement.portfolio, agreement.debtor
    creditor = portfolio.creditor or portfolio.name

    def money(minor: int) -> str:
        return format_amount(from_minor(minor, cur), t["locale"], cur)

    def day(value) -> str:
        return value.strftime(t["date_fmt"])

    def pct(fraction) -> str:
        return f"{fraction * 100:.2f} %".replace(".", "," if t["locale"] == "es_CO" else ".")

    canvas = numbered_canvas(lambda page, pages: t["page"].format(page=page, pages=pages),
                             f"{creditor} · {agreement.number} · {debtor.code}")

    styles = getSampleStyleSheet()
    small = ParagraphStyle("small", parent=styles["Normal"], fontSize=8.5, leading=11)
    body = ParagraphStyle("body", parent=styles["Normal"], fontSize=9.5, leading=13)
    buffer = io.BytesIO()
    doc = a4_document(buffer, title=f"{t['title']} {agreement.number}", author=creditor, compress=compress)
    shown_id = display_id_number(debtor.id_type, debtor.id_number)  # a NIT with its dots and check digit
    ident = f"<br/>{t['id']}: {escape(debtor.id_type)} {escape(shown_id)}" if debtor.id_number else ""
    if payment_reference:
        ident += f"<br/>{t['reference']}: <b>{escape(payment_reference)}</b>"
    story = [
        Paragraph(f"{escape(t['title'])} {escape(agreement.number)}", styles["Title"]),
        Table([[Paragraph(f"<b>{t['creditor']}</b><br/>{escape(creditor)}", small),
                Paragraph(f"<b>{t['debtor']}</b><br/>{escape(debtor.name)}<br/>{t['code']}: {escape(debtor.code)}"
                          + ident, small),
                Paragraph(f"<b>{t['date']}</b><br/>{day(agreement.made_on)}", small)]],
              colWidths=[65 * mm, 75 * mm, 40 * mm],
              style=TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP")])),
        Spacer(1, 5 * mm),
        Paragraph(t["terms"], styles["Heading3"]),
    ]
    rate = t["no_rate"] if agreement.rate_kind == "none" or not agreement.rate else (
        f"{pct(agreement.rate)} {t['kind'].get(agreement.rate_kind, '')} ({pct(agreement.rate_ea)} E.A.)")
    terms = [
        [t["debt"], money(agreement.debt_minor)], [t["down"], money(agreement.down_payment_minor)],
        [t["financed"], money(agreement.financed_minor)], [t["installments"], str(agreement.installments)],
        [t["frequency"], t["freq"].get(agreement.frequency, agreement.frequency)], [t["rate"], rate],
        [t["interest"], money(agreement.interest_minor)], [t["total"], money(agreement.total_minor)],
    ]
    story.append(Table(terms, colWidths=[60 * mm, 70 * mm], hAlign="LEFT", style=TableStyle([
        ("FONT", (0, 0), (-1, -1), "Helvetica", 9), ("FONT", (0, -1), (-1, -1), "Helvetica-Bold", 9),
        ("ALIGN", (1, 0), (1, -1), "RIGHT")])))
    included = ", ".join(f"{i.obligation.number} ({money(i.balance_minor)})"
                         for i in agreement.included.select_related("obligation"))
    story += [Spacer(1, 3 * mm), Paragraph(f"<b>{t['obligations']}</b>: {escape(included)}", small),
              Paragraph(escape(t["settle"]), small), Spacer(1, 4 * mm),
              Paragraph(t["schedule"], styles["Heading3"])]
    data = [t["cols"]]
    for i in agreement.schedule.all():
        data.append([t["down_row"] if i.number == 0 else str(i.number), day(i.due_date), money(i.amount_minor),
                     money(i.interest_minor), money(i.principal_minor), money(i.balance_after_minor)])
    table = Table(data, colWidths=[20 * mm, 28 * mm, 34 * mm, 30 * mm, 34 * mm, 34 * mm], repeatRows=1)
    table.setStyle(TableStyle([
        ("FONT", (0, 0), (-1, -1), "Helvetica", 8.5), ("FONT", (0, 0), (-1, 0), "Helvetica-Bold", 8.5),
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8eef4")), ("LINEBELOW", (0, 0), (-1, 0), 0.5, colors.grey),
        ("ALIGN", (2, 0), (-1, -1), "RIGHT"),
        ("ROWBACKGROUNDS", (0, 1), (-1, -1), [colors.white, colors.HexColor("#f7f9fb")]),
    ]))
    if payment_reference:
        story += [Spacer(1, 2 * mm), Paragraph(escape(t["pay_with"].format(reference=payment_reference)), small)]
    story += [table, Spacer(1, 5 * mm), Paragraph(t["breach"], styles["Heading3"]),
              Paragraph(escape(t["breach_text"].format(n=agreement.breach_installments, d=agreement.breach_days)
                               + t[agreement.breach_clause]), body)]
    if agreement.cap_ea is not None and agreement.rate:
        story.append(Paragraph(escape(t["cap"].format(rate=pct(agreement.rate_ea), cap=pct(agreement.cap_ea),
                                                      source=agreement.cap_source)), small))
    acceptance = getattr(agreement, "acceptance", None) if agreement.status != "draft" else None
    story.append(Spacer(1, 12 * mm))
    if acceptance is not None:
        story.append(Paragraph(f"<b>{t['accepted']}</b>: {t['channels'].get(acceptance.channel, acceptance.channel)} · "
                               f"{acceptance.at:%Y-%m-%d %H:%M} UTC", small))
    else:
        story.append(Paragraph("_" * 45 + f"<br/>{t['signature']}", small))
    doc.build(story, canvasmaker=canvas)
    return buffer.getvalue()
