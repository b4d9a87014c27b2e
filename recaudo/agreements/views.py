"""Pages: promises, agreements and offers of a debtor, the agreement document, the supervisors' approvals queue.

Login required; a portfolio the user was not granted is a 404; writing needs the "write" permission; approving
needs a supervisor's or administrator's authority covering the offer (the services check it again)."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from recaudo.accounts.selectors import can, debtor_for_user_or_404, masks_personal_data, portfolio_for_user_or_404
from recaudo.core.errors import DomainError, NotAllowed, show_at_field
from recaudo.core.money import from_minor
from recaudo.ledger.rates import legal_rates, rate_status
from recaudo.ledger.rates_loading import rates_load

from . import rules, selectors
from .forms import AcceptanceForm, AgreementForm, DecisionForm, OfferForm, PromiseForm, RateUploadForm
from .models import Agreement, Offer
from .services import common, offers, permissions, plans, promises


def _debtor(request, slug, pk, action="view"):
    portfolio = portfolio_for_user_or_404(request.user, slug, action)
    return portfolio, debtor_for_user_or_404(request.user, portfolio, pk)


def _page(request, portfolio, debtor, **forms):
    today = portfolio.today()
    context = {
        "portfolio": portfolio, "debtor": debtor, "today": today,
        "promises": selectors.debtor_promises_page(debtor), "agreements": selectors.debtor_agreements(debtor),
        "offers": selectors.debtor_offers(debtor)[:50], "can_write": can(request.user, portfolio, "write"),
        "promise_form": forms.get("promise_form") or PromiseForm(initial={"due_date": today}),
        "offer_form": forms.get("offer_form")
        or OfferForm(obligations=selectors.agreement_eligible_obligations(debtor)),
    }
    return render(request, "agreements/debtor.html", context)


@login_required
def debtor_page(request, slug, pk):
    portfolio, debtor = _debtor(request, slug, pk)
    return _page(request, portfolio, debtor)


@login_required
@require_POST
def promise_new(request, slug, pk):
    portfolio, debtor = _debtor(request, slug, pk, "write")
    form = PromiseForm(request.POST)
    form.fields["amount"].currency = portfolio.currency  # the promise has the portfolio's decimals
    if form.is_valid():
        d = form.cleaned_data
        try:
            promises.promise_record(portfolio=portfolio, debtor=debtor, amount=d["amount"], due_date=d["due_date"],
                                    channel=d["channel"], source=d["source"], notes=d["notes"], actor=request.user)
        except DomainError as exc:
            show_at_field(form, exc)
        else:
            messages.success(request, _("Promise recorded; reminders pause until its date."))
            return redirect("debtor_agreements", portfolio.slug, debtor.pk)
    return _page(request, portfolio, debtor, promise_form=form)


def _plan_args(d: dict) -> dict:
    rate = (d.get("rate_pct") or Decimal(0)) / 100
    return {"installments": d["installments"], "first_due": d["first_due"], "frequency": d["frequency"],
            "rate": rate, "rate_kind": d["rate_kind"] if rate else "none", "down_payment": d.get("down_payment") or 0,
            "due_day": d.get("due_day") if d["frequency"] == "monthly" else None}


@login_required
def agreement_new(request, slug, pk):
    portfolio, debtor = _debtor(request, slug, pk, "write")  # a viewer may not make one: no form either
    obligations = selectors.agreement_eligible_obligations(debtor)
    today = portfolio.today()
    if request.method == "POST":
        form = AgreementForm(request.POST, obligations=obligations)
        if form.is_valid():
            d = form.cleaned_data
            try:
                agreement = plans.agreement_create(
                    portfolio=portfolio, debtor=debtor, obligations=list(d["obligations"]), actor=request.user,
                    breach_clause=d["breach_clause"], language=d["language"], **_plan_args(d))
            except DomainError as exc:
                show_at_field(form, exc)
            else:
                return redirect("agreement_detail", portfolio.slug, agreement.pk)
    else:
        conf = common.agreement_settings(portfolio)
        form = AgreementForm(obligations=obligations, initial={
            "obligations": list(obligations), "first_due": today, "breach_clause": conf.breach_clause,
            "language": "en" if (debtor.language or "").startswith("en") else "es"})
    # The page opens with the schedule of the initial values (the htmx preview follows each change from there).
    shown = form if form.is_bound else AgreementForm(_initial_data(form), obligations=obligations)
    return render(request, "agreements/agreement_new.html", {
        "portfolio": portfolio, "debtor": debtor, "form": form, "preview": _preview(portfolio, shown)})


def _initial_data(form) -> dict:
    """An unbound form's initial values as submitted data: the same plan the page shows filled in."""
    data = {}
    for name, field in form.fields.items():
        value = form.get_initial_for_field(field, name)
        if value is None or value == "":
            choices = getattr(field, "choices", None)
            if choices and not getattr(field, "queryset", None) and field.required:
                value = next(iter(choices))[0]
            else:
                continue
        if hasattr(value, "isoformat"):
            value = value.isoformat()
        elif isinstance(value, (list, tuple)) or hasattr(value, "model"):
            value = [getattr(v, "pk", v) for v in value]
        data[name] = value
    return data


