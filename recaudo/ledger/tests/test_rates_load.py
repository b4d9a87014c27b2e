"""A missing monthly rate never blocks collections: the latest known month stands in, marked provisional; loading
the certified month (command, service or admin) posts the difference as an adjusting entry naming the month, once."""

import json
from datetime import UTC, date
from decimal import ROUND_HALF_UP, Decimal, localcontext
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from recaudo.demo.testing import make_debtor, make_obligation, sign_in
from recaudo.ledger.accruals import debtor_liquidation, interest_post
from recaudo.ledger.interest import RateError, parse_rate_csv
from recaudo.ledger.models import Entry, InterestAccrual, InterestSettings, LegalRate
from recaudo.ledger.rates import rate_periods, rate_status
from recaudo.ledger.rates_loading import RateLoadError, rates_load
from recaudo.portfolio.models import Portfolio

pytestmark = pytest.mark.django_db
D = Decimal

# NOT a real certification: a made-up October 2026 for the tests (the shipped table ends in 2026-09).
OCTOBER = "month,ibc_ea_pct,usury_ea_pct,resolution\n2026-10,20.00,30.00,TEST-0001/2026\n"


def interest(base: str, ea: str, days: int) -> Decimal:
    with localcontext(prec=50):
        daily = (1 + D(ea)) ** (D(1) / D(365)) - 1
        return (D(base) * daily * days).quantize(D("0.01"), rounding=ROUND_HALF_UP)


@pytest.fixture
def loan(portfolio):
    InterestSettings.objects.create(portfolio=portfolio, interest_enabled=True)
    return make_obligation(portfolio, make_debtor(portfolio), number="P-1", amount="1000000",
                           issue=date(2026, 9, 1), due=date(2026, 9, 20))


def test_selector_fills_missing_months_provisionally():
    periods = rate_periods("CO", date(2026, 11, 5), date(2026, 12, 6))
    assert [(p.month, p.provisional, p.usury_rate) for p in periods] == [
        ("2026-09", False, D("0.2924")), ("2026-10", True, D("0.2924")), ("2026-11", True, D("0.2924")),
        ("2026-12", True, D("0.2924"))]
    assert rate_status("CO", date(2026, 12, 6)) == {"month": "2026-12", "loaded": False, "latest": "2026-09"}
    assert rate_status("CO", date(2026, 9, 6))["loaded"] is True
    assert rate_status("PE", date(2026, 9, 6)) is None


def test_provisional_posting_then_load_posts_the_difference_once(portfolio, loan):
    # 1.000.000 due 2026-09-20, posted through 2026-10-10 before October is certified:
    #   21/09-30/09 10 d at 29,24 % (September, certified) and 01/10-10/10 10 d at 29,24 % (provisional)
    interest_post(portfolio=portfolio, through=date(2026, 10, 10))
    sep, oct_provisional = interest("1000000", "0.2924", 10), interest("1000000", "0.2924", 10)
    entry = Entry.objects.get(obligation=loan, kind="interest")
    assert entry.amount_minor == int((sep + oct_provisional) * 100)
    assert entry.memo == "Interés de mora 2026-09-21..2026-10-10 (20 d); tasa provisional 2026-10"
    (row,) = debtor_liquidation(loan.debtor, date(2026, 10, 10))
    assert row.liquidation.provisional_months == ("2026-10",)
    # each line: 1.000.000 x 0,000702989323630 (daily at 29,24 %) x 10 = 7.029,89.
    # October certified at 30,00 %: 1.000.000 x 0,000719064607110 x 10 = 7.190,65; the difference, 160,76, is
    # posted as an interest entry naming the month.
    result = rates_load(country="CO", text=OCTOBER, actor="test", today=date(2026, 11, 2))
    assert (result.created, result.adjusted) == (["2026-10"], 1)
    diff = interest("1000000", "0.30", 10) - oct_provisional
    assert diff == D("160.76")
    assert result.adjustments[portfolio.slug]["amount"] == diff
    adjustment = Entry.objects.filter(obligation=loan, kind="interest").order_by("pk").last()
    assert (adjustment.amount_minor, adjustment.value_date) == (16076, date(2026, 11, 2))
    assert adjustment.memo == ("Ajuste de interés de mora: tasa certificada de 2026-10 (liquidado antes con tasa "
                               "provisional), hasta 2026-10-10")
    assert InterestAccrual.objects.filter(obligation=loan, kind="adjustment").count() == 1
    # the same file again: nothing changes, nothing is posted
    again = rates_load(country="CO", text=OCTOBER, actor="test", today=date(2026, 11, 2))
    assert (again.created, again.updated, again.unchanged, again.adjusted) == ([], [], ["2026-10"], 0)
    assert interest_post(portfolio=portfolio, through=date(2026, 10, 11))["adjusted"] == 0
    (row,) = debtor_liquidation(loan.debtor, date(2026, 10, 11))
    posted = sum(InterestAccrual.objects.filter(obligation=loan).values_list("amount_minor", flat=True))
    assert to_cents(row.liquidation.total) == posted and not row.liquidation.provisional


