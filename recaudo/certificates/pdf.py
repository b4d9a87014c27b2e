"""The certificates as PDFs (ReportLab, in the style of the statement, the liquidation and the receipt): the paz y
salvo and the certificate of debt of a building (Ley 675 de 2001 art. 48). Rendered from what the certificate
kept when it was issued (Certificate.content), so a later download is the same document; the verification code
and URL are printed on it."""

from __future__ import annotations

import io
from datetime import date
from xml.sax.saxutils import escape

from django.utils import timezone, translation
from django.utils.translation import gettext as _

from recaudo.core.money import from_minor
from recaudo.core.pdf import a4_document, numbered_canvas, totals_table_style
from recaudo.core.words import amount_in_words_es
from recaudo.portfolio.models import Obligation
from recaudo.portfolio.validation import display_id_number
from recaudo.reports.formatting import fmt_amount, fmt_date
from recaudo.reports.render import _logo_flowable

from .models import Certificate, CertificateKind
from .rules import code_display


def _id(id_type: str, number: str) -> str:
    return f"{id_type} {display_id_number(id_type, number)}".strip() if number else "—"


def render_certificate_pdf(certificate: Certificate, *, verify_url: str, language: str = "es",
                           compress: bool = True) -> bytes:
    """The certificate's PDF; `verify_url` is the absolute address of its verification page."""
    if certificate.kind == CertificateKind.DEBT:
        return _render(certificate, verify_url, language, compress, _debt_body)
    return _render(certificate, verify_url, language, compress, _no_debt_body)