def _preview(portfolio, form) -> dict:
    """The live schedule (htmx) of the form's plan, or the problem."""
    if not form.is_bound or not form.is_valid():
        return {}
    d = form.cleaned_data
    debt = sum(o.balance_minor for o in d["obligations"])
    args = _plan_args(d)
    try:
        cap, source, provisional = plans.legal_cap_detail(portfolio.country, portfolio.today())
        rules.check_plan_rate(args["rate"], args["rate_kind"], cap, source)
        schedule = rules.simulate_plan(amount=from_minor(debt, portfolio.currency), currency=portfolio.currency,
                                       start=args["first_due"], installments=args["installments"],
                                       rate=args["rate"], rate_kind=args["rate_kind"], frequency=args["frequency"],
                                       down_payment=args["down_payment"], due_day=args["due_day"])
    except DomainError as exc:
        return {"error": exc.message}
    return {"schedule": schedule, "totals": rules.plan_totals(schedule), "debt": from_minor(debt, portfolio.currency),
            "down_payment": args["down_payment"], "cap": cap, "cap_source": source,
            "provisional": provisional}


@login_required
def agreement_preview(request, slug, pk):
    portfolio, debtor = _debtor(request, slug, pk)
    form = AgreementForm(request.GET or request.POST, obligations=selectors.agreement_eligible_obligations(debtor))
    return render(request, "agreements/_schedule_preview.html", {
        "portfolio": portfolio, "preview": _preview(portfolio, form) or {"error": _("Complete the form.")}})


def agreement_for_user_or_404(request, slug, pk, action="view"):
    """The portfolio and its agreement `pk` if the user may see it (agents: their debtors'), masked for viewers;
    404 otherwise."""
    portfolio = portfolio_for_user_or_404(request.user, slug, action)
    agreement = get_object_or_404(Agreement.objects.select_related("debtor"), portfolio=portfolio, pk=pk)
    debtor_for_user_or_404(request.user, portfolio, agreement.debtor_id)  # agents limited to their debtors
    if masks_personal_data(request.user, portfolio):
        selectors.mask_agreement(agreement)
    return portfolio, agreement


_agreement = agreement_for_user_or_404


@login_required
def agreement_detail(request, slug, pk, accept_form=None):
    portfolio, agreement = _agreement(request, slug, pk)
    schedule = list(agreement.schedule.select_related("obligation"))
    return render(request, "agreements/agreement_detail.html", {
        "portfolio": portfolio, "agreement": agreement, "debtor": agreement.debtor,
        "schedule": schedule,
        # installments become obligations when the agreement is accepted: before that the columns would be empty
        "installment_obligations": any(i.obligation_id for i in schedule),
        "included": agreement.included.select_related("obligation"),
        "acceptance": selectors.agreement_acceptance(agreement),
        "actions": selectors.agreement_actions(agreement, can_write=can(request.user, portfolio, "write")),
        "accept_form": accept_form or AcceptanceForm(),
    })


