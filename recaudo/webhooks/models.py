"""Outgoing webhooks (docs/webhooks.md): a portfolio's subscriptions, the events derived from the audit trail and
the messages' status, one delivery per event and subscription (the outbox: a due-date column and an atomic claim)
and each attempt's record (the delivery log)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

MAX_URL = 500


class Subscription(models.Model):
    """Where a portfolio's events go: the URL, the event types wanted and the signing secret (sealed at rest,
    core/sealed.py). `failures`: consecutive failed attempts; at the limit the subscription is disabled."""

    portfolio = models.ForeignKey("portfolio.Portfolio", on_delete=models.CASCADE, related_name="+")
    url = models.CharField(_("URL"), max_length=MAX_URL)
    description = models.CharField(_("description"), max_length=200, blank=True)
    events = models.JSONField(_("events"), default=list)
    secret_sealed = models.TextField(default="")
    active = models.BooleanField(_("active"), default=True)
    failures = models.PositiveIntegerField(default=0)
    disabled_at = models.DateTimeField(null=True, blank=True)
    disabled_reason = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        verbose_name = _("webhook subscription")
        verbose_name_plural = _("webhook subscriptions")
        ordering = ["id"]

    def __str__(self):
        return self.url[:200]


class Event(models.Model):
    """One webhook event of a portfolio. `source_key` names what it came from ("audit:123", "message:7:delivered",
    "obligation.paid:5:123", "test:<uuid>") and is unique: reading the same audit event twice makes no second
    event. `msg_id` is the webhook-id header, the same on every attempt and redelivery."""

    portfolio = models.ForeignKey("portfolio.Portfolio", on_delete=models.CASCADE, related_name="+")
    event_type = models.CharField(max_length=60)
    source_key = models.CharField(max_length=120, unique=True)
    msg_id = models.CharField(max_length=40, unique=True)
    payload = models.JSONField(default=dict)
    created_at = models.DateTimeField()

    class Meta:
        verbose_name = _("webhook event")
        verbose_name_plural = _("webhook events")
        ordering = ["id"]

    def __str__(self):
        return f"{self.event_type} {self.msg_id}"


class Delivery(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("pending")
        SENDING = "sending", _("sending")
        SUCCEEDED = "succeeded", _("delivered")
        FAILED = "failed", _("failed")

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="deliveries")
    subscription = models.ForeignKey(Subscription, on_delete=models.CASCADE, related_name="deliveries")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    next_attempt_at = models.DateTimeField()
    attempts = models.PositiveIntegerField(default=0)
    claim_token = models.CharField(max_length=40, null=True, blank=True)
    claimed_by = models.CharField(max_length=100, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")
        ordering = ["-id"]
        constraints = [models.UniqueConstraint(fields=["event", "subscription"], name="webhook_delivery_once")]
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="webhook_delivery_due_idx"),
                   models.Index(fields=["subscription", "-id"], name="webhook_delivery_sub_idx")]

    def __str__(self):
        return f"{self.event_id} -> {self.subscription_id}: {self.status}"


class Attempt(models.Model):
    """One HTTP request of a delivery, as the log shows it."""

    delivery = models.ForeignKey(Delivery, on_delete=models.CASCADE, related_name="log")
    at = models.DateTimeField()
    status_code = models.PositiveIntegerField(null=True, blank=True)
    duration_ms = models.PositiveIntegerField(default=0)
    response = models.CharField(max_length=500, blank=True)
    error = models.CharField(max_length=500, blank=True)
    ok = models.BooleanField(default=False)

    class Meta:
        verbose_name = _("webhook delivery attempt")
        verbose_name_plural = _("webhook delivery attempts")
        ordering = ["-id"]

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.status_code or self.error[:40]}"


class Cursor(models.Model):
    """How far the dispatcher has read a source ("audit": the last audit event id read, and the id ranges below it
    not yet visible, each with when it was first seen; "messages": the time read up to). One row per source,
    locked while a worker dispatches, so one dispatcher runs at a time."""

    name = models.CharField(max_length=20, primary_key=True)
    position = models.BigIntegerField(default=0)
    read_until = models.DateTimeField(null=True, blank=True)
    gaps = models.JSONField(default=list)
    updated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("webhook dispatcher cursor")
        verbose_name_plural = _("webhook dispatcher cursors")

    def __str__(self):
        return f"{self.name} {self.position}"
