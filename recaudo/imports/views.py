
import io
import uuid
from pathlib import Path

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from recaudo.accounts.selectors import menu_for, portfolio_for_user_or_404
from recaudo.core.errors import DomainError

from .fields import field_label
from .forms import ENCODINGS, SEPARATORS, ImportForm, MappingForm
from .jobs import import_job_submit_stored, import_mapping_submit
from .mapping import expected_columns, preview_fields
from .mapping_step import mapping_view, upload_goes_straight
from .models import ImportJob
from .problems import problem_text, rejected_rows_text
from .selectors import (
    import_job_for_portfolio,
    import_jobs_for_portfolio,
    import_profiles_for_portfolio,
    import_progress,
    import_report,
)
from .uploads import delete_stored, open_stored, store_upload

PENDING = "imports_pending"  # session: uploads waiting for their mapping step
PENDING_KEPT = 5


@login_required
@require_http_methods(["GET", "POST"])
def import_list(request, slug):
    portfolio = portfolio_for_user_or_404(request.user, slug, action="import")
    profiles = import_profiles_for_portfolio(portfolio)
    if request.method == "POST":
        form = ImportForm(request.POST, request.FILES, profiles=profiles)
        if form.is_valid():
            kind, upload = form.cleaned_data["kind"], form.cleaned_data["file"]
            options = {**form.options(), "ui": "web", "language": request.LANGUAGE_CODE}
            profile = form.cleaned_data["profile_obj"]
            if profile is not None:
                options.update(profile.options(), profile=profile.name)
            filename = Path(upload.name).name
            stored = store_upload(upload)
            if upload_goes_straight(kind=kind, stored_path=stored, filename=filename, options=options):
                job = import_job_submit_stored(portfolio=portfolio, kind=kind, stored_path=stored,
                                               filename=filename, options=options, actor=request.user)
                messages.success(request, _("File received. The import runs in the background."))
                return redirect("import_detail", slug=portfolio.slug, job_id=job.pk)
            key = _pending_put(request, {"portfolio": portfolio.pk, "kind": kind, "stored": stored,
                                         "filename": filename, "options": options})
            return redirect("import_mapping", slug=portfolio.slug, key=key)
    else:
        form = ImportForm(profiles=profiles)
    english = (get_language() or "").lower().startswith("en")  # the headers accepted, the page's language first
    return render(request, "imports/import_list.html", {
        "portfolio": portfolio, "form": form, "jobs": import_jobs_for_portfolio(portfolio),
        "may": menu_for(request.user, portfolio),
        "expected": [(label, [(field_label(kind, name), required,
                               [name, *words] if english else [*words, name])
                              for name, required, words in expected_columns(kind)])
                     for kind, label in ImportJob.Kind.choices],
    })


def _pending_put(request, data: dict) -> str:
    """Keep an upload waiting for its mapping step in the session (the oldest beyond PENDING_KEPT are dropped
    and their files deleted)."""
    pending = dict(request.session.get(PENDING) or {})
    while len(pending) >= PENDING_KEPT:
        oldest = next(iter(pending))
        delete_stored(pending.pop(oldest).get("stored", ""))
    key = uuid.uuid4().hex
    pending[key] = data
    request.session[PENDING] = pending
    return key


def _pending_pop(request, key: str) -> None:
    pending = dict(request.session.get(PENDING) or {})
    pending.pop(key, None)
    request.session[PENDING] = pending


