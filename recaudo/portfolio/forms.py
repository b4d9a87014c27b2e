from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from recaudo.core.forms import AmountField
from recaudo.core.money import to_minor

from .models import PaymentReference
from .selectors import DebtorFilters

ALL = pgettext_lazy("filter", "All")
SORT_CHOICES = [
    ("name", _("Name (A-Z)")), ("-name", _("Name (Z-A)")),
    ("code", _("Code")), ("-code", _("Code (descending)")),
    ("-balance", _("Balance (highest first)")), ("balance", _("Balance (lowest first)")),
    ("-dpd", _("Days past due (most first)")), ("dpd", _("Days past due (fewest first)")),
]


class DebtorFilterForm(forms.Form):
    """The debtor list's search, filters and sort, read from the query string. Every field is optional."""

    q = forms.CharField(label=_("Search"), required=False, max_length=200)
    bucket = forms.TypedChoiceField(label=_("Days past due"), required=False, coerce=int, empty_value=None)
    min_balance = AmountField(label=_("Balance from"), required=False)
    max_balance = AmountField(label=_("Balance to"), required=False)
    tag = forms.CharField(label=_("Tag"), required=False, max_length=60)
    disputed = forms.ChoiceField(label=_("Disputed"), required=False,
                                 choices=[("", ALL), ("yes", _("Disputed")), ("no", _("Not disputed"))])
    with_balance = forms.BooleanField(label=_("With balance only"), required=False, initial=True)
    sort = forms.ChoiceField(label=_("Sort"), required=False, choices=SORT_CHOICES)
    page = forms.IntegerField(required=False, min_value=1)

    def __init__(self, data=None, *, portfolio, bucket_choices):
        self.portfolio = portfolio
        # A submitted filter form carries "filtered"; the first visit shows debtors with a balance only.
        data = data.copy() if data is not None else None
        if data is not None and "filtered" not in data and "with_balance" not in data:
            data["with_balance"] = "on"
        super().__init__(data)
        self.fields["bucket"].choices = [("", ALL)] + [(str(i), label) for i, label in bucket_choices]
        for name in ("q", "tag"):
            self.fields[name].widget.attrs["autocomplete"] = "off"
        self.fields["q"].widget.attrs.update(
            {"type": "search", "placeholder": _("Name, code, ID, phone, e-mail or obligation number")})

    def filters(self) -> tuple[DebtorFilters, list[str], int]:
        """(filters, labels of the fields that were invalid and ignored, page number)."""
        if not self.is_bound:
            return DebtorFilters(), [], 1
        self.is_valid()
        data = self.cleaned_data
        ignored = [str(self.fields[name].label or name) for name in self.errors]
        currency = self.portfolio.currency
        sort = data.get("sort") or "name"
        disputed = {"yes": True, "no": False}.get(data.get("disputed") or "")
        filters = DebtorFilters(
            q=data.get("q") or "",
            bucket=data.get("bucket"),
            min_balance_minor=to_minor(data["min_balance"], currency) if data.get("min_balance") is not None else None,
            max_balance_minor=to_minor(data["max_balance"], currency) if data.get("max_balance") is not None else None,
            tag=data.get("tag") or "",
            disputed=disputed,
            with_balance=bool(data.get("with_balance")),
            sort=sort.lstrip("-"),
            desc=sort.startswith("-"),
        )
        return filters, ignored, data.get("page") or 1


class CreditorSettingsForm(forms.Form):
    """The creditor's details on the statement of account and how a debtor pays (portfolio settings)."""

    creditor = forms.CharField(label=_("Creditor's legal name"), required=False, max_length=200,
                               help_text=_("empty: the portfolio's name"))
    creditor_nit = forms.CharField(label=_("NIT"), required=False, max_length=20,
                                   help_text=_("with its check digit, e.g. 900.123.456-8"))
    creditor_address = forms.CharField(label=_("Address"), required=False, max_length=300,
                                       help_text=_("street, city"))
    creditor_contact = forms.CharField(label=_("Phone and e-mail"), required=False, max_length=200)
    logo = forms.FileField(label=_("Logo"), required=False,
                           help_text=_("PNG or JPEG, up to 256 KB; printed at the top of statements"),
                           widget=forms.ClearableFileInput(attrs={"accept": "image/png,image/jpeg"}))
    remove_logo = forms.BooleanField(label=_("Remove the logo"), required=False)
    brand_color = forms.CharField(label=_("Debtor portal colour"), required=False, max_length=7,
                                  help_text=_("#RRGGBB, dark enough for white text (e.g. #0f766e); empty: Recaudo's "
                                              "own. The portal also shows the creditor's name and logo."))
    portal_host = forms.CharField(label=_("Portal host name"), required=False, max_length=253,
                                  help_text=_("the creditor's own address for the debtor portal, e.g. "
                                              "pagos.edificio.com: point it at this server (DNS and HTTPS) and add "
                                              "it to ALLOWED_HOSTS; empty: only /portal/<slug>/"))
    payment_bank = forms.CharField(label=_("Bank"), required=False, max_length=100)
    payment_account = forms.CharField(label=_("Account"), required=False, max_length=100,
                                      help_text=_("type and number, e.g. Cuenta corriente 123-456789-01"))
    payment_agreement = forms.CharField(label=_("Collection agreement (convenio)"), required=False, max_length=40)
    payment_reference = forms.ChoiceField(label=_("Reference the debtor quotes"), choices=PaymentReference.choices)
    payment_notes = forms.CharField(label=_("Other ways to pay"), required=False, max_length=300,
                                    widget=forms.Textarea(attrs={"rows": 2}),
                                    help_text=_("e.g. PSE at www.empresa.co/pagos, cash at the office"))
    legal_status = forms.CharField(label=_("Legal status"), required=False, max_length=300,
                                   help_text=_("e.g. Propiedad horizontal, personería jurídica inscrita en la Alcaldía "
                                               "Local de Chapinero, Resolución 123 de 2010"))
    legal_representative = forms.CharField(label=_("Legal representative"), required=False, max_length=200,
                                           help_text=_("the building's administrator, who signs certificates"))
    legal_representative_id = forms.CharField(label=_("Legal representative's ID"), required=False, max_length=40,
                                              help_text=_("type and number, e.g. CC 79.123.456"))
    certificate_city = forms.CharField(label=_("City where certificates are issued"), required=False,
                                       max_length=100, help_text=_("e.g. Bogotá D.C."))

    def creditor_fields(self):
        return [self[name] for name in ("creditor", "creditor_nit", "creditor_address", "creditor_contact",
                                        "brand_color", "portal_host")]

    def certificate_fields(self):
        return [self[name] for name in ("legal_status", "legal_representative", "legal_representative_id",
                                        "certificate_city")]

    def payment_fields(self):
        return [self[name] for name in ("payment_bank", "payment_account", "payment_agreement", "payment_reference",
                                        "payment_notes")]


class SavedFilterForm(forms.Form):
    """Save the debtor list's current filter under a name."""

    name = forms.CharField(label=_("Name"), max_length=80,
                           error_messages={"required": _("Give the filter a name.")})
    shared = forms.BooleanField(label=_("Share with the portfolio's users"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["name"].widget.attrs.update({"placeholder": _("e.g. my 31-60 over 5M"), "autocomplete": "off"})
