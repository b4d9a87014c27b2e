"""Renderers for reports: statements of account (HTML, CSV, XLSX, PDF) and aging exports (CSV, XLSX).

CSV comes in the dialects of recaudo.core.exports: Excel (es-CO) (`;`, dd/mm/yyyy, decimal comma) or plain
(`,`, ISO dates, decimal point; the commands' and the default for English pages); XLSX numeric cells with a number
format; HTML and PDF es-CO formatting (1.234.567,89; 31/12/2026), or English when the language is en. All
spreadsheet exports go through recaudo.core.exports (formula-injection safe).
"""

from __future__ import annotations

import io
from base64 import b64encode

from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from recaudo.banking.selectors import open_payment_link_url
from recaudo.core.exports import PLAIN, CsvDialect, write_csv, write_xlsx
from recaudo.core.money import from_minor, precision
from recaudo.core.pdf import a4_document, numbered_canvas, totals_table_style
from recaudo.ledger.models import EntryKind
from recaudo.portfolio.models import Obligation
from recaudo.portfolio.validation import display_id_number

from .formatting import bucket_label, fmt_amount, fmt_date
from .selectors import AgingReport, DebtorAgingRow
from .statements import Statement

STATEMENT_FORMATS = ("html", "csv", "xlsx", "pdf")
CONTENT_TYPES = {
    "html": "text/html; charset=utf-8",
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pdf": "application/pdf",
    "json": "application/json",
}


def statement_language(debtor, request_language: str | None = None) -> str:
    """Spanish by default; English when the debtor's language or the request's language is English."""
    if (debtor.language or "").lower().startswith("en") or (request_language or "").lower().startswith("en"):
        return "en"
    return "es-co"


def statement_filename(statement: Statement, fmt: str) -> str:
    day = (statement.end or statement.as_of).isoformat()
    code = "".join(c if c.isalnum() or c in "-_" else "_" for c in statement.debtor.code)
    return f"estado-de-cuenta-{code}-{day}.{fmt}"


def kind_label(kind: str) -> str:
    try:
        return str(EntryKind(kind).label)
    except ValueError:
        return kind


def obligation_kind_label(kind: str) -> str:
    try:
        return str(Obligation.Kind(kind).label)
    except ValueError:
        return kind


def _money(statement_or_report, minor: int):
    return from_minor(minor, statement_or_report.currency)


# ---------------------------------------------------------------- statement: data for HTML and PDF

def statement_context(statement: Statement, language: str) -> dict:
    """Everything the HTML/PDF need, already formatted in the language."""
    cur = statement.currency
    debtor = statement.debtor
    with translation.override(language):
        lines = [
            {
                "date": fmt_date(line.value_date, language),
                "obligation": line.obligation_number,
                "kind": kind_label(line.kind),
                "description": line.description,
                "debit": fmt_amount(line.debit_minor, cur, language) if line.debit_minor else "",
                "credit": fmt_amount(line.credit_minor, cur, language) if line.credit_minor else "",
                "balance": fmt_amount(line.balance_minor, cur, language),
            }
            for line in statement.lines
        ]
        open_obligations = [
            {
                "number": o.number,
                "kind": obligation_kind_label(o.kind),
                "issue_date": fmt_date(o.issue_date, language),
                "due_date": fmt_date(o.due_date, language),
                "days_past_due": max(o.days_past_due, 0),
                "balance": fmt_amount(o.balance_minor, cur, language),
                "disputed": o.disputed,
                "payment_reference": o.payment_reference,
            }
            for o in statement.open_obligations
        ]
        return {
            "statement": statement,
            "language": language,
            "creditor": statement.portfolio.creditor or statement.portfolio.name,
            "portfolio_name": statement.portfolio.name,
            "debtor": debtor,
            "currency": cur,
            "period_start": fmt_date(statement.start, language),
            "period_end": fmt_date(statement.end, language),
            "as_of": fmt_date(statement.as_of, language),
            "opening": fmt_amount(statement.opening_minor, cur, language),
            "has_opening": statement.start is not None,
            "lines": lines,
            "total_debit": fmt_amount(statement.total_debit_minor, cur, language),
            "total_credit": fmt_amount(statement.total_credit_minor, cur, language),
            "closing": fmt_amount(statement.closing_minor, cur, language),
            "credit": fmt_amount(statement.credit_minor, cur, language),
            "has_credit": statement.credit_minor != 0,
            "overdue": fmt_amount(statement.overdue_minor, cur, language),
            "open_obligations": open_obligations,
            "claim_line": _claim_line(debtor, statement.portfolio, language),
            **_creditor_and_payment(statement, language),
        }


