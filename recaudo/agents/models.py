"""Agent tasks: calls, visits and letters that a person does. Created by the daily cycle (strategy steps) or by hand.

Another issue builds the agent workspace on this model; here it is only the queue's rows.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class AgentTask(models.Model):
    class Kind(models.TextChoices):
        CALL = "call", _("Call")
        VISIT = "visit", _("Visit")
        LETTER = "letter", _("Letter")

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        DONE = "done", _("Done")
        CANCELLED = "cancelled", _("Cancelled")

    portfolio = models.ForeignKey("portfolio.Portfolio", on_delete=models.PROTECT, related_name="agent_tasks")
    debtor = models.ForeignKey("portfolio.Debtor", on_delete=models.PROTECT, related_name="agent_tasks")
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    due_at = models.DateTimeField(_("due at"), help_text=_("not before: the compliance rules' next allowed time"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.OPEN)
    assigned_to = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="agent_tasks")
    created_by_step = models.ForeignKey("strategies.StepExecution", null=True, blank=True,
                                        on_delete=models.SET_NULL, related_name="tasks")
    dedupe_key = models.CharField(max_length=200, help_text="idempotency key within the portfolio")
    notes = models.TextField(_("notes"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["due_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["portfolio", "dedupe_key"], name="agent_task_dedupe_unique"),
            models.CheckConstraint(condition=Q(kind__in=["call", "visit", "letter"]), name="agent_task_kind_valid"),
            models.CheckConstraint(condition=Q(status__in=["open", "done", "cancelled"]),
                                   name="agent_task_status_valid"),
        ]
        indexes = [
            models.Index(fields=["portfolio", "status", "due_at"]),
            models.Index(fields=["debtor", "status"]),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} {self.debtor_id} {self.due_at:%Y-%m-%d}"
