"""API tokens and the stored answers of idempotent writes. Everything a limit needs is a row here: the web processes
keep nothing in memory, so every process and every server sees the same counts."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class ApiToken(models.Model):
    """A bearer token: per user (the user's role still applies) or per named integration (no user). Only the
    SHA-256 of the secret is stored; the secret is shown once, when the token is created."""

    class Scope(models.TextChoices):
        READ = "read", _("Read")
        WRITE = "write", _("Read and write")

    name = models.CharField(_("name"), max_length=100)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE,
                             related_name="api_tokens", help_text=_("empty: a token of an integration"))
    prefix = models.CharField(max_length=16, help_text="the secret's first characters, to recognise it in lists")
    secret_hash = models.CharField(max_length=64, unique=True)
    scope = models.CharField(_("scope"), max_length=5, choices=Scope.choices, default=Scope.READ)
    portfolios = models.ManyToManyField("portfolio.Portfolio", related_name="+")
    rate_per_minute = models.PositiveIntegerField(_("requests per minute"))
    # The current minute's count (a fixed window): updated with one conditional UPDATE per request.
    window_start = models.DateTimeField(null=True, blank=True)
    window_count = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField()
    created_by = models.CharField(max_length=150, blank=True)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        ordering = ["name", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(scope__in=["read", "write"]), name="api_token_scope_valid"),
            models.CheckConstraint(condition=Q(rate_per_minute__gte=1), name="api_token_rate_positive"),
        ]

    def __str__(self):
        return f"{self.name} ({self.prefix}…)"

    @property
    def writes(self) -> bool:
        return self.scope == self.Scope.WRITE


class IdempotentRequest(models.Model):
    """The answer to a write sent with an Idempotency-Key: the same key and body answer it again; the same key with
    another body is refused."""

    token = models.ForeignKey(ApiToken, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=200)
    request_hash = models.CharField(max_length=64)
    status = models.PositiveSmallIntegerField()
    body = models.TextField()
    created_at = models.DateTimeField()

    class Meta:
        verbose_name = _("idempotent API request")
        verbose_name_plural = _("idempotent API requests")
        constraints = [models.UniqueConstraint(fields=["token", "key"], name="api_idempotency_key_unique")]
        indexes = [models.Index(fields=["created_at"])]

    def __str__(self):
        return f"{self.key} ({self.status})"
