from django import forms
from django.utils.translation import gettext_lazy as _

from .rules import CODE_DIGITS


class EnterForm(forms.Form):
    identifier = forms.CharField(
        label=_("ID number or customer code"), max_length=64,
        help_text=_("We will send a one-time code to the phone or e-mail you authorized."),
        widget=forms.TextInput(attrs={"autocomplete": "username", "autocapitalize": "characters",
                                      "spellcheck": "false",
                                      "aria-describedby": "id_identifier-help"}))


class CodeForm(forms.Form):
    code = forms.CharField(
        label=_("Code"), max_length=CODE_DIGITS * 2,
        help_text=_("The %(digits)d digits we sent you. It expires in 10 minutes.") % {"digits": CODE_DIGITS},
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric",
                                      "pattern": "[0-9 ]*",
                                      "aria-describedby": "id_code-help"}))
