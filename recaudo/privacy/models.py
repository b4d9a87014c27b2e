"""Habeas data requests: a debtor's consultation (consulta) or claim (reclamo) under Ley 1581 de 2012, arts. 14 and
15, with its legal due date in business days (rules.py) and its answer. Written only by privacy.services."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from recaudo.core.constraints import one_of

TEXT_MAX_CHARS = 5000
ANSWER_MAX_CHARS = 10000
REASON_MAX_CHARS = 1000


class HabeasRequest(models.Model):
    class Kind(models.TextChoices):
        CONSULTA = "consulta", _("Consultation")
        RECLAMO = "reclamo", _("Claim")

    class Channel(models.TextChoices):
        PORTAL = "portal", _("Debtor portal")
        EMAIL = "email", _("E-mail")
        PHONE = "phone", _("Phone")
        OFFICE = "office", _("At the office")

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        INCOMPLETE = "incomplete", _("Waiting for the requester to complete it")
        ANSWERED = "answered", _("Answered")
        CLOSED = "closed", _("Closed")

    class CloseReason(models.TextChoices):
        WITHDRAWN = "withdrawn", _("Withdrawn by the requester")
        ABANDONED = "abandoned", _("Not completed within 2 months (counts as withdrawn)")
        DONE = "done", _("Answered and settled")

    OPEN_STATUSES = (Status.OPEN, Status.INCOMPLETE)

    portfolio = models.ForeignKey("portfolio.Portfolio", on_delete=models.PROTECT, related_name="habeas_requests")
    debtor = models.ForeignKey("portfolio.Debtor", on_delete=models.PROTECT, related_name="habeas_requests")
    obligation = models.ForeignKey("portfolio.Obligation", null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="habeas_requests", help_text=_("the obligation it is about, if one"))
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    text = models.TextField(_("request"), max_length=TEXT_MAX_CHARS)
    attachment = models.ForeignKey("portfolio.Document", null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    filed_at = models.DateTimeField(_("filed at"))
    filed_by = models.CharField(_("filed by"), max_length=150, help_text="actor label: a user or portal:debtor:<id>")
    received_on = models.DateField(_("received on"), help_text="the business date the term counts from (a completed "
                                   "claim: the day it was completed)")
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.OPEN)
    due_on = models.DateField(_("due on"))
    extended = models.BooleanField(_("extended"), default=False)
    extension_reason = models.TextField(_("reason for the extension"), blank=True, max_length=REASON_MAX_CHARS)
    extended_at = models.DateTimeField(null=True, blank=True)
    completion_requested_on = models.DateField(null=True, blank=True)
    completion_missing = models.TextField(_("what is missing"), blank=True, max_length=REASON_MAX_CHARS)
    answer = models.TextField(_("answer"), blank=True, max_length=ANSWER_MAX_CHARS)
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    answered_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")
    answered_by_label = models.CharField(max_length=150, blank=True)
    answer_delivery = models.CharField(_("how the answer reached the debtor"), max_length=500, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    close_reason = models.CharField(max_length=10, choices=CloseReason.choices, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["due_on", "pk"]
        verbose_name = _("habeas data request")
        verbose_name_plural = _("habeas data requests")
        indexes = [models.Index(fields=["portfolio", "status", "due_on"]),
                   models.Index(fields=["debtor", "status"])]
        constraints = [
            models.CheckConstraint(condition=one_of("kind", ["consulta", "reclamo"]), name="habeas_kind_valid"),
            models.CheckConstraint(condition=one_of("channel", ["portal", "email", "phone", "office"]),
                                   name="habeas_channel_valid"),
            models.CheckConstraint(condition=one_of("status", ["open", "incomplete", "answered", "closed"]),
                                   name="habeas_status_valid"),
            models.CheckConstraint(condition=Q(extended=False) | ~Q(extension_reason=""),
                                   name="habeas_extension_has_reason"),
            models.CheckConstraint(condition=~Q(status="answered") | Q(answered_at__isnull=False),
                                   name="habeas_answered_has_time"),
        ]

    def __str__(self):
        return self.number

    @property
    def number(self) -> str:
        """The filing number (radicado) the debtor is given."""
        return f"HD-{self.pk}"

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN_STATUSES
