"""The reconciliation queue's services: scored suggestions at import, the auto-apply score, accepting a
suggestion, splitting a line, undoing an applied line; every decision audited, roles enforced."""

from datetime import date
from decimal import Decimal

import pytest
from django.utils import translation

from recaudo.audit.models import AuditEvent
from recaudo.banking import selectors, services
from recaudo.banking.models import BankLine, BankLinePart
from recaudo.banking.services import SplitPart
from recaudo.banking.tests import files
from recaudo.core.errors import NotAllowed
from recaudo.demo.testing import make_debtor, make_obligation, make_portfolio, make_user
from recaudo.ledger.models import Payment

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


@pytest.fixture
def book():
    portfolio = make_portfolio()
    luz = make_debtor(portfolio, code="C001", name="Luz Marina Pérez", id_type="CC", id_number="52123456")
    pedro = make_debtor(portfolio, code="C002", name="Pedro Gómez", id_type="CC", id_number="79111222")
    make_obligation(portfolio, luz, number="1203", amount="1000000")
    make_obligation(portfolio, pedro, number="FV-77", amount="500000")
    otro = make_debtor(portfolio, code="1203", name="Otro Señor")  # 1203: Luz's obligation and Otro's code
    sofia = make_user("sofia", portfolio, role="supervisor")
    return portfolio, luz, pedro, otro, sofia


def _import(portfolio, payments):
    text = files.file_2001([("7709998000011", payments)])
    return services.bank_file_import(portfolio=portfolio, content=text.encode(), actor="test")


def test_an_ambiguous_reference_with_the_balance_applies_by_its_score(book):
    portfolio, luz, _pedro, _otro, _sofia = book
    # 1203 names Luz's obligation (70) and Otro's code (60); 1.000.000,00 is the obligation's balance (+30): 100
    result = _import(portfolio, [("1203", 100_000_000)])
    assert result.lines[0].outcome == "applied"
    payment = Payment.objects.get()
    assert payment.debtor == luz and payment.obligation.number == "1203"
    line = BankLine.objects.get()
    assert [(s["score"], [r["code"] for r in s["reasons"]]) for s in line.suggestions] == [
        (100, ["reference_obligation", "amount_equals_balance"]), (60, ["reference_debtor"])]


def test_a_queued_line_keeps_its_suggestions_and_the_reasons_code(book):
    portfolio, luz, _pedro, otro, _sofia = book
    _import(portfolio, [("1203", 5_000_00)])  # 70 vs 60: waits
    line = BankLine.objects.get()
    assert line.status == "queued" and line.reason_code == "several_debtors" and line.reason_params == {"n": 2}
    assert [(s["debtor_id"], s["score"]) for s in line.suggestions] == [(luz.pk, 70), (otro.pk, 60)]
    with translation.override("es-co"):
        assert line.reason_text == "la referencia corresponde a 2 deudores distintos"
        shown = selectors.suggestions_shown([line])[line.pk]
        assert shown[0]["reasons"] == "referencia 1203 = obligación 1203"
        assert shown[1]["reasons"] == "referencia 1203 = el código del deudor"


def test_the_portfolios_score_decides_what_applies_by_itself(book):
    portfolio, luz, _pedro, _otro, _sofia = book
    ana = make_user("ana", portfolio, role="admin")
    with pytest.raises(NotAllowed):
        services.auto_apply_score_set(portfolio=portfolio, score=60, actor=book[4])  # a supervisor may not
    with pytest.raises(services.BankingError):
        services.auto_apply_score_set(portfolio=portfolio, score=101, actor=ana)
    services.auto_apply_score_set(portfolio=portfolio, score=70, actor=ana)
    assert selectors.auto_apply_score(portfolio) == 70
    _import(portfolio, [("1203", 5_000_00)])  # 70 reaches 70 and beats Otro's 60... by 10 < 15: still waits
    line = BankLine.objects.get()
    assert line.status == "queued" and line.reason_code == "several_debtors"
    assert AuditEvent.objects.filter(event_type="banking.auto_apply_score").count() == 1


def _queued(book):
    portfolio = book[0]
    _import(portfolio, [("1203", 5_000_00)])
    return BankLine.objects.get(status="queued")


def test_a_line_of_zero_is_not_applied_by_hand(book):
    """A zero payment waits only to be marked as not a collection: applying it is refused (a BankingError the
    queue page shows), nothing written. Found by the property test."""
    portfolio, _luz, _pedro, _otro, sofia = book
    _import(portfolio, [("1203", 0)])
    line = BankLine.objects.get(status="queued")
    assert line.reason_code == "zero_amount"
    with pytest.raises(services.BankingError, match="zero"):
        services.bank_line_apply(portfolio=portfolio, line_id=line.pk, debtor_query="C001", actor=sofia)
    assert not Payment.objects.exists() and BankLine.objects.get().status == "queued"


