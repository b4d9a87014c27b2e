"""Forms of the bank pages: what a person types, parsed; the rules are the services'."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from . import asobancaria, statements

MAX_UPLOAD_BYTES = 20 * 1024 * 1024  # a collection file of 100,000 payments is about 16 MB


STATEMENT_LAYOUT_LABELS = {"csv": "CSV", "xlsx": "Excel (XLSX)", "ofx": "OFX", "camt053": "CAMT.053 (ISO 20022)",
                           "mt940": "MT940"}


class BankFileForm(forms.Form):
    file = forms.FileField(label=_("Bank file (Asobancaria collection file or statement)"))
    layout = forms.ChoiceField(label=_("Layout"), initial="auto", choices=[
        ("auto", _("Detect it")),
        *[(name, name.replace("asobancaria-", "Asobancaria ")) for name in asobancaria.LAYOUTS],
        *[(name, STATEMENT_LAYOUT_LABELS[name]) for name in statements.LAYOUTS]])
    mapping = forms.ChoiceField(label=_("Statement mapping (CSV or XLSX)"), required=False)
    convenio = forms.ChoiceField(label=_("Collection agreement (convenio)"), required=False)
    dry_run = forms.BooleanField(label=_("Only check (apply nothing)"), required=False)

    def __init__(self, *args, convenios=(), mappings=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["convenio"].choices = [("", _("The one of the file's bank and service, if any"))] + [
            (c.name, c.name) for c in convenios]
        self.fields["mapping"].choices = [("", _("The portfolio's only mapping, if any"))] + [
            (m.name, m.name) for m in mappings]

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


class StatementMappingForm(forms.Form):
    """A CSV/XLSX statement mapping, as statements.Mapping has it; the service checks it."""

    name = forms.CharField(label=_("Name"), max_length=60)
    date_column = forms.CharField(label=_("Date column"), max_length=60)
    amount_column = forms.CharField(label=_("Amount column (signed)"), max_length=60, required=False)
    debit_column = forms.CharField(label=_("Debit column (money out)"), max_length=60, required=False)
    credit_column = forms.CharField(label=_("Credit column (money in)"), max_length=60, required=False)
    reference_column = forms.CharField(label=_("Reference column"), max_length=60, required=False)
    description_column = forms.CharField(label=_("Description column"), max_length=60, required=False)
    payer_column = forms.CharField(label=_("Payer column"), max_length=60, required=False)
    transaction_id_column = forms.CharField(label=_("Transaction id column"), max_length=60, required=False)
    balance_column = forms.CharField(label=_("Balance column"), max_length=60, required=False)
    separator = forms.CharField(label=_("Separator (a tab: \\t)"), max_length=2, initial=",", strip=False)
    encoding = forms.ChoiceField(label=_("Encoding"), initial="auto", choices=[
        ("auto", _("UTF-8, else Windows-1252")), ("utf-8", "UTF-8"), ("windows-1252", "Windows-1252")])
    date_format = forms.CharField(label=_("Date format"), max_length=20, initial="%d/%m/%Y")
    decimal_separator = forms.ChoiceField(label=_("Decimal separator"), initial=",",
                                          choices=[(",", _("comma")), (".", _("dot"))])
    thousands_separator = forms.ChoiceField(label=_("Thousands separator"), initial=".", required=False,
                                            choices=[(".", _("dot")), (",", _("comma")), (" ", _("space")),
                                                     ("'", _("apostrophe")), ("", _("none"))])
    header_lines_skip = forms.IntegerField(label=_("Lines to skip before the header"), min_value=0,
                                           max_value=100, initial=0)
    footer_lines_skip = forms.IntegerField(label=_("Lines to skip at the end"), min_value=0, max_value=100,
                                           initial=0)
    has_header = forms.BooleanField(label=_("The file has a header row"), required=False, initial=True)
    credits_negative = forms.BooleanField(label=_("Money in is written negative"), required=False)
    account = forms.CharField(label=_("Account"), max_length=34, required=False)
