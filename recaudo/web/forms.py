"""Forms of the debtor page: thin, they only parse; the services validate the business rules."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from recaudo.core.forms import AmountField
from recaudo.ledger.models import PaymentMethod


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