def test_accepting_a_suggestion_applies_it_once(book):
    portfolio, luz, _pedro, _otro, sofia = book
    line = _queued(book)
    for _ in range(2):
        services.bank_line_accept(portfolio=portfolio, line_id=line.pk, suggestion=0, actor=sofia)
    line.refresh_from_db()
    payment = Payment.objects.get()
    assert line.status == "applied" and line.payment == payment and payment.source_ref == line.source_key
    assert payment.debtor == luz and payment.obligation.number == "1203" and payment.amount_minor == 5_000_00
    event = AuditEvent.objects.get(event_type="banking.line_applied")
    assert event.changes["how"] == "suggestion" and event.changes["score"] == 70


def test_a_suggestion_that_does_not_exist_is_refused(book):
    portfolio, _luz, _pedro, _otro, sofia = book
    line = _queued(book)
    with pytest.raises(services.BankingError) as caught:
        services.bank_line_accept(portfolio=portfolio, line_id=line.pk, suggestion=7, actor=sofia)
    assert caught.value.field == "suggestion" and not Payment.objects.exists()


def test_splitting_a_line_makes_one_payment_per_part_keyed_by_the_line(book):
    portfolio, luz, pedro, _otro, sofia = book
    line = _queued(book)  # 5.000,00
    parts = [SplitPart("C001", "1203", "3.000,50"), SplitPart("79111222", "", Decimal("1999.50"))]
    for _ in range(2):  # a second submit changes nothing
        services.bank_line_split(portfolio=portfolio, line_id=line.pk, parts=parts, actor=sofia)
    line.refresh_from_db()
    assert line.status == "applied" and line.payment is None
    payments = list(Payment.objects.order_by("source_ref"))
    assert [(p.source_ref, p.debtor, p.amount_minor) for p in payments] == [
        (f"{line.source_key}/1", luz, 3_000_50), (f"{line.source_key}/2", pedro, 1_999_50)]
    assert payments[0].obligation.number == "1203" and payments[0].date == line.bank_date
    assert [(p.number, p.amount_minor) for p in BankLinePart.objects.order_by("number")] == [(1, 3_000_50),
                                                                                               (2, 1_999_50)]
    assert AuditEvent.objects.filter(event_type="banking.line_split").count() == 1


def test_split_amounts_that_do_not_add_up_are_refused_in_spanish_and_nothing_is_written(book):
    portfolio, _luz, _pedro, _otro, sofia = book
    line = _queued(book)
    parts = [SplitPart("C001", "", "3.000"), SplitPart("C002", "", "1.000")]
    with translation.override("es-co"), pytest.raises(services.BankingError) as caught:
        services.bank_line_split(portfolio=portfolio, line_id=line.pk, parts=parts, actor=sofia)
    assert "las partes suman" in caught.value.message and "deben ser iguales" in caught.value.message
    assert "4.000,00" in caught.value.message and "5.000,00" in caught.value.message
    assert not Payment.objects.exists() and not BankLinePart.objects.exists()
    line.refresh_from_db()
    assert line.status == "queued"


@pytest.mark.parametrize("parts, words", [
    ([SplitPart("C001", "", "5.000")], "at least two parts"),
    ([SplitPart("C001", "", "5.000"), SplitPart("C002", "", "0")], "part 2, amount"),
    ([SplitPart("C001", "", "abc"), SplitPart("C002", "", "5.000")], "part 1, amount"),
    ([SplitPart("C001", "", "2.500"), SplitPart("C999", "", "2.500")], "part 2: no debtor"),
    ([SplitPart("C001", "FV-77", "2.500"), SplitPart("C002", "", "2.500")], "part 1: obligation FV-77 is not"),
])
def test_a_bad_split_names_its_part(book, parts, words):
    portfolio, _luz, _pedro, _otro, sofia = book
    line = _queued(book)
    with pytest.raises(services.BankingError, match=words):
        services.bank_line_split(portfolio=portfolio, line_id=line.pk, parts=parts, actor=sofia)
    assert not Payment.objects.exists()