@login_required
@require_http_methods(["GET", "POST"])
def import_mapping(request, slug, key):
    """The mapping step: which column feeds which field, the first rows as they will be read, a profile to save."""
    portfolio = portfolio_for_user_or_404(request.user, slug, action="import")
    pending = (request.session.get(PENDING) or {}).get(key)
    if not pending or pending.get("portfolio") != portfolio.pk:
        messages.error(request, _("That upload is no longer waiting for its mapping; upload the file again."))
        return redirect("import_list", slug=portfolio.slug)
    kind, stored, filename = pending["kind"], pending["stored"], pending["filename"]
    options = dict(pending["options"])
    post = request.POST if request.method == "POST" else None
    header_row = None
    if post is not None:
        if post.get("action") == "cancel":
            delete_stored(stored)
            _pending_pop(request, key)
            return redirect("import_list", slug=portfolio.slug)
        if post.get("separator") in dict(SEPARATORS):
            options["delimiter"] = post["separator"]
        if post.get("encoding") in dict(ENCODINGS):
            options["encoding"] = post["encoding"]
        if post.get("sheet"):
            options["sheet"] = post["sheet"]
        header_row = _int(post.get("header_row"))
        if header_row != _int(post.get("shown_header_row")):
            post = None  # another header row: other columns, a new proposal
    try:
        view = mapping_view(portfolio=portfolio, kind=kind, stored_path=stored, filename=filename,
                            options=options, header_row=header_row)
        form = MappingForm(post, kind=kind, headers=view.headers, sheets=view.peek.sheets, initial=_initial(view),
                           country=portfolio.country)
        if post is not None and form.is_valid():
            view = mapping_view(portfolio=portfolio, kind=kind, stored_path=stored, filename=filename,
                                options=options, header_row=view.header_row, mapping=form.mapping(),
                                id_type=form.id_type_value())
    except (DomainError, FileNotFoundError) as exc:  # the stored file cannot be read (any more)
        message = str(exc) if isinstance(exc, DomainError) else _(
            "the uploaded file %(name)s is no longer stored; upload it again") % {"name": filename}
        messages.error(request, message)
        delete_stored(stored)
        _pending_pop(request, key)
        return redirect("import_list", slug=portfolio.slug)
    if post is not None and form.is_valid() and post.get("action") == "import" and not view.missing:
        options.update(mapping=view.mapping, header_row=view.header_row, encoding=view.encoding_option,
                       id_type=view.id_type, delimiter=view.peek.delimiter if view.peek.kind == "csv" else None,
                       sheet=view.peek.sheet)
        name = form.cleaned_data.get("profile_name") or ""
        try:
            job = import_mapping_submit(portfolio=portfolio, kind=kind, stored_path=stored, filename=filename,
                                        options=options, actor=request.user, profile_name=name)
        except DomainError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, str(exc))
        else:
            _pending_pop(request, key)
            if name:
                messages.success(request, _("Profile %(name)s saved.") % {"name": name})
            messages.success(request, _("File received. The import runs in the background."))
            return redirect("import_detail", slug=portfolio.slug, job_id=job.pk)
    return render(request, "imports/import_mapping.html", {
        "portfolio": portfolio, "form": form, "view": view, "filename": filename, "kind": kind,
        "kind_label": ImportJob.Kind(kind).label, "profile": options.get("profile"),
        "missing": [field_label(kind, name) for name in view.missing],
        "columns": [(name, field_label(kind, name), view.mapping[name])
                    for name in preview_fields(kind, view.mapping)],
        "rows": _translated(view.rows),
        "submitted": request.POST.get("action") == "import",
    })


def _problem(text: str) -> str:
    """A preview cell's or a report's problem (the import's parsers say it in English) in the page's language."""
    return problem_text(text)


def _translated(rows):
    for line in rows:
        for cell in line.cells:
            if cell.error is not None and hasattr(cell.error, "translated"):
                cell.problem = cell.error.translated()
            elif cell.problem:
                cell.problem = _problem(cell.problem)
    return rows


def _int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _initial(view) -> dict:
    initial = {"header_row": view.header_row, "separator": view.peek.delimiter, "encoding": view.encoding_option,
               "sheet": view.peek.sheet, "id_type": view.id_type}
    initial.update({f"map_{name}": header for name, header in view.mapping.items()})
    return initial


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
        report = import_report(job)
        # the parsers' reasons are English; the report says them in the page's language, as the preview does
        report["errors"] = [{**e, "reason": _problem(str(e.get("reason") or ""))} if isinstance(e, dict) else e
                            for e in report["errors"]]
        context["report"] = report
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
    language = get_language()

    def body():  # the file as stored is English; it is said in the page's language (problems.rejected_rows_text)
        text = io.TextIOWrapper(stored, encoding="utf-8-sig", newline="")
        try:
            with translation.override(language):
                yield "\ufeff".encode()  # Excel reads the file as UTF-8
                for line in rejected_rows_text(text):
                    yield line.encode("utf-8")
        finally:
            text.close()

    response = StreamingHttpResponse(body(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="import-{job.pk}-rejected.csv"'
    return response
