"""The legal rate table: seeded from the package's own CSV, consistent, editable, and read by the selector."""

import calendar
import csv
import importlib
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from recaudo.demo.testing import make_user, sign_in
from recaudo.ledger.interest import MissingRate, RateTable
from recaudo.ledger.models import LegalRate
from recaudo.ledger.rates import has_rate_table, rate_periods

D = Decimal
DATA = Path(__file__).resolve().parents[2] / "ledger" / "data" / "co_rates.csv"


def test_data_file_is_in_the_package_with_its_sources():
    text = DATA.read_text(encoding="utf-8")
    assert "Superintendencia Financiera" in text and "art. 305" in text
    assert "month,ibc_ea_pct,usury_ea_pct,resolution,confirmed" in text


@pytest.mark.django_db
def test_migration_loads_every_month_of_colombia():
    ibc = LegalRate.objects.filter(country="CO", rate_type="ibc").order_by("valid_from")
    usury = LegalRate.objects.filter(country="CO", rate_type="usury").order_by("valid_from")
    assert ibc.count() == usury.count() == 45
    assert ibc.first().valid_from == date(2023, 1, 1)
    assert usury.last().valid_to == date(2026, 9, 30)
    jan = usury.get(valid_from=date(2026, 1, 1))
    assert (jan.rate_ea_pct, jan.resolution, jan.confirmed, jan.valid_to) == (D("24.36"), "SFC 2288/2025", True,
                                                                               date(2026, 1, 31))
    assert not usury.get(valid_from=date(2026, 4, 1)).confirmed
    # contiguous months, each to its last day
    previous = None
    for row in usury:
        assert row.valid_from.day == 1
        assert row.valid_to.day == calendar.monthrange(row.valid_from.year, row.valid_from.month)[1]
        if previous:
            assert (row.valid_from - previous.valid_to).days == 1
        previous = row


@pytest.mark.django_db
def test_usury_is_one_and_a_half_times_the_bank_rate():
    ibc = {r.valid_from: r.rate_ea_pct for r in LegalRate.objects.filter(country="CO", rate_type="ibc")}
    for row in LegalRate.objects.filter(country="CO", rate_type="usury"):
        assert row.rate_ea_pct == (ibc[row.valid_from] * D("1.5")).quantize(D("0.01"), rounding=ROUND_HALF_UP)


@pytest.mark.django_db
def test_selector_pairs_bank_and_usury_rates_as_fractions():
    periods = rate_periods("co", date(2026, 1, 21), date(2026, 2, 10))
    assert [(p.start, p.end_exclusive, p.ea_rate, p.usury_rate, p.source) for p in periods] == [
        (date(2026, 1, 1), date(2026, 2, 1), D("0.1624"), D("0.2436"), "SFC 2288/2025"),
        (date(2026, 2, 1), date(2026, 3, 1), D("0.1682"), D("0.2523"), "SFC 0250/2026"),
    ]
    assert has_rate_table("CO") and not has_rate_table("PE")
    # without provisional months, gaps stay gaps; by default the latest known month stands in, marked provisional
    assert rate_periods("CO", date(2026, 10, 1), date(2026, 10, 31), provisional=False) == []
    with pytest.raises(MissingRate, match="2026-10"):
        RateTable(rate_periods("CO", date(2026, 9, 1), date(2026, 10, 31), provisional=False)).at(date(2026, 10, 1))
    october = RateTable(rate_periods("CO", date(2026, 10, 1), date(2026, 10, 31))).at(date(2026, 10, 1))
    assert (october.usury_rate, october.provisional, october.source) == (D("0.2924"), True,
                                                                         "provisional: 2026-09 SFC 1260/2026")


@pytest.mark.django_db
def test_new_month_can_be_added_and_overlaps_are_refused():
    october = LegalRate(country="CO", rate_type="usury", valid_from=date(2026, 10, 1), valid_to=date(2026, 10, 31),
                        rate_ea_pct=D("29.10"), resolution="SFC 1400/2026")
    october.full_clean()
    october.save()
    assert [p.usury_rate for p in rate_periods("CO", date(2026, 10, 5), date(2026, 10, 5))] == [D("0.2910")]
    overlapping = LegalRate(country="CO", rate_type="usury", valid_from=date(2026, 10, 15),
                            valid_to=date(2026, 11, 14), rate_ea_pct=D("30"))
    with pytest.raises(ValidationError, match="Se cruza con"):
        overlapping.full_clean()
    with pytest.raises(IntegrityError), transaction.atomic():
        LegalRate.objects.create(country="CO", rate_type="usury", valid_from=date(2026, 10, 1),
                                 valid_to=date(2026, 10, 31), rate_ea_pct=D("29"))
    with pytest.raises(IntegrityError), transaction.atomic():
        LegalRate.objects.create(country="CO", rate_type="usury", valid_from=date(2027, 1, 31),
                                 valid_to=date(2027, 1, 1), rate_ea_pct=D("29"))


@pytest.mark.django_db
def test_admin_lists_and_edits_rates(client):
    make_user("admin", superuser=True)
    from recaudo.demo.testing import TEST_PASSWORD

    assert sign_in(client, username="admin", password=TEST_PASSWORD)
    response = client.get("/admin/ledger/legalrate/?country=CO&rate_type=usury")
    assert response.status_code == 200
    assert "2288/2025" in response.content.decode()
    response = client.post("/admin/ledger/legalrate/add/", {
        "country": "CO", "rate_type": "ibc", "valid_from": "2026-10-01", "valid_to": "2026-10-31",
        "rate_ea_pct": "19.40", "resolution": "SFC 1400/2026", "confirmed": "on",
    })
    assert response.status_code == 302, response.content.decode()[:2000]
    assert LegalRate.objects.get(country="CO", rate_type="ibc", valid_from=date(2026, 10, 1)).rate_ea_pct == D("19.40")


def test_the_months_frozen_in_the_migration_are_the_data_file_s():
    """Ledger migration 0001 seeds Colombia's months as the data file had them; the file may add later months."""
    frozen = importlib.import_module("recaudo.ledger.migrations.0001_initial").CO_RATES
    text = DATA.read_text(encoding="utf-8")
    lines = [line for line in text.splitlines() if line.strip() and not line.startswith("#")]
    rows = [(r["month"], r["ibc_ea_pct"], r["usury_ea_pct"], r["resolution"].strip(), r["confirmed"].strip() == "yes")
            for r in csv.DictReader(lines)]
    assert rows[:len(frozen)] == frozen
