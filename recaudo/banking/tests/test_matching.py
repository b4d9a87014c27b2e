"""Scored candidates of a bank line, pure: the worked examples of docs/bank-files.md with their exact scores."""

import pytest
from django.utils import translation

from recaudo.banking import matching
from recaudo.banking.matching import DebtorFacts, Evidence
from recaudo.banking.rules import Target

LUZ, PEDRO, OTRO = 1, 2, 3
FV1203, FV1204, FV77 = 11, 12, 21


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def _luz(**extra):
    return DebtorFacts(LUZ, name="Luz Marina Pérez", balance_minor=125_000_000,
                       obligations={FV1203: ("FV-1203", 100_000_000), FV1204: ("FV-1204", 25_000_000)}, **extra)


def _codes(candidate):
    return [r.code for r in candidate.reasons]


def test_a_statement_naming_the_invoice_with_its_balance_and_the_payers_name_scores_100():
    # description_obligation 50 + amount_equals_balance 30 + name_matches 20 ("luz", "perez": both words of the
    # shorter name) = 100
    evidence = [Evidence("description_obligation", Target(LUZ, FV1203), (("number", "FV-1203"),))]
    found = matching.candidates(amount_minor=100_000_000, evidence=evidence, debtors={LUZ: _luz()},
                                payer_text="PAGO FV-1203 LUZ PEREZ")
    best = found[0]
    assert (best.debtor_id, best.obligation_id, best.score) == (LUZ, FV1203, 100)
    assert _codes(best) == ["description_obligation", "amount_equals_balance", "name_matches"]
    assert matching.choose(found, 90).candidate is best
    assert matching.reasons_text(best.as_json()["reasons"]) == (
        "the description names obligation FV-1203; the amount equals the balance of FV-1203; "
        "the payer's name resembles the debtor's (100%)")
    with translation.override("es-co"):
        assert matching.reasons_text(best.as_json()["reasons"]).startswith(
            "la descripción nombra la obligación FV-1203; el valor es igual al saldo de FV-1203")


def test_the_reference_naming_an_obligation_with_a_different_amount_scores_70_and_waits():
    evidence = [Evidence("reference_obligation", Target(LUZ, FV1203), (("ref", "1203"), ("number", "FV-1203")))]
    found = matching.candidates(amount_minor=5_000_000, evidence=evidence, debtors={LUZ: _luz()})
    assert [(c.obligation_id, c.score) for c in found] == [(FV1203, 70)]
    choice = matching.choose(found, 90)
    assert choice.candidate is None and choice.code == "below_threshold"
    assert dict(choice.params) == {"score": 70, "threshold": 90}
    assert matching.choose(found, 70).candidate is found[0]  # a portfolio that trusts references alone


def test_a_debtor_reference_and_an_amount_equal_to_one_invoice_picks_that_invoice():
    # reference_debtor 60 + amount_equals_balance of FV-1204 30 = 90; the debtor alone 60 does not compete with
    # its own obligation
    evidence = [Evidence("reference_debtor", Target(LUZ), (("ref", "C001"), ("field", "debtor_code")))]
    found = matching.candidates(amount_minor=25_000_000, evidence=evidence, debtors={LUZ: _luz()})
    assert [(c.obligation_id, c.score) for c in found] == [(FV1204, 90), (None, 60)]
    assert matching.choose(found, 90).candidate.obligation_id == FV1204


def test_an_ambiguous_reference_is_decided_by_the_amount():
    # 1203 is Luz's obligation (70) and Otro's customer code (60); the amount is FV-1203's balance: 100 vs 60
    evidence = [Evidence("reference_obligation", Target(LUZ, FV1203), (("ref", "1203"), ("number", "FV-1203"))),
                Evidence("reference_debtor", Target(OTRO), (("ref", "1203"), ("field", "debtor_code")))]
    debtors = {LUZ: _luz(), OTRO: DebtorFacts(OTRO, name="Otro Señor", balance_minor=7_000)}
    found = matching.candidates(amount_minor=100_000_000, evidence=evidence, debtors=debtors)
    assert [(c.debtor_id, c.score) for c in found] == [(LUZ, 100), (OTRO, 60)]
    assert matching.choose(found, 90).candidate.debtor_id == LUZ
    # another amount: 70 and 60, too close
    close = matching.candidates(amount_minor=1_000, evidence=evidence, debtors=debtors)
    choice = matching.choose(close, 50)
    assert choice.candidate is None and choice.code == "not_clear" and dict(choice.params) == {"score": 70,
                                                                                                "second": 60}


def test_a_name_alone_with_the_total_balance_scores_50():
    # name_matches 20 ("luz", "perez" of 2 words) + amount_equals_total 30 = 50: a suggestion, never applied at 90
    found = matching.candidates(amount_minor=125_000_000, evidence=[], debtors={LUZ: _luz()},
                                payer_text="LUZ M. PEREZ")
    assert [(c.debtor_id, c.obligation_id, c.score) for c in found] == [(LUZ, None, 50)]
    assert _codes(found[0]) == ["amount_equals_total", "name_matches"]


def test_installments_and_promises_count_once_the_largest_amount_reason():
    facts = _luz(installments=[("A-7", 2, 25_000_000)], promises=[("2026-03-05", 25_000_000)])
    evidence = [Evidence("description_national_id", Target(LUZ), (("id", "52123456"),))]
    found = matching.candidates(amount_minor=25_000_000, evidence=evidence, debtors={LUZ: facts})
    # FV-1204's balance equals it too: 45 + 30 (balance; the installment's and promise's 25 do not add)
    assert [(c.obligation_id, c.score) for c in found] == [(FV1204, 75), (None, 70)]
    assert _codes(found[1]) == ["description_national_id", "amount_equals_installment", "amount_equals_promise"]


def test_an_amount_alone_proposes_nothing_and_the_score_is_capped():
    assert matching.candidates(amount_minor=100_000_000, evidence=[], debtors={LUZ: _luz()}) == []
    evidence = [Evidence("reference_obligation", Target(LUZ, FV1203), (("ref", "1203"), ("number", "FV-1203"))),
                Evidence("description_obligation", Target(LUZ, FV1203), (("number", "FV-1203"),))]
    found = matching.candidates(amount_minor=100_000_000, evidence=evidence, debtors={LUZ: _luz()})
    assert found[0].score == 100  # 70 + 50 + 30 = 150, at most 100
    assert matching.choose([], 90).code == "no_candidate"


@pytest.mark.parametrize("payer, name, expected", [
    ("LUZ PEREZ", "Luz Marina Pérez", 1.0),
    ("luz marina perez gomez", "Luz Marina Pérez", 1.0),
    ("LUZ GOMEZ", "Luz Marina Pérez", 0.0),  # one shared first name is not enough
    ("PAGO NEQUI", "Luz Marina Pérez", 0.0),
    ("Pedro", "Pedro", 1.0),
    ("MARINA PEREZ LOPEZ", "Luz Marina Pérez Gómez", 2 / 3),
])
def test_name_similarity(payer, name, expected):
    assert matching.name_similarity(payer, name) == pytest.approx(expected)


def test_description_tokens():
    assert matching.description_tokens("PAGO fv-1203 CC 52.123.456 LUZ") == [
        "fv-1203", "FV-1203", "52.123.456", "52123456"]
    assert matching.description_tokens("") == []
