from __future__ import annotations

from pathlib import Path

from django import forms
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from recaudo.portfolio.validation import CO_ID_TYPES, ID_VALIDATORS

from .fields import FIELDS, REQUIRED, field_label
from .mapping import ID_FIELDS
from .models import ImportJob

DATE_FORMATS = [
    ("", _("Automatic (31/12/2026 or 2026-12-31)")),
    ("%d/%m/%Y", "31/12/2026"),
    ("%d-%m-%Y", "31-12-2026"),
    ("%Y-%m-%d", "2026-12-31"),
    ("%m/%d/%Y", "12/31/2026"),
    ("%d.%m.%Y", "31.12.2026"),
]
DECIMALS = [("auto", _("Automatic")), ("comma", _("Comma (1.234,56)")), ("point", _("Point (1,234.56)"))]
ENCODINGS = [("auto", _("Automatic (UTF-8 or Latin-1)")), ("utf-8", "UTF-8"), ("latin-1", "Latin-1 (ISO-8859-1)"),
             ("cp1252", "Windows-1252")]
ALLOWED_SUFFIXES = {".csv", ".txt", ".xlsx"}
MAX_UPLOAD_BYTES = 200 * 1024 * 1024


class ImportForm(forms.Form):
    kind = forms.ChoiceField(label=_("What the file holds"), choices=ImportJob.Kind.choices)
    file = forms.FileField(label=_("File (CSV or Excel .xlsx)"))
    profile = forms.ChoiceField(
        label=_("Mapping profile"), required=False,
        help_text=_("A saved mapping of this portfolio or of an ERP's export. Without one, the next page reads the "
                    "file's headers and proposes the columns."))
    date_format = forms.ChoiceField(label=_("Date format"), choices=DATE_FORMATS, required=False)
    decimal = forms.ChoiceField(label=_("Decimal separator"), choices=DECIMALS, required=False, initial="auto")
    encoding = forms.ChoiceField(label=_("Encoding (CSV)"), choices=ENCODINGS, required=False, initial="auto")
    sheet = forms.CharField(label=_("Sheet (Excel)"), required=False, max_length=100,
                            help_text=_("Empty: the first sheet."))
    skip_invalid = forms.BooleanField(
        label=_("Skip invalid rows"), required=False, initial=True,
        help_text=_("Import the valid rows and report the others. Unchecked: any error rejects the whole file."))
    dry_run = forms.BooleanField(label=_("Dry run (check only, save nothing)"), required=False)
    mapping = forms.CharField(
        label=_("Column mapping"), required=False, widget=forms.Textarea(attrs={"rows": 4, "spellcheck": "false"}),
        help_text=_("Only when the headers differ from the field names: one field=Header per line, "
                    "e.g. amount=Valor factura"))

    def __init__(self, *args, profiles=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.profiles = {p.key: p for p in profiles}
        kinds = dict(ImportJob.Kind.choices)
        self.fields["profile"].choices = [("", _("None: propose a mapping from the headers"))] + [
            (p.key, f"{p.name} ({kinds.get(p.kind, p.kind)})") for p in profiles]

    def clean(self):
        data = super().clean()
        profile = self.profiles.get(data.get("profile") or "")
        if profile is not None and data.get("kind") and profile.kind != data["kind"]:
            self.add_error("profile", _("This profile is for another kind of file (%(kind)s).") % {
                "kind": dict(ImportJob.Kind.choices).get(profile.kind, profile.kind)})
        data["profile_obj"] = profile
        return data

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if Path(upload.name).suffix.lower() not in ALLOWED_SUFFIXES:
            raise forms.ValidationError(_("Upload a .csv or .xlsx file."))
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(_("The file is larger than 200 MB."))
        if upload.size == 0:
            raise forms.ValidationError(_("The file is empty."))
        return upload

    def clean_mapping(self):
        mapping = {}
        for number, line in enumerate(self.cleaned_data.get("mapping", "").splitlines(), start=1):
            line = line.strip()
            if not line:
                continue
            field, sep, header = line.partition("=")
            if not sep or not field.strip() or not header.strip():
                raise forms.ValidationError(
                    _("Line %(n)s: write field=Header, e.g. amount=Valor factura"), params={"n": number})
            mapping[field.strip().lower()] = header.strip()
        return mapping

    def options(self) -> dict:
        data = self.cleaned_data
        return {
            "date_format": data.get("date_format") or None,
            "decimal": data.get("decimal") or "auto",
            "encoding": data.get("encoding") or "auto",
            "sheet": data.get("sheet") or None,
            "skip_invalid": bool(data.get("skip_invalid")),
            "dry_run": bool(data.get("dry_run")),
            "mapping": data.get("mapping") or {},
        }


SEPARATORS = [(",", _("Comma (,)")), (";", _("Semicolon (;)")), ("\t", _("Tab")), ("|", _("Bar (|)"))]
NOT_IMPORTED = ""


def id_type_choices(country: str) -> list[tuple[str, str]]:
    """The ID types of the portfolio's country by their names in the page's language (Colombia's DIAN list)."""
    english = (get_language() or "").lower().startswith("en")
    if country == "CO":
        types = [(row["code"], row["name_en"] if english else row["name_es"]) for row in CO_ID_TYPES]
    else:
        types = [(t, t) for c, t in ID_VALIDATORS if c == country] + [("PASSPORT", _("Passport"))]
    return [("", _("— given by a column or the header —"))] + types


class MappingForm(forms.Form):
    """The mapping step: the header row, the CSV's separator and encoding or the workbook's sheet, a column per
    field, and the name to save it all under."""

    header_row = forms.IntegerField(label=_("Row of the headers"), min_value=1, max_value=40)
    separator = forms.ChoiceField(label=_("Separator"), choices=SEPARATORS, required=False)
    encoding = forms.ChoiceField(label=_("Encoding"), choices=ENCODINGS, required=False)
    sheet = forms.ChoiceField(label=_("Sheet"), required=False)
    profile_name = forms.CharField(
        label=_("Save as profile"), required=False, max_length=100,
        help_text=_("A name to apply this mapping to the next file of the same export, e.g. Siigo cartera."))

    id_type = forms.ChoiceField(
        label=_("ID type of the ID numbers"), required=False,
        help_text=_("For the rows whose type no column gives: a column named NIT holds NITs, one named Cédula "
                    "holds cédulas. Saved with the profile."))

    def __init__(self, *args, kind: str, headers: list[str], sheets: list[str] = (), country: str = "CO",
                 **kwargs):
        super().__init__(*args, **kwargs)
        self.kind = kind
        self.fields["sheet"].choices = [(s, s) for s in sheets]
        self.fields["id_type"].choices = id_type_choices(country)
        self.has_id_type = any(name in FIELDS[kind] for name in ID_FIELDS)
        columns = [(NOT_IMPORTED, _("— not in the file —"))] + [(h, h) for h in headers if h]
        for name in FIELDS[kind]:
            required = name in REQUIRED[kind]
            self.fields[f"map_{name}"] = forms.ChoiceField(
                label=field_label(kind, name), choices=columns, required=False)
            self.fields[f"map_{name}"].is_required_field = required

    def field_rows(self):
        return [(name, self[f"map_{name}"], name in REQUIRED[self.kind]) for name in FIELDS[self.kind]]

    def id_type_value(self) -> str:
        return self.cleaned_data.get("id_type") or ""

    def mapping(self) -> dict[str, str]:
        data = self.cleaned_data
        return {name: data[f"map_{name}"] for name in FIELDS[self.kind] if data.get(f"map_{name}")}
