"""Agent workspace pages: the work queue, the debtor work page (preview dialer), and the supervisor pages (team
board, assignments, targets, scripts). Thin: forms in, services and selectors do the work."""

from __future__ import annotations

from datetime import date, timedelta
from zoneinfo import ZoneInfo

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from recaudo.accounts.models import Role
from recaudo.accounts.selectors import debtor_for_user_or_404, debtor_scope, portfolio_for_user_or_404, role_in
from recaudo.communications.selectors import inbox_page
from recaudo.communications.services_inbound import inbound_mark_handled
from recaudo.compliance.services import compliance_check
from recaudo.compliance.wording import fmt_local
from recaudo.core.errors import DomainError, NotAllowed, show_at_field
from recaudo.ledger.selectors import debtor_360
from recaudo.portfolio.aging import bucket_choices
from recaudo.portfolio.forms import DebtorFilterForm
from recaudo.portfolio.models import Debtor
from recaudo.portfolio.selectors import filter_query
from recaudo.strategies.models import Hold
from recaudo.strategies.selectors import debtor_risk

from . import selectors
from .bulk import BulkResult, bulk_job_resumable, bulk_preview, template_choices
from .bulk_jobs import bulk_resume, bulk_submit
from .forms import AssignForm, BulkForm, CommissionForm, OutcomeForm, ScriptForm, TargetForm
from .selectors import agent_users, tz_for, workspace_settings
from .services import (
    assignments_apply,
    commission_rule_set,
    monthly_target_set,
    next_debtor,
    outcome_record,
    script_save,
    target_set,
)


def _now():
    """The clock of the workspace pages (tests move it to a weekday inside the contact hours)."""
    return timezone.now()


def _agent_portfolio(request, slug):
    """Agents, supervisors and admins of the portfolio work the queue; anyone else gets a 404."""
    return portfolio_for_user_or_404(request.user, slug, "write")


def _supervisor_portfolio(request, slug):
    portfolio = portfolio_for_user_or_404(request.user, slug, "view")
    if role_in(request.user, portfolio) not in (Role.SUPERVISOR, Role.ADMIN):
        raise PermissionDenied("supervisors only")
    return portfolio


def _is_supervisor(request, portfolio) -> bool:
    return role_in(request.user, portfolio) in (Role.SUPERVISOR, Role.ADMIN)


def _debtor(request, portfolio, debtor_id) -> Debtor:
    """The debtor if the user may open it (404 otherwise: another portfolio's, or not assigned to an agent limited
    to their own by the portfolio's agents_see_assigned_only)."""
    return debtor_for_user_or_404(request.user, portfolio, debtor_id, selectors.work_debtors(portfolio))


# ---------------------------------------------------------------------------------------------------------------
@login_required
@require_GET
def agent_queue(request, slug):
    portfolio = _agent_portfolio(request, slug)
    now = _now()
    rows = selectors.queue_rows(agent=request.user, portfolio=portfolio, now=now, language=get_language())
    return render(request, "agents/queue.html", {
        "portfolio": portfolio, "rows": rows, "is_supervisor": _is_supervisor(request, portfolio),
        "settings": workspace_settings(portfolio), "tz": portfolio.timezone,
    })


@login_required
@require_POST
def agent_next(request, slug):
    portfolio = _agent_portfolio(request, slug)
    result = next_debtor(agent=request.user, portfolio=portfolio, now=_now())
    for skipped in result.skipped[:5]:
        when = fmt_local(skipped.next_allowed_at, tz_for(skipped.debtor))
        text = (_("%(name)s skipped: blocked until %(when)s") % {"name": skipped.debtor.name, "when": when} if when
                else _("%(name)s skipped: %(why)s") % {"name": skipped.debtor.name,
                                                       "why": "; ".join(skipped.reasons)})
        messages.warning(request, text)
    if result.debtor is None:
        messages.info(request, _("No debtor in your queue may be called now."))
        return redirect("agent_queue", slug=portfolio.slug)
    return redirect("agent_work", slug=portfolio.slug, debtor_id=result.debtor.pk)


def _outcome_form(request, portfolio, debtor, data=None):
    phones = selectors.phones_for(debtor)
    obligations = selectors.open_obligations(debtor)
    form = OutcomeForm(data, dispositions=selectors.dispositions(), language=get_language(),
                       contacts=[p.contact for p in phones], obligations=obligations)
    form.fields["promise_amount"].currency = portfolio.currency  # the promise has the portfolio's decimals
    return form, phones