@login_required
@require_POST
def agreement_offer_view(request, slug, pk):
    portfolio, agreement = _agreement(request, slug, pk, "write")
    try:
        plans.agreement_offer(agreement=agreement, actor=request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect("agreement_detail", portfolio.slug, agreement.pk)


@login_required
@require_POST
def agreement_cancel_view(request, slug, pk):
    portfolio, agreement = _agreement(request, slug, pk, "write")
    try:
        plans.agreement_cancel(agreement=agreement, actor=request.user, reason=request.POST.get("reason", ""))
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect("agreement_detail", portfolio.slug, agreement.pk)


@login_required
@require_POST
def agreement_accept_view(request, slug, pk):
    portfolio, agreement = _agreement(request, slug, pk, "write")
    form = AcceptanceForm(request.POST, request.FILES)
    if form.is_valid():
        d = form.cleaned_data
        try:
            plans.agreement_accept(agreement=agreement, channel=d["channel"], evidence_file=d.get("evidence_file"),
                                      evidence_text=d["evidence_text"], checkbox=d["checkbox"], actor=request.user)
        except DomainError as exc:
            show_at_field(form, exc)
        else:
            messages.success(request, _("Agreement accepted: the installments are now obligations."))
            return redirect("agreement_detail", portfolio.slug, agreement.pk)
    return agreement_detail(request, slug, pk, accept_form=form)


@login_required
@require_POST
def offer_new(request, slug, pk):
    portfolio, debtor = _debtor(request, slug, pk, "write")
    form = OfferForm(request.POST, obligations=selectors.agreement_eligible_obligations(debtor))
    if form.is_valid():
        d = form.cleaned_data
        try:
            offer = offers.offer_create(portfolio=portfolio, debtor=debtor, kind=d["kind"],
                                          obligations=list(d["obligations"]), params=form.params(),
                                          expires_on=d.get("expires_on"), reason=d.get("reason") or "",
                                          actor=request.user)
        except DomainError as exc:
            show_at_field(form, exc)
        else:
            if offer.status == Offer.Status.PENDING:
                messages.info(request, _("Beyond your authority: the offer waits for a supervisor's approval."))
            else:
                messages.success(request, _("Offer approved within your authority."))
            return redirect("offer_detail", portfolio.slug, offer.pk)
    return _page(request, portfolio, debtor, offer_form=form)


def _offer(request, slug, pk, action="view"):
    portfolio = portfolio_for_user_or_404(request.user, slug, action)
    offer = get_object_or_404(Offer.objects.select_related("debtor"), portfolio=portfolio, pk=pk)
    debtor_for_user_or_404(request.user, portfolio, offer.debtor_id)  # agents limited to their debtors
    return portfolio, offer


@login_required
def offer_detail(request, slug, pk):
    portfolio, offer = _offer(request, slug, pk)
    return render(request, "agreements/offer_detail.html", {
        "portfolio": portfolio, "offer": offer, "debtor": offer.debtor, "accept_form": AcceptanceForm(),
        "actions": selectors.offer_actions(offer, can_write=can(request.user, portfolio, "write"),
                                           can_decide=permissions.can_decide(request.user, portfolio)),
        "decision_form": DecisionForm(),
    })


@login_required
@require_POST
def offer_accept_view(request, slug, pk):
    portfolio, offer = _offer(request, slug, pk, "write")
    form = AcceptanceForm(request.POST, request.FILES)
    if form.is_valid():
        d = form.cleaned_data
        try:
            offer = offers.offer_accept(offer=offer, actor=request.user, channel=d["channel"],
                                          evidence_file=d.get("evidence_file"), evidence_text=d["evidence_text"],
                                          checkbox=d["checkbox"])
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("Offer accepted and booked."))
    else:
        messages.error(request, _("Check the acceptance evidence."))
    return redirect("offer_detail", portfolio.slug, offer.pk)


@login_required
def approvals(request, slug):
    portfolio = portfolio_for_user_or_404(request.user, slug)
    if not permissions.can_decide(request.user, portfolio):
        raise PermissionDenied(_("Only supervisors and administrators decide offers."))
    queue = list(selectors.approvals_queue(portfolio))
    for offer in queue:
        offer.user_can_approve = permissions.can_approve(request.user, offer)
    return render(request, "agreements/approvals.html", {
        "portfolio": portfolio, "queue": queue, "recent": selectors.recent_decisions(portfolio),
        "form": DecisionForm()})


@login_required
@require_POST
def offer_decide_view(request, slug, pk):
    portfolio, offer = _offer(request, slug, pk, "write")
    if not permissions.can_decide(request.user, portfolio):  # before reading the form: an agent's POST is refused
        raise PermissionDenied(_("Only supervisors and administrators decide offers."))
    form = DecisionForm(request.POST)
    if not form.is_valid():
        for name, errors in form.errors.items():  # each problem at its input's name, not "choose a decision"
            for error in ([_("Choose a decision.")] if name == "decision" else errors):
                messages.error(request, f"{form.fields[name].label}: {error}" if name != "decision" else error)
        return redirect("approvals", portfolio.slug)
    d = form.cleaned_data
    try:
        offers.offer_decide(offer=offer, decision=d["decision"], reason=d["reason"], actor=request.user,
                              counter_params=form.counter_params())
    except NotAllowed as exc:
        raise PermissionDenied(exc.message)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Decision recorded."))
    return redirect("approvals", portfolio.slug)


# ---------------------------------------------------------------------------------------------------------------
# Legal rates (administrators): the same load as `recaudo rates load`
# ---------------------------------------------------------------------------------------------------------------
@login_required
def rates_page(request):
    """List the loaded monthly legal rates and upload a file of new months (staff only: the tables are global)."""
    if not (request.user.is_staff or request.user.is_superuser):
        raise PermissionDenied(_("Only administrators load legal rates."))
    form = RateUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            result = rates_load(country=form.cleaned_data["country"], text=form.text(), actor=request.user)
        except forms.ValidationError as exc:
            form.add_error("file", exc.messages[0])
        except DomainError as exc:
            form.add_error("file", exc.message)
        else:
            messages.success(request, _("Loaded: %(new)s new, %(updated)s corrected, %(same)s unchanged months; "
                                        "interest adjusted on %(adjusted)s obligations.") % {
                "new": len(result.created), "updated": len(result.updated), "same": len(result.unchanged),
                "adjusted": result.adjusted})
            return redirect("rates")
    country = (form.data.get("country") or request.GET.get("country") or "CO").strip().upper()[:2]
    rows = legal_rates(country)
    months: dict = {}
    for row in rows:
        months.setdefault(row.valid_from, {})[row.rate_type] = row
    return render(request, "agreements/rates.html", {
        "form": form, "country": country, "months": list(months.items())[:36],
        "status": rate_status(country, timezone.localdate())})
