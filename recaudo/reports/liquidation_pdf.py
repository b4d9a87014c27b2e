"""The interest liquidation of a debtor as a PDF: per obligation the liquidation line by line (period, days, principal
owed, E.A. rate, daily rate, interest), its total, what is already posted and what is still owed; then the grand
total. Lines at a provisional rate (the month's certified rate not loaded yet) are marked with a dagger and
explained. ReportLab, in the style of
the statement of account (recaudo.reports.render)."""

from __future__ import annotations

import io
from decimal import Decimal
from xml.sax.saxutils import escape

from django.utils import translation
from django.utils.translation import gettext as _

from recaudo.core.money import to_minor
from recaudo.core.pdf import a4_document, totals_table_style
from recaudo.ledger.accruals import ObligationLiquidation
from recaudo.ledger.interest import pct

from .formatting import fmt_amount, fmt_date


def _rate(value: Decimal, language: str, places: int = 2) -> str:
    text = pct(value, places)
    return text if language == "en" else text.replace(".", ",")


def render_liquidation_pdf(debtor, rows: list[ObligationLiquidation], as_of, language: str,
                           compress: bool = True) -> bytes:
    from reportlab.lib import colors
    from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
    from reportlab.lib.units import mm
    from reportlab.platypus import Paragraph, Spacer, Table, TableStyle


    portfolio = debtor.portfolio
    cur = portfolio.currency
    creditor = portfolio.creditor or portfolio.name
    with translation.override(language):
        title = _("Interest liquidation")
        head = [_("From"), _("Through"), _("Days"), _("Principal (base)"), _("Rate % E.A."), _("Usury % E.A."),
                _("Daily rate %"), _("Interest")]
        words = {
            "debtor": _("Debtor"), "creditor": _("Creditor"), "as_of": _("Liquidated through"),
            "method": _("Method: late interest per calendar day on the principal owed that day (a payment first "
                        "pays the interest accrued, then principal), daily rate = (1 + E.A.)^(1/365) - 1, at the "
                        "contract rate capped each day at the legal maximum (usury rate); no capitalization."),
            "owed": _("Interest owed"),
            "provisional": _("provisional rate: the certified rate of %(months)s was not loaded yet; the latest "
                             "known month's rate was used and the difference will be adjusted"),
            "principal": _("Principal owed"), "due": _("Due"), "total": _("Total interest"),
            "posted": _("Already posted to the ledger"), "none": _("No overdue principal: no late interest."),
            "grand": _("Total late interest of the debtor"), "capped": _("capped at the usury rate"),
            "obligation": _("Obligation"), "code": _("Customer code"),
        }
    styles = getSampleStyleSheet()
    small = ParagraphStyle("small", parent=styles["Normal"], fontSize=8, leading=10)
    buffer = io.BytesIO()
    doc = a4_document(buffer, title=f"{title} {debtor.code}", author=creditor, compress=compress)
    story = [
        Paragraph(escape(title), styles["Title"]),
        Table([[Paragraph(f"<b>{escape(words['creditor'])}</b><br/>{escape(creditor)}", small),
                Paragraph(f"<b>{escape(words['debtor'])}</b><br/>{escape(debtor.name)}<br/>"
                          f"{escape(words['code'])}: {escape(debtor.code)}", small),
                Paragraph(f"<b>{escape(words['as_of'])}</b><br/>{fmt_date(as_of, language)}<br/>{cur}", small)]],
              colWidths=[62 * mm, 62 * mm, 56 * mm],
              style=TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP")])),
        Spacer(1, 3 * mm),
        Paragraph(escape(words["method"]), small),
        Spacer(1, 5 * mm),
    ]
    grand = 0
    for row in rows:
        o = row.obligation
        story.append(Paragraph(
            f"{escape(words['obligation'])} <b>{escape(o.number)}</b> · {escape(words['due'])} "
            f"{fmt_date(o.due_date, language)} · {escape(words['principal'])} "
            f"{fmt_amount(row.principal_minor, cur, language)}", styles["Heading4"]))
        if row.error:
            story.append(Paragraph(escape(row.error), small))
            continue
        liq = row.liquidation
        data = [head]
        for line in liq.lines:
            data.append([fmt_date(line.start, language), fmt_date(line.end, language), str(line.days),
                         fmt_amount(to_minor(line.base, cur), cur, language),
                         _rate(line.rate_ea, language) + (" *" if line.capped else "")
                         + (" \u2020" if line.provisional else ""),
                         _rate(line.usury_rate, language), _rate(line.daily_rate, language, 6),
                         fmt_amount(to_minor(line.interest, cur), cur, language)])
        if not liq.lines:
            data.append([Paragraph(escape(words["none"]), small), "", "", "", "", "", "", ""])
        total_minor = to_minor(liq.total, cur)
        grand += total_minor
        data.append([words["total"], "", str(liq.days), "", "", "", "", fmt_amount(total_minor, cur, language)])
        table = Table(data, colWidths=[20 * mm, 20 * mm, 11 * mm, 30 * mm, 23 * mm, 22 * mm, 23 * mm, 31 * mm],
                      repeatRows=1)
        table.setStyle(totals_table_style(2))
        story.append(table)
        posted = (f"{escape(words['posted'])}: {fmt_amount(row.posted_minor, cur, language)} · "
                  f"{escape(words['owed'])}: {fmt_amount(row.interest_owed_minor, cur, language)}")
        if liq.capped:
            posted += f" · * {escape(words['capped'])}"
        if liq.provisional:
            posted += " · \u2020 " + escape(words["provisional"] % {"months": ", ".join(liq.provisional_months)})
        story.append(Paragraph(posted, small))
        story.append(Spacer(1, 4 * mm))
    if not rows:
        story.append(Paragraph(escape(words["none"]), small))
    story.append(Table([[words["grand"], fmt_amount(grand, cur, language)]], colWidths=[80 * mm, 34 * mm],
                       hAlign="RIGHT", style=TableStyle([("FONT", (0, 0), (-1, -1), "Helvetica-Bold", 9),
                                                         ("ALIGN", (1, 0), (1, 0), "RIGHT"),
                                                         ("LINEABOVE", (0, 0), (-1, 0), 0.5, colors.grey)])))
    doc.build(story)
    return buffer.getvalue()