def to_cents(value: Decimal) -> int:
    return int(value * 100)


def test_rate_added_in_the_admin_is_adjusted_by_the_next_cycle(portfolio, loan):
    interest_post(portfolio=portfolio, through=date(2026, 10, 10))
    for rate_type, pct in (("ibc", "20.00"), ("usury", "30.00")):
        LegalRate.objects.create(country="CO", rate_type=rate_type, valid_from=date(2026, 10, 1),
                                 valid_to=date(2026, 10, 31), rate_ea_pct=D(pct), resolution="TEST-0001/2026")
    counts = interest_post(portfolio=portfolio, through=date(2026, 10, 11))
    assert (counts["adjusted"], counts["adjusted_minor"], counts["posted"]) == (1, 16076, 1)


def test_a_lower_certified_rate_credits_the_interest(portfolio, loan):
    interest_post(portfolio=portfolio, through=date(2026, 10, 10))
    lower = "month,ibc,usury,resolution\n2026-10,19.00,28.50,TEST-0002/2026\n"
    rates_load(country="CO", text=lower, today=date(2026, 11, 2))
    credit = Entry.objects.get(obligation=loan, kind="adjustment")
    # 28,50 %: 1.000.000 x 0,000687246232803 x 10 = 6.872,46 - 7.029,89 posted = -157,43, on the interest owed
    expected = interest("1000000", "0.285", 10) - interest("1000000", "0.2924", 10)
    assert expected == D("-157.43") and (credit.component, D(credit.amount_minor) / 100) == ("interest", expected)


@pytest.mark.parametrize("text,message", [
    ("", "the file is empty"),
    ("month,ibc_ea_pct,resolution\n2026-10,20,X\n", "line 1: no usury_ea_pct column"),
    ("month,ibc,usury,resolution\n2026-13,20,30,X\n", "line 2: month '2026-13' is not YYYY-MM"),
    ("month,ibc,usury,resolution\n2026-10,veinte,30,X\n", "line 2: ibc 'veinte' is not a number"),
    ("month,ibc,usury,resolution\n2026-10,20,31,X\n", "line 2: usury 31 is not 1.5 x IBC 20 = 30.00"),
    ("month,ibc,usury,resolution\n2026-10,20,30,\n", "line 2: the resolution is empty"),
    ("month,ibc,usury,resolution\n# c\n2026-10,20,30,X\n2026-10,20,30,X\n", "line 4: month 2026-10 appears twice"),
    ("month,ibc,usury,resolution,confirmed\n2026-10,20,30,X,quizás\n", "line 2: confirmed 'quizás' must be yes"),
])
def test_bad_files_name_the_line(text, message):
    with pytest.raises(RateError, match=message.replace("(", r"\(").replace(".", r"\.")):
        parse_rate_csv(text)