def _render(certificate: Certificate, verify_url: str, language: str, compress: bool, body) -> bytes:
    from reportlab.lib import colors
    from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
    from reportlab.lib.units import mm
    from reportlab.platypus import KeepTogether, Paragraph, Spacer, Table, TableStyle

    content = certificate.content
    creditor = content["creditor"]
    portfolio = certificate.portfolio
    styles = getSampleStyleSheet()
    text = ParagraphStyle("text", parent=styles["Normal"], fontSize=10, leading=14, alignment=4)  # justified
    small = ParagraphStyle("small", parent=styles["Normal"], fontSize=8, leading=10)
    head_style = ParagraphStyle("head", parent=styles["Normal"], fontSize=9, leading=12)
    title_style = ParagraphStyle("ctitle", parent=styles["Title"], fontSize=16, leading=20, spaceAfter=2)
    with translation.override(language):
        title = (_("Certificate of debt") if certificate.kind == CertificateKind.DEBT
                 else _("Paz y salvo")).upper()
        words = {
            "number": _("No."), "nit": _("NIT"), "issued": _("Issued"),
            "code": _("Verification code"),
            "verify": _("Anyone can check that this certificate is authentic, and what it certifies, at %(url)s "
                        "(or by entering the code there)."),
            "place": _("Issued in %(city)s on %(date)s."), "place_nocity": _("Issued on %(date)s."),
            "representative": _("Legal representative"), "id": _("ID"), "authorized": _("Authorized signature"),
            "page": _("Page %(page)s of %(pages)s"),
        }
        story_body = body(certificate, language, {"text": text, "small": small, "styles": styles})
        issued = fmt_date(timezone.localtime(certificate.issued_at).date(), language)
    buffer = io.BytesIO()
    doc = a4_document(buffer, title=f"{title} {certificate.label}", author=creditor["name"], compress=compress)
    creditor_lines = [f"<b>{escape(creditor['name'])}</b>"]
    if creditor["nit"]:
        creditor_lines.append(f"{escape(words['nit'])} {escape(creditor['nit'])}")
    if creditor["address"]:
        creditor_lines.append(escape(creditor["address"]))
    if creditor.get("contact"):
        creditor_lines.append(escape(creditor["contact"]))
    logo = _logo_flowable(bytes(portfolio.creditor_logo) if portfolio.creditor_logo_type and portfolio.creditor_logo
                          else None, 40 * mm, 18 * mm)
    right = Paragraph(f"<b>{escape(words['number'])} {escape(certificate.label)}</b><br/>"
                      f"{escape(words['issued'])}: {issued}", ParagraphStyle("r", parent=head_style, alignment=2))
    cells = ([logo] if logo else []) + [Paragraph("<br/>".join(creditor_lines), head_style), right]
    widths = ([45 * mm] if logo else []) + [(135 if not logo else 90) * mm, 45 * mm]
    story = [
        Table([cells], colWidths=widths, style=TableStyle([
            ("VALIGN", (0, 0), (-1, -1), "TOP"), ("LINEBELOW", (0, 0), (-1, 0), 0.5, colors.grey),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 6)])),
        Spacer(1, 8 * mm),
        Paragraph(escape(title), title_style),
        Spacer(1, 4 * mm),
        *story_body,
        Spacer(1, 6 * mm),
    ]
    as_of = fmt_date(date.fromisoformat(str(certificate.as_of)), language)
    place = (words["place"] % {"city": escape(creditor["city"]), "date": as_of} if creditor.get("city")
             else words["place_nocity"] % {"date": as_of})
    signature = [Paragraph(place, text), Spacer(1, 18 * mm), Paragraph("_" * 40, text)]
    if creditor.get("representative"):
        signature.append(Paragraph(f"<b>{escape(creditor['representative'])}</b>", text))
        if creditor.get("representative_id"):
            signature.append(Paragraph(f"{escape(words['id'])}: {escape(creditor['representative_id'])}", text))
        signature.append(Paragraph(escape(body.signer(language) if hasattr(body, "signer")
                                          else words["representative"]), text))
    else:  # no legal representative on file: an authorized signature of the creditor, nothing left blank
        signature += [Paragraph(escape(words["authorized"]), text),
                      Paragraph(f"<b>{escape(creditor['name'])}</b>", text)]
    story.append(KeepTogether(signature))
    story.append(Spacer(1, 8 * mm))
    verify = Table([[Paragraph(f"<b>{escape(words['code'])}: {escape(code_display(certificate.code))}</b><br/>"
                               + escape(words["verify"] % {"url": verify_url}), small)]],
                   colWidths=[180 * mm],
                   style=TableStyle([("BOX", (0, 0), (-1, -1), 0.5, colors.grey),
                                     ("BACKGROUND", (0, 0), (-1, -1), colors.HexColor("#f3f6f9")),
                                     ("TOPPADDING", (0, 0), (-1, -1), 5), ("BOTTOMPADDING", (0, 0), (-1, -1), 5)]))
    story.append(KeepTogether([verify]))
    footer = f"{title} {certificate.label} · {code_display(certificate.code)}"
    doc.build(story, canvasmaker=numbered_canvas(lambda p, n: words["page"] % {"page": p, "pages": n}, footer))
    return buffer.getvalue()


def _kind_label(kind: str) -> str:
    return str(dict(Obligation.Kind.choices).get(kind, kind))


