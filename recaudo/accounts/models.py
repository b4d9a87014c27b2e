from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    ADMIN = "admin", _("Administrator")
    SUPERVISOR = "supervisor", _("Supervisor")
    AGENT = "agent", _("Agent")
    VIEWER = "viewer", _("Viewer")


# What each role may do, per portfolio. Superusers may do everything everywhere.
PERMISSIONS = {
    Role.ADMIN: {"view", "import", "write", "manage"},
    Role.SUPERVISOR: {"view", "import", "write"},
    Role.AGENT: {"view", "write"},
    Role.VIEWER: {"view"},
}


class Membership(models.Model):
    """A user's role in one portfolio. Users see only the portfolios they are granted."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    portfolio = models.ForeignKey("portfolio.Portfolio", on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=12, choices=Role.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            models.UniqueConstraint(fields=["user", "portfolio"], name="membership_unique"),
            models.CheckConstraint(
                condition=models.Q(role__in=[r.value for r in Role]), name="membership_role_valid"
            ),
        ]

    def __str__(self):
        return f"{self.user} · {self.portfolio} · {self.role}"


class Invitation(models.Model):
    """A one-time link that lets an invited (inactive) user choose a password. Only the SHA-256 of the token is
    stored; the token itself travels once, in the e-mail. Valid until expires_at, used once (used_at)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="invitations")
    token_hash = models.CharField(max_length=64, unique=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+")
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")

    def __str__(self):
        return f"{self.user} · {self.created_at:%Y-%m-%d}"