def test_overlap_with_a_non_monthly_period_is_refused():
    LegalRate.objects.create(country="CO", rate_type="usury", valid_from=date(2026, 10, 15),
                             valid_to=date(2026, 11, 14), rate_ea_pct=D("30"), resolution="x")
    with pytest.raises(RateLoadError, match="2026-10: overlaps"):
        rates_load(country="CO", text=OCTOBER)
    assert not LegalRate.objects.filter(valid_from=date(2026, 10, 1)).exists()  # nothing written


def run(*args) -> str:
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def test_rates_command_load_and_list(tmp_path):
    path = tmp_path / "tasas.csv"
    path.write_text("# test data\n" + OCTOBER, encoding="utf-8")
    assert run("rates", "load", str(path)).startswith("CO: 1 new, 0 corrected, 0 unchanged month(s) (2026-10)")
    assert "0 new, 0 corrected, 1 unchanged" in run("rates", "load", str(path))
    data = json.loads(run("rates", "list", "--format", "json"))
    assert data["months"][0] == {"month": "2026-10", "ibc_ea": "20", "usury_ea": "30",
                                 "resolution": "TEST-0001/2026", "confirmed": True}
    assert data["months"][-1]["month"] == "2023-01"
    assert "TEST-0001/2026" in run("rates", "list")
    with pytest.raises(CommandError, match="FILE: .* does not exist"):
        run("rates", "load", str(tmp_path / "nada.csv"))
    path.write_text("month,ibc,usury,resolution\n2026-11,20,31,X\n", encoding="utf-8")
    with pytest.raises(CommandError, match="line 2: usury 31 is not 1.5 x IBC"):
        run("rates", "load", str(path))


# ---------------------------------------------------------------- pages

def test_admin_page_uploads_the_same_file_and_lists_months(client, portfolio):
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.urls import reverse

    from recaudo.demo.testing import TEST_PASSWORD, make_user

    url = reverse("rates")
    agent = make_user("ana", portfolio, role="agent")
    assert sign_in(client, username=agent.username, password=TEST_PASSWORD)
    assert client.get(url).status_code == 403
    make_user("root", superuser=True)
    assert sign_in(client, username="root", password=TEST_PASSWORD)
    page = client.get(url, HTTP_ACCEPT_LANGUAGE="es-co").content.decode()
    assert "Tasas legales CO" in page and "1260/2026" in page
    assert "Usura % E.A." in page and "Usury" not in page  # a template literal with % looks up "%%"
    bad = SimpleUploadedFile("t.csv", b"month,ibc,usury,resolution\n2026-10,20,31,X\n", content_type="text/csv")
    response = client.post(url, {"country": "CO", "file": bad})
    assert response.status_code == 200 and "line 2: usury 31 is not 1.5 x IBC" in response.content.decode()
    good = SimpleUploadedFile("t.csv", OCTOBER.encode(), content_type="text/csv")
    response = client.post(url, {"country": "CO", "file": good}, follow=True, HTTP_ACCEPT_LANGUAGE="es-co")
    assert "Cargado: 1 meses nuevos" in response.content.decode()
    assert LegalRate.objects.filter(valid_from=date(2026, 10, 1)).count() == 2


def test_supervisors_see_a_banner_when_the_current_month_is_missing(client, portfolio):
    from unittest import mock

    from django.urls import reverse

    from recaudo.demo.testing import TEST_PASSWORD, make_user

    make_user("sofia", portfolio, role="supervisor")
    make_user("ana", portfolio, role="agent")
    with mock.patch("recaudo.portfolio.services.timezone.now") as now:
        from datetime import datetime

        now.return_value = datetime(2026, 12, 6, 15, tzinfo=UTC)
        assert sign_in(client, username="sofia", password=TEST_PASSWORD)
        page = client.get(reverse("dashboard"), HTTP_ACCEPT_LANGUAGE="es-co").content.decode()
        assert 'id="rate-warning-CO"' in page
        assert "La tasa de interés certificada de 2026-12 (CO) no está cargada" in page and "2026-09" in page
        assert sign_in(client, username="ana", password=TEST_PASSWORD)
        assert 'id="rate-warning-CO"' not in client.get(reverse("dashboard")).content.decode()
        # loaded through December: no banner
        sign_in(client, username="sofia", password=TEST_PASSWORD)
        months = "".join(f"2026-{m},20.00,30.00,TEST-{m}/2026\n" for m in ("10", "11", "12"))
        rates_load(country="CO", text="month,ibc,usury,resolution\n" + months, today=date(2026, 12, 6))
        assert 'id="rate-warning-CO"' not in client.get(reverse("dashboard")).content.decode()


