"""Report pages: dashboard, aging of a portfolio (with CSV/XLSX export), statement of account of a debtor."""

from __future__ import annotations

import dataclasses
from datetime import date

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.urls import NoReverseMatch, reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from recaudo.accounts.selectors import (
    assigned_only_agent,
    debtor_for_user_or_404,
    masks_personal_data,
    portfolio_for_user_or_404,
    portfolios_for_user,
    role_in,
    visible_debtors,
)
from recaudo.core.errors import DomainError
from recaudo.core.exports import csv_dialect
from recaudo.ledger.accruals import debtor_liquidation
from recaudo.ledger.rates import missing_rate_warnings
from recaudo.portfolio.masking import mask_id
from recaudo.portfolio.models import Debtor
from recaudo.portfolio.selectors import mask_debtor

from .charts import aging_chart
from .formatting import bucket_label, fmt_amount, fmt_date
from .liquidation_pdf import render_liquidation_pdf
from .render import (
    CONTENT_TYPES,
    STATEMENT_FORMATS,
    aging_filename,
    render_aging_csv,
    render_aging_xlsx,
    render_statement,
    statement_filename,
    statement_language,
)
from .selectors import DebtorAgingRow, aging_report, portfolio_summaries
from .statements import statement_for

AGING_PAGE_ROWS = 200


def _parse_date(value: str | None) -> tuple[date | None, str]:
    """(date, error message): an empty value is no date and no error."""
    if not value:
        return None, ""
    try:
        return date.fromisoformat(value.strip()), ""
    except ValueError:
        return None, _("%(value)s is not a valid date; showing today.") % {"value": value[:20]}


def debtor_list_url(slug: str, bucket: int) -> str:
    """The debtor list filtered by an aging bucket (the list view belongs to the portfolio app)."""
    try:
        base = reverse("debtor_list", args=[slug])
    except NoReverseMatch:
        base = f"/p/{slug}/debtors/"
    return f"{base}?bucket={bucket}"


def _download(content: bytes, fmt: str, filename: str, inline: bool = False) -> HttpResponse:
    response = HttpResponse(content, content_type=CONTENT_TYPES[fmt])
    disposition = "inline" if inline else "attachment"
    response["Content-Disposition"] = f'{disposition}; filename="{filename}"'
    return response


@login_required
@require_GET
def dashboard(request):
    as_of, error = _parse_date(request.GET.get("as_of"))
    summaries = portfolio_summaries(portfolios=portfolios_for_user(request.user), as_of=as_of)
    language = get_language()
    cards = []
    for summary in summaries:
        report = summary.report
        slug = summary.portfolio.slug
        cards.append({
            "portfolio": summary.portfolio,
            "as_of": fmt_date(summary.as_of, language),
            "total": fmt_amount(report.total_minor, report.currency, language),
            "overdue": fmt_amount(report.overdue_minor, report.currency, language),
            "overdue_percent": summary.overdue_percent,
            "debtor_count": summary.debtor_count,
            "obligation_count": report.count,
            "currency": report.currency,
            "chart": aging_chart(report, href=lambda i, s=slug: debtor_list_url(s, i), language=language),
        })
    return render(request, "reports/dashboard.html", {
        "cards": cards, "as_of_value": as_of.isoformat() if as_of else "", "date_error": error,
        "rate_warnings": missing_rate_warnings([p for p in portfolios_for_user(request.user)
                                                if role_in(request.user, p) in ("admin", "supervisor")]),
    })


