from django.db import models
from django.utils.translation import gettext_lazy as _


class Installation(models.Model):
    """The one row of settings every process of an installation must share and that no file holds: the secret
    key (recaudo.core.secret), made on first use unless SECRET_KEY comes from the environment. Not in the admin."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    secret_key = models.CharField(max_length=200)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("installation")
        verbose_name_plural = _("installations")
        constraints = [models.CheckConstraint(condition=models.Q(id=1), name="core_installation_single_row")]

    def __str__(self):
        return "installation"
