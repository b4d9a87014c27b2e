"""`recaudo plan simulate` and `recaudo interest`: JSON and table output, and errors naming the option."""

import json
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

pytestmark = pytest.mark.django_db
D = Decimal


def run(*args) -> str:
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def run_json(*args) -> dict:
    return json.loads(run(*args, "--format", "json"))


PLAN = ("plan", "simulate", "--amount", "1000000", "--installments", "12", "--rate", "1", "--rate-kind", "monthly",
        "--start", "2026-01-31", "--date", "2026-01-20")


def test_plan_json_worked_example():
    data = run_json(*PLAN)
    assert data["periodic_rate"] == "1"
    assert data["effective_annual_rate"] == "12.6825030132"
    assert data["financed"] == "1000000.00"
    rows = data["installments"]
    assert len(rows) == 12
    assert rows[0] == {"number": 1, "due_date": "2026-01-31", "installment": "88848.79", "interest": "10000.00",
                       "principal": "78848.79", "balance": "921151.21"}
    assert rows[1]["due_date"] == "2026-02-28" and rows[2]["due_date"] == "2026-03-31"
    assert rows[-1] == {"number": 12, "due_date": "2026-12-31", "installment": "88848.76", "interest": "879.69",
                        "principal": "87969.07", "balance": "0.00"}
    assert (data["total_paid"], data["total_interest"]) == ("1066185.45", "66185.45")
    assert data["cap"] == {"checked": True, "country": "CO", "date": "2026-01-20", "month": "2026-01",
                           "usury_ea": "24.36", "source": "SFC 2288/2025", "provisional": False}
    assert data["provisional"] is False


def test_plan_cap_is_the_agreement_dates_never_a_future_month():
    # first installment in March 2027, agreed on 2026-12-06: December 2026 is not certified in the shipped table,
    # so September 2026's usury rate (29,24 %) stands in, marked provisional
    args = ("plan", "simulate", "--amount", "1000000", "--installments", "3", "--rate", "2", "--rate-kind",
            "monthly", "--start", "2027-03-01", "--date", "2026-12-06")
    data = run_json(*args)
    assert data["cap"] == {"checked": True, "country": "CO", "date": "2026-12-06", "month": "2026-12",
                           "usury_ea": "29.24", "source": "provisional: 2026-09 SFC 1260/2026", "provisional": True}
    assert data["provisional"] is True
    assert "PROVISIONAL: la tasa certificada de 2026-12" in run(*args)


def test_plan_without_interest_and_down_payment():
    data = run_json("plan", "simulate", "--amount", "1100000", "--down-payment", "100000", "--installments", "3",
                    "--start", "2026-01-31", "--date", "2026-01-20")
    assert [r["installment"] for r in data["installments"]] == ["333333.33", "333333.33", "333333.34"]
    assert (data["down_payment"], data["financed"], data["total_paid"], data["total_interest"]) == (
        "100000.00", "1000000.00", "1100000.00", "0.00")
    assert data["periodic_rate"] == "0"


@pytest.mark.parametrize(("amount", "down", "decimal"), [
    ("1.100.000", "100.000", []), ("1.100.000,00", "$ 100.000", []), ("1100000", "100000", ["--decimal", ","]),
    ("1,100,000.00", "100,000", ["--decimal", "."]), ("1,100,000", "100000", ["--decimal", "point"]),
])
def test_plan_amounts_es_co_by_default_or_decimal_point(amount, down, decimal):
    data = run_json("plan", "simulate", "--amount", amount, "--down-payment", down, "--installments", "3",
                    "--start", "2026-01-31", *decimal)
    assert (data["amount"], data["down_payment"], data["financed"]) == ("1100000.00", "100000.00", "1000000.00")


def test_interest_principal_es_co_by_default_or_decimal_point():
    for principal, decimal in (("10.000.000", []), ("10,000,000.00", ["--decimal", "."])):
        data = run_json("interest", "--country", "CO", "--principal", principal, "--due", "2026-01-20",
                        "--as-of", "2026-02-10", *decimal)
        assert (data["principal"], data["total"]) == ("10000000.00", "127379.26")


def test_plan_table_in_es_co():
    out = run(*PLAN)
    assert "88.848,79" in out and "31/01/2026" in out and "1.066.185,45" in out
    assert "usura 24,36 % E.A. en 2026-01" in out


def test_plan_weekly_nominal_annual():
    data = run_json("plan", "simulate", "--amount", "500000", "--installments", "4", "--rate", "18",
                    "--rate-kind", "nominal-annual", "--start", "2026-03-02", "--frequency", "weekly")
    assert [r["due_date"] for r in data["installments"]] == ["2026-03-02", "2026-03-09", "2026-03-16", "2026-03-23"]
    assert data["effective_annual_rate"] == "19.5618171462"
    assert sum(D(r["principal"]) for r in data["installments"]) == D(500000)