def _claim_line(debtor, portfolio, language: str) -> str:
    """The 'reclamo en trámite' legend while a habeas data claim of the debtor is open (Ley 1581 de 2012, art. 15),
    "" otherwise (called inside the language's override)."""
    if debtor.habeas_claim_since is None:
        return ""
    return _("Claim in progress (reclamo en trámite) since %(date)s: the data of this account is under review "
             "(Ley 1581 de 2012, art. 15).") % {"date": fmt_date(portfolio.today(debtor.habeas_claim_since),
                                                                   language)}


def fmt_rate(value, language: str) -> str:
    """A percentage as the language writes it: 25,50 (es) or 25.50 (en)."""
    text = f"{value:.2f}"
    return text if (language or "").startswith("en") else text.replace(".", ",")


def _creditor_and_payment(statement: Statement, language: str) -> dict:
    """The creditor's details, how to pay and the late-interest line, in the language (called inside its override)."""
    portfolio = statement.portfolio
    cur = statement.currency
    interest = fmt_amount(statement.interest_owed_minor, cur, language)
    as_of = fmt_date(statement.as_of, language)
    if statement.interest_rate_ea_pct is not None:
        rate = _("at the agreed rate of %(rate)s %% effective annual, never above the legal maximum") % {
            "rate": fmt_rate(statement.interest_rate_ea_pct, language)}
    else:
        rate = _("at the maximum legal rate certified by the Superintendencia Financiera")
    if statement.interest_owed_minor or statement.interest_enabled:
        interest_line = _("Late interest accrued to %(date)s: %(amount)s (included in the balance), %(rate)s.") % {
            "date": as_of, "amount": interest, "rate": rate}
    else:
        interest_line = _("Late interest to %(date)s: none charged. Overdue balances may accrue late interest "
                          "%(rate)s.") % {"date": as_of, "rate": rate}
    convenio = statement.convenio
    if convenio is not None:  # the active convenio: the bank and account the money goes to
        rows = ((_("Bank"), portfolio.payment_bank or _("bank code %(code)s") % {"code": convenio.bank_code}),
                (_("Account"), convenio.account_number or portfolio.payment_account),
                (_("Agreement (convenio)"), convenio.service_code or convenio.name))
    else:
        rows = ((_("Bank"), portfolio.payment_bank), (_("Account"), portfolio.payment_account),
                (_("Agreement (convenio)"), portfolio.payment_agreement))
    payment_rows = [(label, value) for label, value in rows if value]
    payment_rows.append((_("Payment reference"), statement.payment_reference))
    online = open_payment_link_url(statement.debtor.pk)  # an open link, when the portfolio has an active gateway
    if online:
        payment_rows.append((_("Pay online"), online))
    logo = bytes(portfolio.creditor_logo) if portfolio.creditor_logo_type and portfolio.creditor_logo else None
    return {
        "creditor_nit": portfolio.creditor_nit,
        "creditor_address": portfolio.creditor_address,
        "creditor_contact": portfolio.creditor_contact,
        "creditor_logo": logo,
        "creditor_logo_uri": f"data:{portfolio.creditor_logo_type};base64,{b64encode(logo).decode()}" if logo else "",
        "payment_rows": payment_rows,
        "payment_notes": portfolio.payment_notes,
        "payment_reference": statement.payment_reference,
        "interest_owed": interest,
        "interest_line": interest_line,
    }


def render_statement_html(statement: Statement, language: str, request=None, extra: dict | None = None) -> str:
    context = statement_context(statement, language)
    context.update(extra or {})
    with translation.override(language):
        return render_to_string("reports/statement.html", context, request=request)


# ---------------------------------------------------------------- statement: CSV / XLSX

def statement_header() -> list[str]:
    return [_("Date"), _("Obligation"), _("Movement"), _("Description"), pgettext("statement column", "Debit"),
            pgettext("statement column", "Credit"), _("Balance")]


