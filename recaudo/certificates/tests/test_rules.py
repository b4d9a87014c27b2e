"""Certificates' pure rules, with worked examples."""

from datetime import date

import pytest

from recaudo.certificates.rules import (
    IN_AGREEMENT,
    OWES,
    WRITTEN_OFF,
    DebtLine,
    ObligationState,
    code_display,
    code_from_bytes,
    code_normalize,
    debt_totals,
    interest_owed,
    no_debt_blockers,
)


def test_only_paid_obligations_with_balance_zero_are_settled():
    states = [ObligationState("F-1", 0, "paid"), ObligationState("F-2", 100, "open"),
              ObligationState("F-3", 0, "written_off"), ObligationState("F-4", 0, "in_agreement"),
              ObligationState("F-5", 5, "in_agreement")]
    assert no_debt_blockers(states) == [("F-2", OWES), ("F-3", WRITTEN_OFF), ("F-4", IN_AGREEMENT), ("F-5", OWES)]
    assert no_debt_blockers([ObligationState("F-1", 0, "paid")]) == []


def test_code_is_base32_grouped_and_read_back_however_typed():
    code = code_from_bytes(bytes(range(10)))
    assert code == "AAAQEAYEAUDAOCAJ" and len(code) == 16
    assert code_display(code) == "AAAQ-EAYE-AUDA-OCAJ"
    assert code_normalize(" aaaq-eaye auda-ocaj ") == code
    assert code_normalize("AAAQEAYEAUDAOCA") is None  # 15 characters
    assert code_normalize("AAAQEAYEAUDAOCA1") is None  # 1 is not base32
    assert code_normalize("x" * 10_000) is None
    assert code_normalize(None) is None
    with pytest.raises(ValueError):
        code_from_bytes(b"short")


def test_interest_owed_worked_example():
    # 10.000.000 due 20/01/2026: the cycle posted 65.721,39 through 31/01; liquidated through 10/02 127.379,26
    assert interest_owed(ledger_owed_minor=6572139, liquidated_minor=12737926, posted_minor=6572139) == 12737926
    # 50.000 of the posted interest paid: the ledger owes 15.721,39, plus the 61.657,87 not posted yet
    assert interest_owed(ledger_owed_minor=1572139, liquidated_minor=12737926, posted_minor=6572139) == 7737926
    # the cycle posted more than this liquidation (an adjustment): the ledger's figure stands
    assert interest_owed(ledger_owed_minor=500, liquidated_minor=400, posted_minor=500) == 500


def test_totals():
    lines = [DebtLine("A", "hoa_fee", "", date(2026, 1, 20), 1000, 0, 1000, 0, 30),
             DebtLine("B", "hoa_fee", "", date(2026, 2, 5), 500, 200, 300, 10, 2)]
    assert [x.total_minor for x in lines] == [1030, 312]
    assert debt_totals(lines) == {"original_minor": 1500, "paid_minor": 200, "principal_minor": 1300,
                                  "fees_minor": 10, "interest_minor": 32, "total_minor": 1342}
