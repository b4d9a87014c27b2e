import csv
import hashlib
from collections import Counter, defaultdict
from datetime import date

import pytest

from recaudo.demo import synthetic
from recaudo.portfolio.validation import normalize_email, normalize_phone, validate_national_id

TODAY = date(2026, 3, 15)


def _dmy(text):
    d, m, y = text.split("/")
    return date(int(y), int(m), int(d))


def _rows(path):
    with open(path, newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    out = tmp_path_factory.mktemp("synthetic")
    return synthetic.generate(out, debtors=300, obligations=1500, seed=7, today=TODAY)


def _digest(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_deterministic_for_a_seed(tmp_path, files):
    again = synthetic.generate(tmp_path / "again", debtors=300, obligations=1500, seed=7, today=TODAY)
    for name in ("debtors", "obligations", "payments"):
        assert _digest(files[name]) == _digest(again[name]), name
    other = synthetic.generate(tmp_path / "other", debtors=300, obligations=1500, seed=8, today=TODAY)
    assert _digest(files["obligations"]) != _digest(other["obligations"])


def test_headers_and_counts(files):
    with open(files["obligations"], encoding="utf-8") as fh:
        assert fh.readline().strip() == ",".join(synthetic.OBLIGATION_FIELDS)
    with open(files["payments"], encoding="utf-8") as fh:
        assert fh.readline().strip() == ",".join(synthetic.PAYMENT_FIELDS)
    with open(files["debtors"], encoding="utf-8") as fh:
        assert fh.readline().strip() == ",".join(synthetic.DEBTOR_FIELDS)
    assert len(_rows(files["obligations"])) == 1500
    assert len(_rows(files["debtors"])) == 300


def test_every_id_phone_and_email_is_valid(files):
    rows = _rows(files["debtors"])
    kinds = defaultdict(int)
    for row in rows:
        id_type, number = validate_national_id("CO", row["id_type"], row["id_number"])
        assert id_type == ("NIT" if row["kind"] == "company" else "CC")
        kinds[id_type] += 1
        for phone in (row["phone"], row["whatsapp"]):
            if phone:
                assert normalize_phone(phone, "CO").startswith("+573")
        if row["email"]:
            assert normalize_email(row["email"])
    assert kinds["NIT"] > 30 and kinds["CC"] > 100
    assert len({r["id_number"] for r in rows}) == len(rows)
    assert len({r["code"] for r in rows}) == len(rows)
    for row in _rows(files["obligations"]):
        validate_national_id("CO", row["debtor_id_type"], row["debtor_id_number"])
        if row["debtor_phone"]:
            normalize_phone(row["debtor_phone"], "CO")


def test_debtor_fields_consistent_and_match_debtors_file(files):
    debtors = {r["code"]: r for r in _rows(files["debtors"])}
    seen = {}
    for row in _rows(files["obligations"]):
        fields = (row["debtor_name"], row["debtor_id_type"], row["debtor_id_number"], row["debtor_phone"],
                  row["debtor_email"])
        assert seen.setdefault(row["debtor_code"], fields) == fields
        d = debtors[row["debtor_code"]]
        assert fields == (d["name"], d["id_type"], d["id_number"], d["phone"], d["email"])


def test_obligation_dates_amounts_and_distribution(files):
    rows = _rows(files["obligations"])
    numbers = set()
    per_debtor = defaultdict(int)
    for row in rows:
        issue, due = _dmy(row["issue_date"]), _dmy(row["due_date"])
        assert due >= issue
        assert (due - issue).days in (30, 60, 90)
        assert issue <= TODAY
        assert (TODAY - due).days <= 800 and (due - TODAY).days <= 60
        amount = float(row["amount"])
        assert 50_000 <= amount <= 50_000_000
        assert row["amount"].endswith(".00") and row["currency"] == "COP" and row["kind"] == "invoice"
        numbers.add(row["number"])
        per_debtor[row["debtor_code"]] += 1
    assert len(numbers) == len(rows)
    counts = sorted(per_debtor.values(), reverse=True)
    assert counts[0] >= 20 and min(counts) >= 1  # a few big customers (Pareto), everyone has at least one
    assert any((TODAY - _dmy(r["due_date"])).days > 365 for r in rows)
    assert any(_dmy(r["due_date"]) > TODAY for r in rows)


def test_payments_are_plausible(files):
    obligations = {r["number"]: r for r in _rows(files["obligations"])}
    payments = _rows(files["payments"])
    assert payments
    assert len({p["reference"] for p in payments}) == len(payments)
    paid = defaultdict(float)
    debtor_only = 0
    for p in payments:
        when = _dmy(p["date"])
        assert when <= TODAY
        assert float(p["amount"]) > 0
        assert p["method"] in {m for m, _ in synthetic.PAYMENT_METHODS}
        if not p["obligation"]:
            debtor_only += 1
            continue
        o = obligations[p["obligation"]]
        assert o["debtor_code"] == p["debtor_code"]
        assert when > _dmy(o["issue_date"])
        paid[p["obligation"]] += float(p["amount"])
    assert debtor_only > 0
    for number, total in paid.items():
        assert total <= float(obligations[number]["amount"]) + 0.001
    share = len(paid) / len(obligations)
    assert 0.4 < share < 0.95  # a realistic share is paid; the rest is the portfolio to collect


def test_write_payments_from_parameters_equals_from_csv(tmp_path, files):
    path = tmp_path / "p.csv"
    synthetic.write_payments(path, debtors=300, obligations=1500, seed=7, today=TODAY)
    assert _digest(path) == _digest(files["payments"])


def test_fewer_obligations_than_debtors(tmp_path):
    path = tmp_path / "o.csv"
    synthetic.write_flat_obligations(path, debtors=50, obligations=10, seed=1, today=TODAY)
    assert len(_rows(path)) == 10


def test_hoa_fees(tmp_path):
    path = tmp_path / "hoa.csv"
    synthetic.write_hoa_obligations(path, units=20, months=18, seed=1, today=TODAY)
    rows = _rows(path)
    assert len(rows) == 20 * 18
    assert {r["kind"] for r in rows} == {"hoa_fee"}
    assert rows[-1]["description"] == "Cuota de administración marzo 2026"
    assert rows[0]["description"] == "Cuota de administración octubre 2024"
    units = {r["debtor_code"] for r in rows}
    assert len(units) == 20 and "T1-101" in units
    for r in rows:
        validate_national_id("CO", r["debtor_id_type"], r["debtor_id_number"])
        assert normalize_phone(r["debtor_phone"], "CO")
        assert _dmy(r["due_date"]) >= _dmy(r["issue_date"])


def test_payments_that_would_come_later_do_not_pile_up_on_today():
    """The demo's analytics trend dropped on its last day: payments drawn after today were moved onto today (216
    of ~3,000 invoices' payments on one day, about 14 on the busiest other day). They are not made yet."""
    today = date(2026, 12, 7)
    rows = list(synthetic.iter_flat_obligations(debtors=1500, obligations=3000, seed=1, today=today))
    per_day = Counter(p[2] for p in synthetic.iter_payments(rows, seed=1, today=today))
    busiest_before = max(n for day, n in per_day.items() if day != today.strftime("%d/%m/%Y"))
    assert per_day[today.strftime("%d/%m/%Y")] <= busiest_before
    assert all(synthetic._parse_dmy(day) <= today.toordinal() for day in per_day)
