from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class ImportJob(models.Model):
    """One import of a file (from the CLI or the web page): options, progress, result and report."""

    class Kind(models.TextChoices):
        DEBTORS = "debtors", _("Debtors")
        OBLIGATIONS = "obligations", _("Obligations")
        PAYMENTS = "payments", _("Payments")

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        RUNNING = "running", pgettext_lazy("import status", "Running")
        DONE = "done", pgettext_lazy("import status", "Done")
        REJECTED = "rejected", _("Rejected (nothing imported)")
        FAILED = "failed", pgettext_lazy("import status", "Failed")

    portfolio = models.ForeignKey("portfolio.Portfolio", on_delete=models.CASCADE, related_name="import_jobs")
    kind = models.CharField(max_length=12, choices=Kind.choices)
    filename = models.CharField(max_length=255)
    stored_path = models.CharField(max_length=500, blank=True)
    options = models.JSONField(default=dict, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    rows_total = models.IntegerField(null=True, blank=True, help_text="estimate, for progress")
    rows_done = models.IntegerField(default=0)
    result = models.JSONField(default=dict, blank=True, help_text="counts and the validation report")
    rejected_path = models.CharField(max_length=500, blank=True)
    message = models.TextField(blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("import job")
        verbose_name_plural = _("import jobs")
        ordering = ["-created_at"]

    def __str__(self):
        return f"import #{self.pk} {self.kind} {self.filename}"


class ImportProfile(models.Model):
    """A named mapping of a portfolio's files to the import's fields, saved from the mapping step and applied to
    the next upload of the same export: which column feeds which field, the separator, the encoding and the row
    of the headers."""

    portfolio = models.ForeignKey("portfolio.Portfolio", on_delete=models.CASCADE, related_name="import_profiles")
    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("what the file holds"), max_length=12, choices=ImportJob.Kind.choices)
    mapping = models.JSONField(_("column mapping"), default=dict, blank=True, help_text="field -> file header")
    separator = models.CharField(_("separator"), max_length=2, blank=True, help_text="CSV; empty: detected")
    encoding = models.CharField(_("encoding"), max_length=20, blank=True, default="auto")
    header_row = models.PositiveIntegerField(_("header row"), default=1)
    id_type = models.CharField(_("ID type"), max_length=12, blank=True,
                               help_text="the ID type of the rows whose type no column gives; empty: none")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("import profile")
        verbose_name_plural = _("import profiles")
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["portfolio", "name"], name="import_profile_unique_name")]

    def __str__(self):
        return self.name
