"""The analytics page's exports: an XLSX workbook (one sheet per table) and a PDF summary (ReportLab)."""

from __future__ import annotations

import io
from decimal import Decimal

from django.utils.translation import gettext as _

from recaudo.core.exports import amount_format, safe_cell, safe_sheet_title
from recaudo.core.money import from_minor, precision
from recaudo.core.pdf import a4_document, numbered_canvas, totals_table_style
from recaudo.reports.formatting import fmt_date, fmt_number

from .selectors import AnalyticsPage


def _kpi_value(k, currency: str):
    if k.value is None:
        return None
    return from_minor(int(k.value), currency) if k.unit == "minor" else k.value


def _unit(unit: str) -> str:
    return {"minor": "", "percent": "%", "days": _("days"), "count": "", "score": "/ 5"}.get(unit, "")


def sheets(page: AnalyticsPage) -> list[tuple[str, list[str], list[list]]]:
    cur = page.report.portfolio.currency
    out = [(_("KPIs"), [_("KPI"), _("Value"), _("Unit"), _("Formula")],
            [[k.label, _kpi_value(k, cur), _unit(k.unit), k.formula] for k in page.report.kpis])]
    out.append((_("Trend"), [_("Date"), *page.trend_labels],
                [[d, *[from_minor(v, cur) for v in values]] for d, values in page.trend_days]))
    out.append((_("Collections"), [_("Month"), _("Collected"), _("Target")],
                [[m, from_minor(c, cur), from_minor(t, cur)] for m, c, t in page.months]))
    if page.roll:
        rows = [[a, *[page.roll.by_balance[(a, b)] for b in page.roll.columns]] for a in page.roll.buckets]
        out.append((_("Roll rates"), [_("From \\ to"), *page.roll.columns], rows))
    f = page.funnel
    out.append((_("Funnel"), [_("Stage"), _("Count")], [
        [_("Promises made"), f.promises_made], [_("Promises due"), f.promises_due],
        [_("Promises kept"), f.promises_kept], [_("Promises broken"), f.promises_broken],
        [_("Agreements offered"), f.agreements_offered], [_("Agreements accepted"), f.agreements_accepted],
        [_("Agreements completed"), f.agreements_completed], [_("Agreements broken"), f.agreements_broken]]))
    out.append((_("Channels"), [_("Channel"), _("Template"), _("Messages"), _("Followed by a payment"), "%"],
                [[r["name"], r["template"], r["messages"], r["followed_by_payment"], r["rate_percent"]]
                 for r in page.channels]))
    out.append((_("Agents"), [_("Agent"), _("Receivables"), _("Collected"), _("Target"), _("Attainment %")],
                [[r["name"], from_minor(r["receivables_minor"], cur), from_minor(r["collected_minor"], cur),
                  from_minor(r["target_minor"], cur), r["attainment_percent"]] for r in page.agents]))
    return out


def render_xlsx(page: AnalyticsPage) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    workbook = Workbook()
    workbook.remove(workbook.active)
    number_format = amount_format(precision(page.report.portfolio.currency))
    for title, header, rows in sheets(page):
        sheet = workbook.create_sheet(safe_sheet_title(title))
        sheet.append([safe_cell(str(h)) for h in header])
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        sheet.freeze_panes = "A2"
        for row in rows:
            sheet.append([safe_cell(v) for v in row])
            for col, value in enumerate(row, start=1):
                if isinstance(value, Decimal):
                    sheet.cell(row=sheet.max_row, column=col).number_format = number_format
                elif hasattr(value, "isoformat"):
                    sheet.cell(row=sheet.max_row, column=col).number_format = "dd/mm/yyyy"
        sheet.column_dimensions["A"].width = 34
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _cell(value, currency: str, language: str | None) -> str:
    if value is None:
        return "-"
    if isinstance(value, Decimal):
        return fmt_number(value, language)
    if hasattr(value, "isoformat"):
        return fmt_date(value, language)
    return str(value)


def render_pdf(page: AnalyticsPage, language: str | None = None) -> bytes:
    from reportlab.lib.styles import getSampleStyleSheet
    from reportlab.lib.units import mm
    from reportlab.platypus import Paragraph, Spacer, Table

    report = page.report
    cur = report.portfolio.currency
    styles = getSampleStyleSheet()
    buffer = io.BytesIO()
    title = _("Analytics") + f" · {report.portfolio.name}"
    doc = a4_document(buffer, title=title, author="Recaudo")
    story = [Paragraph(title, styles["Title"]),
             Paragraph(_("From %(start)s to %(end)s · amounts in %(currency)s") % {
                 "start": fmt_date(report.start, language), "end": fmt_date(report.end, language), "currency": cur},
                 styles["Normal"]), Spacer(1, 4 * mm)]
    small = styles["BodyText"].clone("small", fontSize=7, leading=8.5)
    for name, header, rows in sheets(page):
        if not rows:
            continue
        story.append(Paragraph(name, styles["Heading3"]))
        body = []
        for row in rows[:60]:
            cells = []
            for i, v in enumerate(row):
                text = _cell(v, cur, language)
                cells.append(Paragraph(text, small) if i == len(row) - 1 and name == _("KPIs") else text)
            body.append(cells)
        widths = None
        if name == _("KPIs"):
            widths = [48 * mm, 26 * mm, 12 * mm, 94 * mm]
        table = Table([[str(h) for h in header], *body], colWidths=widths, repeatRows=1)
        table.setStyle(totals_table_style(1))
        table.setStyle([("FONT", (0, -1), (-1, -1), "Helvetica", 8), ("LINEABOVE", (0, -1), (-1, -1), 0, "white"),
                        ("VALIGN", (0, 0), (-1, -1), "TOP")])
        story += [table, Spacer(1, 4 * mm)]
    doc.build(story, canvasmaker=numbered_canvas(lambda p, n: _("Page %(page)s of %(pages)s") % {
        "page": p, "pages": n}, "Recaudo"))
    return buffer.getvalue()
