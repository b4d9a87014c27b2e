"""Message templates and the outbox: every message to a debtor is a row with a status, attempts and errors."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

CHANNELS = [
    ("email", _("Email")),
    ("sms", _("SMS")),
    ("whatsapp", _("WhatsApp")),
    ("letter", _("Letter")),
]
CHANNEL_CODES = [c for c, _ in CHANNELS]
LANGUAGES = [("es", _("Spanish")), ("en", _("English"))]
# Messages the debtor asked for themself (the portal's one-time access code): not collection contacts, so the
# contact rules' hours and daily limit do not hold them back and they count as no contact attempt (Ley 2300 de 2023
# governs collection contacts). They still go only to a contact with consent for the channel.
REQUESTED_SOURCES = ("portal",)


class Template(models.Model):
    """A message text per (portfolio, code, channel, language). portfolio=None: the installation's default."""

    portfolio = models.ForeignKey("portfolio.Portfolio", null=True, blank=True, on_delete=models.CASCADE,
                                  related_name="message_templates")
    code = models.SlugField(_("code"), max_length=60)
    name = models.CharField(_("name"), max_length=200, blank=True)
    channel = models.CharField(_("channel"), max_length=10, choices=CHANNELS)
    language = models.CharField(_("language"), max_length=8, choices=LANGUAGES, default="es")
    subject = models.CharField(_("subject"), max_length=300, blank=True)
    body = models.TextField(_("body"))
    whatsapp_template_name = models.CharField(_("WhatsApp template name"), max_length=120, blank=True,
                                              help_text=_("the name of the template approved by Meta"))
    whatsapp_params = models.JSONField(_("WhatsApp parameters"), default=list, blank=True,
                                       help_text=_('context variables for {{1}}, {{2}}…, e.g. ["debtor.name"]'))
    active = models.BooleanField(_("active"), default=True)
    version = models.PositiveIntegerField(default=1)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")

    class Meta:
        verbose_name = _("message template")
        verbose_name_plural = _("message templates")
        ordering = ["code", "channel", "language"]
        constraints = [
            models.UniqueConstraint(fields=["portfolio", "code", "channel", "language"],
                                    condition=Q(portfolio__isnull=False), name="template_unique_per_portfolio"),
            models.UniqueConstraint(fields=["code", "channel", "language"],
                                    condition=Q(portfolio__isnull=True), name="template_unique_default"),
            models.CheckConstraint(condition=Q(channel__in=CHANNEL_CODES), name="template_channel_valid"),
        ]

    def __str__(self):
        return f"{self.code} · {self.channel} · {self.language}"


