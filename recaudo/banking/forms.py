"""Forms of the bank pages: what a person types, parsed; the rules are the services'."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from . import asobancaria

MAX_UPLOAD_BYTES = 20 * 1024 * 1024  # a collection file of 100,000 payments is about 16 MB


class BankFileForm(forms.Form):
    file = forms.FileField(label=_("Bank collection file (Asobancaria)"))
    layout = forms.ChoiceField(label=_("Layout"), initial="auto", choices=[
        ("auto", _("Detect it")),
        *[(name, name.replace("asobancaria-", "Asobancaria ")) for name in asobancaria.LAYOUTS]])
    convenio = forms.ChoiceField(label=_("Collection agreement (convenio)"), required=False)
    dry_run = forms.BooleanField(label=_("Only check (apply nothing)"), required=False)

    def __init__(self, *args, convenios=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["convenio"].choices = [("", _("The one of the file's bank and service, if any"))] + [
            (c.name, c.name) for c in convenios]

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(_("the file is larger than %(mb)d MB")
                                        % {"mb": MAX_UPLOAD_BYTES // (1024 * 1024)})
        return upload


class LineApplyForm(forms.Form):
    debtor = forms.CharField(label=_("Debtor (code, ID or obligation number)"), max_length=60, required=False)
    obligation = forms.CharField(label=_("Obligation number (optional)"), max_length=60, required=False)


class LineDismissForm(forms.Form):
    reason = forms.CharField(label=_("Why it is not a collection"), max_length=300)
