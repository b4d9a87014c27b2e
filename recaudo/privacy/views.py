"""Habeas data pages: the export of a debtor's data (admins and supervisors) and its anonymization (admins)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from recaudo.accounts.models import Role
from recaudo.accounts.selectors import debtor_for_user_or_404, portfolio_for_user_or_404, role_in
from recaudo.core.errors import DomainError, show_at_field

from .forms import AnonymizeForm
from .services import FORMATS, debtor_anonymize, debtor_export


@login_required
@require_GET
def debtor_export_view(request, slug, pk, fmt):
    portfolio = portfolio_for_user_or_404(request.user, slug)
    if fmt not in FORMATS:
        raise Http404("unknown format")
    debtor = debtor_for_user_or_404(request.user, portfolio, pk)
    if role_in(request.user, portfolio) not in (Role.ADMIN, Role.SUPERVISOR):
        raise PermissionDenied("admins and supervisors only")
    language = "en" if (get_language() or "").startswith("en") else "es"
    export = debtor_export(debtor=debtor, fmt=fmt, actor=request.user, language=language)
    response = HttpResponse(export.content, content_type=export.content_type)
    response["Content-Disposition"] = f'attachment; filename="{export.filename}"'
    return response


@login_required
def debtor_anonymize_view(request, slug, pk):
    portfolio = portfolio_for_user_or_404(request.user, slug, "manage")
    debtor = debtor_for_user_or_404(request.user, portfolio, pk)
    form = AnonymizeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            result = debtor_anonymize(debtor=debtor, reason=form.cleaned_data["reason"], actor=request.user,
                                      force=form.cleaned_data["force"])
        except DomainError as exc:
            show_at_field(form, exc)
        else:
            messages.success(request, _("Debtor anonymized: %(name)s") % {"name": result.debtor.name})
            return redirect("debtor_detail", slug=portfolio.slug, pk=debtor.pk)
    return render(request, "privacy/anonymize.html", {"portfolio": portfolio, "debtor": debtor, "form": form})
