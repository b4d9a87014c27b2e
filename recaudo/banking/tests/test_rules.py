"""Payment references, pure: worked examples and properties (docs/bank-files.md)."""

import pytest
from django.utils import translation
from hypothesis import given
from hypothesis import strategies as st

from recaudo.banking import rules
from recaudo.banking.rules import Target


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def test_luhn_worked_examples():
    # ISO/IEC 7812-1 annex B's classic example: 7992739871 -> check digit 3
    assert rules.luhn_digit("7992739871") == "3"
    assert rules.luhn_valid("79927398713")
    assert not rules.luhn_valid("79927398710")
    # 1203: digits from the right 3,0,2,1; doubled 3->6 and 2->4; 6+0+4+1 = 11; 10 - 1 = 9
    assert rules.generated_reference(1203) == "12039"
    assert rules.generated_reference(1) == "18"
    assert not rules.luhn_valid("") and not rules.luhn_valid("7") and not rules.luhn_valid("12a39")


@given(st.integers(min_value=1, max_value=10**15), st.data())
def test_a_single_mistyped_digit_is_caught(number, data):
    reference = rules.generated_reference(number)
    assert rules.luhn_valid(reference)
    position = data.draw(st.integers(min_value=0, max_value=len(reference) - 1))
    wrong = data.draw(st.sampled_from([d for d in "0123456789" if d != reference[position]]))
    assert not rules.luhn_valid(reference[:position] + wrong + reference[position + 1:])


@given(st.integers(min_value=10, max_value=10**15), st.data())
def test_swapping_two_adjacent_digits_is_caught_except_09_90(number, data):
    reference = rules.generated_reference(number)
    position = data.draw(st.integers(min_value=0, max_value=len(reference) - 2))
    a, b = reference[position], reference[position + 1]
    swapped = reference[:position] + b + a + reference[position + 2:]
    if a != b and {a, b} != {"0", "9"}:
        assert not rules.luhn_valid(swapped)


@given(st.integers(min_value=1, max_value=10**15))
def test_a_generated_reference_survives_padding(number):
    reference = rules.generated_reference(number)
    assert reference[0] != "0"
    assert rules.unpadded(reference.rjust(48, "0")) == reference


def test_references_compare_without_padding_zeros():
    assert rules.unpadded(" 000123 ") == "123"
    assert rules.unpadded("0000") == ""
    assert rules.padded_forms("0012", 5) == ["12", "012", "0012", "00012"]
    assert rules.padded_forms("000", 5) == []


def test_a_packed_reference_is_split_by_the_layout():
    # 48 positions: ... invoice number in 23-34, payer's NIT in 35-44, period YYMM in 45-48
    layout = rules.parse_layout([{"field": "obligation_number", "start": 23, "length": 12},
                                 {"field": "national_id", "start": 35, "length": 10},
                                 {"field": "period", "start": 45, "length": 4}])
    reference = "000000001203" + "0900123456" + "2603"  # as the file gives it, left zeros cut
    assert rules.split_reference(reference, layout) == {
        "obligation_number": "1203", "national_id": "900123456", "period": "2603"}
    assert rules.split_reference("000FV1203", []) == {"reference": "FV1203"}


def test_a_bad_layout_names_every_problem():
    with pytest.raises(rules.ReferenceError) as caught:
        rules.parse_layout([{"field": "obligation_number", "start": 40, "length": 10},
                            {"field": "colour", "start": 1, "length": 2},
                            {"field": "period", "start": 1, "length": 4},
                            {"field": "period", "start": 5, "length": 4}])
    problems = caught.value.problems
    assert any("within 1-48" in p for p in problems)
    assert any("unknown field 'colour'" in p for p in problems)
    assert any("appears twice" in p for p in problems)
    with pytest.raises(rules.ReferenceError) as caught:
        rules.parse_layout([{"field": "obligation_number", "start": 1, "length": 10},
                            {"field": "debtor_code", "start": 5, "length": 10}])
    assert "overlap" in caught.value.message
    with pytest.raises(rules.ReferenceError, match="identify the payer"):
        rules.parse_layout([{"field": "period", "start": 1, "length": 4}])
    with pytest.raises(rules.ReferenceError):
        rules.parse_layout({"field": "period"})


def test_decide_one_target():
    assert rules.decide({"obligation_number": [Target(1, 7)], "debtor_code": [Target(1)]},
                        each_must_match=True).target == Target(1, 7)
    # without a layout, only what the reference named counts
    assert rules.decide({"obligation_number": [], "debtor_code": [Target(4)], "national_id": []},
                        each_must_match=False).target == Target(4)


def test_decide_refuses_ambiguity_and_misses():
    assert "2 different debtors" in rules.decide({"obligation_number": [Target(1, 7)], "debtor_code": [Target(2)]},
                                                 each_must_match=False).reason
    assert "2 different obligations" in rules.decide({"a": [Target(1, 7)], "b": [Target(1, 8)]},
                                                     each_must_match=False).reason
    missed = rules.decide({"obligation_number": [Target(1, 7)], "national_id": []}, each_must_match=True)
    assert missed.target is None and "the national ID names nothing" in missed.reason
    assert rules.decide({"debtor_code": []}, each_must_match=False).target is None
    assert "no reference" in rules.decide({}, each_must_match=False).reason
