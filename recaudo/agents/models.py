"""Agent tasks: calls, visits and letters that a person does. Created by the daily cycle (strategy steps) or by hand.

Another issue builds the agent workspace on this model; here it is only the queue's rows.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from recaudo.core.amounts import MAX_MINOR, MAX_SUM_MINOR


class AgentTask(models.Model):
    class Kind(models.TextChoices):
        CALL = "call", _("Call")
        VISIT = "visit", _("Visit")
        LETTER = "letter", _("Letter")

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        DONE = "done", pgettext_lazy("task status", "Done")
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
        verbose_name = _("agent task")
        verbose_name_plural = _("agent tasks")
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


# ---------------------------------------------------------------------------------------------------------------
# Agent workspace: dispositions, call scripts, assignments, targets, commissions and call outcomes.
# ---------------------------------------------------------------------------------------------------------------
class Disposition(models.Model):
    """An outcome code of a collection call, as data: what the flags say drives the outcome service."""

    code = models.SlugField(_("code"), max_length=30, unique=True)
    label_es = models.CharField(_("label (Spanish)"), max_length=100)
    label_en = models.CharField(_("label (English)"), max_length=100)
    attempt_outcome = models.CharField(
        _("contact attempt outcome"), max_length=12, default="other",
        help_text=_("the outcome recorded on the compliance contact attempt (reached, no_answer, wrong_party...)"))
    right_party_contact = models.BooleanField(_("right-party contact"), default=False)
    effective_contact = models.BooleanField(
        _("effective contact"), default=False, help_text=_("counts as an effective contact for the compliance rules"))
    requires_callback = models.BooleanField(_("requires a callback time"), default=False)
    creates_promise = models.BooleanField(_("creates a promise to pay"), default=False)
    creates_dispute = models.BooleanField(_("flags a dispute"), default=False)
    deceased = models.BooleanField(_("debtor deceased"), default=False)
    active = models.BooleanField(_("active"), default=True)
    order = models.IntegerField(_("order"), default=0)

    class Meta:
        ordering = ["order", "code"]
        verbose_name = _("disposition")
        verbose_name_plural = _("dispositions")

    def __str__(self):
        return self.code

    def label(self, language: str = "es") -> str:
        return self.label_en if (language or "").lower().startswith("en") else self.label_es


class CallScript(models.Model):
    """What the agent reads for a segment (null: the portfolio's default script), with placeholders such as
    {{ debtor_name }}, {{ balance }}, {{ days_past_due }}, {{ oldest_invoice }}, {{ agent_name }}, rendered in the
    communications sandbox."""

    portfolio = models.ForeignKey("portfolio.Portfolio", on_delete=models.CASCADE, related_name="call_scripts")
    segment = models.ForeignKey("strategies.Segment", null=True, blank=True, on_delete=models.CASCADE,
                                related_name="call_scripts")
    language = models.CharField(_("language"), max_length=8, default="es")
    body = models.TextField(_("script"))
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("call script")
        verbose_name_plural = _("call scripts")
        ordering = ["portfolio", "segment", "language"]
        constraints = [
            models.UniqueConstraint(fields=["portfolio", "segment", "language"], name="call_script_unique"),
            models.UniqueConstraint(fields=["portfolio", "language"], condition=Q(segment__isnull=True),
                                    name="call_script_default_unique"),
        ]

    def __str__(self):
        return f"{self.portfolio_id} {self.segment or '*'} {self.language}"


class Assignment(models.Model):
    """The agent a debtor is assigned to (one at a time; reassigning replaces it; history in the audit trail)."""

    portfolio = models.ForeignKey("portfolio.Portfolio", on_delete=models.CASCADE, related_name="assignments")
    debtor = models.OneToOneField("portfolio.Debtor", on_delete=models.CASCADE, related_name="assignment")
    agent = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="assignments")
    assigned_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")
    at = models.DateTimeField()

    class Meta:
        verbose_name = _("assignment")
        verbose_name_plural = _("assignments")
        indexes = [models.Index(fields=["portfolio", "agent"])]

    def __str__(self):
        return f"{self.debtor_id} -> {self.agent_id}"


class WorkspaceSettings(models.Model):
    """Per portfolio: whether agents may take unassigned debtors, and how payments are attributed to agents."""

    portfolio = models.OneToOneField("portfolio.Portfolio", on_delete=models.CASCADE,
                                     related_name="workspace_settings")
    allow_unassigned = models.BooleanField(_("agents may take unassigned debtors"), default=True)
    attribution_days = models.PositiveIntegerField(
        _("attribution window (days)"), default=30,
        help_text=_("a payment counts for the agent whose right-party contact with the debtor came within these "
                    "days before it"))
    commission_percent = models.DecimalField(_("commission (% of collections)"), max_digits=5, decimal_places=2,
                                             default=0)

    class Meta:
        verbose_name = _("workspace settings")
        verbose_name_plural = _("workspace settings")

    def __str__(self):
        return f"{self.portfolio_id}: {self.commission_percent} %"


class DailyTarget(models.Model):
    portfolio = models.ForeignKey("portfolio.Portfolio", on_delete=models.CASCADE, related_name="daily_targets")
    agent = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="daily_targets")
    date = models.DateField(_("date"))
    contacts = models.PositiveIntegerField(_("contacts"), default=0)
    promises = models.PositiveIntegerField(_("promises"), default=0)
    amount_minor = models.BigIntegerField(_("amount promised"), default=0)
    set_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                               related_name="+")

    class Meta:
        verbose_name = _("daily target")
        verbose_name_plural = _("daily targets")
        ordering = ["-date", "agent"]
        constraints = [
            models.UniqueConstraint(fields=["portfolio", "agent", "date"], name="daily_target_unique"),
            models.CheckConstraint(condition=Q(amount_minor__gte=0), name="daily_target_amount_not_negative"),
            models.CheckConstraint(condition=Q(amount_minor__lte=MAX_SUM_MINOR), name="daily_target_amount_bounded"),
        ]

    def __str__(self):
        return f"{self.agent_id} {self.date}"


class MonthlyTarget(models.Model):
    """An agent's target for a calendar month (`month`: its first day), beside the daily targets."""

    portfolio = models.ForeignKey("portfolio.Portfolio", on_delete=models.CASCADE, related_name="monthly_targets")
    agent = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="monthly_targets")
    month = models.DateField(_("month"), help_text=_("the first day of the month"))
    contacts = models.PositiveIntegerField(_("contacts"), default=0)
    promises = models.PositiveIntegerField(_("promises"), default=0)
    agreements = models.PositiveIntegerField(_("payment agreements"), default=0)
    amount_minor = models.BigIntegerField(_("amount promised"), default=0)
    set_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                               related_name="+")

    class Meta:
        verbose_name = _("monthly target")
        verbose_name_plural = _("monthly targets")
        ordering = ["-month", "agent"]
        constraints = [
            models.UniqueConstraint(fields=["portfolio", "agent", "month"], name="monthly_target_unique"),
            models.CheckConstraint(condition=Q(amount_minor__gte=0), name="monthly_target_amount_not_negative"),
            models.CheckConstraint(condition=Q(amount_minor__lte=MAX_SUM_MINOR),
                                   name="monthly_target_amount_bounded"),
        ]

    def __str__(self):
        return f"{self.agent_id} {self.month:%Y-%m}"