def statement_rows(statement: Statement, language: str) -> tuple[list[str], list[list]]:
    with translation.override(language):
        header = statement_header()
        rows: list[list] = []
        if statement.start is not None:
            rows.append([statement.start, "", _("Opening balance"), "", None, None,
                         _money(statement, statement.opening_minor)])
        for line in statement.lines:
            rows.append([
                line.value_date, line.obligation_number, kind_label(line.kind), line.description,
                _money(statement, line.debit_minor) if line.debit_minor else None,
                _money(statement, line.credit_minor) if line.credit_minor else None,
                _money(statement, line.balance_minor),
            ])
        rows.append([statement.end or statement.as_of, "", _("Totals"), "",
                     _money(statement, statement.total_debit_minor), _money(statement, statement.total_credit_minor),
                     _money(statement, statement.closing_minor)])
        if statement.credit_minor:
            rows.append([statement.end or statement.as_of, "", _("Credit in favour (unapplied payments)"), "",
                         None, None, _money(statement, statement.credit_minor)])
    return header, rows


def render_statement_csv(statement: Statement, language: str, dialect: CsvDialect = PLAIN) -> bytes:
    header, rows = statement_rows(statement, language)
    return write_csv(rows, header, dialect=dialect)


def render_statement_xlsx(statement: Statement, language: str) -> bytes:
    header, rows = statement_rows(statement, language)
    with translation.override(language):
        title = _("Statement")
    return write_xlsx(rows, header, title=f"{title} {statement.debtor.code}",
                      amount_decimals=precision(statement.currency), column_widths=[12, 16, 22, 40, 16, 16, 16])


# ---------------------------------------------------------------- statement: PDF

def _logo_flowable(data: bytes | None, max_width, max_height):
    """The creditor's logo scaled into the box (keeping its proportions), or None."""
    from reportlab.lib.utils import ImageReader
    from reportlab.platypus import Image

    if not data:
        return None
    try:
        width, height = ImageReader(io.BytesIO(data)).getSize()
    except Exception:  # noqa: BLE001 - a logo that cannot be read is left out, the statement still prints
        return None
    scale = min(max_width / width, max_height / height)
    return Image(io.BytesIO(data), width=width * scale, height=height * scale, hAlign="LEFT")


