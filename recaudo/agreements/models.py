"""Legal rate tables: per country and rate type, with the dates they are in force.

Colombia: the monthly certified current bank rate (IBC) and the usury rate (1.5 x IBC), both effective annual
percentages, seeded from data/co_rates.csv and editable in the admin for new months.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class LegalRate(models.Model):
    class RateType(models.TextChoices):
        IBC = "ibc", _("Certified current bank rate (IBC)")
        USURY = "usury", _("Usury rate (legal maximum)")

    country = models.CharField(_("country"), max_length=2)
    rate_type = models.CharField(_("rate type"), max_length=8, choices=RateType.choices)
    valid_from = models.DateField(_("valid from"))
    valid_to = models.DateField(_("valid to"), help_text=_("last day in force, inclusive"))
    rate_ea_pct = models.DecimalField(
        _("rate (% E.A.)"), max_digits=8, decimal_places=4, help_text=_("effective annual, in percent: 25.23")
    )
    resolution = models.CharField(_("resolution"), max_length=100, blank=True, help_text=_("e.g. SFC 0250/2026"))
    confirmed = models.BooleanField(
        _("confirmed"), default=False, help_text=_("checked against the official resolution")
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["country", "rate_type", "-valid_from"]
        verbose_name = _("legal rate")
        verbose_name_plural = _("legal rates")
        constraints = [
            models.UniqueConstraint(fields=["country", "rate_type", "valid_from"], name="legalrate_unique_start"),
            models.CheckConstraint(condition=Q(valid_to__gte=models.F("valid_from")), name="legalrate_dates_ordered"),
            models.CheckConstraint(condition=Q(rate_ea_pct__gt=0), name="legalrate_rate_positive"),
            models.CheckConstraint(condition=Q(rate_type__in=["ibc", "usury"]), name="legalrate_type_valid"),
            models.CheckConstraint(condition=Q(country__regex=r"^[A-Z]{2}$"), name="legalrate_country_iso"),
        ]

    def __str__(self):
        return f"{self.country} {self.rate_type} {self.valid_from}..{self.valid_to}: {self.rate_ea_pct} %"

    def clean(self):
        super().clean()
        if self.country:
            self.country = self.country.strip().upper()
        if self.valid_from and self.valid_to and self.valid_from <= self.valid_to:
            overlapping = LegalRate.objects.filter(
                country=self.country, rate_type=self.rate_type,
                valid_from__lte=self.valid_to, valid_to__gte=self.valid_from,
            ).exclude(pk=self.pk)
            other = overlapping.first()
            if other is not None:
                raise ValidationError(
                    _("Overlaps %(other)s; end that one first or change the dates.") % {"other": other}
                )
