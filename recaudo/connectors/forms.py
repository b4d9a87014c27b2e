"""The connector's form: its name, schedule and options, and one field per ConfigField of its adapter (a secret is
never filled back in; left empty it keeps the saved one)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from . import rules


class ConnectorForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    base_url = forms.CharField(label=_("API address"), max_length=300, required=False,
                               help_text=_("Empty: the ERP's own API. Change it only to test."))
    interval_minutes = forms.IntegerField(label=_("Sync every (minutes)"), initial=60,
                                          min_value=rules.MIN_INTERVAL_MINUTES,
                                          max_value=rules.MAX_INTERVAL_MINUTES)
    active = forms.BooleanField(label=_("Active (runs on its schedule)"), required=False, initial=True)
    skip_invalid = forms.BooleanField(
        label=_("Import the valid records when some are invalid"), required=False,
        help_text=_("Otherwise a run with an invalid record imports nothing until it is fixed in the ERP."))
    push_payments = forms.BooleanField(
        label=_("Record in the ERP the payments received in Recaudo"), required=False,
        help_text=_("Only payments received from now on, on invoices this connector imported."))

    def __init__(self, *args, adapter, connector=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.adapter = adapter
        config = (connector.config if connector else {}) or {}
        saved = connector.saved_secret_keys() if connector else set()
        for spec in adapter.config_fields:
            if spec.secret:
                field = forms.CharField(
                    label=spec.label, required=False, max_length=500, widget=forms.PasswordInput(render_value=False),
                    help_text=_("configured: leave empty to keep it") if spec.key in saved else spec.help)
            else:
                field = forms.CharField(label=spec.label, required=False, max_length=500,
                                        initial=config.get(spec.key, ""), help_text=spec.help)
            self.fields[spec.key] = field
        if connector is not None:
            for key in ("name", "base_url", "interval_minutes", "active", "skip_invalid", "push_payments"):
                self.fields[key].initial = getattr(connector, key)
        else:
            self.fields["name"].initial = adapter.label

    def values(self) -> dict:
        return {spec.key: self.cleaned_data.get(spec.key, "") for spec in self.adapter.config_fields}