def test_agreement_made_after_the_last_certified_month_is_capped_provisionally(client, portfolio):
    from unittest import mock

    from django.urls import reverse

    from recaudo.agreements.services.plans import agreement_create
    from recaudo.agreements.tests.helpers import debtor_with_debt
    from recaudo.demo.testing import TEST_PASSWORD, make_user

    december = date(2026, 12, 7)
    debtor, f1, f2 = debtor_with_debt(portfolio)
    make_user("ana", portfolio, role="agent")
    assert sign_in(client, username="ana", password=TEST_PASSWORD)
    data = {"obligations": [f1.pk, f2.pk], "down_payment": "0", "installments": "3", "frequency": "monthly",
            "first_due": "2027-01-15", "rate_kind": "monthly", "rate_pct": "1", "breach_clause": "revert",
            "language": "es"}
    with mock.patch.object(Portfolio, "today", return_value=december):
        page = client.get(reverse("agreement_preview", args=[portfolio.slug, debtor.pk]), data,
                          HTTP_ACCEPT_LANGUAGE="es-co").content.decode()
    assert 'id="cap-provisional"' in page and "provisionalmente la de 2026-09" in page
    agreement = agreement_create(portfolio=portfolio, debtor=debtor, obligations=[f1, f2], installments=3,
                                 first_due=date(2027, 1, 15), rate=D("0.01"), rate_kind="monthly", today=december)
    assert agreement.cap_ea == D("0.2924")
    assert agreement.cap_source == "tasa de usura de CO de 2026-12: provisionalmente la de 2026-09 SFC 1260/2026"


def test_liquidation_pdf_shows_the_base_and_marks_provisional_lines(portfolio, loan):
    from recaudo.reports.liquidation_pdf import render_liquidation_pdf

    interest_post(portfolio=portfolio, through=date(2026, 10, 10))
    rows = debtor_liquidation(loan.debtor, date(2026, 10, 10))
    raw = render_liquidation_pdf(loan.debtor, rows, date(2026, 10, 10), "es", compress=False)
    assert b"Capital \\(base\\)" in raw and b"1.000.000,00" in raw
    assert b"tasa provisional: la tasa certificada de 2026-10" in raw
    assert b"Intereses adeudados" in raw
    english = render_liquidation_pdf(loan.debtor, rows, date(2026, 10, 10), "en", compress=False)
    assert b"provisional rate: the certified rate of 2026-10" in english


def test_a_corrected_certified_rate_is_adjusted_naming_the_month(portfolio, loan):
    # September posted at 29,24 % (certified), then corrected in the admin to 29,40 %: the next run adjusts
    interest_post(portfolio=portfolio, through=date(2026, 9, 30))
    LegalRate.objects.filter(country="CO", rate_type="usury", valid_from=date(2026, 9, 1)).update(
        rate_ea_pct=D("29.40"))
    counts = interest_post(portfolio=portfolio, through=date(2026, 10, 1))
    # 21/09-30/09 10 d: 1.000.000 x daily(29,40 %) x 10 - 7.029,89 posted
    assert counts["adjusted_minor"] == int((interest("1000000", "0.2940", 10) - D("7029.89")) * 100)
    memo = Entry.objects.filter(obligation=loan, kind="interest").order_by("pk")[1].memo
    assert memo == "Ajuste de interés de mora: tasa de 2026-09 corregida, hasta 2026-09-30"
