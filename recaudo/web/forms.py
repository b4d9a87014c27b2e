"""Forms of the debtor page: thin, they only parse; the services validate the business rules."""

from __future__ import annotations

import re

from django import forms
from django.utils.translation import gettext_lazy as _

from recaudo.core.forms import AmountField
from recaudo.ledger.models import PaymentMethod
from recaudo.portfolio.models import Consent, Contact, Document
from recaudo.portfolio.rules import NOTE_MAX_CHARS


class PaymentForm(forms.Form):
    """A payment received from the debtor (Registrar pago). `token` makes a double submit harmless: it is the
    payment's idempotency key when no bank reference is given."""

    amount = AmountField(label=_("Amount received"), allow_zero=False)
    date = forms.DateField(label=_("Payment date"),
                           widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    method = forms.ChoiceField(label=_("Method"), choices=PaymentMethod.choices, initial=PaymentMethod.TRANSFER)
    reference = forms.CharField(label=_("Bank reference"), required=False, max_length=100,
                                help_text=_("The bank's or PSE's reference; the same reference is never applied "
                                            "twice."))
    obligation = forms.ModelChoiceField(label=_("Apply first to"), queryset=None, required=False,
                                        empty_label=_("The portfolio's order (due first)"))
    token = forms.CharField(widget=forms.HiddenInput, max_length=64)

    def __init__(self, *args, obligations, currency, today, **kwargs):
        super().__init__(*args, **kwargs)
        self.today = today
        self.fields["amount"].currency = currency
        self.fields["obligation"].queryset = obligations
        self.fields["obligation"].label_from_instance = lambda o: f"{o.number} · {o.due_date:%d/%m/%Y}"

    def clean_date(self):
        """Said at the field, in the page's language; the ledger refuses it too (payment_date_check)."""
        day = self.cleaned_data["date"]
        if day > self.today:
            raise forms.ValidationError(_("A payment cannot be dated after today (%(today)s)."),
                                        params={"today": self.today.strftime("%d/%m/%Y")})
        return day


class ReverseForm(forms.Form):
    reason = forms.CharField(label=_("Why is it reversed?"), max_length=300,
                             help_text=_("For example: cheque devuelto, bank reversal, recorded twice."))



# ---------------------------------------------------------------------------------------------------------------
# The debtor page's own records (issue 14 §2): notes, contacts and consents, disputes, documents, the statement
# ---------------------------------------------------------------------------------------------------------------
class NoteForm(forms.Form):
    text = forms.CharField(label=_("Note"), max_length=NOTE_MAX_CHARS,
                           widget=forms.Textarea(attrs={"rows": 3, "maxlength": NOTE_MAX_CHARS}))


class ContactForm(forms.Form):
    channel = forms.ChoiceField(label=_("Channel"), choices=Contact.Channel.choices)
    value = forms.CharField(label=_("Phone, e-mail or address"), max_length=300)
    role = forms.ChoiceField(label=_("Whose is it"), choices=Contact.Role.choices, initial=Contact.Role.DEBTOR)
    holder_name = forms.CharField(label=_("Holder's name"), max_length=200, required=False,
                                  help_text=_("when the contact is not the debtor"))
    city = forms.CharField(label=_("City"), max_length=100, required=False)

    def __init__(self, *args, editing: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if editing:  # a contact's channel and role stay; a wrong one is removed and added again
            del self.fields["channel"]
            del self.fields["role"]


class ConsentForm(forms.Form):
    channel = forms.ChoiceField(label=_("Channel"))
    status = forms.ChoiceField(label=_("Consent"), choices=Consent.Status.choices, initial=Consent.Status.GRANTED)
    method = forms.ChoiceField(label=_("How it was given"), required=False,
                               choices=[("", "—"), *Consent.Method.choices])
    given_on = forms.DateField(label=_("Date"), required=False,
                               widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    detail = forms.CharField(label=_("Detail"), max_length=200, required=False,
                             help_text=_("e.g. clause 7 of the contract, recording no. 123"))

    def __init__(self, *args, channels, today, **kwargs):
        kwargs.setdefault("initial", {}).setdefault("given_on", today)
        super().__init__(*args, **kwargs)
        labels = dict(Consent.Channel.choices)
        self.fields["channel"].choices = [(c, labels[c]) for c in channels]


class DisputeForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=500, widget=forms.Textarea(attrs={"rows": 2}))
    # What the page asked for ("1" dispute, "0" resolve), so a page left open after someone else changed the
    # obligation, or a form sent twice, never does the opposite; not given: the other state.
    disputed = forms.TypedChoiceField(choices=[("1", "1"), ("0", "0")], coerce=lambda v: v == "1", empty_value=None,
                                      required=False, widget=forms.HiddenInput)


class DocumentForm(forms.Form):
    file = forms.FileField(label=_("File (PDF, JPG or PNG, at most 10 MB)"),
                           widget=forms.ClearableFileInput(attrs={"accept": ".pdf,.jpg,.jpeg,.png"}))
    kind = forms.ChoiceField(label=_("Kind"), choices=Document.Kind.choices, initial=Document.Kind.INVOICE)
    obligation = forms.ModelChoiceField(label=_("Obligation"), queryset=None, required=False,
                                        empty_label=_("The debtor (no obligation)"))

    def __init__(self, *args, obligations, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["obligation"].queryset = obligations


class StatementSendForm(forms.Form):
    channel = forms.ChoiceField(label=_("Send by"))
    token = forms.CharField(widget=forms.HiddenInput, max_length=64)

    def __init__(self, *args, channels: dict, **kwargs):
        super().__init__(*args, **kwargs)
        labels = {"email": _("E-mail")}
        self.fields["channel"].choices = [(c, f"{labels.get(c, c)} · {to}") for c, to in channels.items()]


class NoDebtCertificateForm(forms.Form):
    """A paz y salvo: of the whole debtor or of one of their obligations."""

    obligation = forms.ChoiceField(label=_("What it covers"), required=False)

    def __init__(self, *args, obligations=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["obligation"].choices = [("", _("Every obligation of the debtor"))] + [
            (str(o.pk), f"{o.number} · {o.get_status_display()}") for o in obligations]


class DebtBatchForm(forms.Form):
    """Which debtors a batch of certificates of debt covers (certificates.services.debt_batch_issue checks it)."""

    min_days = forms.IntegerField(label=_("At least this many days past due"), initial=1, min_value=1,
                                  max_value=36500)
    segment = forms.CharField(label=_("Only the segment (its name)"), max_length=100, required=False)
    legal_handoff = forms.BooleanField(label=_("Only debtors marked for legal hand-off"), required=False,
                                       initial=True)
    codes = forms.CharField(label=_("Only these customer codes"), required=False, max_length=100_000,
                            widget=forms.Textarea(attrs={"rows": 3}),
                            help_text=_("separated by spaces, commas or new lines; empty: every debtor that "
                                        "matches"))

    def clean_codes(self):
        return [c for c in re.split(r"[\s,;]+", self.cleaned_data["codes"]) if c]


class DebtCertificateForm(forms.Form):
    """A certificate of debt (Ley 675 de 2001 art. 48): nothing to choose, a confirmation."""

    confirm = forms.BooleanField(label=_("The building's details and legal representative in the portfolio's "
                                         "settings are up to date"), required=True)