class Interaction(models.Model):
    """One call (or visit) outcome recorded by an agent; the compliance contact attempt it made is linked.
    `direction`: outbound (the agent called) or inbound (the debtor called or came in, or asked for the call)."""

    class Direction(models.TextChoices):
        OUTBOUND = "outbound", _("Outbound: we contacted the debtor")
        INBOUND = "inbound", _("Inbound: the debtor called, came in or asked for this call")

    class Channel(models.TextChoices):
        CALL = "call", _("Call")
        VISIT = "visit", _("Visit")

    portfolio = models.ForeignKey("portfolio.Portfolio", on_delete=models.PROTECT, related_name="interactions")
    debtor = models.ForeignKey("portfolio.Debtor", on_delete=models.PROTECT, related_name="interactions")
    agent = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="interactions")
    disposition = models.ForeignKey(Disposition, on_delete=models.PROTECT, related_name="interactions")
    contact = models.ForeignKey("portfolio.Contact", null=True, blank=True, on_delete=models.SET_NULL,
                                related_name="+")
    attempt = models.OneToOneField("compliance.ContactAttempt", null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="interaction")
    notes = models.TextField(_("notes"), blank=True)
    callback_at = models.DateTimeField(_("callback at"), null=True, blank=True)
    promise_id = models.BigIntegerField(null=True, blank=True, help_text="agreements Promise created, if any")
    promise_amount_minor = models.BigIntegerField(null=True, blank=True)
    promise_due = models.DateField(null=True, blank=True)
    right_party_contact = models.BooleanField(default=False, help_text="copied from the disposition when recorded")
    direction = models.CharField(_("direction"), max_length=8, choices=Direction.choices, default=Direction.OUTBOUND)
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices, default=Channel.CALL)
    at = models.DateTimeField()

    class Meta:
        verbose_name = _("interaction")
        verbose_name_plural = _("interactions")
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["portfolio", "agent", "at"]),
            models.Index(fields=["debtor", "at"]),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(promise_amount_minor__lte=MAX_MINOR),
                                   name="interaction_promise_bounded"),
            models.CheckConstraint(condition=Q(direction__in=["outbound", "inbound"]),
                                   name="interaction_direction_valid"),
            models.CheckConstraint(condition=Q(channel__in=["call", "visit"]), name="interaction_channel_valid"),
        ]

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M} {self.debtor_id} {self.disposition_id}"


