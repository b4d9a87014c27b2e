from django import forms
from django.utils.translation import gettext_lazy as _


class AnonymizeForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=500,
                             help_text=_("e.g. the debtor's deletion request received on 2026-12-01 (Ley 1581 de "
                                         "2012, art. 8 e)"),
                             widget=forms.Textarea(attrs={"rows": 3}))
    confirm = forms.BooleanField(label=_("I understand that the name, ID and contact data are removed for good"),
                                 required=True)
    force = forms.BooleanField(
        label=_("Force it although the debtor owes money or has an open agreement or promise"), required=False)