def test_undoing_a_line_reverses_its_payment_and_queues_it_again_once(book):
    portfolio, luz, pedro, _otro, sofia = book
    _import(portfolio, [("C001", 2_000_00)])  # applied by the import (the code names Luz)
    line = BankLine.objects.get()
    assert line.status == "applied"
    first = line.payment
    services.bank_line_undo(portfolio=portfolio, line_id=line.pk, reason="era de Pedro", actor=sofia)
    line.refresh_from_db()
    first.refresh_from_db()
    assert first.reversed_at is not None and line.status == "queued" and line.payment is None
    assert line.round == 2 and line.reason_code == "undone" and "era de Pedro" in line.reason_text
    luz.refresh_from_db()
    assert luz.balance_minor == 100_000_000  # back to the whole debt
    with pytest.raises(services.BankingError, match="nothing to undo"):
        services.bank_line_undo(portfolio=portfolio, line_id=line.pk, reason="otra vez", actor=sofia)
    assert AuditEvent.objects.filter(event_type="banking.line_undone").count() == 1
    assert AuditEvent.objects.filter(event_type="payment.reversed").count() == 1
    # applied again, to Pedro: a new payment with a new key
    services.bank_line_apply(portfolio=portfolio, line_id=line.pk, debtor_query="C002", actor=sofia)
    line.refresh_from_db()
    assert line.payment.debtor == pedro and line.payment.source_ref == f"{line.source_key}~2"
    # the same file again changes nothing
    assert [x.outcome for x in _import(portfolio, [("C001", 2_000_00)]).lines] == ["duplicate"]


def test_undoing_a_split_reverses_every_part(book):
    portfolio, _luz, _pedro, _otro, sofia = book
    line = _queued(book)
    services.bank_line_split(portfolio=portfolio, line_id=line.pk, actor=sofia,
                             parts=[SplitPart("C001", "", "2.500"), SplitPart("C002", "", "2.500")])
    services.bank_line_undo(portfolio=portfolio, line_id=line.pk, reason="mal repartido", actor=sofia)
    assert Payment.objects.filter(reversed_at__isnull=False).count() == 2
    line.refresh_from_db()
    assert line.status == "queued" and len(line.suggestions) == 2  # the suggestions are kept
    services.bank_line_split(portfolio=portfolio, line_id=line.pk, actor=sofia,
                             parts=[SplitPart("C001", "", "1.000"), SplitPart("C002", "", "4.000")])
    assert sorted(Payment.objects.filter(reversed_at__isnull=True).values_list("source_ref", flat=True)) == [
        f"{line.source_key}~2/1", f"{line.source_key}~2/2"]


def test_the_parts_of_a_split_and_a_payment_undone_since_still_name_their_bank_line(book):
    """The debtor page's payment source (selectors.payments_with_source) finds the line from the payment's source
    reference: `<key>/2` for a part, and the first payment of a line undone and applied again (`<key>~2`)."""
    from recaudo.banking.selectors import payments_with_source

    portfolio, _luz, _pedro, _otro, sofia = book
    line = _queued(book)
    services.bank_line_split(portfolio=portfolio, line_id=line.pk, actor=sofia,
                             parts=[SplitPart("C001", "", "2.500"), SplitPart("C002", "", "2.500")])
    services.bank_line_undo(portfolio=portfolio, line_id=line.pk, reason="mal repartido", actor=sofia)
    services.bank_line_split(portfolio=portfolio, line_id=line.pk, actor=sofia,
                             parts=[SplitPart("C001", "", "4.000"), SplitPart("C002", "", "1.000")])
    payments = payments_with_source(list(Payment.objects.order_by("pk")))
    assert len(payments) == 4 and {p.source_info.line_id for p in payments} == {line.pk}
    assert all(p.source_info.line_number == line.line_number for p in payments)


def test_undo_needs_a_reason(book):
    portfolio, _luz, _pedro, _otro, sofia = book
    _import(portfolio, [("C001", 2_000_00)])
    line = BankLine.objects.get()
    with pytest.raises(services.BankingError) as caught:
        services.bank_line_undo(portfolio=portfolio, line_id=line.pk, reason="  ", actor=sofia)
    assert caught.value.field == "reason"
    assert Payment.objects.get().reversed_at is None


@pytest.mark.parametrize("role", ["viewer", "agent"])
def test_viewers_and_agents_may_not_accept_split_or_undo(book, role):
    portfolio, _luz, _pedro, _otro, _sofia = book
    user = make_user(f"u-{role}", portfolio, role=role)
    line = _queued(book)
    with pytest.raises(NotAllowed):
        services.bank_line_accept(portfolio=portfolio, line_id=line.pk, suggestion=0, actor=user)
    with pytest.raises(NotAllowed):
        services.bank_line_split(portfolio=portfolio, line_id=line.pk, actor=user,
                                 parts=[SplitPart("C001", "", "2.500"), SplitPart("C002", "", "2.500")])
    _import(portfolio, [("C002", 1_00)])
    applied = BankLine.objects.get(status="applied")
    with pytest.raises(NotAllowed):
        services.bank_line_undo(portfolio=portfolio, line_id=applied.pk, reason="x", actor=user)
    assert not Payment.objects.filter(reversed_at__isnull=False).exists()


