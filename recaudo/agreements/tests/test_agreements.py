from datetime import date
from decimal import Decimal

import pytest

from recaudo.agreements.models import Agreement
from recaudo.agreements.pdf import render_agreement_pdf
from recaudo.agreements.rules import agreement_breached
from recaudo.agreements.services.common import AgreementError
from recaudo.agreements.services.payments import payment_receive
from recaudo.agreements.services.plans import agreement_accept, agreement_create, agreements_check_breach
from recaudo.audit.models import AuditEvent
from recaudo.ledger.models import Entry
from recaudo.ledger.services import ledger_verify
from recaudo.portfolio.models import Obligation
from recaudo.strategies.models import Hold

from .helpers import MONDAY, NOW, debtor_with_debt, minor

pytestmark = pytest.mark.django_db


def make_plan(portfolio, debtor, obligations, clause="revert", **kw):
    args = {"installments": 3, "first_due": date(2026, 4, 1), "down_payment": Decimal("20000"),
            "breach_installments": 2, "breach_days": 30, "breach_clause": clause}
    args.update(kw)
    return agreement_create(portfolio=portfolio, debtor=debtor, obligations=obligations, today=MONDAY, now=NOW, **args)


def accept(agreement):
    return agreement_accept(agreement=agreement, channel="email_reply", evidence_text="Acepto. Luz Marina",
                            today=MONDAY, now=NOW)


def balances(debtor):
    return dict(Obligation.objects.filter(debtor=debtor).values_list("number", "balance_minor"))


def test_breach_rule():
    dues = [date(2026, 2, 1), date(2026, 3, 1)]
    assert not agreement_breached(dues, date(2026, 3, 31), 2, 30)  # the second is 30 days overdue, not more
    assert agreement_breached(dues, date(2026, 4, 1), 2, 30)
    assert agreement_breached(dues[:1], date(2026, 3, 4), 1, 30)


def test_create_draft_schedule(portfolio):
    debtor, f1, f2 = debtor_with_debt(portfolio)
    a = make_plan(portfolio, debtor, [f1, f2])
    assert (a.status, a.number, a.debt_minor, a.down_payment_minor, a.financed_minor) == (
        "draft", f"AC-{a.pk}", minor("1520000"), minor("20000"), minor("1500000"))
    rows = list(a.schedule.values_list("number", "due_date", "amount_minor"))
    assert rows == [(0, MONDAY, minor("20000")), (1, date(2026, 4, 1), minor("500000")),
                    (2, date(2026, 5, 1), minor("500000")), (3, date(2026, 6, 1), minor("500000"))]
    assert Entry.objects.filter(debtor=debtor).count() == 3  # nothing booked before acceptance


def test_rate_above_usury_is_refused_and_within_is_accepted(portfolio):
    debtor, f1, f2 = debtor_with_debt(portfolio)
    with pytest.raises(AgreementError, match="supera el tope legal"):
        make_plan(portfolio, debtor, [f1], rate=Decimal("0.03"), rate_kind="monthly")  # 42,58 % E.A.
    a = make_plan(portfolio, debtor, [f1], rate=Decimal("0.015"), rate_kind="monthly", down_payment=0)
    assert a.cap_ea is not None and a.rate_ea < a.cap_ea and "usura" in a.cap_source


def test_accept_settles_originals_and_creates_installments(portfolio):
    debtor, f1, f2 = debtor_with_debt(portfolio)
    before = debtor.balance_minor
    assert before == minor("1520000")
    a = accept(make_plan(portfolio, debtor, [f1, f2]))
    debtor.refresh_from_db()
    assert a.status == "accepted" and a.accepted_on == MONDAY
    assert debtor.balance_minor == before  # no interest: acceptance does not change what is owed
    n = a.number
    assert balances(debtor) == {"D1-F1": 0, "D1-F2": 0, f"{n}-00": minor("20000"), f"{n}-01": minor("500000"),
                                f"{n}-02": minor("500000"), f"{n}-03": minor("500000")}
    settled = list(Entry.objects.filter(obligation__in=[f1, f2], kind="adjustment").order_by("obligation_id", "id")
                   .values_list("obligation__number", "component", "amount_minor", "memo"))
    memo = f"Settled into payment agreement {n}"
    assert settled == [("D1-F1", "interest", -minor("20000"), memo), ("D1-F1", "principal", -minor("1000000"), memo),
                       ("D1-F2", "principal", -minor("500000"), memo)]
    installments = Obligation.objects.filter(debtor=debtor, kind="installment")
    assert sum(o.original_minor for o in installments) == a.down_payment_minor + a.financed_minor
    assert a.acceptance.channel == "email_reply" and a.acceptance.evidence_text.startswith("Acepto")
    hold = Hold.objects.get(debtor=debtor, reason="agreement")
    assert hold.until == date(2026, 7, 1) and a.hold_id == hold.pk
    assert AuditEvent.objects.filter(event_type="agreement.accepted", subject_id=a.pk).exists()
    assert ledger_verify(portfolio) == []
    with pytest.raises(AgreementError, match="no se puede aceptar"):
        accept(a)


