"""Segments, strategies as versioned data, holds, the daily cycle's runs and what each step did to each debtor."""

import json
from datetime import time

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from .schema import HOLD_REASONS


class Segment(models.Model):
    """Debtors of a portfolio that share conditions; a debtor belongs to the first matching segment (by order)."""

    portfolio = models.ForeignKey("portfolio.Portfolio", on_delete=models.CASCADE, related_name="segments")
    name = models.CharField(_("name"), max_length=100)
    order = models.IntegerField(_("order"), default=0)
    conditions = models.JSONField(_("conditions"), default=dict, blank=True)
    weight = models.DecimalField(_("weight"), max_digits=6, decimal_places=2, default=1)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("segment")
        verbose_name_plural = _("segments")
        ordering = ["portfolio", "order", "id"]
        constraints = [models.UniqueConstraint(fields=["portfolio", "name"], name="segment_name_unique")]

    def __str__(self):
        return self.name


class Strategy(models.Model):
    """A portfolio's strategy, for one segment (or for debtors in no segment-specific strategy: segment null)."""

    portfolio = models.ForeignKey("portfolio.Portfolio", on_delete=models.CASCADE, related_name="strategies")
    segment = models.ForeignKey(Segment, null=True, blank=True, on_delete=models.PROTECT, related_name="strategies")
    name = models.CharField(_("name"), max_length=100)
    created_at = models.DateTimeField(auto_now_add=True)
    # Champion and challenger: the challenger version runs on a stable random share of the strategy's debtors
    # (strategies.rules.arm_of), the champion (the latest other version) on the rest, from challenger_since.
    challenger = models.ForeignKey("StrategyVersion", null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    challenger_share = models.PositiveSmallIntegerField(default=0)
    challenger_since = models.DateField(null=True, blank=True)

    class Meta:
        verbose_name = _("strategy")
        verbose_name_plural = _("strategies")
        ordering = ["portfolio", "name"]
        constraints = [
            models.UniqueConstraint(fields=["portfolio", "segment"], name="strategy_one_per_segment"),
            models.UniqueConstraint(fields=["portfolio"], condition=Q(segment__isnull=True),
                                    name="strategy_one_default_per_portfolio"),
        ]

    def __str__(self):
        return self.name


class StrategyVersion(models.Model):
    """Immutable content of a strategy; a change creates a new version (number + 1)."""

    strategy = models.ForeignKey(Strategy, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    content = models.JSONField()
    note = models.CharField(max_length=300, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("strategy version")
        verbose_name_plural = _("strategy versions")
        ordering = ["strategy", "-number"]
        constraints = [models.UniqueConstraint(fields=["strategy", "number"], name="strategy_version_unique")]

    def __str__(self):
        return f"{self.strategy} v{self.number}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ValueError("strategy versions are immutable: create a new version")
        super().save(*args, **kwargs)


class Hold(models.Model):
    """Stops collection of a debtor (obligation null) or of one obligation, until a date (inclusive)."""

    class Reason(models.TextChoices):
        DISPUTE = "dispute", _("Dispute")
        PROMISE = "promise", _("Promise to pay")
        AGREEMENT = "agreement", _("Payment agreement")
        CLAIM = "claim", _("Claim in progress")
        DECEASED = "deceased", _("Deceased")
        BANKRUPTCY = "bankruptcy", _("Bankruptcy / insolvency")
        OTHER = "other", _("Other")

    portfolio = models.ForeignKey("portfolio.Portfolio", on_delete=models.PROTECT, related_name="holds")
    debtor = models.ForeignKey("portfolio.Debtor", on_delete=models.PROTECT, related_name="holds")
    obligation = models.ForeignKey("portfolio.Obligation", null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="holds")
    reason = models.CharField(_("reason"), max_length=12, choices=Reason.choices)
    until = models.DateField(_("until"), null=True, blank=True, help_text=_("last day of the hold; empty: no end"))
    notes = models.CharField(_("notes"), max_length=500, blank=True)
    released_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created_by_step = models.ForeignKey("StepExecution", null=True, blank=True, on_delete=models.SET_NULL,
                                        related_name="holds")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("hold")
        verbose_name_plural = _("holds")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(reason__in=list(HOLD_REASONS)), name="hold_reason_valid"),
        ]
        indexes = [models.Index(fields=["portfolio", "until"]), models.Index(fields=["debtor"])]

    def __str__(self):
        return f"{self.get_reason_display()} {self.debtor_id} until {self.until or '-'}"


class PortfolioCycleSettings(models.Model):
    """When the daily cycle of a portfolio runs: `run_time` in the portfolio's time zone; `next_cycle_at` is the
    due-date column the worker claims atomically (UPDATE ... WHERE next_cycle_at = old)."""

    portfolio = models.OneToOneField("portfolio.Portfolio", on_delete=models.CASCADE, related_name="cycle_settings")
    run_time = models.TimeField(_("local run time"), default=time(8, 0))
    enabled = models.BooleanField(_("enabled"), default=True)
    next_cycle_at = models.DateTimeField(null=True, blank=True, db_index=True)

    class Meta:
        verbose_name = _("daily cycle settings")
        verbose_name_plural = _("daily cycle settings")

    def __str__(self):
        return f"{self.portfolio} at {self.run_time:%H:%M}"


class CycleRun(models.Model):
    """One portfolio's cycle for one business date: claimed atomically, resumable, never run twice."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        RUNNING = "running", pgettext_lazy("cycle run status", "Running")
        DONE = "done", pgettext_lazy("cycle run status", "Done")
        FAILED = "failed", pgettext_lazy("cycle run status", "Failed")

    portfolio = models.ForeignKey("portfolio.Portfolio", on_delete=models.CASCADE, related_name="cycle_runs")
    business_date = models.DateField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    claimed_by = models.CharField(max_length=120, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    progress_debtor_id = models.BigIntegerField(default=0, help_text="debtors up to this id are done")
    attempts = models.IntegerField(default=0)
    counts = models.JSONField(default=dict, blank=True)
    error = models.TextField(blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("cycle run")
        verbose_name_plural = _("cycle runs")
        ordering = ["-business_date", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["portfolio", "business_date"], name="cycle_run_once_per_day"),
            models.CheckConstraint(condition=Q(status__in=["pending", "running", "done", "failed"]),
                                   name="cycle_run_status_valid"),
        ]
        indexes = [models.Index(fields=["status", "heartbeat_at"])]

    def __str__(self):
        return f"{self.portfolio} {self.business_date} {self.status}"


class StepExecution(models.Model):
    """A strategy step that acted on a debtor: once per (debtor, strategy, episode, step), one per debtor a day.

    `episode` is the due date of the debtor's oldest collectable obligation when the step ran: paying it and falling
    behind again starts a new episode where the steps run again."""

    class Outcome(models.TextChoices):
        DONE = "done", pgettext_lazy("step outcome", "Done")
        BLOCKED = "blocked", _("Blocked")
        SKIPPED = "skipped", _("Skipped")

    portfolio = models.ForeignKey("portfolio.Portfolio", on_delete=models.CASCADE, related_name="step_executions")
    debtor = models.ForeignKey("portfolio.Debtor", on_delete=models.CASCADE, related_name="step_executions")
    strategy = models.ForeignKey(Strategy, on_delete=models.CASCADE, related_name="executions")
    strategy_version = models.ForeignKey(StrategyVersion, on_delete=models.PROTECT, related_name="executions")
    cycle_run = models.ForeignKey(CycleRun, null=True, blank=True, on_delete=models.SET_NULL,
                                  related_name="executions")
    episode = models.DateField(help_text="due date of the oldest collectable obligation")
    step_key = models.CharField(max_length=60)
    offset = models.IntegerField()
    stage = models.CharField(max_length=60, blank=True)
    business_date = models.DateField()
    action = models.CharField(max_length=20)
    channel = models.CharField(max_length=10, blank=True)
    template = models.CharField(max_length=100, blank=True)
    outcome = models.CharField(max_length=10, choices=Outcome.choices)
    reason = models.TextField(blank=True)
    # the reason's code (the "code" of the stored JSON: held, conditions, scheduled, blocked...), for filtering
    reason_code = models.CharField(max_length=30, blank=True, default="", db_default="")
    scheduled_for = models.DateTimeField(null=True, blank=True)
    dedupe_key = models.CharField(max_length=200, blank=True, help_text="of the message or task it created")
    decision = models.ForeignKey("compliance.ComplianceDecision", null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("step execution")
        verbose_name_plural = _("step executions")
        ordering = ["-business_date", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["debtor", "strategy", "episode", "step_key"], name="step_once_per_episode"),
            models.UniqueConstraint(fields=["debtor", "business_date"], name="step_one_per_debtor_per_day"),
            models.CheckConstraint(condition=Q(outcome__in=["done", "blocked", "skipped"]),
                                   name="step_outcome_valid"),
        ]
        indexes = [
            models.Index(fields=["portfolio", "business_date"]),
            models.Index(fields=["strategy_version"]),
        ]

    def __str__(self):
        return f"{self.business_date} {self.debtor_id} {self.step_key} {self.outcome}"

    def save(self, *args, **kwargs):
        if not self.reason_code:
            self.reason_code = reason_code_of(self.reason)
        super().save(*args, **kwargs)


def reason_code_of(reason: str) -> str:
    """The code of a stored step reason ({"code": ..., ...} JSON, cycle/wording.py), "" for older plain text."""
    if not (reason or "").startswith("{"):
        return ""
    try:
        data = json.loads(reason)
    except ValueError:
        return ""
    code = data.get("code") if isinstance(data, dict) else None
    return code[:30] if isinstance(code, str) else ""


class DebtorStrategyState(models.Model):
    """Per debtor, what the last cycle computed (segment, priority and its explanation's inputs), the risk the
    analytics' scoring wrote (score, category, reasons) and the stage/legal marks that steps set."""

    debtor = models.OneToOneField("portfolio.Debtor", on_delete=models.CASCADE, primary_key=True,
                                  related_name="strategy_state")
    portfolio = models.ForeignKey("portfolio.Portfolio", on_delete=models.CASCADE, related_name="+")
    # Written by the analytics' scoring (recaudo risk score): the probability of paying late in whole percent
    # (segment conditions risk_min/risk_max and the priority read it), its category A-D and its top reasons as
    # [code, numbers...] (analytics.risk_rules.explain_reason words them).
    risk_score = models.IntegerField(null=True, blank=True)
    # Database defaults: the cycle's raw insert of new rows (cycle.engine) names none of these columns.
    risk_category = models.CharField(max_length=1, blank=True, default="", db_default="")
    risk_reasons = models.JSONField(null=True, blank=True)
    risk_scored_on = models.DateField(null=True, blank=True)
    segment = models.ForeignKey(Segment, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    priority = models.IntegerField(default=0)
    priority_balance_minor = models.BigIntegerField(default=0)
    priority_days = models.IntegerField(default=0)
    segment_name = models.CharField(max_length=100, blank=True)
    stage = models.CharField(max_length=60, blank=True)
    legal_handoff_on = models.DateField(null=True, blank=True)
    bureau_report_on = models.DateField(null=True, blank=True)
    computed_on = models.DateField(null=True, blank=True)

    class Meta:
        verbose_name = _("debtor strategy state")
        verbose_name_plural = _("debtor strategy states")
        indexes = [models.Index(fields=["portfolio", "-priority"])]

    def __str__(self):
        return f"{self.debtor_id}: {self.priority}"