def test_plan_rate_above_usury_says_the_cap_and_month():
    with pytest.raises(CommandError, match=r"--rate: rate 26\.82 % E\.A\. is above the legal cap of 25\.23 % E\.A\. "
                                           r"\(CO usury rate for 2026-02, SFC 0250/2026\)"):
        run("plan", "simulate", "--amount", "1000000", "--installments", "3", "--rate", "24",
            "--rate-kind", "nominal-annual", "--start", "2026-03-10", "--date", "2026-02-10")


def test_plan_country_without_table_is_not_capped():
    data = run_json("plan", "simulate", "--amount", "1000", "--installments", "2", "--rate", "10",
                    "--rate-kind", "effective-annual", "--start", "2026-02-10", "--country", "US")
    assert data["cap"] == {"checked": False, "country": "US"}
    assert data["currency"] == "USD"


@pytest.mark.parametrize(
    "args,message",
    [
        (("--amount", "1.50"), "--amount: '1.50': not a number: '.' only separates thousands, in groups of three"),
        (("--amount", "1000000.50"), "--amount: '1000000.50': not a number"),  # es-CO by default
        (("--amount", "1.000.000", "--decimal", "."), "--amount: '1.000.000': not a number: ',' only separates"),
        (("--amount", "1.000,505"), "--amount: '1.000,505': COP amounts have at most 2 decimals"),
        (("--amount", "1.000,5", "--currency", "CLP"), "--amount: '1.000,5': CLP amounts have no decimals"),
        (("--amount", "-5"), "--amount: '-5': must not be negative"),
        (("--down-payment", "1,5,0"), "--down-payment: '1,5,0': not a number"),
        (("--amount", "0"), "--amount: must be positive"),
        (("--installments", "doce"), "--installments: not a whole number"),
        (("--installments", "0"), "--installments: must be a whole number"),
        (("--start", "31/01/2026"), "--start: not a date"),
        (("--rate", "1"), "--rate-kind: required with --rate"),
        (("--rate-kind", "monthly"), "--rate: required with --rate-kind monthly"),
        (("--rate", "1", "--rate-kind", "none"), "--rate: a plan with rate_kind 'none' has no rate"),
        (("--down-payment", "2000000"), "--down-payment: must be at least 0 and less than the amount"),
        (("--frequency", "weekly", "--due-day", "5"), "--due-day: only monthly plans have a due day"),
        (("--currency", "ZZZ"), "--currency: unknown currency"),
        (("--date", "2022-12-01"), "--date: no legal rate for CO in 2022-12"),
        (("--date", "ayer"), "--date: not a date"),
    ],
)
def test_plan_bad_input_names_the_option(args, message):
    base = {"--amount": "1000000", "--installments": "3", "--start": "2026-01-31"}
    pairs = dict(base)
    extra = list(args)
    pairs.update(zip(extra[::2], extra[1::2], strict=True))
    argv = [x for kv in pairs.items() for x in kv]
    with pytest.raises(CommandError, match=message.replace("(", r"\(").replace(")", r"\)")):
        run("plan", "simulate", *argv)


INTEREST = ("interest", "--country", "CO", "--principal", "10000000", "--due", "2026-01-20", "--as-of", "2026-02-10")


def test_interest_json_worked_example():
    data = run_json(*INTEREST)
    assert (data["principal"], data["currency"], data["total"], data["days"]) == ("10000000.00", "COP", "127379.26", 21)
    keys = ("from", "to", "days", "rate_ea", "daily_rate", "interest")
    assert [{k: line[k] for k in keys} for line in data["lines"]] == [
        {"from": "2026-01-21", "to": "2026-01-31", "days": 11, "rate_ea": "24.36", "daily_rate": "0.059746717739",
         "interest": "65721.39"},
        {"from": "2026-02-01", "to": "2026-02-10", "days": 10, "rate_ea": "25.23", "daily_rate": "0.061657866567",
         "interest": "61657.87"},
    ]
    assert data["contract_rate_ea"] is None and data["capped"] is False
    assert data["rates_in"] == "percent"


def test_interest_agreed_rate_capped():
    data = run_json(*INTEREST, "--rate", "25")
    assert [(line["rate_ea"], line["capped"]) for line in data["lines"]] == [("24.36", True), ("25", False)]
    assert data["capped"] is True and data["contract_rate_ea"] == "25"
    out = run(*INTEREST, "--rate", "25")
    assert "supera el tope legal en 2026-01" in out and "24,36 % E.A." in out


