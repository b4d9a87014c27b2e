"""A portfolio's connections to ERPs (Alegra, Siigo Nube): the connector, its runs, the invoices it has seen (what a
payment pushed back needs to name them) and the payments pushed back (never twice)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from recaudo.core.sealed import SealBroken, unseal

from .adapters.base import ErpPermanent


class ErpConnector(models.Model):
    """One ERP account feeding a portfolio: the adapter (`kind`, a key of adapters.REGISTRY), its API address
    (empty: the ERP's real one), plain settings in `config`, secrets sealed in `secrets_sealed` (core/sealed.py,
    never shown back), the schedule (`interval_minutes`; `next_sync_at` is the due-date column the worker claims
    with `claim_token`), where incremental pulls start (`synced_until`: the start of the last good run) and the
    outcome of the last run."""

    portfolio = models.ForeignKey("portfolio.Portfolio", on_delete=models.CASCADE, related_name="erp_connectors")
    kind = models.CharField(_("ERP"), max_length=20)
    name = models.CharField(_("name"), max_length=100)
    base_url = models.CharField(_("API address"), max_length=300, blank=True,
                                help_text=_("Empty: the ERP's own API. Change it only to test."))
    config = models.JSONField(default=dict, blank=True)
    secrets_sealed = models.TextField(default="", blank=True)
    active = models.BooleanField(_("active"), default=True)
    push_payments = models.BooleanField(_("record Recaudo's payments in the ERP"), default=False)
    push_from = models.DateTimeField(null=True, blank=True,
                                     help_text="payments recorded from this moment on are pushed (set when enabled)")
    skip_invalid = models.BooleanField(_("import the valid records when some are invalid"), default=False)
    interval_minutes = models.PositiveIntegerField(_("sync every (minutes)"), default=60)
    next_sync_at = models.DateTimeField(null=True, blank=True)
    run_requested = models.BooleanField(default=False, help_text="'Run now' was pressed: the next run is manual")
    claim_token = models.CharField(max_length=32, null=True, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    synced_until = models.DateTimeField(null=True, blank=True)
    last_sync_at = models.DateTimeField(null=True, blank=True)
    last_status = models.CharField(max_length=12, blank=True)
    last_error = models.TextField(blank=True)
    failures = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("ERP connector")
        verbose_name_plural = _("ERP connectors")
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["portfolio", "name"], name="erp_connector_unique_name")]
        indexes = [models.Index(fields=["next_sync_at"], name="erp_connector_due")]

    def __str__(self):
        return f"{self.name} ({self.kind})"

    def secret_values(self) -> dict[str, str]:
        try:
            return unseal(self.secrets_sealed)
        except SealBroken as exc:
            raise ErpPermanent(f"{self.name}: {exc}") from None

    def full_config(self) -> dict:
        return {**(self.config or {}), **self.secret_values(), "base_url": self.base_url}

    def saved_secret_keys(self) -> set[str]:
        try:
            return {k for k, v in unseal(self.secrets_sealed).items() if v}
        except SealBroken:
            return set()


class ErpSyncRun(models.Model):
    """One pull (or push) of a connector: when, how it was started, what it read, the import jobs it fed (their
    pages are the validation report) and how it ended."""

    class Status(models.TextChoices):
        RUNNING = "running", pgettext_lazy("erp run", "Running")
        DONE = "done", pgettext_lazy("erp run", "Done")
        REJECTED = "rejected", _("Rejected (nothing imported)")
        FAILED = "failed", pgettext_lazy("erp run", "Failed")

    class Trigger(models.TextChoices):
        SCHEDULE = "schedule", _("Schedule")
        MANUAL = "manual", _("Run now")
        COMMAND = "command", _("Command line")

    class Action(models.TextChoices):
        PULL = "pull", _("Pull")
        PUSH = "push", _("Push payments")

    connector = models.ForeignKey(ErpConnector, on_delete=models.CASCADE, related_name="runs")
    action = models.CharField(max_length=8, choices=Action.choices, default=Action.PULL)
    trigger = models.CharField(max_length=10, choices=Trigger.choices)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.RUNNING)
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    since = models.DateTimeField(null=True, blank=True, help_text="the incremental pull's start; empty: everything")
    counts = models.JSONField(default=dict, blank=True)
    message = models.TextField(blank=True)
    retryable = models.BooleanField(default=False)
    debtors_job = models.ForeignKey("imports.ImportJob", null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")
    obligations_job = models.ForeignKey("imports.ImportJob", null=True, blank=True, on_delete=models.SET_NULL,
                                        related_name="+")
    payments_job = models.ForeignKey("imports.ImportJob", null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="+")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)

    class Meta:
        verbose_name = _("ERP sync run")
        verbose_name_plural = _("ERP sync runs")
        ordering = ["-started_at", "-id"]

    def __str__(self):
        return f"{self.connector_id}: {self.action} {self.started_at:%Y-%m-%d %H:%M}"

    def jobs(self):
        return [j for j in (self.debtors_job, self.obligations_job, self.payments_job) if j is not None]


class ErpInvoice(models.Model):
    """An invoice a connector has imported: its number in Recaudo, the ERP's id and what a payment pushed back
    needs to name it (`push_ref`), and the balance the ERP gave at the last pull."""

    connector = models.ForeignKey(ErpConnector, on_delete=models.CASCADE, related_name="invoices")
    number = models.CharField(max_length=60)
    external_id = models.CharField(max_length=100)
    customer_code = models.CharField(max_length=60, blank=True)
    push_ref = models.JSONField(default=dict, blank=True)
    erp_balance = models.CharField(max_length=40, blank=True)
    seen_at = models.DateTimeField()

    class Meta:
        verbose_name = _("ERP invoice")
        verbose_name_plural = _("ERP invoices")
        constraints = [models.UniqueConstraint(fields=["connector", "number"], name="erp_invoice_unique_number")]

    def __str__(self):
        return self.number


class ErpPaymentPush(models.Model):
    """A Recaudo payment's part on one invoice recorded (or being recorded) in the ERP: unique per connector,
    payment and obligation, so it is never sent twice. `sending` is claimed before the call: a row left sending
    (the process died during the call) is not sent again automatically; the page shows it for a person to check."""

    class Status(models.TextChoices):
        SENDING = "sending", _("Sending")
        PUSHED = "pushed", _("Recorded in the ERP")
        RETRY = "retry", _("Will retry")
        FAILED = "failed", pgettext_lazy("erp push", "Failed")

    connector = models.ForeignKey(ErpConnector, on_delete=models.CASCADE, related_name="pushes")
    payment = models.ForeignKey("ledger.Payment", on_delete=models.CASCADE, related_name="+")
    obligation = models.ForeignKey("portfolio.Obligation", on_delete=models.CASCADE, related_name="+")
    amount_minor = models.BigIntegerField()
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.SENDING)
    external_id = models.CharField(max_length=100, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("payment sent to the ERP")
        verbose_name_plural = _("payments sent to the ERP")
        constraints = [models.UniqueConstraint(fields=["connector", "payment", "obligation"],
                                               name="erp_push_once")]

    def __str__(self):
        return f"{self.payment_id}/{self.obligation_id}: {self.status}"
