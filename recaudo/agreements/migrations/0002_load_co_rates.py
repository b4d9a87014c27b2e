"""Seed Colombia's legal rates (IBC and usury, one row per month) from data/co_rates.csv.

Idempotent: rows already there (same country, type and start) are left as they are, so edits made in the admin
survive. The parsing is kept here, not imported from app code, so this migration keeps working as the app changes.
"""

import calendar
import csv
from datetime import date
from decimal import Decimal
from pathlib import Path

from django.db import migrations

DATA = Path(__file__).resolve().parents[2] / "ledger" / "data" / "co_rates.csv"  # moved with LegalRate to ledger


def read_rows():
    lines = [line for line in DATA.read_text(encoding="utf-8").splitlines() if line.strip() and not line.startswith("#")]
    for row in csv.DictReader(lines):
        year, month = (int(x) for x in row["month"].split("-"))
        start = date(year, month, 1)
        end = date(year, month, calendar.monthrange(year, month)[1])
        confirmed = row["confirmed"].strip().lower() in ("yes", "si", "sí", "true", "1")
        resolution = f"SFC {row['resolution'].strip()}"
        yield "ibc", start, end, Decimal(row["ibc_ea_pct"]), resolution, confirmed
        yield "usury", start, end, Decimal(row["usury_ea_pct"]), resolution, confirmed


def load(apps, schema_editor):
    LegalRate = apps.get_model("agreements", "LegalRate")
    for rate_type, start, end, pct, resolution, confirmed in read_rows():
        LegalRate.objects.get_or_create(
            country="CO", rate_type=rate_type, valid_from=start,
            defaults={"valid_to": end, "rate_ea_pct": pct, "resolution": resolution, "confirmed": confirmed},
        )


def unload(apps, schema_editor):
    LegalRate = apps.get_model("agreements", "LegalRate")
    for rate_type, start, _end, pct, _resolution, _confirmed in read_rows():
        LegalRate.objects.filter(country="CO", rate_type=rate_type, valid_from=start, rate_ea_pct=pct).delete()


class Migration(migrations.Migration):
    dependencies = [("agreements", "0001_initial")]

    operations = [migrations.RunPython(load, unload)]
