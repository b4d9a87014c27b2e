
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from recaudo.accounts.selectors import portfolio_for_user_or_404

from .forms import ImportForm
from .jobs import import_job_submit
from .models import ImportJob
from .selectors import import_job_for_portfolio, import_jobs_for_portfolio, import_progress, import_report
from .uploads import open_stored


@login_required
@require_http_methods(["GET", "POST"])
def import_list(request, slug):
    portfolio = portfolio_for_user_or_404(request.user, slug, action="import")
    if request.method == "POST":
        form = ImportForm(request.POST, request.FILES)
        if form.is_valid():
            job = import_job_submit(portfolio=portfolio, kind=form.cleaned_data["kind"],
                                    upload=form.cleaned_data["file"], options=form.options(), actor=request.user)
            messages.success(request, _("File received. The import runs in the background."))
            return redirect("import_detail", slug=portfolio.slug, job_id=job.pk)
    else:
        form = ImportForm()
    return render(request, "imports/import_list.html", {
        "portfolio": portfolio, "form": form, "jobs": import_jobs_for_portfolio(portfolio),
    })


def _job_or_404(request, slug, job_id):
    portfolio = portfolio_for_user_or_404(request.user, slug, action="import")
    try:
        return portfolio, import_job_for_portfolio(portfolio, job_id)
    except ImportJob.DoesNotExist:
        raise Http404("import not found")


@login_required
def import_detail(request, slug, job_id):
    portfolio, job = _job_or_404(request, slug, job_id)
    context = {"portfolio": portfolio, "job": job, "progress": import_progress(job),
               "finished": job.status not in (ImportJob.Status.PENDING, ImportJob.Status.RUNNING)}
    if context["finished"]:
        context["report"] = import_report(job)
    if request.htmx and not request.htmx.history_restore_request:
        return render(request, "imports/_job_status.html", context)
    return render(request, "imports/import_detail.html", context)


@login_required
def import_rejected(request, slug, job_id):
    """The rejected rows as CSV (the file's own columns plus the reasons), for users granted imports."""
    _portfolio, job = _job_or_404(request, slug, job_id)
    try:
        stored = open_stored(job.rejected_path)
    except FileNotFoundError:
        raise Http404("no rejected rows file")
    return FileResponse(stored, as_attachment=True, filename=f"import-{job.pk}-rejected.csv",
                        content_type="text/csv; charset=utf-8")
