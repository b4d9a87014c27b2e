"""Forms of the bank pages: what a person types, parsed; the rules are the services'."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from . import asobancaria, rules
from .models import ReferenceKind

MAX_UPLOAD_BYTES = 20 * 1024 * 1024  # a collection file of 100,000 payments is about 16 MB


class BankFileForm(forms.Form):
    file = forms.FileField(label=_("Bank collection file (Asobancaria)"))
    layout = forms.ChoiceField(label=_("Layout"), initial="auto", choices=[
        ("auto", _("Detect it")),
        *[(name, name.replace("asobancaria-", "Asobancaria ")) for name in asobancaria.LAYOUTS]])
    convenio = forms.ChoiceField(label=_("Collection agreement (convenio)"), required=False)
    dry_run = forms.BooleanField(label=_("Only check (apply nothing)"), required=False)

    def __init__(self, *args, convenios=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["convenio"].choices = [("", _("The one of the file's bank and service, if any"))] + [
            (c.name, c.name) for c in convenios]

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


class ReferenceKindForm(forms.Form):
    kind = forms.ChoiceField(label=_("The payment reference is"), choices=ReferenceKind.choices)
