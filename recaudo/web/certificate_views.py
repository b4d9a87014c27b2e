"""Certificates from the office (the debtor page): issue a paz y salvo or a certificate of debt, download one; and
the public verification page anyone reaches from the code printed on a certificate (docs/certificates.md)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods

from recaudo.accounts.models import Role
from recaudo.accounts.selectors import debtor_for_user_or_404, portfolio_for_user_or_404, role_in
from recaudo.certificates.exports import debt_batch_zip
from recaudo.certificates.models import Certificate, CertificateKind
from recaudo.certificates.pdf import render_certificate_pdf
from recaudo.certificates.rules import code_display
from recaudo.certificates.selectors import certificate_by_code, certificate_verify_url
from recaudo.certificates.services import certificate_issue, debt_batch_issue, debt_certificate_issue
from recaudo.core.errors import FAILED, domain_call
from recaudo.portfolio.masking import mask_id
from recaudo.portfolio.models import Obligation
from recaudo.reports.formatting import fmt_amount

from .forms import DebtBatchForm, DebtCertificateForm, NoDebtCertificateForm
from .views import _action_page, _debtor_for_write


def _pdf_response(request, certificate: Certificate) -> HttpResponse:
    url = certificate_verify_url(certificate, request.build_absolute_uri("/"))
    response = HttpResponse(render_certificate_pdf(certificate, verify_url=url),
                            content_type="application/pdf")
    name = "paz-y-salvo" if certificate.kind == CertificateKind.NO_DEBT else "certificado-deuda"
    response["Content-Disposition"] = f'attachment; filename="{name}-{certificate.label}.pdf"'
    return response


@login_required
@require_http_methods(["GET", "POST"])
def certificate_no_debt_new(request, slug, pk):
    """Issue a paz y salvo of the debtor or of one obligation; refused, with the obligations that are not settled,
    when something is owed."""
    portfolio, debtor = _debtor_for_write(request, slug, pk)
    obligations = list(Obligation.objects.filter(debtor=debtor).order_by("due_date", "number")[:500])
    form = NoDebtCertificateForm(request.POST or None, obligations=obligations)
    if request.method == "POST" and form.is_valid():
        chosen = next((o for o in obligations if str(o.pk) == form.cleaned_data["obligation"]), None)
        certificate = domain_call(form, lambda: certificate_issue(debtor=debtor, obligation=chosen,
                                                                   actor=request.user))
        if certificate is not FAILED:
            messages.success(request, _("Paz y salvo %(label)s issued.") % {"label": certificate.label})
            return redirect("certificate_pdf", slug=portfolio.slug, certificate_id=certificate.pk)
    return _action_page(request, portfolio, debtor, form, title=_("Issue a paz y salvo"), button=_("Issue"),
                        intro=_("A numbered certificate that the debtor owes nothing, with a verification code "
                                "anyone can check. Refused while any obligation it covers has a balance, was "
                                "written off or is in a running agreement."))


@login_required
@require_http_methods(["GET", "POST"])
def certificate_debt_new(request, slug, pk):
    """Issue a certificate of debt (Ley 675 de 2001 art. 48) of the debtor's overdue fees."""
    portfolio, debtor = _debtor_for_write(request, slug, pk)
    form = DebtCertificateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        certificate = domain_call(form, lambda: debt_certificate_issue(debtor=debtor, actor=request.user))
        if certificate is not FAILED:
            messages.success(request, _("Certificate of debt %(label)s issued.") % {"label": certificate.label})
            return redirect("certificate_pdf", slug=portfolio.slug, certificate_id=certificate.pk)
    return _action_page(request, portfolio, debtor, form, title=_("Issue a certificate of debt"), button=_("Issue"),
                        intro=_("Each overdue fee with its due date, amount, partial payments and late interest "
                                "through today, signed by the administrator: the enforceable title of article 48 "
                                "of Ley 675 de 2001."))