def render_statement_pdf(statement: Statement, language: str) -> bytes:
    from xml.sax.saxutils import escape

    from reportlab.lib import colors
    from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
    from reportlab.lib.units import mm
    from reportlab.platypus import KeepTogether, Paragraph, Spacer, Table, TableStyle

    ctx = statement_context(statement, language)
    with translation.override(language):
        page_word = _("Page %(page)s of %(pages)s")
        title = _("Statement of account")
        labels = {
            "creditor": _("Creditor"), "debtor": _("Debtor"), "code": _("Customer code"), "id": _("ID"),
            "period": _("Period"), "from_start": _("from the first movement"), "to_end": _("to the last movement"),
            "currency": _("Currency"), "opening": _("Opening balance"), "totals": _("Totals"),
            "closing": _("Balance"), "credit": _("Credit in favour (unapplied payments)"),
            "open": _("Open obligations as of %(date)s") % {"date": ctx["as_of"]},
            "overdue": _("Overdue"), "none": _("No movements in the period."),
            "disputed": _("disputed"), "nit": _("NIT"), "as_of": _("Cut-off date"),
            "interest": _("Late interest owed"), "pay": _("How to pay"),
            "quote": _("Quote the payment reference %(reference)s so the payment is applied to your account.")
            % {"reference": ctx["payment_reference"]},
            "movements": _("Movements"),
        }
        header = statement_header()
        open_header = [_("Obligation"), _("Payment reference"), _("Kind"), _("Issued"), _("Due"),
                       _("Days past due"), _("Balance")]

    canvas = numbered_canvas(lambda page, pages: page_word % {"page": page, "pages": pages},
                             f"{ctx['creditor']}" + (f" · {labels['nit']} {ctx['creditor_nit']}"
                                                     if ctx["creditor_nit"] else "") + f" · {statement.debtor.code}")

    ink, accent, soft, line_color = (colors.HexColor("#1d2939"), colors.HexColor("#1f4e79"),
                                     colors.HexColor("#eef3f8"), colors.HexColor("#c9d3de"))
    styles = getSampleStyleSheet()
    small = ParagraphStyle("small", parent=styles["Normal"], fontSize=8, leading=10, textColor=ink)
    body = ParagraphStyle("body", parent=styles["Normal"], fontSize=9, leading=12, textColor=ink)
    name_style = ParagraphStyle("name", parent=body, fontName="Helvetica-Bold", fontSize=12, leading=15)
    title_style = ParagraphStyle("title", parent=body, fontName="Helvetica-Bold", fontSize=16, leading=20,
                                 alignment=2, textColor=accent)
    right = ParagraphStyle("right", parent=body, alignment=2)
    heading = ParagraphStyle("heading", parent=body, fontName="Helvetica-Bold", fontSize=10, leading=13,
                             textColor=accent, spaceBefore=2, spaceAfter=3)
    buffer = io.BytesIO()
    doc = a4_document(buffer, title=f"{title} {statement.debtor.code}", author=ctx["creditor"])
    width = doc.width
    debtor = statement.debtor
    period = (f"{ctx['period_start'] or labels['from_start']} – {ctx['period_end'] or labels['to_end']}")

    # Letterhead: logo and creditor on the left, title and cut-off date on the right, a rule below.
    creditor_lines = [f"<b>{escape(ctx['creditor'])}</b>"]
    if ctx["creditor_nit"]:
        creditor_lines.append(f"{escape(labels['nit'])} {escape(ctx['creditor_nit'])}")
    for value in (ctx["creditor_address"], ctx["creditor_contact"]):
        if value:
            creditor_lines.append(escape(value))
    logo = _logo_flowable(ctx["creditor_logo"], 45 * mm, 20 * mm)
    creditor_cell = [Paragraph(creditor_lines[0], name_style),
                     Paragraph("<br/>".join(creditor_lines[1:]), body)] if len(creditor_lines) > 1 else \
        [Paragraph(creditor_lines[0], name_style)]
    head_cells = ([logo] if logo else []) + [creditor_cell,
                                             [Paragraph(escape(title), title_style),
                                              Paragraph(f"{escape(labels['as_of'])}: <b>{escape(ctx['as_of'])}</b>",
                                                        right)]]
    head_widths = ([50 * mm] if logo else []) + [width - (50 * mm if logo else 0) - 62 * mm, 62 * mm]
    story = [
        Table([head_cells], colWidths=head_widths, style=TableStyle([
            ("VALIGN", (0, 0), (-1, -1), "MIDDLE"), ("LEFTPADDING", (0, 0), (0, 0), 0),
            ("RIGHTPADDING", (-1, 0), (-1, 0), 0), ("LINEBELOW", (0, 0), (-1, 0), 1.2, accent),
            ("BOTTOMPADDING", (0, 0), (-1, 0), 8),
        ])),
        Spacer(1, 5 * mm),
    ]

    # The debtor and the period on the left; the summary of what is owed on the right.
    debtor_text = (f"<font size=7 color='#667085'>{escape(labels['debtor']).upper()}</font><br/>"
                   f"<b>{escape(debtor.name)}</b><br/>{escape(labels['code'])}: {escape(debtor.code)}"
                   + (f"<br/>{escape(labels['id'])}: {escape(debtor.id_type)} "
                      f"{escape(display_id_number(debtor.id_type, debtor.id_number))}"
                      if debtor.id_number else "")
                   + f"<br/>{escape(labels['period'])}: {escape(period)}"
                   + f"<br/>{escape(labels['currency'])}: {escape(statement.currency)}")
    summary_rows = [[labels["closing"], ctx["closing"]], [labels["overdue"], ctx["overdue"]],
                    [labels["interest"], ctx["interest_owed"]]]
    if ctx["has_credit"]:
        summary_rows.append([labels["credit"], ctx["credit"]])
    summary = Table([[Paragraph(escape(a), small), Paragraph(f"<b>{escape(b)}</b>", right)] for a, b in summary_rows],
                    colWidths=[48 * mm, 32 * mm], style=TableStyle([
                        ("BACKGROUND", (0, 0), (-1, -1), soft), ("LINEBELOW", (0, 0), (-1, -2), 0.3, line_color),
                        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"), ("TOPPADDING", (0, 0), (-1, -1), 4),
                        ("BOTTOMPADDING", (0, 0), (-1, -1), 4), ("BOX", (0, 0), (-1, -1), 0.6, line_color),
                    ]))
    story.append(Table([[Paragraph(debtor_text, body), summary]], colWidths=[width - 84 * mm, 84 * mm],
                       style=TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("LEFTPADDING", (0, 0), (0, 0), 0),
                                         ("RIGHTPADDING", (-1, 0), (-1, 0), 0)])))
    story.append(Spacer(1, 6 * mm))

    story.append(Paragraph(escape(labels["movements"]), heading))
    data = [header]
    if ctx["has_opening"]:
        data.append([ctx["period_start"], "", labels["opening"], "", "", "", ctx["opening"]])
    for line in ctx["lines"]:
        data.append([line["date"], Paragraph(escape(line["obligation"]), small), Paragraph(escape(line["kind"]), small),
                     Paragraph(escape(line["description"]), small), line["debit"], line["credit"], line["balance"]])
    if not ctx["lines"]:
        data.append(["", "", Paragraph(escape(labels["none"]), small), "", "", "", ""])
    data.append(["", "", labels["totals"], "", ctx["total_debit"], ctx["total_credit"], ctx["closing"]])
    widths = [19 * mm, 20 * mm, 30 * mm, width - 19 * mm - 50 * mm - 69 * mm, 23 * mm, 23 * mm, 23 * mm]
    table = Table(data, colWidths=widths, repeatRows=1)
    table.setStyle(totals_table_style(4, ("VALIGN", (0, 0), (-1, -1), "TOP"),
                                      ("ROWBACKGROUNDS", (0, 1), (-1, -2), [colors.white, colors.HexColor("#f7f9fb")])))
    story.append(table)

    if ctx["open_obligations"]:
        story.append(Spacer(1, 6 * mm))
        story.append(Paragraph(escape(labels["open"]), heading))
        open_data = [open_header] + [
            [Paragraph(escape(o["number"] + (f" ({labels['disputed']})" if o["disputed"] else "")), small),
             Paragraph(escape(o["payment_reference"]), small), o["kind"], o["issue_date"],
             o["due_date"], str(o["days_past_due"]), o["balance"]]
            for o in ctx["open_obligations"]
        ]
        story.append(Table(open_data, colWidths=[32 * mm, 30 * mm, 22 * mm, 20 * mm, 20 * mm, 22 * mm,
                                                 width - 146 * mm],
                           repeatRows=1, style=TableStyle([
                               ("FONT", (0, 0), (-1, -1), "Helvetica", 8),
                               ("FONT", (0, 0), (-1, 0), "Helvetica-Bold", 8),
                               ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8eef4")),
                               ("LINEBELOW", (0, 0), (-1, 0), 0.5, colors.grey),
                               ("ALIGN", (5, 0), (6, -1), "RIGHT"),
                           ])))

    # The late-interest line and how to pay, kept together at the end.
    story.append(Spacer(1, 5 * mm))
    story.append(Paragraph(escape(ctx["interest_line"]), small))
    if ctx["claim_line"]:
        story.append(Paragraph(f"<b>{escape(ctx['claim_line'])}</b>", small))
    story.append(Spacer(1, 4 * mm))
    pay_rows = [[Paragraph(escape(a), small), Paragraph(f"<b>{escape(b)}</b>", body)] for a, b in ctx["payment_rows"]]
    pay_block = [Paragraph(escape(labels["pay"]), heading),
                 Table(pay_rows, colWidths=[42 * mm, width - 42 * mm - 8 * mm], hAlign="LEFT",
                       style=TableStyle([("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                                         ("TOPPADDING", (0, 0), (-1, -1), 2), ("BOTTOMPADDING", (0, 0), (-1, -1), 2)])),
                 Paragraph(escape(labels["quote"]), small)]
    if ctx["payment_notes"]:
        pay_block.append(Paragraph(escape(ctx["payment_notes"]), small))
    story.append(KeepTogether(Table([[pay_block]], colWidths=[width], style=TableStyle([
        ("BOX", (0, 0), (-1, -1), 0.8, accent), ("BACKGROUND", (0, 0), (-1, -1), soft),
        ("LEFTPADDING", (0, 0), (-1, -1), 8), ("RIGHTPADDING", (0, 0), (-1, -1), 8),
        ("TOPPADDING", (0, 0), (-1, -1), 6), ("BOTTOMPADDING", (0, 0), (-1, -1), 8),
    ]))))
    doc.build(story, canvasmaker=canvas)
    return buffer.getvalue()


def render_statement(statement: Statement, fmt: str, language: str, request=None,
                     csv_dialect: CsvDialect = PLAIN) -> bytes:
    if fmt == "html":
        return render_statement_html(statement, language, request=request).encode("utf-8")
    if fmt == "csv":
        return render_statement_csv(statement, language, csv_dialect)
    if fmt == "xlsx":
        return render_statement_xlsx(statement, language)
    if fmt == "pdf":
        return render_statement_pdf(statement, language)
    raise ValueError(f"unknown format {fmt!r}: use html, csv, xlsx or pdf")


# ---------------------------------------------------------------- aging exports

def aging_rows(report: AgingReport, translated: bool = False) -> tuple[list[str], list[list]]:
    """Header and rows of the aging for CSV/XLSX (amounts as Decimal).

    translated (Excel CSV and XLSX): headers in the active language and, by debtor, the debtor's ID (type and
    number) after the name and a total row; otherwise (plain CSV) the stable English keys of the columns.
    """
    labels = [bucket_label(b) if translated else b.label for b in report.buckets]
    money = report.currency
    if report.by == "portfolio":
        header = ["bucket", "min_days", "max_days", "amount", "count"]
        if translated:
            header = [_("Bucket"), _("From day"), _("To day"), _("Amount"), _("Obligations")]
        rows = [[label, t.bucket.min_days, t.bucket.max_days, from_minor(t.amount_minor, money), t.count]
                for label, t in zip(labels, report.totals, strict=True)]
        rows.append([_("Total") if translated else "total", None, None, from_minor(report.total_minor, money),
                     report.count])
        return header, rows
    if report.by == "debtor":
        debtor_rows = [r for r in report.rows if isinstance(r, DebtorAgingRow)]
        if not translated:
            header = ["code", "name", "total", *labels]
            rows = [[r.code, r.name, from_minor(r.total_minor, money), *[from_minor(a, money) for a in r.amounts_minor]]
                    for r in debtor_rows]
            return header, rows
        header = [_("Code"), _("Name"), _("Identification (type and number)"), _("Total"), *labels]
        rows = [[r.code, r.name, r.identification, from_minor(r.total_minor, money),
                 *[from_minor(a, money) for a in r.amounts_minor]] for r in debtor_rows]
        rows.append([_("Total"), "", "", from_minor(sum(r.total_minor for r in debtor_rows), money),
                     *[from_minor(sum(r.amounts_minor[i] for r in debtor_rows), money) for i in range(len(labels))]])
        return header, rows
    header = ["number", "debtor_code", "due_date", "days_past_due", "balance", "bucket"]
    if translated:
        header = [_("Obligation"), _("Customer code"), _("Due"), _("Days past due"), _("Balance"), _("Bucket")]
    rows = [[r.number, r.debtor_code, r.due_date, r.days_past_due, from_minor(r.balance_minor, money),
             labels[r.bucket]] for r in report.rows]
    return header, rows


def render_aging_csv(report: AgingReport, *, bom: bool = True, dialect: CsvDialect = PLAIN) -> bytes:
    """Plain CSV keeps the column keys (code, name, total…); the Excel dialect the translated layout of the XLSX."""
    header, rows = aging_rows(report, translated=dialect is not PLAIN)
    return write_csv(rows, header, bom=bom, dialect=dialect)


def render_aging_xlsx(report: AgingReport) -> bytes:
    header, rows = aging_rows(report, translated=True)
    return write_xlsx(rows, header, title=f"{_('Aging')} {report.as_of.isoformat()}",
                      amount_decimals=precision(report.currency))


def aging_filename(report: AgingReport, fmt: str) -> str:
    return f"cartera-por-edades-{report.portfolio.slug}-{report.by}-{report.as_of.isoformat()}.{fmt}"