def _no_debt_body(certificate: Certificate, language: str, st: dict) -> list:
    from reportlab.lib.units import mm
    from reportlab.platypus import Paragraph, Spacer, Table

    content = certificate.content
    creditor, debtor, cur = content["creditor"], content["debtor"], content["currency"]
    as_of = fmt_date(date.fromisoformat(str(certificate.as_of)), language)
    values = {"creditor": f"<b>{escape(creditor['name'])}</b>",
              "nit": f", NIT {escape(creditor['nit'])}," if creditor["nit"] else "",
              "debtor": f"<b>{escape(debtor['name'])}</b>", "id": escape(_id(debtor["id_type"], debtor["id_number"])),
              "code": escape(debtor["code"]), "date": as_of}
    obligations = content["obligations"]
    if content["scope"] == "obligation":
        ob = obligations[0]
        values["obligation"] = f"<b>{escape(ob['number'])}</b>" + (
            f" ({escape(ob['description'])})" if ob["description"] else "")
        sentence = _("%(creditor)s%(nit)s certifies that %(debtor)s, identified with %(id)s (customer code %(code)s), "
                     "owes nothing for the obligation %(obligation)s: on %(date)s it is fully paid (paz y salvo).")
    else:
        sentence = _("%(creditor)s%(nit)s certifies that %(debtor)s, identified with %(id)s (customer code %(code)s), "
                     "is at paz y salvo for every obligation with it: on %(date)s they owe nothing, due or not yet "
                     "due.")
    out = [Paragraph(sentence % values, st["text"]), Spacer(1, 5 * mm),
           Paragraph(escape(_("Obligations covered")), st["styles"]["Heading4"])]
    data = [[_("Obligation"), _("Kind"), _("Description"), _("Due"), _("Original amount")]]
    for ob in obligations:
        data.append([Paragraph(escape(ob["number"]), st["small"]),
                     Paragraph(escape(_kind_label(ob["kind"])), st["small"]),
                     Paragraph(escape(ob["description"] or "—"), st["small"]),
                     fmt_date(date.fromisoformat(ob["due_date"]), language),
                     fmt_amount(ob["original_minor"], cur, language)])
    data.append([_("Balance owed"), "", "", "", fmt_amount(0, cur, language)])
    out.append(Table(data, colWidths=[34 * mm, 30 * mm, 63 * mm, 20 * mm, 33 * mm], repeatRows=1,
                     style=totals_table_style(3)))
    out += [Spacer(1, 4 * mm), Paragraph(escape(_(
        "This certificate speaks of the date it was issued; obligations that arise later are not covered. "
        "It does not cover amounts the creditor has not charged to the debtor's account by that date.")), st["small"])]
    return out


