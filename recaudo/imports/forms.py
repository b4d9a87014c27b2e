from __future__ import annotations

from pathlib import Path

from django import forms
from django.utils.translation import gettext_lazy as _

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