class BulkJob(models.Model):
    """A bulk action of the debtor list run by the background worker (recaudo.agents.bulk: bulk_submit, then
    bulk_job_run): what to do, the debtors confirmed (in order), and how far it got. Its state lives here, not in
    a process: a worker claims it (claimed_by, heartbeat_at) and commits each batch of debtors together with
    `done` and the counts, so a job that stops half-way resumes at the next batch."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for the worker")
        RUNNING = "running", pgettext_lazy("bulk job status", "Running")
        DONE = "done", pgettext_lazy("bulk job status", "Done")
        FAILED = "failed", _("Stopped")

    portfolio = models.ForeignKey("portfolio.Portfolio", on_delete=models.CASCADE, related_name="bulk_jobs")
    action = models.CharField(max_length=10)
    token = models.CharField(max_length=64, help_text="the confirmation page's: a confirmation is done once")
    params = models.JSONField(default=dict, blank=True, help_text="the action's inputs")
    debtors = models.JSONField(default=list, blank=True, help_text="ids of the debtors confirmed, in order")
    total = models.IntegerField(default=0)
    done = models.IntegerField(default=0, help_text="debtors of `debtors` done (committed batches)")
    result = models.JSONField(default=dict, blank=True, help_text="counts and blocked reasons so far")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    message = models.TextField(blank=True)
    language = models.CharField(max_length=10, blank=True)
    claimed_by = models.CharField(max_length=200, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    attempts = models.IntegerField(default=0)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("bulk action")
        verbose_name_plural = _("bulk actions")
        ordering = ["-created_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["portfolio", "token"], name="agents_bulkjob_unique_token")]

    def __str__(self):
        return f"bulk #{self.pk} {self.action} ({self.done}/{self.total})"

    @property
    def finished(self) -> bool:
        return self.status in (self.Status.DONE, self.Status.FAILED)

    @property
    def percent(self) -> int:
        return int(self.done * 100 / self.total) if self.total else 0
