"""Habeas data pages: the export of a debtor's data (admins and supervisors), its anonymization (admins), and the
consultations and claims: the queue and a request (supervisors and admins), filing one from the debtor page (agents
and up)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from recaudo.accounts.models import Role
from recaudo.accounts.selectors import (
    SUPERVISING_ROLES,
    debtor_for_user_or_404,
    portfolio_for_user_or_404,
    role_in,
)
from recaudo.core.errors import DomainError, show_at_field
from recaudo.portfolio.models import Obligation

from .forms import (
    AnonymizeForm,
    HabeasAnswerForm,
    HabeasCloseForm,
    HabeasCompletionForm,
    HabeasExtendForm,
    HabeasFileForm,
    HabeasQueueFilter,
)
from .models import HabeasRequest
from .selectors_requests import QUEUE_LIMIT, habeas_queue, request_row
from .services import FORMATS, debtor_anonymize, debtor_export
from .services_requests import (
    habeas_request_answer,
    habeas_request_close,
    habeas_request_extend,
    habeas_request_file,
    habeas_request_require_completion,
)


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


# ---------------------------------------------------------------------------------------------------------------
# Habeas data requests (Ley 1581 de 2012, arts. 14-15): the office's queue, one request, filing from the debtor page
# ---------------------------------------------------------------------------------------------------------------
def _supervising(request, portfolio):
    if role_in(request.user, portfolio) not in SUPERVISING_ROLES:
        raise PermissionDenied("supervisors and administrators only")


@login_required
@require_GET
def habeas_queue_view(request, slug):
    portfolio = portfolio_for_user_or_404(request.user, slug)
    _supervising(request, portfolio)
    form = HabeasQueueFilter(request.GET or None)
    data = form.cleaned_data if form.is_valid() else {}
    status = data.get("status") or "pending"
    rows = habeas_queue(portfolio, today=portfolio.today(), status=status, kind=data.get("kind") or "",
                        debtor_query=data.get("q") or "")
    return render(request, "privacy/habeas_queue.html", {
        "portfolio": portfolio, "rows": rows, "form": form, "status": status, "limit": QUEUE_LIMIT})


HANDLER_ACTIONS = {
    "extend": (HabeasExtendForm, lambda req, data, user: habeas_request_extend(
        request=req, reason=data["reason"], actor=user),
        gettext_lazy("Term extended; the debtor is told the new date.")),
    "answer": (HabeasAnswerForm, lambda req, data, user: habeas_request_answer(
        request=req, answer=data["answer"], actor=user), gettext_lazy("Answer recorded.")),
    "require": (HabeasCompletionForm, lambda req, data, user: habeas_request_require_completion(
        request=req, missing=data["missing"], actor=user), gettext_lazy("The claim went back to the requester.")),
    "close": (HabeasCloseForm, lambda req, data, user: habeas_request_close(
        request=req, reason=data["reason"], actor=user), gettext_lazy("Request closed.")),
}


@login_required
def habeas_request_view(request, slug, request_id):
    portfolio = portfolio_for_user_or_404(request.user, slug)
    _supervising(request, portfolio)
    habeas = get_object_or_404(HabeasRequest.objects.select_related("debtor", "portfolio", "obligation",
                                                                    "attachment"),
                               portfolio=portfolio, pk=request_id)
    debtor_for_user_or_404(request.user, portfolio, habeas.debtor_id)
    forms_ = {name: spec[0](prefix=name) for name, spec in HANDLER_ACTIONS.items()}
    action = request.POST.get("action", "") if request.method == "POST" else ""
    if action in HANDLER_ACTIONS:
        form_class, call, done = HANDLER_ACTIONS[action]
        form = forms_[action] = form_class(request.POST, prefix=action)
        if form.is_valid():
            try:
                call(habeas, form.cleaned_data, request.user)
            except DomainError as exc:
                show_at_field(form, exc)
            else:
                messages.success(request, done)
                return redirect("habeas_request", slug=portfolio.slug, request_id=habeas.pk)
    status = 200
    if request.method == "POST" and action not in HANDLER_ACTIONS:
        messages.error(request, _("Choose what to do with the request."))
        status = 400
    return render(request, "privacy/habeas_request.html", {
        "portfolio": portfolio, "row": request_row(habeas, portfolio.today()), "habeas": habeas,
        "debtor": habeas.debtor, "forms": forms_, "action": action}, status=status)


@login_required
def habeas_request_new_view(request, slug, pk):
    portfolio = portfolio_for_user_or_404(request.user, slug, "write")
    debtor = debtor_for_user_or_404(request.user, portfolio, pk)
    obligations = list(Obligation.objects.filter(debtor=debtor).order_by("due_date", "pk")[:200])
    form = HabeasFileForm(request.POST or None, request.FILES or None, obligations=obligations)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        upload = data.get("attachment")
        obligation = next((o for o in obligations if str(o.pk) == data.get("obligation")), None)
        try:
            habeas = habeas_request_file(debtor=debtor, kind=data["kind"], channel=data["channel"], text=data["text"],
                                         obligation=obligation, attachment=upload,
                                         attachment_name=upload.name if upload else "", actor=request.user)
        except DomainError as exc:
            show_at_field(form, exc)
        else:
            messages.success(request, _("Request %(number)s filed: answer by %(date)s.")
                             % {"number": habeas.number, "date": habeas.due_on.isoformat()})
            return redirect("debtor_detail", slug=portfolio.slug, pk=debtor.pk)
    return render(request, "privacy/habeas_new.html", {"portfolio": portfolio, "debtor": debtor, "form": form})