@login_required
@require_GET
def aging(request, slug):
    portfolio = portfolio_for_user_or_404(request.user, slug)
    as_of, error = _parse_date(request.GET.get("as_of"))
    as_of = as_of or portfolio.today()
    by = request.GET.get("by", "portfolio")
    if by not in ("portfolio", "debtor"):
        by = "portfolio"
    fmt = request.GET.get("format", "html")
    if fmt not in ("html", "csv", "xlsx"):
        raise Http404("unknown format")
    try:
        report = aging_report(portfolio=portfolio, as_of=as_of, by=by)
    except DomainError as exc:
        return render(request, "reports/aging.html", {"portfolio": portfolio, "error": exc.message}, status=400)
    if assigned_only_agent(request.user, portfolio) is not None and by != "portfolio":
        # An agent limited to their assigned debtors sees only their rows (the bucket totals stay the portfolio's).
        visible = set(visible_debtors(request.user, portfolio).values_list("pk", flat=True))
        report.rows = [r for r in report.rows if getattr(r, "debtor_id", None) in visible]
    if masks_personal_data(request.user, portfolio):
        # viewers: the debtor's ID masked in the exports too (docs/habeas-data.md)
        report.rows = [dataclasses.replace(r, id_number=mask_id(r.id_number)) if isinstance(r, DebtorAgingRow) else r
                       for r in report.rows]
    if fmt == "csv":
        dialect = csv_dialect(get_language(), request.GET.get("csv"))
        return _download(render_aging_csv(report, dialect=dialect), "csv", aging_filename(report, "csv"))
    if fmt == "xlsx":
        return _download(render_aging_xlsx(report), "xlsx", aging_filename(report, "xlsx"))
    language = get_language()
    cur = report.currency
    buckets = [
        {"index": i, "label": bucket_label(t.bucket), "amount": fmt_amount(t.amount_minor, cur, language),
         "count": t.count, "href": debtor_list_url(slug, i),
         "percent": round(100 * t.amount_minor / report.total_minor, 1) if report.total_minor else 0.0}
        for i, t in enumerate(report.totals)
    ]
    rows = [
        {"code": r.code, "name": r.name, "total": fmt_amount(r.total_minor, cur, language),
         "amounts": [fmt_amount(a, cur, language) if a else "" for a in r.amounts_minor]}
        for r in report.rows[:AGING_PAGE_ROWS] if isinstance(r, DebtorAgingRow)
    ]
    return render(request, "reports/aging.html", {
        "portfolio": portfolio,
        "report": report,
        "by": by,
        "as_of_value": as_of.isoformat(),
        "as_of": fmt_date(as_of, language),
        "date_error": error,
        "buckets": buckets,
        "total": fmt_amount(report.total_minor, cur, language),
        "count": report.count,
        "rows": rows,
        "row_count": len(report.rows),
        "rows_cut": len(report.rows) > AGING_PAGE_ROWS,
        "page_rows": AGING_PAGE_ROWS,
        "chart": aging_chart(report, href=lambda i: debtor_list_url(slug, i), language=language),
        "query": f"as_of={as_of.isoformat()}&by={by}",
    })


@login_required
@require_GET
def statement(request, slug, pk, fmt):
    portfolio = portfolio_for_user_or_404(request.user, slug)
    if fmt not in STATEMENT_FORMATS:
        raise Http404("unknown format")
    debtor = debtor_for_user_or_404(request.user, portfolio, pk, Debtor.objects.select_related("portfolio"))
    if masks_personal_data(request.user, portfolio):
        mask_debtor(debtor)  # viewers: the ID masked on the statement too (docs/habeas-data.md)
    start, start_error = _parse_date(request.GET.get("from"))
    end, end_error = _parse_date(request.GET.get("to"))
    if start_error or end_error:
        return HttpResponse(_("Dates must look like 2026-12-31."), status=400, content_type="text/plain")
    try:
        result = statement_for(debtor=debtor, start=start, end=end)
    except DomainError as exc:
        return HttpResponse(exc.message, status=400, content_type="text/plain")
    language = statement_language(debtor, get_language())
    content = render_statement(result, fmt, language, request=request,
                               csv_dialect=csv_dialect(get_language(), request.GET.get("csv")))
    return _download(content, fmt, statement_filename(result, fmt), inline=fmt in ("html", "pdf"))


@login_required
@require_GET
def interest_liquidation_pdf(request, slug, pk):
    """The interest liquidation of a debtor as a PDF (any user who may see the portfolio and the debtor)."""
    portfolio = portfolio_for_user_or_404(request.user, slug, "view")
    debtor = debtor_for_user_or_404(request.user, portfolio, pk, Debtor.objects.select_related("portfolio"))
    if masks_personal_data(request.user, portfolio):
        mask_debtor(debtor)
    as_of = portfolio.today()
    try:
        as_of = date.fromisoformat(request.GET["as_of"]) if request.GET.get("as_of") else as_of
    except ValueError:
        pass
    language = statement_language(debtor, get_language())
    content = render_liquidation_pdf(debtor, debtor_liquidation(debtor, as_of), as_of, language)
    response = HttpResponse(content, content_type="application/pdf")
    code = "".join(c if c.isalnum() or c in "-_" else "_" for c in debtor.code)
    response["Content-Disposition"] = f'attachment; filename="liquidacion-intereses-{code}-{as_of.isoformat()}.pdf"'
    return response
