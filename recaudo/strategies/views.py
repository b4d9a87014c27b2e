"""Strategy pages: list, detail with version history, step editor, YAML export/import, segments and holds.
Thin: one domain call each. A version's dry run and the Today page run the cycle: they live in recaudo.cycle."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from django.views.decorators.http import require_POST

from recaudo.accounts.selectors import can, debtor_scope, portfolio_for_user_or_404
from recaudo.core.errors import DomainError, show_at_field

from .forms import HoldForm, ImportForm, SegmentForm, StepForm
from .models import Hold, Segment, Strategy
from .schema import to_yaml
from .selectors import active_holds, last_runs, next_segment_order, recent_steps, segment_rows, version_usage
from .selectors import strategy_list as strategies_of
from .services import (
    cycle_settings_ensure,
    hold_add,
    hold_release,
    latest_version,
    segment_delete,
    segment_move,
    segment_save,
    strategy_challenger_end,
    strategy_challenger_set,
    strategy_ensure_default,
    strategy_import,
    strategy_step_update,
)
from .wording import version_note_text

# Labels of the header links (recaudo/web/templates/base.html) and the debtor page's header, kept in this app's catalog.
NAV_LABELS = (gettext_noop("Strategies"), gettext_noop("Today"), gettext_noop("Segment"), gettext_noop("Priority"))
EDIT = "import"  # admins and supervisors edit strategies and holds (the "import" permission)


@login_required
def strategy_list(request, slug):
    portfolio = portfolio_for_user_or_404(request.user, slug)
    strategy_ensure_default(portfolio)
    return render(request, "strategies/strategy_list.html", {
        "portfolio": portfolio, "rows": strategies_of(portfolio), "settings": cycle_settings_ensure(portfolio),
        "runs": last_runs(portfolio),
        "can_edit": can(request.user, portfolio, EDIT),
    })


def _strategy(portfolio, pk) -> Strategy:
    return get_object_or_404(Strategy, pk=pk, portfolio=portfolio)


@login_required
def strategy_detail(request, slug, pk):
    portfolio = portfolio_for_user_or_404(request.user, slug)
    strategy = _strategy(portfolio, pk)
    version = latest_version(strategy)
    usage = version_usage(strategy)
    versions = [{"v": v, "used": usage.get(v.number, 0), "note": version_note_text(v.note, portfolio.currency)}
                for v in strategy.versions.select_related("created_by")]
    return render(request, "strategies/strategy_detail.html", {
        "portfolio": portfolio, "strategy": strategy, "version": version, "versions": versions,
        "recent": recent_steps(strategy, debtor_scope(request.user, portfolio)),
        "can_edit": can(request.user, portfolio, EDIT), "import_form": ImportForm(),
    })


@login_required
def strategy_export(request, slug, pk):
    portfolio = portfolio_for_user_or_404(request.user, slug)
    strategy = _strategy(portfolio, pk)
    number = request.GET.get("version")
    version = strategy.versions.filter(number=number).first() if number else latest_version(strategy)
    if version is None:
        raise Http404("no such version")
    response = HttpResponse(to_yaml(version.content, {"strategy": strategy.name, "version": version.number}),
                            content_type="application/yaml; charset=utf-8")
    name = f"{portfolio.slug}-strategy-{strategy.pk}-v{version.number}.yaml"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@login_required
@require_POST
def strategy_import_view(request, slug, pk):
    portfolio = portfolio_for_user_or_404(request.user, slug, EDIT)
    strategy = _strategy(portfolio, pk)
    form = ImportForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            text = form.cleaned_data["file"].read().decode("utf-8")
            version = strategy_import(portfolio=portfolio, text=text, segment=strategy.segment, actor=request.user)
            messages.success(request, _("Imported as version %(n)s.") % {"n": version.number})
        except UnicodeDecodeError as exc:
            messages.error(request, _("Not imported: ") + str(exc))
        except DomainError as exc:
            messages.error(request, _("Not imported: ") + "; ".join(exc.problems))
    return redirect("strategy_detail", slug=portfolio.slug, pk=strategy.pk)


@login_required
def step_edit(request, slug, pk, key):
    portfolio = portfolio_for_user_or_404(request.user, slug, EDIT)
    strategy = _strategy(portfolio, pk)
    version = latest_version(strategy)
    step = next((s for st in version.content["stages"] for s in st["steps"] if s["key"] == key), None)
    if step is None:
        raise Http404("no such step")
    form = StepForm(request.POST or None, step=step)
    if request.method == "POST" and form.is_valid():
        changes = form.changes()
        if not changes:
            return redirect("strategy_detail", slug=portfolio.slug, pk=strategy.pk)
        try:
            new = strategy_step_update(strategy=strategy, step_key=key, changes=changes, actor=request.user)
        except DomainError as exc:
            show_at_field(form, exc)
        else:
            messages.success(request, _("Saved as version %(n)s.") % {"n": new.number})
            return redirect("strategy_dry_run", slug=portfolio.slug, version_id=new.pk)
    return render(request, "strategies/step_edit.html", {
        "portfolio": portfolio, "strategy": strategy, "version": version, "step": step, "form": form})


@login_required
def hold_list(request, slug):
    portfolio = portfolio_for_user_or_404(request.user, slug)
    today = portfolio.today()
    can_edit = can(request.user, portfolio, EDIT)
    form = HoldForm(request.POST or None)
    if request.method == "POST":
        portfolio = portfolio_for_user_or_404(request.user, slug, EDIT)
        if form.is_valid():
            data = form.cleaned_data
            try:
                hold_add(portfolio=portfolio, debtor_code=data["debtor_code"],
                         obligation_number=data["obligation_number"], reason=data["reason"], until=data["until"],
                         notes=data["notes"], actor=request.user)
            except DomainError as exc:
                show_at_field(form, exc)
            else:
                messages.success(request, _("Hold added."))
                return redirect("hold_list", slug=portfolio.slug)
    holds = active_holds(portfolio, today, debtor_scope(request.user, portfolio))
    holds = holds.select_related("debtor", "obligation", "created_by")[:500]
    return render(request, "strategies/holds.html", {"portfolio": portfolio, "holds": holds, "form": form,
                                                     "can_edit": can_edit, "today": today})


@login_required
@require_POST
def hold_release_view(request, slug, hold_id):
    portfolio = portfolio_for_user_or_404(request.user, slug, EDIT)
    hold = get_object_or_404(Hold, pk=hold_id, portfolio=portfolio, released_at__isnull=True)
    hold_release(hold=hold, actor=request.user)
    messages.success(request, _("Hold released."))
    return redirect("hold_list", slug=portfolio.slug)


# ------------------------------------------------------------------------------------------------ segments

@login_required
def segment_list(request, slug):
    portfolio = portfolio_for_user_or_404(request.user, slug)
    return render(request, "strategies/segments.html", {
        "portfolio": portfolio, "rows": segment_rows(portfolio), "can_edit": can(request.user, portfolio, EDIT)})


@login_required
def segment_edit(request, slug, pk=None):
    """Add (pk None) or change a segment: supervisors and admins."""
    portfolio = portfolio_for_user_or_404(request.user, slug, EDIT)
    segment = get_object_or_404(Segment, pk=pk, portfolio=portfolio) if pk is not None else None
    if segment is None and request.method != "POST":
        form = SegmentForm(initial={"order": next_segment_order(portfolio), "weight": 1})
    else:
        form = SegmentForm(request.POST or None, segment=segment)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            saved = segment_save(portfolio=portfolio, segment=segment, name=data["name"], order=data["order"],
                                 weight=data["weight"], conditions=form.conditions(), actor=request.user)
        except DomainError as exc:
            show_at_field(form, exc)
        else:
            messages.success(request, _("Segment “%(name)s” saved.") % {"name": saved.name})
            return redirect("segment_list", slug=portfolio.slug)
    return render(request, "strategies/segment_edit.html", {"portfolio": portfolio, "segment": segment,
                                                            "form": form})


@login_required
@require_POST
def segment_move_view(request, slug, pk):
    portfolio = portfolio_for_user_or_404(request.user, slug, EDIT)
    segment = get_object_or_404(Segment, pk=pk, portfolio=portfolio)
    segment_move(segment=segment, up=request.POST.get("direction") != "down", actor=request.user)
    return redirect("segment_list", slug=portfolio.slug)


@login_required
def segment_delete_view(request, slug, pk):
    """GET: the confirmation page; POST: delete."""
    portfolio = portfolio_for_user_or_404(request.user, slug, EDIT)
    segment = get_object_or_404(Segment, pk=pk, portfolio=portfolio)
    if request.method == "POST":
        try:
            segment_delete(segment=segment, actor=request.user)
        except DomainError:
            messages.error(request, _("“%(name)s” has its own strategy, so it cannot be deleted.")
                           % {"name": segment.name})
        else:
            messages.success(request, _("Segment “%(name)s” deleted.") % {"name": segment.name})
        return redirect("segment_list", slug=portfolio.slug)
    row = next(r for r in segment_rows(portfolio) if r["segment"].pk == segment.pk)
    return render(request, "strategies/segment_delete.html", {"portfolio": portfolio, "segment": segment,
                                                              "row": row})


@login_required
@require_POST
def strategy_challenger(request, slug, pk):
    """Start, change, adopt or stop the strategy's champion/challenger test."""
    portfolio = portfolio_for_user_or_404(request.user, slug, EDIT)
    strategy = _strategy(portfolio, pk)
    action = request.POST.get("action", "set")
    try:
        if action in ("adopt", "stop"):
            strategy_challenger_end(strategy=strategy, adopt=action == "adopt", actor=request.user)
            messages.success(request, _("The challenger was adopted.") if action == "adopt" else
                             _("The test stopped: the champion runs on every debtor."))
        else:
            try:
                version_pk, share = int(request.POST.get("version") or 0), int(request.POST.get("share") or 0)
            except ValueError:
                version_pk, share = 0, 0
            version = strategy.versions.filter(pk=version_pk).first()
            if version is None:
                messages.error(request, _("Choose one of this strategy's versions."))
            else:
                strategy_challenger_set(strategy=strategy, version=version, share=share, actor=request.user)
                messages.success(request, _("The challenger runs from the next cycle."))
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect(f"{reverse('strategy_detail', args=[portfolio.slug, strategy.pk])}#challenger")