def test_interest_table_in_es_co():
    out = run(*INTEREST)
    assert "127.379,26" in out and "65.721,39" in out and "21/01/2026" in out and "SFC 0250/2026" in out


def test_interest_unconfirmed_rates_are_flagged():
    out = run("interest", "--country", "CO", "--principal", "1000000", "--due", "2026-03-31", "--as-of", "2026-04-30")
    assert "sin confirmar" in out
    data = run_json("interest", "--country", "CO", "--principal", "1000000", "--due", "2026-03-31",
                    "--as-of", "2026-04-30")
    assert data["lines"][0]["confirmed"] is False


def test_interest_not_overdue_yet():
    data = run_json("interest", "--country", "CO", "--principal", "1000", "--due", "2026-01-20",
                    "--as-of", "2026-01-20")
    assert data["lines"] == [] and data["total"] == "0.00"


@pytest.mark.parametrize(
    "args,message",
    [
        (("--payment", "2026-02-11=1000"), "--payment: 2026-02-11 is after --as-of 2026-02-10"),
        (("--payment", "2026-02-01"), "--payment: expected DATE=AMOUNT"),
        (("--payment", "1/2/2026=5"), "--payment: not a date"),
        (("--payment", "2026-02-01=cinco"), "--payment: 'cinco': not a number"),
        (("--payment", "2026-02-01=0"), "--payment: '0': must be positive"),
        (("--due", "2022-12-01"), "--due/--as-of: no legal rate for CO in 2022-12"),
        (("--as-of", "2026-01-01"), "--as-of: 2026-01-01 is before --due 2026-01-20"),
        (("--principal", "diez"), "--principal: 'diez': not a number"),
        (("--principal", "10000000.00"), "--principal: '10000000.00': not a number: '.' only separates thousands"),
        (("--due", "2026-02-30"), "--due: not a date"),
        (("--rate", "-3"), "--rate: must be zero or positive"),
        (("--country", "PE"), "--country: no legal rate table for PE"),
        (("--country", "XX"), "--currency: required for country 'XX'"),
        (("--currency", "ABC"), "--currency: unknown currency"),
    ],
)
def test_interest_bad_input_names_the_option(args, message):
    pairs = dict(zip(INTEREST[1::2], INTEREST[2::2], strict=True))
    extra = list(args)
    pairs.update(zip(extra[::2], extra[1::2], strict=True))
    argv = [x for kv in pairs.items() for x in kv]
    with pytest.raises(CommandError, match=message):
        run("interest", *argv)


def test_interest_with_payments_prints_base_and_totals():
    # 10.000.000 due 2026-01-20; 1.000.000 paid on 2026-02-01: the 65.721,39 accrued in January first, then
    # 934.278,61 of principal, so February runs on 9.065.721,39: 10 d at 25,23 % = 55.897,30
    # (9.065.721,39 x 0,00061657866567 x 10).
    data = run_json(*INTEREST, "--payment", "2026-02-01=1000000")
    assert [(ln["from"], ln["base"], ln["interest"]) for ln in data["lines"]] == [
        ("2026-01-21", "10000000.00", "65721.39"), ("2026-02-01", "9065721.39", "55897.30")]
    assert data["payments"] == [{"date": "2026-02-01", "amount": "1000000.00", "to_interest": "65721.39",
                                 "to_principal": "934278.61", "unapplied": "0.00"}]
    assert (data["interest_accrued"], data["interest_paid"], data["interest_owed"], data["principal_owed"]) == (
        "121618.69", "65721.39", "55897.30", "9065721.39")
    assert data["provisional"] is False
    out = run(*INTEREST, "--payment", "2026-02-01=1000000")
    assert "9.065.721,39" in out and "Intereses adeudados:" in out and "55.897,30" in out
    assert "Pago del 01/02/2026 por" in out


def test_interest_after_the_last_certified_month_is_provisional():
    data = run_json("interest", "--country", "CO", "--principal", "1000000", "--due", "2026-09-30",
                    "--as-of", "2026-10-05")
    assert data["provisional"] is True and data["provisional_months"] == ["2026-10"]
    assert data["lines"][0]["provisional"] is True and data["lines"][0]["usury_ea"] == "29.24"
    out = run("interest", "--country", "CO", "--principal", "1000000", "--due", "2026-09-30", "--as-of", "2026-10-05")
    assert "PROVISIONAL" in out and "provisional: 2026-09" in out


def test_console_script_lists_the_commands(capsys):
    from recaudo.cli import main

    main(["--help"])
    out = capsys.readouterr().out
    assert "plan" in out and "interest" in out
