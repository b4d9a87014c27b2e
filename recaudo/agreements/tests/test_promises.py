from datetime import date, timedelta
from decimal import Decimal
from types import SimpleNamespace

import pytest

from recaudo.agreements.models import Promise
from recaudo.agreements.rules import promise_outcome, promise_problem, promise_required_minor
from recaudo.agreements.selectors import broken_promise_debtors
from recaudo.agreements.services.common import AgreementError
from recaudo.agreements.services.payments import payment_receive
from recaudo.agreements.services.promises import promise_record, promises_evaluate
from recaudo.audit.models import AuditEvent
from recaudo.cycle.runner import cycle_run
from recaudo.strategies.models import Hold, StepExecution
from recaudo.strategies.rules import DebtorFacts, step_conditions_hold
from recaudo.strategies.tests.helpers import debtor_owing

from .helpers import MONDAY, NOW

# A promise of 100.000,00 (minor units) for 10 March, made on 1 March.
P = SimpleNamespace(amount_minor=10_000_000, due_date=date(2026, 3, 10), promised_on=date(2026, 3, 1))


@pytest.mark.parametrize("payments, today, tolerance, grace, expected", [
    ([(date(2026, 3, 9), 9_600_000)], date(2026, 3, 9), 5, 2, "kept"),  # 96.000 >= 95.000: kept before the date
    ([(date(2026, 3, 9), 9_400_000)], date(2026, 3, 13), 5, 2, "broken"),  # 94.000 < 95.000, grace over
    ([], date(2026, 3, 12), 5, 2, "pending"),  # last day of grace
    ([], date(2026, 3, 13), 5, 2, "broken"),
    ([(date(2026, 3, 13), 10_000_000)], date(2026, 3, 13), 5, 2, "broken"),  # paid after the grace: too late
    ([(date(2026, 3, 12), 10_000_000)], date(2026, 3, 12), 0, 2, "kept"),  # inside the grace
    ([(date(2026, 3, 11), 10_000_000)], date(2026, 3, 11), 0, 0, "broken"),  # no grace
    ([(date(2026, 2, 28), 10_000_000)], date(2026, 3, 11), 0, 0, "broken"),  # paid before the promise: not counted
    ([(date(2026, 3, 2), 5_000_000), (date(2026, 3, 8), 5_000_000)], date(2026, 3, 8), 0, 0, "kept"),  # in parts
    ([(date(2026, 3, 5), 9_999_999)], date(2026, 3, 5), 0, 0, "pending"),  # one cent short, not yet due
])
def test_promise_outcome_worked_examples(payments, today, tolerance, grace, expected):
    assert promise_outcome(P, payments, today, Decimal(tolerance), grace) == expected


def test_required_amount_rounds_up_to_the_cent():
    assert promise_required_minor(10_000_001, Decimal(5)) == 9_500_001  # 9.500.000,95 -> ,01 up
    assert promise_required_minor(10_000_000, Decimal(0)) == 10_000_000


@pytest.mark.parametrize("amount_minor, due, expected", [
    (100_000_000, date(2027, 3, 11), None),  # all of it, a year (366 days) ahead
    (100_000_001, date(2026, 3, 20), ("amount", "too_large")),  # one cent more than owed
    (1, date(2026, 3, 9), ("due_date", "past")),
    (1, date(2027, 3, 12), ("due_date", "too_late")),
    (1, date(9999, 12, 31), ("due_date", "too_late")),  # a typo, not a promise (its hold's end overflowed: a 500)
])
def test_promise_problem_worked_examples(amount_minor, due, expected):
    assert promise_problem(amount_minor=amount_minor, due_date=due, today=date(2026, 3, 10),
                           owed_minor=100_000_000) == expected


pytestmark_db = pytest.mark.django_db


@pytestmark_db
def test_promise_record_holds_reminders_until_date_plus_grace(portfolio):
    debtor = debtor_owing(portfolio, "C1", days_past_due=5, today=MONDAY)
    promise = promise_record(portfolio=portfolio, debtor=debtor, amount=Decimal("300000"), due_date=date(2026, 3, 6),
                             channel="call", source="agent", actor=None, now=NOW)
    assert promise.status == "pending" and promise.amount_minor == 30_000_000 and promise.promised_on == MONDAY
    hold = Hold.objects.get(debtor=debtor)
    assert hold.reason == "promise" and hold.until == date(2026, 3, 8)  # default grace: 2 days
    assert AuditEvent.objects.filter(event_type="promise.recorded", subject_id=promise.pk).exists()
    # A new promise replaces the pending one (and its hold).
    second = promise_record(portfolio=portfolio, debtor=debtor, amount="200000", due_date=date(2026, 3, 9),
                            channel="whatsapp", source="debtor", now=NOW)
    promise.refresh_from_db()
    hold.refresh_from_db()
    assert promise.status == "cancelled" and hold.released_at is not None
    assert second.status == "pending"