@login_required
@require_http_methods(["GET", "POST"])
def certificate_debt_batch(request, slug):
    """Certificates of debt for legal hand-off, a batch (supervisors and administrators): the same service as
    `recaudo certificates debt`; the PDFs and index.csv come back in one ZIP."""
    portfolio = portfolio_for_user_or_404(request.user, slug)
    if role_in(request.user, portfolio) not in (Role.SUPERVISOR, Role.ADMIN):
        raise PermissionDenied(_("Only supervisors and administrators issue certificates of debt in a batch."))
    form = DebtBatchForm(request.POST or None)
    if request.method == "POST":
        certificates = domain_call(form, lambda: debt_batch_issue(
            portfolio=portfolio, actor=request.user, min_days=form.cleaned_data["min_days"],
            segment=form.cleaned_data["segment"], legal_handoff=form.cleaned_data["legal_handoff"],
            codes=form.cleaned_data["codes"]))
        if certificates is not FAILED:
            response = HttpResponse(debt_batch_zip(certificates, request.build_absolute_uri("/")),
                                    content_type="application/zip")
            name = f"certificados-deuda-{certificates[0].label}-{certificates[-1].label}.zip"
            response["Content-Disposition"] = f'attachment; filename="{name}"'
            return response
    return render(request, "web/certificate_debt_batch.html", {"portfolio": portfolio, "form": form},
                  status=400 if request.method == "POST" else 200)


@login_required
@require_GET
def certificate_pdf(request, slug, certificate_id):
    """A certificate's PDF, as it was issued (agents and above: it carries the debtor's full ID)."""
    portfolio = portfolio_for_user_or_404(request.user, slug, "write")
    certificate = Certificate.objects.filter(portfolio=portfolio, pk=certificate_id).select_related("portfolio") \
        .first()
    if certificate is None:
        raise Http404("certificate not found")
    debtor_for_user_or_404(request.user, portfolio, certificate.debtor_id)  # agents limited to their debtors
    return _pdf_response(request, certificate)


@require_GET
def certificate_verify(request, code=""):
    """The public verification page (no login): whether the certificate exists and is valid, what it certifies and
    when; the debtor's ID masked, nothing else personal. /verificar/ asks for the code."""
    typed = code if code else request.GET.get("codigo", "")
    certificate = certificate_by_code(typed) if typed else None
    if certificate is not None and not code:
        return redirect("certificate_verify", code=certificate.code)
    content = certificate.content if certificate is not None else {}
    context = {"certificate": certificate, "asked": bool(typed), "typed": typed[:40], "summary": None}
    if certificate is not None:
        debtor = content["debtor"]
        context["summary"] = {
            "label": certificate.label, "kind": certificate.get_kind_display(),
            "code": code_display(certificate.code), "creditor": content["creditor"]["name"],
            "creditor_nit": content["creditor"]["nit"], "debtor": debtor["name"],
            "debtor_id": f"{debtor['id_type']} {mask_id(debtor['id_number'])}" if debtor["id_number"] else "—",
            "issued_at": certificate.issued_at, "as_of": certificate.as_of,
            "covers": _covers(certificate), "revoked": certificate.revoked_at is not None,
            "revoked_at": certificate.revoked_at, "revoked_reason": certificate.revoked_reason,
        }
    response = render(request, "web/certificate_verify.html", context,
                      status=404 if typed and certificate is None else 200)
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["Cache-Control"] = "no-store"
    return response


def _covers(certificate: Certificate) -> str:
    content = certificate.content
    if certificate.kind == CertificateKind.DEBT:
        return ngettext("%(n)s overdue fee; total owed %(total)s", "%(n)s overdue fees; total owed %(total)s",
                        len(content["lines"])) % {
            "n": len(content["lines"]),
            "total": f"{content['currency']} {fmt_amount(content['totals']['total_minor'], content['currency'])}"}
    if content["scope"] == "obligation":
        return _("Nothing owed for the obligation %(number)s") % {"number": content["obligations"][0]["number"]}
    n = len(content["obligations"])
    return ngettext("Nothing owed for the debtor's only obligation", "Nothing owed for any of the debtor's %(n)s "
                    "obligations", n) % {"n": n}
