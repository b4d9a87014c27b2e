from django import forms
from django.utils.translation import get_language, gettext
from django.utils.translation import gettext_lazy as _

from recaudo.core.amounts import parse_amount
from recaudo.core.errors import DomainError
from recaudo.portfolio.models import Consent

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
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric",
                                      "pattern": "[0-9 ]*",
                                      "aria-describedby": "id_code-help"}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # in the request's language (formatted at import, a lazy text would be fixed in the language of the moment)
        self.fields["code"].help_text = gettext("The %(digits)d digits we sent you. It expires in 10 minutes.") % {
            "digits": CODE_DIGITS}


class AmountField(forms.CharField):
    """An amount as the debtor writes it in the page's language ("100.000" or "100.000,50" in Spanish, "100,000.50"
    in English) -> a Decimal; the service checks the limits."""

    def __init__(self, *args, allow_zero: bool = False, **kwargs):
        self.allow_zero = allow_zero
        super().__init__(*args, **kwargs)

    def clean(self, value):
        text = super().clean(value)
        if not text and not self.required:
            return None
        mark = "." if (get_language() or "").startswith("en") else ","
        try:
            return parse_amount(text, decimal=mark, allow_zero=self.allow_zero)
        except DomainError as exc:  # an amount that cannot be read (AmountError), in the page's language
            raise forms.ValidationError(exc.message) from None


def _amount(label):
    return AmountField(label=label, max_length=24,
                       widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}))


def _day(label, help_text=""):
    return forms.CharField(label=label, max_length=10, help_text=help_text,
                           widget=forms.DateInput(attrs={"type": "date"}))


class PromiseForm(forms.Form):
    """A promise to pay: the window (latest date, least amount) is the service's; the form only parses."""
    due_date = _day(_("Date you will pay"))
    amount = _amount(_("Amount you will pay"))


class DisputeForm(forms.Form):
    obligation = forms.TypedChoiceField(label=_("Obligation"), coerce=int, choices=())
    reason = forms.CharField(label=_("Why do you dispute it?"), max_length=500,
                             widget=forms.Textarea(attrs={"rows": 4}))
    # named "file" like the documents service's field, so its errors show here
    file = forms.FileField(label=_("Supporting document (optional)"), required=False,
                                 help_text=_("PDF, JPG or PNG, at most 10 MB."),
                                 widget=forms.ClearableFileInput(attrs={"accept": ".pdf,.jpg,.jpeg,.png"}))

    def __init__(self, *args, obligations=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["obligation"].choices = [(o.pk, f"{o.number}") for o in obligations]


class ReceiptForm(forms.Form):
    amount = _amount(_("Amount transferred"))
    paid_on = _day(_("Transfer date"))
    reference = forms.CharField(label=_("Transfer reference or number (optional)"), max_length=100, required=False)
    file = forms.FileField(label=_("Receipt"), help_text=_("PDF, JPG or PNG, at most 10 MB."),
                           widget=forms.ClearableFileInput(attrs={"accept": ".pdf,.jpg,.jpeg,.png"}))


class HabeasForm(forms.Form):
    """A consultation or a claim about the debtor's personal data (Ley 1581 de 2012)."""
    kind = forms.ChoiceField(label=_("What do you want to do?"), widget=forms.RadioSelect, choices=[
        ("consulta", _("Consultation: know what data we hold about you and how we use it")),
        ("reclamo", _("Claim: correct, update or delete your data, or revoke the authorization"))])
    text = forms.CharField(label=_("Your request"), max_length=5000, widget=forms.Textarea(attrs={"rows": 5}))
    file = forms.FileField(label=_("Supporting document (optional)"), required=False,
                           help_text=_("PDF, JPG or PNG, at most 10 MB."),
                           widget=forms.ClearableFileInput(attrs={"accept": ".pdf,.jpg,.jpeg,.png"}))


class RatingForm(forms.Form):
    score = forms.ChoiceField(label=_("How was the service? (1 = very bad, 5 = very good)"),
                              widget=forms.RadioSelect, choices=[(str(n), str(n)) for n in range(1, 6)])
    comment = forms.CharField(label=_("Comment (optional)"), max_length=500, required=False,
                              widget=forms.Textarea(attrs={"rows": 3}))
    action = forms.CharField(widget=forms.HiddenInput, max_length=20, required=False)


def _channels():
    return Consent.Channel.choices


class PreferencesForm(forms.Form):
    channels = forms.MultipleChoiceField(label=_("Channels you want us to use"), required=False,
                                         widget=forms.CheckboxSelectMultiple, choices=_channels)
    hours_from = forms.CharField(label=_("From (hour)"), required=False, max_length=5,
                                 widget=forms.TimeInput(attrs={"type": "time"}))
    hours_to = forms.CharField(label=_("Until (hour)"), required=False, max_length=5,
                               widget=forms.TimeInput(attrs={"type": "time"}))


class RevokeForm(forms.Form):
    channel = forms.ChoiceField(label=_("Withdraw my authorization for"), required=False,
                                choices=lambda: [("", _("every channel")), *Consent.Channel.choices])


PLAN_TEXT_VERSION = "portal-plan-1"


class PlanForm(forms.Form):
    installments = forms.IntegerField(label=_("Number of monthly installments"), min_value=1, max_value=999,
                                      widget=forms.NumberInput(attrs={"inputmode": "numeric"}))
    down_payment = AmountField(label=_("Down payment today"), max_length=24, required=False, allow_zero=True,
                               widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}))
    # named like the service's field, so "accept the terms" shows here
    checkbox = forms.BooleanField(label=_("I have read and accept the terms of this payment agreement."),
                                  required=False)


class OfferAcceptForm(forms.Form):
    """Accept a proposal a supervisor approved: its id (one of the signed-in debtor's, checked by the view) and the
    checkbox."""
    offer = forms.IntegerField(min_value=1, max_value=2**62, widget=forms.HiddenInput)
    checkbox = forms.BooleanField(label=_("I have read and accept the terms of this payment agreement."),
                                  required=False)
