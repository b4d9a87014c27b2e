"""Numbered certificates a portfolio issues about a debtor: the paz y salvo (nothing owed) and the certificate of
debt of a property administrator (Ley 675 de 2001 art. 48). Each is numbered per portfolio and kind without gaps
(CertificateCounter locked while a number is taken), carries a random verification code anyone can check at
/verificar/<code>/, and keeps what it certified as issued (`content`), so the PDF downloaded later is the same
document and the ledger may move on."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class CertificateKind(models.TextChoices):
    NO_DEBT = "no_debt", _("Paz y salvo (no-debt certificate)")
    DEBT = "debt", _("Certificate of debt")


PREFIX = {CertificateKind.NO_DEBT: "PS", CertificateKind.DEBT: "CD"}


class CertificateCounter(models.Model):
    """The last number of a kind of certificate in a portfolio: locked with SELECT ... FOR UPDATE while a number is
    taken, so concurrent issues get consecutive numbers without gaps or repeats."""

    portfolio = models.ForeignKey("portfolio.Portfolio", on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=10, choices=CertificateKind.choices)
    last_number = models.PositiveBigIntegerField(default=0)

    class Meta:
        verbose_name = _("certificate counter")
        verbose_name_plural = _("certificate counters")
        constraints = [models.UniqueConstraint(fields=["portfolio", "kind"], name="certificate_counter_unique")]

    def __str__(self):
        return f"{self.portfolio_id} {self.kind}: {self.last_number}"


class Certificate(models.Model):
    portfolio = models.ForeignKey("portfolio.Portfolio", on_delete=models.PROTECT, related_name="certificates",
                                  db_index=False)
    kind = models.CharField(_("kind"), max_length=10, choices=CertificateKind.choices)
    number = models.PositiveBigIntegerField(_("number"))
    debtor = models.ForeignKey("portfolio.Debtor", on_delete=models.PROTECT, related_name="certificates")
    # a paz y salvo of one obligation; empty: the whole debtor (every obligation)
    obligation = models.ForeignKey("portfolio.Obligation", null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")
    # random, unguessable (80 bits, base32, shown grouped XXXX-XXXX-XXXX-XXXX); stored as is so the PDF can be
    # downloaded again with it
    code = models.CharField(_("verification code"), max_length=16, unique=True)
    as_of = models.DateField(_("as of"))
    issued_at = models.DateTimeField(_("issued"))
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                  related_name="+")
    issued_by_label = models.CharField(max_length=150, blank=True)
    content = models.JSONField(default=dict)  # what it certifies, as issued (see services.py)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_reason = models.CharField(max_length=300, blank=True)

    class Meta:
        verbose_name = _("certificate")
        verbose_name_plural = _("certificates")
        ordering = ["-issued_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["portfolio", "kind", "number"],
                                               name="certificate_number_unique")]

    def __str__(self):
        return self.label

    @property
    def label(self) -> str:
        return f"{PREFIX.get(self.kind, 'C')}-{self.number:06d}"
