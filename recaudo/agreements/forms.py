"""Forms of the agreements pages: thin, they only parse; the services validate the business rules."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from recaudo.core.forms import AmountField, DateInput

from .models import Acceptance, Agreement, Offer


class ObligationsMixin:
    def set_obligations(self, obligations):
        self.fields["obligations"].queryset = obligations
        self.fields["obligations"].label_from_instance = lambda o: f"{o.number} · {o.due_date:%d/%m/%Y}"
        if not obligations.exists():  # an empty list of boxes says nothing: say why
            self.fields["obligations"].help_text = _(
                "No obligation of this debtor can go into an agreement: none is open, undisputed and outside another "
                "agreement.")


class PromiseForm(forms.Form):
    amount = AmountField(label=_("Amount"))
    due_date = forms.DateField(label=_("Promised date"), widget=DateInput())
    channel = forms.ChoiceField(label=_("Channel"), choices=[
        ("call", _("Call")), ("whatsapp", _("WhatsApp")), ("email", _("Email")), ("sms", _("SMS")),
        ("visit", _("Visit")), ("portal", _("Portal"))])
    source = forms.ChoiceField(label=_("Recorded by"), choices=[
        ("agent", _("Agent")), ("debtor", _("Debtor"))], initial="agent")
    notes = forms.CharField(label=_("Notes"), required=False, max_length=500)


class AgreementForm(ObligationsMixin, forms.Form):
    obligations = forms.ModelMultipleChoiceField(label=_("Obligations"), queryset=None,
                                                 widget=forms.CheckboxSelectMultiple)
    down_payment = AmountField(label=_("Down payment"), required=False)
    installments = forms.IntegerField(label=_("Installments"), min_value=1, max_value=600, initial=6)
    frequency = forms.ChoiceField(label=_("Frequency"), choices=Agreement.Frequency.choices)
    first_due = forms.DateField(label=_("First due date"), widget=DateInput())
    due_day = forms.IntegerField(label=_("Due day"), min_value=1, max_value=31, required=False,
                                 help_text=_("monthly plans; empty: the day of the first due date"))
    rate_kind = forms.ChoiceField(label=_("Interest"), choices=Agreement.RateKind.choices)
    rate_pct = forms.DecimalField(label=_("Rate (%)"), required=False, min_value=0, max_digits=9, decimal_places=6)
    breach_clause = forms.ChoiceField(label=_("Breach clause"), choices=Agreement._meta.get_field(
        "breach_clause").choices)
    language = forms.ChoiceField(label=_("Document language"), choices=[("es", "Español"), ("en", "English")])

    def __init__(self, *args, obligations, **kwargs):
        super().__init__(*args, **kwargs)
        self.set_obligations(obligations)


class AcceptanceForm(forms.Form):
    channel = forms.ChoiceField(label=_("Accepted through"), choices=Acceptance.Channel.choices)
    evidence_file = forms.FileField(label=_("Signed document"), required=False)
    evidence_text = forms.CharField(label=_("Email reply or note"), required=False, widget=forms.Textarea(
        attrs={"rows": 3}))
    checkbox = forms.BooleanField(label=_("The debtor ticked the acceptance box"), required=False)


class OfferForm(ObligationsMixin, forms.Form):
    kind = forms.ChoiceField(label=_("Type"), choices=Offer.Kind.choices)
    obligations = forms.ModelMultipleChoiceField(label=_("Obligations"), queryset=None,
                                                 widget=forms.CheckboxSelectMultiple)
    discount_pct = forms.DecimalField(label=_("Discount (%)"), required=False, min_value=0, max_value=100)
    pay_by = forms.DateField(label=_("Pay by"), required=False, widget=DateInput())
    waive_interest = forms.BooleanField(label=_("Waive interest"), required=False, initial=True)
    waive_fees = forms.BooleanField(label=_("Waive fees"), required=False, initial=True)
    months = forms.IntegerField(label=_("Extension (months)"), required=False, min_value=1)
    installments = forms.IntegerField(label=_("Installments"), required=False, min_value=1, max_value=600)
    frequency = forms.ChoiceField(label=_("Frequency"), choices=Agreement.Frequency.choices, required=False)
    first_due = forms.DateField(label=_("First due date"), required=False,
                                widget=DateInput())
    booking = forms.ChoiceField(label=_("Book forgiven amount as"), choices=[
        ("discount", _("Discount")), ("write_off", _("Write-off"))])
    expires_on = forms.DateField(label=_("Offer valid until"), required=False,
                                 widget=DateInput())
    reason = forms.CharField(label=_("Why"), required=False, max_length=500)

    def __init__(self, *args, obligations, **kwargs):
        super().__init__(*args, **kwargs)
        self.set_obligations(obligations)

    def params(self) -> dict:
        d = self.cleaned_data
        out = {}
        for name in ("discount_pct", "months", "installments", "frequency", "booking"):
            if d.get(name) not in (None, ""):
                out[name] = str(d[name]) if name == "discount_pct" else d[name]
        for name in ("pay_by", "first_due"):
            if d.get(name):
                out[name] = d[name].isoformat()
        out["waive_interest"], out["waive_fees"] = bool(d.get("waive_interest")), bool(d.get("waive_fees"))
        return out


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(choices=[("approve", _("Approve")), ("reject", _("Reject")),
                                          ("counter", _("Counter"))])
    reason = forms.CharField(label=_("Reason"), required=False, max_length=500)
    discount_pct = forms.DecimalField(label=_("Counter: discount (%)"), required=False, min_value=0, max_value=100)
    installments = forms.IntegerField(label=_("Counter: installments"), required=False, min_value=1, max_value=600)
    months = forms.IntegerField(label=_("Counter: months"), required=False, min_value=1)

    def counter_params(self) -> dict:
        d = self.cleaned_data
        out = {}
        if d.get("discount_pct") is not None:
            out["discount_pct"] = str(d["discount_pct"])
        if d.get("installments"):
            out["installments"] = d["installments"]
        if d.get("months"):
            out["months"] = d["months"]
        return out


class RateUploadForm(forms.Form):
    """The monthly legal rates file (same CSV as `recaudo rates load`)."""

    country = forms.CharField(label=_("Country"), max_length=2, initial="CO")
    file = forms.FileField(label=_("Rates file (CSV)"), help_text=_(
        "Header month,ibc_ea_pct,usury_ea_pct,resolution[,confirmed]; one row per month, percent E.A."))

    def text(self) -> str:
        raw = self.cleaned_data["file"].read()
        try:
            return raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise forms.ValidationError(_("The file is not UTF-8 text."))