def test_accept_with_interest_charges_no_interest_before_it_falls_due(portfolio):
    # Issue 11 (this test used to assert that acceptance booked all the plan's interest at once).
    debtor, f1, f2 = debtor_with_debt(portfolio)
    a = accept(make_plan(portfolio, debtor, [f2], rate=Decimal("0.015"), rate_kind="monthly", down_payment=0))
    principal = sum(a.schedule.values_list("principal_minor", flat=True))
    interest = sum(a.schedule.values_list("interest_minor", flat=True))
    assert principal == a.financed_minor == minor("500000") and interest == a.interest_minor > 0
    assert not Entry.objects.filter(obligation__agreement_installment__agreement=a, kind="interest").exists()
    debtor.refresh_from_db()
    assert debtor.balance_minor == minor("1520000")  # the plan's principal (and F-1), no interest yet


def test_accept_refuses_missing_evidence_and_changed_balances(portfolio):
    debtor, f1, f2 = debtor_with_debt(portfolio)
    a = make_plan(portfolio, debtor, [f1, f2])
    with pytest.raises(AgreementError, match="suba el documento"):
        agreement_accept(agreement=a, channel="signed_upload", today=MONDAY, now=NOW)
    with pytest.raises(AgreementError, match="marcar la casilla"):
        agreement_accept(agreement=a, channel="portal_checkbox", checkbox=False, today=MONDAY, now=NOW)
    payment_receive(portfolio=portfolio, debtor=debtor, amount=Decimal("1000"), date=MONDAY, source_ref="p0")
    with pytest.raises(AgreementError, match="los saldos cambiaron"):
        accept(a)


def pay_first_two(portfolio, debtor):
    # Down payment (20.000) and the first installment (500.000), on its due date.
    payment_receive(portfolio=portfolio, debtor=debtor, amount=Decimal("520000"), date=date(2026, 4, 1),
                   source_ref="p1")


def test_breach_revert_reinstates_original_debt_less_what_was_paid(portfolio):
    debtor, f1, f2 = debtor_with_debt(portfolio)
    a = accept(make_plan(portfolio, debtor, [f1, f2], clause="revert"))
    pay_first_two(portfolio, debtor)
    # 1 July: #2 (due 1 May) is 61 days overdue, #3 (due 1 June) exactly 30: not more than 30 -> not broken.
    assert agreements_check_breach(portfolio=portfolio, today=date(2026, 7, 1)) == {"broken": 0, "completed": 0}
    assert agreements_check_breach(portfolio=portfolio, today=date(2026, 7, 2)) == {"broken": 1, "completed": 0}
    a.refresh_from_db()
    debtor.refresh_from_db()
    n = a.number
    assert (a.status, a.ended_on) == ("broken", date(2026, 7, 2))
    # 1.520.000 reinstated, 520.000 paid credited to the oldest (F-1: interest 20.000, then 500.000 principal).
    assert balances(debtor) == {"D1-F1": minor("500000"), "D1-F2": minor("500000"), f"{n}-00": 0, f"{n}-01": 0,
                                f"{n}-02": 0, f"{n}-03": 0}
    assert debtor.balance_minor == minor("1000000")
    written_off = Obligation.objects.filter(debtor=debtor, status="written_off").values_list("number", flat=True)
    assert sorted(written_off) == [f"{n}-02", f"{n}-03"]
    assert Entry.objects.filter(obligation__in=[f1, f2], kind="reversal").count() == 3
    assert Hold.objects.get(debtor=debtor, reason="agreement").released_at is not None
    event = AuditEvent.objects.get(event_type="agreement.broken")
    assert event.changes["clause"] == "revert" and event.changes["paid_under_plan"] == "520000.00"
    assert ledger_verify(portfolio) == []