@login_required
def agent_work(request, slug, debtor_id):
    portfolio = _agent_portfolio(request, slug)
    debtor = _debtor(request, portfolio, debtor_id)
    now = _now()
    form, phones = _outcome_form(request, portfolio, debtor, request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        contact = next((p.contact for p in phones if str(p.contact.pk) == data.get("contact")), None)
        obligation = selectors.debtor_obligation(debtor, data.get("obligation"))
        try:
            outcome_record(portfolio=portfolio, debtor=debtor, agent=request.user,
                           disposition=data["disposition_obj"], notes=data.get("notes") or "",
                           callback_at=data.get("callback_at"), contact=contact,
                           promise_amount=data.get("promise_amount"), promise_due=data.get("promise_due"),
                           obligation=obligation, now=now, direction=data["direction"], channel=data["channel"])
        except DomainError as exc:
            show_at_field(form, exc)
        else:
            messages.success(request, _("Outcome recorded: %(label)s") % {
                "label": data["disposition_obj"].label(get_language())})
            return redirect("agent_work", slug=portfolio.slug, debtor_id=debtor.pk)
    as_of = portfolio.today()
    view = debtor_360(portfolio, debtor.pk, as_of=as_of)
    decision = compliance_check(channel="call", at=now, debtor=debtor, record=False)
    callback_day = selectors.first_callback_day(debtor=debtor, now=now, effective_now=True)
    return render(request, "agents/work.html", {
        "portfolio": portfolio, "debtor": debtor, "v": view, "form": form, "phones": phones,
        "banner": selectors.banner_for(decision, portfolio),
        "script": selectors.script_text(debtor, request.user, as_of, get_language()),
        "explanation": selectors.explanation_for(debtor, portfolio, get_language()),
        "risk": debtor_risk(debtor, "en" if (get_language() or "").startswith("en") else "es"),
        "interactions": selectors.recent_interactions(debtor),
        "dispositions": selectors.dispositions(),
        "callback_day": callback_day,
        "slots": selectors.callback_slots(debtor=debtor, day=callback_day, now=now, effective_now=True),
        "is_supervisor": _is_supervisor(request, portfolio),
    })


@login_required
@require_GET
def agent_callback_slots(request, slug, debtor_id):
    """htmx: the allowed callback times of the chosen day (after the call being recorded)."""
    portfolio = _agent_portfolio(request, slug)
    debtor = _debtor(request, portfolio, debtor_id)
    now = _now()
    try:
        day = date.fromisoformat(request.GET.get("callback_day", ""))
    except ValueError:
        day = now.astimezone(ZoneInfo(tz_for(debtor))).date()
    code = request.GET.get("disposition", "")
    disposition = next((d for d in selectors.dispositions() if d.code == code), None)
    effective = disposition.effective_contact if disposition is not None else True
    slots = selectors.callback_slots(debtor=debtor, day=day, now=now, effective_now=effective)
    return render(request, "agents/_callback_slots.html", {"slots": slots, "day": day})


# ---------------------------------------------------------------------------------------------------------------
# Supervisor pages
# ---------------------------------------------------------------------------------------------------------------
def _day_param(request, portfolio) -> date:
    try:
        return date.fromisoformat(request.GET.get("day", ""))
    except ValueError:
        return portfolio.today()


@login_required
def agent_team(request, slug):
    portfolio = _supervisor_portfolio(request, slug)
    settings = workspace_settings(portfolio)
    form = CommissionForm(request.POST or None, initial={
        "commission_percent": settings.commission_percent, "attribution_days": settings.attribution_days,
        "allow_unassigned": settings.allow_unassigned})
    if request.method == "POST" and form.is_valid():
        try:
            commission_rule_set(portfolio=portfolio, percent=form.cleaned_data["commission_percent"],
                                attribution_days=form.cleaned_data["attribution_days"],
                                allow_unassigned=form.cleaned_data["allow_unassigned"], actor=request.user)
        except DomainError as exc:
            show_at_field(form, exc)
        else:
            messages.success(request, _("Settings saved."))
            return redirect("agent_team", slug=portfolio.slug)
    day = _day_param(request, portfolio)
    rows = selectors.team_board(portfolio, day)
    totals = {k: sum(getattr(r, k) for r in rows) for k in (
        "contacts", "right_party", "promises_made", "promises_kept", "promised_minor", "agreements_made",
        "collected_minor", "commission_minor")}
    return render(request, "agents/team.html", {
        "portfolio": portfolio, "rows": rows, "totals": totals, "day": day, "form": form, "settings": settings,
        "prev_day": day - timedelta(days=1), "next_day": day + timedelta(days=1),
        "month": day.replace(day=1),
    })


@login_required
def agent_assignments(request, slug):
    portfolio = _supervisor_portfolio(request, slug)
    agents = list(agent_users(portfolio))
    form = AssignForm(request.POST or None, agents=agents, segments=selectors.segments(portfolio))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            count = assignments_apply(portfolio=portfolio, agent_id=data["agent"], codes=data["codes"],
                                      segment_id=data.get("segment"), actor=request.user)
        except DomainError as exc:
            show_at_field(form, exc)
        else:
            messages.success(request, ngettext("%(count)s debtor assigned.", "%(count)s debtors assigned.", count)
                             % {"count": count})
            return redirect("agent_assignments", slug=portfolio.slug)
    return render(request, "agents/assignments.html", {
        "portfolio": portfolio, "form": form, "load": selectors.assignment_load(portfolio, agents),
    })


@login_required
def agent_targets(request, slug):
    portfolio = _supervisor_portfolio(request, slug)
    agents = list(agent_users(portfolio))
    day = _day_param(request, portfolio)
    form = TargetForm(request.POST or None, agents=agents, initial={"date": day})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        agent = next((a for a in agents if str(a.pk) == data["agent"]), None)
        try:
            if data["period"] == "month":
                monthly_target_set(portfolio=portfolio, agent=agent, month=data["date"], contacts=data["contacts"],
                                   promises=data["promises"], agreements=data.get("agreements") or 0,
                                   amount=data["amount"], actor=request.user)
            else:
                target_set(portfolio=portfolio, agent=agent, day=data["date"], contacts=data["contacts"],
                           promises=data["promises"], amount=data["amount"], actor=request.user)
        except DomainError as exc:
            show_at_field(form, exc)
        else:
            messages.success(request, _("Target saved."))
            return redirect(f"{reverse('agent_targets', args=[portfolio.slug])}?day={data['date'].isoformat()}")
    return render(request, "agents/targets.html", {"portfolio": portfolio, "form": form,
                                                   "targets": selectors.targets_on(portfolio, day),
                                                   "monthly": selectors.monthly_targets_on(portfolio, day),
                                                   "day": day, "month": day.replace(day=1)})


@login_required
def agent_scripts(request, slug):
    portfolio = _supervisor_portfolio(request, slug)
    segments = selectors.segments(portfolio)
    initial = {"language": "es", "body": selectors.DEFAULT_SCRIPT["es"]}
    edit = selectors.script(portfolio, request.GET.get("edit"))
    if edit is not None:
        initial = {"segment": str(edit.segment_id or ""), "language": edit.language, "body": edit.body}
    form = ScriptForm(request.POST or None, segments=segments, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        segment = next((s for s in segments if str(s.pk) == data.get("segment")), None)
        try:
            script_save(portfolio=portfolio, body=data["body"], segment=segment, language=data["language"],
                        actor=request.user)
        except DomainError as exc:
            show_at_field(form, exc)
        else:
            messages.success(request, _("Script saved."))
            return redirect("agent_scripts", slug=portfolio.slug)
    return render(request, "agents/scripts.html", {"portfolio": portfolio, "form": form,
                                                   "scripts": selectors.scripts(portfolio),
                                                   "placeholders": selectors.PLACEHOLDER_HELP})


# ---------------------------------------------------------------------------------------------------------------
# Bulk actions of the debtor list
# ---------------------------------------------------------------------------------------------------------------
@login_required
@require_POST
def debtor_bulk(request, slug):
    """A bulk action of the debtor list in two steps: the list posts the action and the debtors (ticked ones, or
    "all that match the filter"); this page says how many debtors it will touch and asks the action's inputs;
    confirming does it (recaudo.agents.bulk) and goes back to the list with the summary, or, for a message template
    or many debtors, leaves it to the background worker and goes to the job's page (debtor_bulk_job)."""
    portfolio = portfolio_for_user_or_404(request.user, slug, "write")
    query = filter_query(request.POST.get("query", ""))
    back = reverse("debtor_list", args=[portfolio.slug]) + f"?{query}"
    scope = "filter" if request.POST.get("scope") == "filter" else "selected"
    filters = None
    if scope == "filter":
        form = DebtorFilterForm(QueryDict(query) if query else None, portfolio=portfolio,
                                bucket_choices=bucket_choices(portfolio.buckets))
        filters, _ignored, _page = form.filters()
    ids = request.POST.getlist("ids") if scope == "selected" else None
    action = request.POST.get("action", "")
    as_of = portfolio.today()
    form_kwargs = {"agents": list(agent_users(portfolio)),
                   "templates": template_choices(portfolio), "hold_reasons": Hold.Reason.choices}
    context = {"portfolio": portfolio, "query": query, "scope": scope, "ids": ids or [], "back": back,
               "action_label": BulkForm.ACTION_LABELS.get(action, _("Bulk action"))}
    if "apply" not in request.POST:
        try:
            preview = bulk_preview(portfolio=portfolio, user=request.user, action=action, as_of=as_of, ids=ids,
                                   filters=filters)
        except NotAllowed as exc:
            raise PermissionDenied(exc.message) from None
        except DomainError as exc:
            messages.error(request, exc.message)
            return redirect(back)
        form = BulkForm(initial={"action": action, "token": preview.token, "expected": preview.count},
                        **form_kwargs)
        return render(request, "agents/bulk_confirm.html", {**context, "form": form, "count": preview.count,
                                                            "action": action})
    form = BulkForm(request.POST, **form_kwargs)
    if form.is_valid():
        data = form.cleaned_data
        try:
            submitted = bulk_submit(
                portfolio=portfolio, actor=request.user, action=data["action"], token=data["token"], as_of=as_of,
                ids=ids, filters=filters, query=query, expected=data["expected"], agent_id=data["agent"],
                add_tags=form.tags("add_tags"), remove_tags=form.tags("remove_tags"),
                hold_reason=data["hold_reason"], hold_until=data["hold_until"], hold_notes=data["hold_notes"],
                template=data["template"])
        except NotAllowed as exc:
            raise PermissionDenied(exc.message) from None
        except DomainError as exc:
            show_at_field(form, exc)
        else:
            if submitted.job is not None:
                return redirect("debtor_bulk_job", portfolio.slug, submitted.job.pk)
            messages.success(request, submitted.result.summary())
            return redirect(back)
    return render(request, "agents/bulk_confirm.html", {
        **context, "form": form, "count": form.cleaned_data.get("expected") or 0,
        "action": form.data.get("action", "")})


@login_required
def debtor_bulk_job(request, slug, job_id):
    """A bulk action left to the background worker: its state and progress (refreshed while it runs) and, when
    done, its summary; POST resumes a stopped one. For who confirmed it and the portfolio's supervisors."""
    portfolio = portfolio_for_user_or_404(request.user, slug, "write")
    job = selectors.bulk_job_for_user_or_404(request.user, portfolio, job_id)
    if request.method == "POST":
        try:
            bulk_resume(job=job, actor=request.user)
        except NotAllowed as exc:
            raise PermissionDenied(exc.message) from None
        except DomainError as exc:
            messages.error(request, exc.message)
        return redirect("debtor_bulk_job", portfolio.slug, job.pk)
    result = BulkResult.from_dict(job.action, job.result)
    query = (job.params or {}).get("query") or ""
    context = {"portfolio": portfolio, "job": job, "result": result, "finished": job.finished,
               "summary": result.summary() if job.done else "", "resumable": bulk_job_resumable(job),
               "action_label": BulkForm.ACTION_LABELS.get(job.action, _("Bulk action")),
               "back": reverse("debtor_list", args=[portfolio.slug]) + (f"?{query}" if query else "")}
    if request.htmx and not request.htmx.history_restore_request:
        return render(request, "agents/_bulk_job_status.html", context)
    return render(request, "agents/bulk_job.html", context)


# ------------------------------------------------------------------------------------------------ inbox
@login_required
@require_GET
def agent_inbox(request, slug):
    """What debtors wrote by SMS or WhatsApp that no keyword answered (communications.services_inbound), waiting
    for a person: agents (their debtors), supervisors and administrators."""
    portfolio = _agent_portfolio(request, slug)
    page = inbox_page(portfolio, scope=debtor_scope(request.user, portfolio), page=request.GET.get("page") or 1)
    return render(request, "agents/inbox.html", {"portfolio": portfolio, "page": page})


@login_required
@require_POST
def inbound_handled(request, slug, inbound_id):
    """Mark an inbound message as handled; back to the debtor's page ("next=debtor") or the inbox."""
    portfolio = _agent_portfolio(request, slug)
    try:
        row = inbound_mark_handled(inbound_id=inbound_id, actor=request.user, portfolio=portfolio)
    except NotAllowed:
        raise Http404("message not found")
    except DomainError as exc:
        messages.error(request, str(exc))
        row = None
    else:
        messages.success(request, _("Marked as handled."))
    if request.POST.get("next") == "debtor" and row is not None:
        return redirect(reverse("debtor_detail", args=[portfolio.slug, row.debtor_id]) + "#inbound")
    return redirect("agent_inbox", slug=portfolio.slug)
