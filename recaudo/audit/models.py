from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class AuditEvent(models.Model):
    """One write: who, when, on what, which kind of change, and the change itself.

    Written by `recaudo.audit.services.audit_record` inside the same transaction as the write it describes.
    """

    at = models.DateTimeField(db_index=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    actor_label = models.CharField(max_length=150, blank=True, help_text="user name, or 'system', 'import #12'")
    portfolio = models.ForeignKey("portfolio.Portfolio", null=True, blank=True, on_delete=models.CASCADE)
    debtor = models.ForeignKey(
        "portfolio.Debtor", null=True, blank=True, on_delete=models.CASCADE, related_name="audit_events",
        db_index=False,  # covered by the (debtor, -at) index
    )
    subject_type = models.CharField(max_length=50)
    subject_id = models.BigIntegerField(null=True, blank=True)
    subject_label = models.CharField(max_length=200, blank=True)
    event_type = models.CharField(max_length=60, db_index=True)
    changes = models.JSONField(default=dict, blank=True)

    class Meta:
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["debtor", "-at"]),
            models.Index(fields=["subject_type", "subject_id"]),
        ]

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_label} {self.event_type} {self.subject_label}"