def test_breach_accelerate_makes_the_remaining_balance_due_now(portfolio):
    debtor, f1, f2 = debtor_with_debt(portfolio)
    a = accept(make_plan(portfolio, debtor, [f1, f2], clause="accelerate", breach_installments=1, breach_days=10))
    pay_first_two(portfolio, debtor)
    # 12 May: #2 (due 1 May) is 11 days overdue > 10 -> broken; #3 (due 1 June) becomes due now.
    assert agreements_check_breach(portfolio=portfolio, today=date(2026, 5, 12))["broken"] == 1
    a.refresh_from_db()
    debtor.refresh_from_db()
    n = a.number
    assert a.status == "broken" and a.accelerated_obligation.number == f"{n}-A"
    assert balances(debtor) == {"D1-F1": 0, "D1-F2": 0, f"{n}-00": 0, f"{n}-01": 0, f"{n}-02": 0, f"{n}-03": 0,
                                f"{n}-A": minor("1000000")}
    accelerated = Obligation.objects.get(number=f"{n}-A")
    assert accelerated.due_date == date(2026, 5, 12) and debtor.balance_minor == minor("1000000")
    assert ledger_verify(portfolio) == []


def test_breach_accelerate_drops_unearned_interest(portfolio):
    debtor, f1, f2 = debtor_with_debt(portfolio)
    a = accept(make_plan(portfolio, debtor, [f2], clause="accelerate", rate=Decimal("0.015"), rate_kind="monthly",
                         down_payment=0, breach_installments=1, breach_days=0))
    first = a.schedule.get(number=1)
    agreements_check_breach(portfolio=portfolio, today=date(2026, 4, 2))  # #1 unpaid one day: broken
    accelerated = Obligation.objects.get(number=f"{a.number}-A")
    later_interest = sum(a.schedule.filter(number__gt=1).values_list("interest_minor", flat=True))
    assert accelerated.balance_minor == a.financed_minor + a.interest_minor - later_interest
    assert accelerated.balance_minor == minor("500000") + first.interest_minor


def test_completed_when_every_installment_is_paid(portfolio):
    debtor, f1, f2 = debtor_with_debt(portfolio)
    a = accept(make_plan(portfolio, debtor, [f1, f2]))
    payment_receive(portfolio=portfolio, debtor=debtor, amount=Decimal("1520000"), date=date(2026, 4, 1),
                   source_ref="all")
    assert agreements_check_breach(portfolio=portfolio, today=date(2026, 4, 2)) == {"broken": 0, "completed": 1}
    a.refresh_from_db()
    debtor.refresh_from_db()
    assert a.status == "completed" and debtor.balance_minor == 0
    assert Hold.objects.get(debtor=debtor, reason="agreement").released_at is not None


def test_obligation_in_an_accepted_agreement_cannot_enter_another(portfolio):
    debtor, f1, f2 = debtor_with_debt(portfolio)
    accept(make_plan(portfolio, debtor, [f1, f2]))
    with pytest.raises(AgreementError, match="no balance"):
        make_plan(portfolio, debtor, [f1])


@pytest.mark.parametrize("language, words", [("es", [b"Plan de pagos", b"incumplimiento"]),
                                             ("en", [b"Payment schedule", b"Breach clause"])])
def test_pdf_has_terms_schedule_and_breach_clause(portfolio, language, words):
    debtor, f1, f2 = debtor_with_debt(portfolio)
    a = make_plan(portfolio, debtor, [f1, f2])
    data = render_agreement_pdf(Agreement.objects.get(pk=a.pk), language)
    assert data.startswith(b"%PDF") and len(data) > 1500
    raw = render_agreement_pdf(Agreement.objects.get(pk=a.pk), language, compress=False)
    for word in words:
        assert word in raw
    assert (b"500.000,00" if language == "es" else b"500,000.00") in raw
    assert (b"01/06/2026" if language == "es" else b"2026-06-01") in raw


@pytest.mark.parametrize(("changes", "field", "spanish", "english"), [
    ({"installments": 0}, "installments", "cuotas: debe ser un número entero de 1 a",
     "installments: must be a whole number from 1 to"),
    ({"frequency": "weekly", "due_day": 5}, "due_day", "día de pago: solo los planes mensuales tienen día de pago",
     "due day: only monthly plans have a due day"),
    ({"rate": Decimal("1"), "rate_kind": "none"}, "rate", "tasa de interés: un plan sin interés no tiene tasa",
     "interest rate: a plan with rate_kind 'none' has no rate"),
])
def test_plan_errors_carry_their_field_and_say_it_in_the_page_language(portfolio, changes, field, spanish, english):
    from django.utils import translation

    debtor, f1, _f2 = debtor_with_debt(portfolio)
    with pytest.raises(AgreementError) as caught:
        make_plan(portfolio, debtor, [f1], **changes)
    assert caught.value.field == field and caught.value.message.startswith(spanish)
    with translation.override("en"), pytest.raises(AgreementError) as caught:
        make_plan(portfolio, debtor, [f1], **changes)
    assert caught.value.message.startswith(english)