class TemplateRevision(models.Model):
    """An agent's edit of a portfolio's template, waiting for a supervisor's or administrator's approval. Until it
    is approved the template in use (the approved text) stays as it is; approving applies it as a new version."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending approval")
        APPROVED = "approved", pgettext_lazy("template change status", "Approved")
        REJECTED = "rejected", pgettext_lazy("template change status", "Rejected")
        SUPERSEDED = "superseded", _("Superseded")

    portfolio = models.ForeignKey("portfolio.Portfolio", on_delete=models.CASCADE, related_name="template_revisions")
    code = models.SlugField(_("code"), max_length=60)
    channel = models.CharField(_("channel"), max_length=10, choices=CHANNELS)
    language = models.CharField(_("language"), max_length=8, choices=LANGUAGES, default="es")
    name = models.CharField(_("name"), max_length=200, blank=True)
    subject = models.CharField(_("subject"), max_length=300, blank=True)
    body = models.TextField(_("body"))
    whatsapp_template_name = models.CharField(_("WhatsApp template name"), max_length=120, blank=True)
    whatsapp_params = models.JSONField(_("WhatsApp parameters"), default=list, blank=True)
    active = models.BooleanField(_("active"), default=True)
    base_version = models.PositiveIntegerField(null=True, blank=True,
                                               help_text="the version of the portfolio's template it was written "
                                                         "against; empty: the installation's default")
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.PENDING)
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="+")
    submitted_at = models.DateTimeField()
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    reason = models.CharField(_("reason"), max_length=500, blank=True)
    template = models.ForeignKey(Template, null=True, blank=True, on_delete=models.SET_NULL, related_name="revisions",
                                 help_text="the template the approval created or updated")

    class Meta:
        verbose_name = _("template revision")
        verbose_name_plural = _("template revisions")
        ordering = ["-submitted_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["portfolio", "code", "channel", "language"],
                                    condition=Q(status="pending"), name="template_revision_one_pending"),
            models.CheckConstraint(condition=Q(status__in=["pending", "approved", "rejected", "superseded"]),
                                   name="template_revision_status_valid"),
            models.CheckConstraint(condition=Q(channel__in=CHANNEL_CODES), name="template_revision_channel_valid"),
        ]

    def __str__(self):
        return f"{self.code} · {self.channel} · {self.language} ({self.status})"


class Message(models.Model):
    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")
        DELIVERED = "delivered", _("Delivered")
        FAILED = "failed", pgettext_lazy("message status", "Failed")
        BOUNCED = "bounced", _("Bounced")
        CANCELLED = "cancelled", _("Cancelled")

    portfolio = models.ForeignKey("portfolio.Portfolio", on_delete=models.PROTECT, related_name="messages")
    debtor = models.ForeignKey("portfolio.Debtor", on_delete=models.PROTECT, related_name="messages")
    contact = models.ForeignKey("portfolio.Contact", null=True, blank=True, on_delete=models.SET_NULL,
                                related_name="messages", help_text=_("empty until chosen (bulk: at send time)"))
    channel = models.CharField(_("channel"), max_length=10, choices=CHANNELS)
    to = models.CharField(_("to"), max_length=300, blank=True)
    template = models.ForeignKey(Template, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    template_code = models.CharField(max_length=60)
    template_version = models.PositiveIntegerField(null=True, blank=True)
    language = models.CharField(max_length=8, blank=True)
    subject = models.CharField(max_length=300, blank=True)
    body = models.TextField(blank=True)
    html = models.BooleanField(default=False, help_text="the body is HTML (email)")
    provider_payload = models.JSONField(default=dict, blank=True, help_text="e.g. WhatsApp template parameters")
    rendered_at = models.DateTimeField(null=True, blank=True, help_text="empty: render at send time")
    attach_statement = models.BooleanField(default=False)
    context = models.JSONField(default=dict, blank=True, help_text="extra template variables from the caller")
    source = models.CharField(max_length=20, default="cycle")
    cycle_run_id = models.BigIntegerField(null=True, blank=True)
    dedupe_key = models.CharField(max_length=200)
    fallback_of = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="fallbacks")

    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    scheduled_for = models.DateTimeField(help_text="when it was asked to go out")
    next_attempt_at = models.DateTimeField(help_text="due: the outbox sends it at or after this instant")
    attempts = models.PositiveIntegerField(default=0)
    claimed_by = models.CharField(max_length=100, blank=True)
    claim_token = models.CharField(max_length=40, null=True, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    provider = models.CharField(max_length=30, blank=True)
    provider_id = models.CharField(max_length=200, blank=True)
    permanent = models.BooleanField(default=False, help_text="the failure is permanent (invalid address, opt-out)")
    last_error = models.CharField(max_length=1000, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("message")
        verbose_name_plural = _("messages")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["portfolio", "dedupe_key"], name="message_dedupe_per_portfolio"),
            models.CheckConstraint(condition=Q(channel__in=CHANNEL_CODES), name="message_channel_valid"),
            models.CheckConstraint(
                condition=Q(status__in=["queued", "sending", "sent", "delivered", "failed", "bounced", "cancelled"]),
                name="message_status_valid",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="message_due_idx"),
            models.Index(fields=["provider", "provider_id"], name="message_provider_idx"),
            models.Index(fields=["portfolio", "status", "-created_at"], name="message_portfolio_idx"),
            models.Index(fields=["debtor", "-created_at"], name="message_debtor_idx"),
            models.Index(fields=["claim_token"], name="message_claim_idx"),
        ]

    def __str__(self):
        return f"{self.channel} {self.template_code} → {self.to or self.debtor_id} ({self.status})"


class InboundMessage(models.Model):
    """An SMS or WhatsApp message a debtor's contact wrote to us (issue 16 §4), one row per debtor the sender's
    number belongs to. A keyword (SALDO, PAGAR, ACUERDO, AYUDA...) is answered automatically by a queued `reply`;
    anything else waits in the agents' inbox (`needs_agent`) until someone marks it handled."""

    class Kind(models.TextChoices):
        BALANCE = "balance", _("Balance (SALDO)")
        PAY = "pay", _("Pay (PAGAR)")
        PLAN = "plan", _("Agreement (ACUERDO)")
        HELP = "help", _("Help (AYUDA)")
        STOP = "stop", _("Opt-out (STOP)")
        OTHER = "other", _("Other text")

    class Outcome(models.TextChoices):
        ANSWERED = "answered", _("Answered automatically")
        INBOX = "inbox", _("For an agent")
        NO_CONSENT = "no_consent", _("Not answered: no consent on this channel")
        LIMITED = "limited", _("Not answered: too many messages from this number")
        NOT_SENT = "not_sent", _("Not answered: the reply could not be queued")
        OPTED_OUT = "opted_out", _("Consent revoked")

    portfolio = models.ForeignKey("portfolio.Portfolio", on_delete=models.PROTECT, related_name="inbound_messages")
    debtor = models.ForeignKey("portfolio.Debtor", on_delete=models.PROTECT, related_name="inbound_messages")
    contact = models.ForeignKey("portfolio.Contact", null=True, blank=True, on_delete=models.SET_NULL,
                                related_name="inbound_messages")
    channel = models.CharField(_("channel"), max_length=10, choices=CHANNELS)
    sender = models.CharField(_("from"), max_length=32)
    text = models.TextField(_("text"), blank=True, help_text="at most 2,000 characters; longer texts are cut")
    truncated = models.BooleanField(default=False)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    outcome = models.CharField(_("outcome"), max_length=12, choices=Outcome.choices)
    reason = models.CharField(max_length=300, blank=True, help_text="why it was not answered")
    reply = models.ForeignKey(Message, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    provider = models.CharField(max_length=30, blank=True)
    provider_id = models.CharField(max_length=200, blank=True)
    received_at = models.DateTimeField(_("received"))
    needs_agent = models.BooleanField(default=False, help_text="shown in the agents' inbox until handled")
    handled_at = models.DateTimeField(_("handled"), null=True, blank=True)
    handled_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")

    class Meta:
        verbose_name = _("inbound message")
        verbose_name_plural = _("inbound messages")
        ordering = ["-received_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["debtor", "provider", "provider_id"], condition=~Q(provider_id=""),
                                    name="inbound_once_per_provider_id"),
            models.CheckConstraint(condition=Q(channel__in=["sms", "whatsapp"]), name="inbound_channel_valid"),
            models.CheckConstraint(condition=Q(kind__in=["balance", "pay", "plan", "help", "stop", "other"]),
                                   name="inbound_kind_valid"),
        ]
        indexes = [
            models.Index(fields=["portfolio", "needs_agent", "handled_at", "-received_at"], name="inbound_inbox_idx"),
            models.Index(fields=["debtor", "-received_at"], name="inbound_debtor_idx"),
            models.Index(fields=["sender", "-received_at"], name="inbound_sender_idx"),
        ]

    def __str__(self):
        return f"{self.channel} {self.sender} → {self.debtor_id} ({self.kind})"
