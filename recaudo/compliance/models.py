"""Contact history the rules read (ContactAttempt) and the evidence of every decision (ComplianceDecision)."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

CHANNELS = [
    ("call", _("Call")),
    ("sms", _("SMS")),
    ("whatsapp", _("WhatsApp")),
    ("email", _("Email")),
    ("visit", _("Visit")),
    ("letter", _("Letter")),
]


class ContactAttempt(models.Model):
    """One collection contact attempt with a debtor (made, not planned). `effective`: the right party was reached.
    `direction`: outbound (the creditor started it) or inbound (the debtor called or came in, or asked for it)."""

    class Direction(models.TextChoices):
        OUTBOUND = "outbound", _("Outbound (we contacted the debtor)")
        INBOUND = "inbound", _("Inbound (the debtor contacted us or asked for it)")

    class Outcome(models.TextChoices):
        REACHED = "reached", _("Reached the debtor")
        NO_ANSWER = "no_answer", _("No answer")
        BUSY = "busy", _("Busy")
        VOICEMAIL = "voicemail", _("Voicemail")
        WRONG_PARTY = "wrong_party", _("Wrong party")
        SENT = "sent", _("Sent")
        DELIVERED = "delivered", _("Delivered")
        FAILED = "failed", pgettext_lazy("contact outcome", "Failed")
        OTHER = "other", _("Other")

    portfolio = models.ForeignKey("portfolio.Portfolio", on_delete=models.PROTECT, related_name="contact_attempts")
    debtor = models.ForeignKey("portfolio.Debtor", on_delete=models.PROTECT, related_name="contact_attempts")
    contact = models.ForeignKey("portfolio.Contact", null=True, blank=True, on_delete=models.SET_NULL,
                                related_name="attempts")
    channel = models.CharField(_("channel"), max_length=10, choices=CHANNELS)
    at = models.DateTimeField(_("at"))
    effective = models.BooleanField(_("effective contact"), default=False,
                                    help_text=_("right-party contact: the debtor (or co-debtor) was reached"))
    outcome = models.CharField(_("outcome"), max_length=12, choices=Outcome.choices, default=Outcome.OTHER)
    direction = models.CharField(_("direction"), max_length=8, choices=Direction.choices, default=Direction.OUTBOUND)
    notes = models.CharField(_("notes"), max_length=500, blank=True)
    decision = models.ForeignKey("ComplianceDecision", null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="attempts", help_text=_("the compliance check that cleared it"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("contact attempt")
        verbose_name_plural = _("contact attempts")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["debtor", "at"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(channel__in=[c for c, _ in CHANNELS]), name="contact_attempt_channel_valid"
            ),
            models.CheckConstraint(condition=Q(direction__in=["outbound", "inbound"]),
                                   name="contact_attempt_direction_valid"),
        ]

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M} {self.channel} {'effective' if self.effective else self.outcome}"


class ComplianceDecision(models.Model):
    """Evidence: one compliance decision, with the rules that decided and the rule-set version. Never edited."""

    portfolio = models.ForeignKey("portfolio.Portfolio", null=True, blank=True, on_delete=models.PROTECT,
                                  related_name="compliance_decisions")
    debtor = models.ForeignKey("portfolio.Debtor", null=True, blank=True, on_delete=models.PROTECT,
                               related_name="compliance_decisions")
    country = models.CharField(max_length=2)
    action = models.CharField(max_length=20, help_text="contact channel (call, sms...) or bureau_report")
    at = models.DateTimeField(help_text="the instant (or report date, at local midnight) that was checked")
    tz = models.CharField(max_length=64)
    allowed = models.BooleanField()
    reasons = models.JSONField(default=list)
    next_allowed_at = models.DateTimeField(null=True, blank=True)
    rule_version = models.CharField(max_length=40)
    context = models.JSONField(default=dict, blank=True, help_text="inputs: history, consents, role, settings")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                              related_name="+")
    actor_label = models.CharField(max_length=150, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("compliance decision")
        verbose_name_plural = _("compliance decisions")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["debtor", "-created_at"]),
            models.Index(fields=["portfolio", "-created_at"]),
        ]

    def __str__(self):
        verdict = "allowed" if self.allowed else "blocked"
        return f"{self.country} {self.action} {self.at:%Y-%m-%d %H:%M} {verdict} (rules {self.rule_version})"
