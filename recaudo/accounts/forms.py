from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _

from .models import Role


class LoginForm(AuthenticationForm):
    """The standard login form with autofocus and browser autocomplete hints."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["username"].widget.attrs.update({"autocomplete": "username", "autofocus": True})
        self.fields["password"].widget.attrs.update({"autocomplete": "current-password"})


class TokenForm(forms.Form):
    token = forms.CharField(
        label=_("Code"), max_length=20, strip=True,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "autofocus": True, "inputmode": "text",
                                      "spellcheck": "false", "autocapitalize": "off"}),
        error_messages={"required": _("Enter the code.")},
    )


def _role_choices(blank: str | None = None):
    return ([("", blank)] if blank is not None else []) + list(Role.choices)


class InviteForm(forms.Form):
    email = forms.CharField(label=_("E-mail"), max_length=254, strip=True,
                            widget=forms.EmailInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
                            error_messages={"required": _("Enter the e-mail address of the person to invite.")})
    portfolio = forms.ChoiceField(label=_("Portfolio"))
    role = forms.ChoiceField(label=_("Role"), error_messages={"required": _("Choose a role.")})

    def __init__(self, *args, portfolios=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["portfolio"].choices = [(p.slug, p.name) for p in portfolios]
        self.fields["role"].choices = _role_choices()
        self.fields["role"].initial = "agent"


class RoleForm(forms.Form):
    portfolio = forms.CharField(max_length=60)
    role = forms.ChoiceField(label=_("Role"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["role"].choices = _role_choices(blank=_("No access"))


class AcceptInvitationForm(forms.Form):
    password = forms.CharField(label=_("Password"), max_length=128, strip=False,
                               widget=forms.PasswordInput(attrs={"autocomplete": "new-password", "autofocus": True}),
                               error_messages={"required": _("Choose a password.")})
    password_again = forms.CharField(label=_("Password again"), max_length=128, strip=False,
                                     widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
                                     error_messages={"required": _("Type the password again.")})