@pytestmark_db
def test_promise_record_validates(portfolio, other_portfolio):
    debtor = debtor_owing(portfolio, "C1", days_past_due=5, today=MONDAY)
    yesterday = MONDAY - timedelta(days=1)
    with pytest.raises(AgreementError, match=f"{yesterday:%d/%m/%Y} ya pasó"):  # the date as pages write it
        promise_record(portfolio=portfolio, debtor=debtor, amount="1", due_date=yesterday, now=NOW)
    with pytest.raises(AgreementError, match="más de lo que el deudor debe") as exc:
        promise_record(portfolio=portfolio, debtor=debtor, amount="999999999999", due_date=MONDAY, now=NOW)
    assert exc.value.field == "amount"
    with pytest.raises(AgreementError, match="a más tardar") as exc:
        promise_record(portfolio=portfolio, debtor=debtor, amount="1", due_date=date(9999, 12, 31), now=NOW)
    assert exc.value.field == "due_date" and not Promise.objects.exists()
    with pytest.raises(AgreementError, match="otra cartera"):
        promise_record(portfolio=other_portfolio, debtor=debtor, amount="1", due_date=MONDAY, now=NOW)
    with pytest.raises(AgreementError, match="source"):
        promise_record(portfolio=portfolio, debtor=debtor, amount="1", due_date=MONDAY, source="robot", now=NOW)


@pytestmark_db
def test_promises_evaluate_kept_and_broken(portfolio):
    keeper = debtor_owing(portfolio, "K", days_past_due=5, today=MONDAY)
    breaker = debtor_owing(portfolio, "B", days_past_due=5, today=MONDAY)
    waiting = debtor_owing(portfolio, "W", days_past_due=5, today=MONDAY)
    kept = promise_record(portfolio=portfolio, debtor=keeper, amount="100000", due_date=date(2026, 3, 5), now=NOW)
    broken = promise_record(portfolio=portfolio, debtor=breaker, amount="100000", due_date=date(2026, 3, 5), now=NOW)
    later = promise_record(portfolio=portfolio, debtor=waiting, amount="100000", due_date=date(2026, 3, 20), now=NOW)
    payment_receive(portfolio=portfolio, debtor=keeper, amount=Decimal("95000"), date=date(2026, 3, 4), source_ref="k")
    payment_receive(portfolio=portfolio, debtor=breaker, amount=Decimal("94999"), date=date(2026, 3, 4),
                   source_ref="b")
    assert promises_evaluate(portfolio=portfolio, today=date(2026, 3, 7)) == {"kept": 1, "broken": 0, "pending": 2}
    assert promises_evaluate(portfolio=portfolio, today=date(2026, 3, 8)) == {"kept": 0, "broken": 1, "pending": 1}
    for p in (kept, broken, later):
        p.refresh_from_db()
    assert (kept.status, kept.evaluated_on, kept.paid_minor) == ("kept", date(2026, 3, 7), 9_500_000)
    assert (broken.status, broken.evaluated_on, broken.paid_minor) == ("broken", date(2026, 3, 8), 9_499_900)
    assert later.status == "pending"
    assert kept.hold.released_at is not None and broken.hold.released_at is not None
    assert later.hold.released_at is None
    event = AuditEvent.objects.get(event_type="promise.broken")
    assert event.debtor_id == breaker.pk and event.changes["paid"] == "94999.00"
    assert broken_promise_debtors(portfolio, date(2026, 3, 8)) == {breaker.pk}
    assert broken_promise_debtors(portfolio, date(2026, 4, 8)) == set()  # older than 30 days


@pytestmark_db
def test_cycle_promise_hold_pauses_reminders_then_broken_promise_resumes_them(portfolio, outbox):
    debtor = debtor_owing(portfolio, "C1", days_past_due=3, today=MONDAY)
    promise_record(portfolio=portfolio, debtor=debtor, amount="500000", due_date=date(2026, 3, 4), now=NOW)
    result = cycle_run(portfolio=portfolio, business_date=MONDAY, collect=10)
    assert StepExecution.objects.filter(debtor=debtor).count() == 0 and outbox.messages == []
    assert {r.debtor_id: r.reason for r in result.rows}[debtor.pk] == '{"code":"held","holds":["promise"]}'
    # 4 March + 2 days of grace = 6 March; on 7 March the cycle finds it broken, releases the hold and collects.
    cycle_run(portfolio=portfolio, business_date=date(2026, 3, 7))
    assert Promise.objects.get(debtor=debtor).status == "broken"
    assert StepExecution.objects.filter(debtor=debtor, business_date=date(2026, 3, 7), outcome="done").count() == 1
    assert [m["debtor_id"] for m in outbox.messages] == [debtor.pk]


def test_promise_broken_is_a_step_and_segment_condition():
    from recaudo.strategies.rules import segment_matches

    facts = DebtorFacts(debtor_id=1, balance_minor=100, oldest_due_date=date(2026, 3, 1), promise_broken=True)
    assert step_conditions_hold({"conditions": {"promise_broken": True}}, facts) is None
    assert step_conditions_hold({"conditions": {"promise_broken": False}}, facts) == "promise_broken false"
    assert segment_matches(facts, {"promise_broken": True}, date(2026, 3, 2))
    assert not segment_matches(facts, {"promise_broken": False}, date(2026, 3, 2))
