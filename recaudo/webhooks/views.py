"""The outgoing webhooks pages of a portfolio (administrators): subscriptions (list, create, change, turn off), the
secret shown once (on creation and rotation), the delivery log, redelivery and a test event."""

from __future__ import annotations

import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from recaudo.accounts.selectors import portfolio_for_user_or_404
from recaudo.core.errors import FAILED, domain_call

from . import selectors
from .forms import SubscriptionForm
from .rules import EVENTS
from .services import (
    delivery_redeliver,
    send_test_event,
    subscription_create,
    subscription_secret_rotate,
    subscription_update,
)


@login_required
@require_http_methods(["GET"])
def webhook_list(request, slug):
    portfolio = portfolio_for_user_or_404(request.user, slug, action="manage")
    return render(request, "webhooks/webhook_list.html", {"portfolio": portfolio,
                                                          "rows": selectors.subscriptions(portfolio)})


@login_required
@require_http_methods(["GET", "POST"])
def webhook_new(request, slug):
    portfolio = portfolio_for_user_or_404(request.user, slug, action="manage")
    form = SubscriptionForm(request.POST or None)
    if request.method == "POST":
        created = domain_call(form, lambda: subscription_create(
            portfolio=portfolio, url=form.cleaned_data["url"], description=form.cleaned_data["description"],
            events=form.cleaned_data["events"], actor=request.user))
        if created is not FAILED:
            sub, secret = created
            return render(request, "webhooks/webhook_secret.html", {"portfolio": portfolio, "sub": sub,
                                                                    "secret": secret})
    return render(request, "webhooks/webhook_form.html", {"portfolio": portfolio, "form": form})


@login_required
@require_http_methods(["GET", "POST"])
def webhook_detail(request, slug, pk):
    portfolio = portfolio_for_user_or_404(request.user, slug, action="manage")
    sub = selectors.subscription_for(portfolio, pk)
    if request.method == "POST":
        form = SubscriptionForm(request.POST, subscription=sub)
        if domain_call(form, lambda: subscription_update(
                subscription=sub, url=form.cleaned_data["url"], description=form.cleaned_data["description"],
                events=form.cleaned_data["events"], active=form.cleaned_data["active"],
                actor=request.user)) is not FAILED:
            messages.success(request, _("Webhook saved."))
            return redirect("webhook_detail", slug=portfolio.slug, pk=sub.pk)
    else:
        form = SubscriptionForm(subscription=sub)
    return render(request, "webhooks/webhook_detail.html", {
        "portfolio": portfolio, "sub": sub, "form": form, "deliveries": selectors.deliveries(sub),
        "labels": EVENTS})


@login_required
@require_POST
def webhook_rotate(request, slug, pk):
    portfolio = portfolio_for_user_or_404(request.user, slug, action="manage")
    sub = selectors.subscription_for(portfolio, pk)
    secret = domain_call(None, lambda: subscription_secret_rotate(subscription=sub, actor=request.user),
                         request=request)
    if secret is FAILED:
        return redirect("webhook_detail", slug=portfolio.slug, pk=sub.pk)
    return render(request, "webhooks/webhook_secret.html", {"portfolio": portfolio, "sub": sub, "secret": secret,
                                                            "rotated": True})


@login_required
@require_POST
def webhook_test(request, slug, pk):
    portfolio = portfolio_for_user_or_404(request.user, slug, action="manage")
    sub = selectors.subscription_for(portfolio, pk)
    if domain_call(None, lambda: send_test_event(subscription=sub, actor=request.user),
                   request=request) is not FAILED:
        messages.success(request, _("Test event queued: the worker sends it in a moment."))
    return redirect("webhook_detail", slug=portfolio.slug, pk=sub.pk)


@login_required
@require_http_methods(["GET"])
def webhook_delivery(request, slug, pk, delivery_id):
    portfolio = portfolio_for_user_or_404(request.user, slug, action="manage")
    sub = selectors.subscription_for(portfolio, pk)
    delivery = selectors.delivery_for(sub, delivery_id)
    return render(request, "webhooks/webhook_delivery.html", {
        "portfolio": portfolio, "sub": sub, "delivery": delivery, "attempts": selectors.attempts(delivery),
        "payload": json.dumps(delivery.event.payload, indent=2, ensure_ascii=False)})


@login_required
@require_POST
def webhook_redeliver(request, slug, pk, delivery_id):
    portfolio = portfolio_for_user_or_404(request.user, slug, action="manage")
    sub = selectors.subscription_for(portfolio, pk)
    delivery = selectors.delivery_for(sub, delivery_id)
    if domain_call(None, lambda: delivery_redeliver(delivery=delivery, actor=request.user),
                   request=request) is not FAILED:
        messages.success(request, _("Delivery queued again."))
    return redirect("webhook_delivery", slug=portfolio.slug, pk=sub.pk, delivery_id=delivery.pk)
