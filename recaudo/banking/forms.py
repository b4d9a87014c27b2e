"""Forms of the bank pages: what a person types, parsed; the rules are the services'."""

from __future__ import annotations

from django import forms
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from recaudo.core.forms import DateInput

from . import asobancaria, rules, statements
from .models import ReferenceKind

MAX_UPLOAD_BYTES = 20 * 1024 * 1024  # a collection file of 100,000 payments is about 16 MB


class BankFileForm(forms.Form):
    file = forms.FileField(label=_("Bank file (Asobancaria collection file or statement)"))
    layout = forms.ChoiceField(label=_("Layout"), initial="auto", choices=[
        ("auto", _("Detect it")),
        *[(name, rules.layout_label(name)) for name in (*asobancaria.LAYOUTS, *statements.LAYOUTS)]])
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


class ReceiptRejectForm(forms.Form):
    reason = forms.CharField(label=_("Why the receipt is rejected (the debtor sees it)"), max_length=300)


# --- convenios and payment references (administrators) -----------------------------------------------------------

MAX_SEGMENTS = len(rules.SEGMENT_FIELDS)  # each field at most once


def segment_field_choices():
    return [("", "—")] + [(f, rules.field_label(f).capitalize()) for f in rules.SEGMENT_FIELDS]


class ConvenioForm(forms.Form):
    """A convenio's fields as typed; the service checks digits and sizes and says which field is wrong."""

    name = forms.CharField(label=_("Name"), max_length=60)
    bank_code = forms.CharField(label=_("Bank code (Asobancaria)"), max_length=3,
                                help_text=_("007 Bancolombia, 001 Banco de Bogotá, 051 Davivienda..."))
    account_number = forms.CharField(label=_("Account number"), max_length=17, required=False)
    account_type = forms.CharField(label=_("Account type (code)"), max_length=2, required=False)
    company_nit = forms.CharField(label=_("Company NIT (as the file carries it)"), max_length=13, required=False)
    service_code = forms.CharField(label=_("Service code (EAN-13 or NIT)"), max_length=13, required=False)
    sample = forms.CharField(label=_("Sample reference for the preview (48 digits)"), max_length=48,
                             required=False)

    def __init__(self, *args, editing: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if editing:  # the name is the convenio's key (imports and the command name it)
            self.fields["name"].disabled = True


class SegmentForm(forms.Form):
    """One row of a convenio's reference layout: which field, from which position, how many positions. Inputs are
    bounded; whether the positions fit the 48 of the reference is the rule's (rules.parse_layout) to say."""

    field = forms.ChoiceField(label=_("Field"), required=False, choices=segment_field_choices)
    start = forms.IntegerField(label=_("Start"), required=False, min_value=1, max_value=999)
    length = forms.IntegerField(label=_("Length"), required=False, min_value=1, max_value=999)

    def clean(self):
        data = super().clean()
        filled = [data.get("field"), data.get("start"), data.get("length")]
        if any(v not in (None, "") for v in filled) and not all(v not in (None, "") for v in filled):
            raise forms.ValidationError(_("give the field, its start and its length (or leave the row empty)"))
        return data


def segment_formset(data=None, layout=None):
    """The layout rows: the convenio's segments and empty rows up to one per field."""
    initial = [{"field": s["field"], "start": s["start"], "length": s["length"]} for s in (layout or [])]
    formset_class = forms.formset_factory(SegmentForm, extra=max(MAX_SEGMENTS - len(initial), 0),
                                          max_num=MAX_SEGMENTS, absolute_max=MAX_SEGMENTS, validate_max=True)
    return formset_class(data, initial=initial, prefix="seg")


def layout_rows(formset) -> list[dict]:
    """The filled rows of a valid formset as layout segments, in the order typed."""
    return [{"field": f.cleaned_data["field"], "start": f.cleaned_data["start"], "length": f.cleaned_data["length"]}
            for f in formset.forms if f.cleaned_data.get("field")]


class AutoApplyScoreForm(forms.Form):
    score = forms.IntegerField(label=_("Score from which a suggestion is applied by itself (1-100)"), min_value=1,
                               max_value=100)


class ReferenceKindForm(forms.Form):
    kind = forms.ChoiceField(label=_("The payment reference is"), choices=ReferenceKind.choices)


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


class GatewayAccountForm(forms.Form):
    """A provider's keys, one field per ConfigField of its adapter; a secret is never filled back in."""

    active = forms.BooleanField(label=_("Active"), required=False, initial=True)

    def __init__(self, *args, adapter, account=None, **kwargs):
        super().__init__(*args, **kwargs)
        config = (account.config if account else {}) or {}  # the plain settings, shown back
        saved_keys = account.saved_keys() if account else set()
        for spec in adapter.config_fields:
            saved = spec.key in saved_keys
            if spec.secret:
                field = forms.CharField(label=spec.label, required=False, max_length=500,
                                        widget=forms.PasswordInput(render_value=False),
                                        help_text=_("configured: leave empty to keep it") if saved else "")
            else:
                field = forms.CharField(label=spec.label, required=False, max_length=500,
                                        initial=config.get(spec.key, ""))
            self.fields[spec.key] = field
        if account is not None:
            self.fields["active"].initial = account.active


class PaymentLinkForm(forms.Form):
    # "" is the debtor's total: a choice like the others, so the field is not required
    target = forms.ChoiceField(label=_("What is paid"), required=False)
    # typed as people write it (1.500.000 or 1.500.000,50): the service reads it (core.amounts.parse_amount)
    amount = forms.CharField(label=_("Amount (empty: what is owed)"), required=False, max_length=40)
    expires_in = forms.IntegerField(label=_("Expires in (days)"), initial=7, min_value=1, max_value=90)

    def __init__(self, *args, obligations=(), installments=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["target"].choices = [("", _("The debtor's total"))] + [
            (f"o{o.pk}", _("Obligation %(number)s") % {"number": o.number}) for o in obligations] + [
            (f"i{i.pk}", _("Agreement installment %(number)s (due %(due)s)") % {"number": i.number,
                                                                              "due": date_format(i.due_date,
                                                                                                 "SHORT_DATE_FORMAT")})
            for i in installments]


class SuggestionForm(forms.Form):
    suggestion = forms.IntegerField(min_value=0, max_value=99, widget=forms.HiddenInput)


SPLIT_ROWS = 4  # parts the page offers (the service takes up to services.MAX_PARTS)


class LineSplitForm(forms.Form):
    """Up to SPLIT_ROWS parts, each a debtor (code, ID or obligation number), an optional obligation and an amount
    as typed in es-CO; empty rows are left out. The sums are the service's to check."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for n in range(1, SPLIT_ROWS + 1):
            self.fields[f"debtor_{n}"] = forms.CharField(label=_("Debtor (code, ID or obligation number)"),
                                                         max_length=60, required=False)
            self.fields[f"obligation_{n}"] = forms.CharField(label=_("Obligation number (optional)"),
                                                             max_length=60, required=False)
            self.fields[f"amount_{n}"] = forms.CharField(label=_("Amount"), max_length=40, required=False)

    def rows(self):
        return [(n, self[f"debtor_{n}"], self[f"obligation_{n}"], self[f"amount_{n}"])
                for n in range(1, SPLIT_ROWS + 1)]

    def parts(self) -> list[dict]:
        data = self.cleaned_data
        return [{"debtor": data[f"debtor_{n}"], "obligation": data[f"obligation_{n}"], "amount": data[f"amount_{n}"]}
                for n in range(1, SPLIT_ROWS + 1)]


class LineUndoForm(forms.Form):
    reason = forms.CharField(label=_("Why it is undone"), max_length=300)


class AppliedFilterForm(forms.Form):
    q = forms.CharField(label=_("Reference, debtor code or obligation"), max_length=60, required=False)
    date_from = forms.DateField(label=_("Bank date from"), required=False, widget=DateInput)
    date_to = forms.DateField(label=_("Bank date to"), required=False, widget=DateInput)
