"""The portal's own records: one-time code challenges, the throttle's log, debtor sessions and used link nonces.

Everything a limit or a session needs is a row here (the web processes keep nothing in memory or on disk), and no
secret is stored as it is: a challenge's key and code, a session's key, the ID typed and the destination are kept
as keyed hashes (recaudo.portal.rules.digest)."""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

THROTTLE_KINDS = ["request", "failure"]
SESSION_VIA = ["code", "link"]


class Challenge(models.Model):
    """A one-time code asked for by someone who typed an ID or a customer code. A challenge exists whether the ID
    is known or not (debtor empty then), so both answers do the same work. The code goes to the browser's holder only
    through the contact; the key travels in the browser's signed cookie: both are needed to sign in."""

    portfolio = models.ForeignKey("portfolio.Portfolio", on_delete=models.CASCADE, related_name="+")
    debtor = models.ForeignKey("portfolio.Debtor", null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    key_hash = models.CharField(max_length=64, unique=True)
    code_hash = models.CharField(max_length=64)
    identifier_hash = models.CharField(max_length=64)
    destination_hash = models.CharField(max_length=64, blank=True)
    channel = models.CharField(max_length=10, blank=True)
    message_id = models.BigIntegerField(null=True, blank=True)
    address = models.CharField(max_length=45, blank=True)
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    attempts = models.PositiveIntegerField(default=0)
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("portal code")
        verbose_name_plural = _("portal codes")
        indexes = [models.Index(fields=["portfolio", "identifier_hash", "created_at"], name="portal_chal_id_idx")]

    def __str__(self):
        return f"challenge {self.pk} ({self.created_at:%Y-%m-%d %H:%M})"


class Throttle(models.Model):
    """One code request or one failed attempt, by the ID typed, the client's address and the destination: the
    limits count these rows in a window (recaudo.portal.rules.lockout_until)."""

    portfolio = models.ForeignKey("portfolio.Portfolio", on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=10)
    identifier_hash = models.CharField(max_length=64)
    address = models.CharField(max_length=45, blank=True)
    destination_hash = models.CharField(max_length=64, blank=True)
    at = models.DateTimeField()

    class Meta:
        verbose_name = _("portal throttle record")
        verbose_name_plural = _("portal throttle records")
        constraints = [models.CheckConstraint(condition=Q(kind__in=THROTTLE_KINDS), name="portal_throttle_kind")]
        indexes = [
            models.Index(fields=["portfolio", "kind", "identifier_hash", "at"], name="portal_thr_id_idx"),
            models.Index(fields=["kind", "address", "at"], name="portal_thr_addr_idx"),
            models.Index(fields=["kind", "destination_hash", "at"], name="portal_thr_dest_idx"),
        ]

    def __str__(self):
        return f"{self.kind} {self.at:%Y-%m-%d %H:%M}"


class PortalSession(models.Model):
    """A debtor signed in to the portal (by a code or a link). The browser holds the key in a signed cookie of its
    own; staff sign-ins never read it and it signs no one in to staff pages."""

    portfolio = models.ForeignKey("portfolio.Portfolio", on_delete=models.CASCADE, related_name="+")
    debtor = models.ForeignKey("portfolio.Debtor", on_delete=models.CASCADE, related_name="+")
    key_hash = models.CharField(max_length=64, unique=True)
    via = models.CharField(max_length=10)
    address = models.CharField(max_length=45, blank=True)
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("portal session")
        verbose_name_plural = _("portal sessions")
        constraints = [models.CheckConstraint(condition=Q(via__in=SESSION_VIA), name="portal_session_via")]

    def __str__(self):
        return f"portal session {self.pk} of debtor {self.debtor_id}"


class LinkUse(models.Model):
    """A signed portal link that was opened: its nonce may never open the portal again."""

    nonce = models.CharField(max_length=40, unique=True)
    portfolio = models.ForeignKey("portfolio.Portfolio", on_delete=models.CASCADE, related_name="+")
    debtor = models.ForeignKey("portfolio.Debtor", on_delete=models.CASCADE, related_name="+")
    used_at = models.DateTimeField()

    class Meta:
        verbose_name = _("used portal link")
        verbose_name_plural = _("used portal links")

    def __str__(self):
        return f"link {self.nonce[:6]}… of debtor {self.debtor_id}"