def _debt_body(certificate: Certificate, language: str, st: dict) -> list:
    from reportlab.lib.units import mm
    from reportlab.platypus import Paragraph, Spacer, Table

    content = certificate.content
    creditor, debtor, cur = content["creditor"], content["debtor"], content["currency"]
    totals = content["totals"]
    as_of = fmt_date(date.fromisoformat(str(certificate.as_of)), language)
    building = [f"<b>{escape(creditor['name'])}</b>" + (f" (NIT {escape(creditor['nit'])})" if creditor["nit"]
                                                          else "")]
    if creditor["address"]:
        building.append(escape(creditor["address"]))
    if creditor.get("legal_status"):
        building.append(escape(creditor["legal_status"]))
    values = {
        "representative": f"<b>{escape(creditor.get('representative') or '')}</b>",
        "rep_id": escape(creditor.get("representative_id") or ""),
        "building": ", ".join(building),
        "debtor": f"<b>{escape(debtor['name'])}</b>", "id": escape(_id(debtor["id_type"], debtor["id_number"])),
        "unit": escape(debtor["code"]) + (f" ({escape(debtor['address'])})" if debtor.get("address") else ""),
        "date": as_of,
    }
    if values["rep_id"]:
        opening = _("The undersigned %(representative)s, identified with %(rep_id)s, administrator and legal "
                    "representative of %(building)s, under article 48 of Ley 675 de 2001, certifies that "
                    "%(debtor)s, identified with %(id)s, owner or person liable for the unit %(unit)s, owes the "
                    "following amounts on %(date)s:")
    else:
        opening = _("The undersigned %(representative)s, administrator and legal representative of %(building)s, "
                    "under article 48 of Ley 675 de 2001, certifies that %(debtor)s, identified with %(id)s, owner "
                    "or person liable for the unit %(unit)s, owes the following amounts on %(date)s:")
    out = [Paragraph(opening % values, st["text"]), Spacer(1, 5 * mm)]
    lines = content["lines"]
    with_fees = any(x["fees_minor"] for x in lines)
    head = [_("Fee"), _("Due"), _("Amount"), _("Partial payments"), _("Principal owed")]
    head += [_("Fees owed")] if with_fees else []
    head += [_("Late interest"), _("Total owed")]
    data = [[Paragraph(f"<b>{escape(h)}</b>", st["small"]) for h in head]]
    for x in lines:
        concept = escape(x["description"] or _kind_label(x["kind"]))
        row = [Paragraph(f"{concept}<br/><font size=7 color='#555555'>{escape(x['number'])}</font>", st["small"]),
               fmt_date(date.fromisoformat(x["due_date"]), language), fmt_amount(x["original_minor"], cur, language),
               fmt_amount(x["paid_minor"], cur, language), fmt_amount(x["principal_minor"], cur, language)]
        row += [fmt_amount(x["fees_minor"], cur, language)] if with_fees else []
        row += [fmt_amount(x["interest_minor"], cur, language), fmt_amount(x["total_minor"], cur, language)]
        data.append(row)
    total = [_("Totals"), "", fmt_amount(totals["original_minor"], cur, language),
             fmt_amount(totals["paid_minor"], cur, language), fmt_amount(totals["principal_minor"], cur, language)]
    total += [fmt_amount(totals["fees_minor"], cur, language)] if with_fees else []
    total += [fmt_amount(totals["interest_minor"], cur, language), fmt_amount(totals["total_minor"], cur, language)]
    data.append(total)
    widths, size = _fit_columns(data, 180 * mm)
    out.append(Table(data, colWidths=widths, repeatRows=1,
                     style=totals_table_style(1, ("FONTSIZE", (1, 1), (-1, -1), size))))
    paid = [(x["number"], d, a) for x in lines for d, a in x["payments"]]
    if paid:
        detail = "; ".join(f"{escape(n)}: {fmt_date(date.fromisoformat(d), language)} {fmt_amount(a, cur, language)}"
                           for n, d, a in paid)
        out += [Spacer(1, 2 * mm), Paragraph(f"<b>{escape(_('Partial payments'))}:</b> {detail}", st["small"])]
    amount = from_minor(totals["total_minor"], cur)
    in_words = amount_in_words_es(amount, cur) if not language.startswith("en") else ""
    out += [Spacer(1, 4 * mm), Paragraph(
        _("Total owed on %(date)s: <b>%(amount)s</b>%(words)s.")
        % {"date": as_of, "amount": f"{cur} {fmt_amount(totals['total_minor'], cur, language)}",
           "words": f" ({escape(in_words)})" if in_words else ""}, st["text"]),
        Spacer(1, 3 * mm), Paragraph(escape(_(
            "Late interest is liquidated per calendar day on the principal owed each day, at the rate the "
            "assembly set, never above the legal maximum (Ley 675 de 2001 art. 30: up to one and a half times the "
            "bank current rate certified by the Superintendencia Financiera), without capitalization; partial "
            "payments paid the interest accrued first, then principal. The amounts agree with the accounts of the "
            "building. Under article 48 of Ley 675 de 2001 this certificate issued by the administrator is the "
            "enforceable title (título ejecutivo) for the amounts it states.")), st["small"])]
    return out


def _fit_columns(data: list[list], width: float) -> tuple[list[float], float]:
    """Column widths for the fees table: each date and amount column as wide as its longest text (at the largest
    font size from 8 down to 6 that leaves the concept column at least 32 mm), the concept column the rest; so
    amounts up to the bounded maximum never run into each other."""
    from reportlab.lib.units import mm
    from reportlab.pdfbase.pdfmetrics import stringWidth

    columns = len(data[0])
    for size in (8, 7.5, 7, 6.5, 6):
        numeric = [max(stringWidth(str(row[c]), "Helvetica-Bold", size) for row in data[1:] if isinstance(row[c], str))
                   + 8 for c in range(1, columns)]
        numeric = [max(w, 15 * mm) for w in numeric]
        rest = width - sum(numeric)
        if rest >= 32 * mm or size == 6:
            return [max(rest, 20 * mm), *numeric], size
    raise AssertionError("unreachable")


def _debt_signer(language: str) -> str:
    with translation.override(language):
        return _("Administrator and legal representative")


_debt_body.signer = _debt_signer
