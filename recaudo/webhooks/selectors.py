"""Reads of the webhooks pages and command: a portfolio's subscriptions, one subscription's deliveries (the log)
and one delivery's attempts."""

from __future__ import annotations

from django.db.models import Count, OuterRef, Q, Subquery
from django.http import Http404

from .models import Attempt, Delivery, Subscription

LOG_SIZE = 50


def subscriptions(portfolio) -> list[Subscription]:
    return list(Subscription.objects.filter(portfolio=portfolio).annotate(
        pending=Count("deliveries", filter=Q(deliveries__status__in=["pending", "sending"])),
        failed=Count("deliveries", filter=Q(deliveries__status="failed"))).order_by("id"))


def subscription_for(portfolio, pk: int) -> Subscription:
    sub = Subscription.objects.filter(portfolio=portfolio, pk=pk).first()
    if sub is None:
        raise Http404("subscription not found")
    return sub


def deliveries(subscription: Subscription, limit: int = LOG_SIZE) -> list[Delivery]:
    """The latest deliveries with their last attempt's status code, duration and error (one query)."""
    last = Attempt.objects.filter(delivery=OuterRef("pk")).order_by("-id")
    return list(Delivery.objects.filter(subscription=subscription).select_related("event").annotate(
        last_code=Subquery(last.values("status_code")[:1]), last_ms=Subquery(last.values("duration_ms")[:1]),
        last_error=Subquery(last.values("error")[:1])).order_by("-id")[:limit])


def delivery_for(subscription: Subscription, pk: int) -> Delivery:
    delivery = Delivery.objects.filter(subscription=subscription, pk=pk).select_related("event").first()
    if delivery is None:
        raise Http404("delivery not found")
    return delivery


def attempts(delivery: Delivery) -> list[Attempt]:
    return list(delivery.log.order_by("-id")[:LOG_SIZE])