def test_a_statement_description_is_scored_like_a_reference(book):
    portfolio, luz, _pedro, _otro, _sofia = book
    obligation = luz.obligations.get(number="1203")
    found = selectors.line_candidates(portfolio, [
        selectors.LineToScore(amount_minor=100_000_000, description="PAGO 1203 LUZ PEREZ"),
        selectors.LineToScore(amount_minor=7_00, payer_name="PEDRO GOMEZ", description="TRANSFERENCIA"),
    ])
    best = found[0][0]
    # description_obligation 50 + amount_equals_balance 30 + name_matches 20 = 100
    assert (best.debtor_id, best.obligation_id, best.score) == (luz.pk, obligation.pk, 100)
    assert [r.code for r in best.reasons] == ["description_obligation", "amount_equals_balance", "name_matches"]
    # Luz alone: name 20 + her total balance 30 = 50; Otro (code 1203 in the description): 45
    assert [(c.debtor_id, c.obligation_id, c.score) for c in found[0][1:]] == [(luz.pk, None, 50),
                                                                               (book[3].pk, None, 45)]
    # the name alone finds Pedro: 20 points, a suggestion
    assert [(c.debtor_id, c.obligation_id, c.score) for c in found[1]] == [(book[2].pk, None, 20)]


def _statement_line(portfolio, key, amount_minor, description="", payer="", reference=""):
    return BankLine.objects.create(
        portfolio=portfolio, source_key=key, kind="statement", layout="csv", file_sha256="0" * 64, line_number=2,
        bank_date=date(2026, 3, 1), reference=reference, amount_minor=amount_minor, description=description,
        payer_name=payer, status="queued")


def test_statement_lines_are_applied_or_suggested_by_their_scores(book):
    portfolio, luz, pedro, _otro, _sofia = book
    make_obligation(portfolio, luz, number="FV-1203", amount="250000")
    clear = _statement_line(portfolio, "st-1", 25_000_000, description="PAGO FV-1203 LUZ PEREZ")
    by_name = _statement_line(portfolio, "st-2", 7_00, payer="PEDRO GOMEZ")
    by_reference = _statement_line(portfolio, "st-3", 50_000_000, reference="000FV-77")
    services.bank_lines_match(portfolio=portfolio, lines=[clear, by_name, by_reference], actor="test")
    clear.refresh_from_db()
    assert clear.status == "applied" and clear.payment.source == "statement"
    assert clear.payment.obligation.number == "FV-1203" and clear.payment.source_ref == "st-1"
    # description_obligation 50 + amount_equals_balance 30 + name_matches 20
    assert clear.suggestions[0]["score"] == 100
    with translation.override("es-co"):
        shown = selectors.suggestions_shown([clear])[clear.pk][0]["reasons"]
    assert shown == ("la descripción nombra la obligación FV-1203; el valor es igual al saldo de FV-1203; "
                     "el nombre del pagador se parece al del deudor (100%)")
    by_name.refresh_from_db()
    assert by_name.status == "queued" and by_name.reason_code == "below_threshold"
    assert [(s["debtor_id"], s["score"]) for s in by_name.suggestions] == [(pedro.pk, 20)]
    by_reference.refresh_from_db()  # the whole reference names FV-77 (70) + its balance 500.000,00 (30)
    assert by_reference.status == "applied" and by_reference.payment.debtor == pedro


def test_a_statement_import_applies_a_line_its_description_and_amount_name(book):
    from recaudo.banking.tests import statement_files as sf

    portfolio, luz, pedro, _otro, _sofia = book
    make_obligation(portfolio, luz, number="FV-1203", amount="250000")
    content = sf.ofx_sgml([("F1", "20260301", "250000.00", "LUZ PEREZ", "PAGO FV-1203 LUZ PEREZ"),
                           ("F2", "20260301", "7.00", "PEDRO GOMEZ", "TRANSFERENCIA")])
    result = services.bank_statement_import(portfolio=portfolio, content=content, actor="test")
    assert [x.outcome for x in result.lines] == ["applied", "queued"]
    applied = BankLine.objects.get(transaction_id="F1")
    assert applied.payment.obligation.number == "FV-1203" and applied.payment.source == "statement"
    assert applied.suggestions[0]["score"] == 100
    assert [r["code"] for r in applied.suggestions[0]["reasons"]] == [
        "description_obligation", "amount_equals_balance", "name_matches"]
    # the import's result (the upload page's lines) says why it applied by itself
    assert result.lines[0].reason.startswith("score 100: ") and "FV-1203" in result.lines[0].reason
    waiting = BankLine.objects.get(transaction_id="F2")
    assert waiting.reason_code == "below_threshold" and waiting.suggestions[0]["debtor_id"] == pedro.pk
