"""The debtor's own promise and plans (issue 16 section 2), with worked examples on debtor_with_debt: F-1
1.020.000,00 due 31 Jan, F-2 500.000,00 due 15 Feb, on Monday 2 March 2026 everything (1.520.000,00) is overdue."""

import hashlib
from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import translation

from recaudo.agreements.models import Acceptance, AgreementSettings, AuthorityLimit, Offer, Promise
from recaudo.agreements.rules import (
    Limits,
    self_down_payment_minor,
    self_promise_problem,
    self_promise_window,
    self_service_limits,
)
from recaudo.agreements.selectors import approvals_queue, debtor_self_proposals
from recaudo.agreements.services.common import AgreementError
from recaudo.agreements.services.offers import offer_decide
from recaudo.agreements.services.selfservice import (
    self_offer_accept,
    self_plan_offers,
    self_plan_propose,
    self_promise_record,
    self_promise_window_for,
)
from recaudo.audit.models import AuditEvent
from recaudo.audit.services import portal_actor
from recaudo.core.errors import NotAllowed
from recaudo.demo.testing import make_user

from .helpers import MONDAY, NOW, debtor_with_debt


# --- rules: worked examples -------------------------------------------------------------------------------------
def test_promise_window_worked_examples():
    w = self_promise_window(today=date(2026, 3, 10), overdue_minor=123_456_789, owed_minor=200_000_000, max_days=30,
                            min_pct=Decimal(10), min_minor=20_000_000)
    assert (w.latest, w.minimum_minor, w.maximum_minor) == (date(2026, 4, 9), 20_000_000, 200_000_000)
    w = self_promise_window(today=date(2026, 3, 10), overdue_minor=123_456_789, owed_minor=200_000_000, max_days=30,
                            min_pct=Decimal(10), min_minor=0)
    assert w.minimum_minor == 12_345_679  # 10 % of 1.234.567,89 = 123.456,789 -> 123.456,79 (half-up)
    w = self_promise_window(today=date(2026, 3, 10), overdue_minor=15_000_000, owed_minor=15_000_000, max_days=30,
                            min_pct=Decimal(10), min_minor=20_000_000)
    assert w.minimum_minor == 15_000_000  # never more than is owed


@pytest.mark.parametrize("amount, due, expected", [
    (12_345_679, date(2026, 4, 9), None),
    (12_345_678, date(2026, 4, 9), ("amount", "too_small")),
    (12_345_679, date(2026, 4, 10), ("due_date", "too_late")),
    (12_345_679, date(2026, 3, 9), ("due_date", "past")),
    (200_000_001, date(2026, 3, 10), ("amount", "too_large")),
])
def test_promise_problem(amount, due, expected):
    w = self_promise_window(today=date(2026, 3, 10), overdue_minor=123_456_789, owed_minor=200_000_000, max_days=30,
                            min_pct=Decimal(10), min_minor=0)
    assert self_promise_problem(amount_minor=amount, due_date=due, today=date(2026, 3, 10), window=w) == expected


def test_self_service_limits_never_exceed_the_agent_row():
    agent = Limits(Decimal(0), 6, 6, False)
    assert self_service_limits(agent, max_installments=12) == Limits(Decimal(0), 6, 6, False)
    assert self_service_limits(agent, max_installments=3) == Limits(Decimal(0), 3, 6, False)
    assert self_service_limits(Limits(Decimal(10), None, 24, True), max_installments=12) == Limits(
        Decimal(0), 12, 24, True)
    assert self_service_limits(None, max_installments=12) == Limits(Decimal(0), 0, 0, False)


def test_down_payment_half_up():
    assert self_down_payment_minor(100_000_000, Decimal(10)) == 10_000_000
    assert self_down_payment_minor(100_000_005, Decimal(10)) == 10_000_001  # 10.000.000,5 -> ,01 up


# --- promise ----------------------------------------------------------------------------------------------------
pytestmark_db = pytest.mark.django_db


@pytestmark_db
def test_self_promise_within_policy_is_held_like_an_agents(portfolio):
    debtor, _f1, _f2 = debtor_with_debt(portfolio)
    window = self_promise_window_for(portfolio=portfolio, debtor=debtor, now=NOW)
    assert (window.latest, window.minimum_minor, window.maximum_minor) == (date(2026, 4, 1), 15_200_000, 152_000_000)
    actor = portal_actor(debtor.pk)
    promise = self_promise_record(portfolio=portfolio, debtor=debtor, amount="152000", due_date="2026-04-01",
                                  actor=actor, now=NOW)
    assert promise.status == Promise.Status.PENDING and promise.source == "debtor"
    assert promise.amount_minor == 15_200_000
    assert promise.hold.until == date(2026, 4, 3)  # like an agent's: the date plus the grace days
    assert AuditEvent.objects.filter(event_type="promise.recorded", actor_label=actor).exists()
    assert AuditEvent.objects.filter(event_type="promise.self_service", actor_label=actor).exists()


@pytestmark_db
@pytest.mark.parametrize("amount, due, field, text", [
    # amounts and dates as the pages write them (were 152000.00 and 2026-04-01)
    ("151999.99", "2026-04-01", "amount", "valor: al menos 152.000,00 COP"),
    ("152000", "2026-04-02", "due_date", "fecha prometida: a más tardar el 01/04/2026"),
    ("152000", "2026-03-01", "due_date", "fecha prometida: elija hoy (02/03/2026) o un día posterior"),
    ("1520000.01", "2026-03-20", "amount", "valor: a lo sumo lo que debe, 1.520.000,00 COP"),
    ("x", "2026-03-20", None, "valor: no es un número"),
    ("152000", "mañana", None, "no es una fecha"),
])
def test_self_promise_outside_policy_names_the_field(portfolio, amount, due, field, text):
    debtor, _f1, _f2 = debtor_with_debt(portfolio)
    with pytest.raises(AgreementError) as exc:
        self_promise_record(portfolio=portfolio, debtor=debtor, amount=amount, due_date=due,
                            actor=portal_actor(debtor.pk), now=NOW)
    assert text in exc.value.message
    if field:
        assert exc.value.field == field
    assert not Promise.objects.exists()


@pytestmark_db
def test_self_promise_error_in_english_too(portfolio):
    debtor, _f1, _f2 = debtor_with_debt(portfolio)
    with translation.override("en"), pytest.raises(AgreementError) as exc:
        self_promise_record(portfolio=portfolio, debtor=debtor, amount="100", due_date="2026-03-10",
                            actor=portal_actor(debtor.pk), now=NOW)
    assert exc.value.message == "amount: at least 152,000.00 COP"


@pytestmark_db
def test_another_debtors_label_may_not_act(portfolio):
    debtor, _f1, _f2 = debtor_with_debt(portfolio)
    other, _g1, _g2 = debtor_with_debt(portfolio, code="D2")
    with pytest.raises(NotAllowed):
        self_promise_record(portfolio=portfolio, debtor=debtor, amount="152000", due_date="2026-03-10",
                            actor=portal_actor(other.pk), now=NOW)


@pytestmark_db
def test_portfolio_settings_change_the_window(portfolio):
    AgreementSettings.objects.create(portfolio=portfolio, self_promise_max_days=10, self_promise_min_pct=0,
                                     self_promise_min_minor=50_000_000)
    debtor, _f1, _f2 = debtor_with_debt(portfolio)
    window = self_promise_window_for(portfolio=portfolio, debtor=debtor, now=NOW)
    assert (window.latest, window.minimum_minor) == (date(2026, 3, 12), 50_000_000)


# --- plans ------------------------------------------------------------------------------------------------------
@pytestmark_db
def test_plan_offers_within_the_agent_limits(portfolio):
    debtor, _f1, _f2 = debtor_with_debt(portfolio)
    offers = self_plan_offers(portfolio=portfolio, debtor=debtor, now=NOW)
    # default agent limits: 6 installments, 6 months, no interest; down payment 10 % of 1.520.000,00
    assert [o.installments for o in offers] == [1, 2, 3, 4, 5, 6]
    six = offers[-1]
    assert (six.down_payment, six.installment, six.total_interest, six.total) == (
        Decimal("152000.00"), Decimal("228000.00"), Decimal("0.00"), Decimal("1520000.00"))
    assert (six.first_due, six.last_due) == (date(2026, 4, 2), date(2026, 9, 2))
    AuthorityLimit.objects.create(portfolio=portfolio, role="agent", max_discount_pct=0, max_installments=3,
                                  max_term_months=3)
    assert [o.installments for o in self_plan_offers(portfolio=portfolio, debtor=debtor, now=NOW)] == [1, 2, 3]


@pytestmark_db
def test_accepting_a_plan_records_the_evidence_and_makes_the_agreement(portfolio):
    debtor, _f1, _f2 = debtor_with_debt(portfolio)
    actor = portal_actor(debtor.pk)
    text = "Acepto el acuerdo de pago en 6 cuotas."
    with pytest.raises(AgreementError) as exc:
        self_plan_propose(portfolio=portfolio, debtor=debtor, installments=6, down_payment="152000", actor=actor,
                          accepted=False, text=text, text_version="v1", now=NOW)
    assert exc.value.field == "checkbox"
    result = self_plan_propose(portfolio=portfolio, debtor=debtor, installments=6, down_payment="152000",
                               actor=actor, accepted=True, text=text, text_version="v1",
                               client_address="203.0.113.7", now=NOW)
    assert result.status == "accepted"
    agreement = result.agreement
    assert agreement.status == "accepted" and agreement.installments == 6
    assert agreement.down_payment_minor == 15_200_000 and agreement.financed_minor == 136_800_000
    acceptance = Acceptance.objects.get(agreement=agreement)
    assert acceptance.channel == "portal_checkbox" and acceptance.checkbox and acceptance.at == NOW
    assert acceptance.client_address == "203.0.113.7" and acceptance.text_version == "v1"
    assert acceptance.text_sha256 == hashlib.sha256(text.encode()).hexdigest()
    assert acceptance.actor_label == actor
    assert AuditEvent.objects.filter(event_type="agreement.self_service_accepted", actor_label=actor).exists()


@pytestmark_db
def test_a_plan_beyond_the_limits_goes_to_the_approvals_queue(portfolio):
    debtor, _f1, _f2 = debtor_with_debt(portfolio)
    actor = portal_actor(debtor.pk)
    result = self_plan_propose(portfolio=portfolio, debtor=debtor, installments=12, down_payment="100000",
                               actor=actor, accepted=False, text="", text_version="", now=NOW)
    assert result.status == Offer.Status.PENDING and result.agreement is None
    assert result.reasons == ("12 installments above 6", "term of 12 months above 6",
                              "down payment 100000.00 below 152000.00")
    assert list(approvals_queue(portfolio)) == [result.offer]
    assert [o.status for o in debtor_self_proposals(debtor)] == [Offer.Status.PENDING]
    with pytest.raises(AgreementError) as exc:  # one waiting proposal at a time
        self_plan_propose(portfolio=portfolio, debtor=debtor, installments=12, down_payment="100000",
                          actor=actor, accepted=False, text="", text_version="", now=NOW)
    assert "esperando respuesta" in exc.value.message
    boss = make_user("jefa", portfolio, role="supervisor")
    offer_decide(offer=result.offer, decision="approve", reason="", actor=boss, now=NOW)
    accepted = self_offer_accept(offer=result.offer, debtor=debtor, actor=actor, accepted=True,
                                 text="Acepto el acuerdo aprobado.", text_version="v1", client_address="::1",
                                 today=MONDAY, now=NOW)
    assert accepted.status == "accepted" and accepted.agreement.installments == 12
    assert Acceptance.objects.get(agreement=accepted.agreement).client_address == "::1"


@pytestmark_db
def test_the_office_sees_the_debtors_proposal_in_the_approvals_queue(client, portfolio):
    debtor, _f1, _f2 = debtor_with_debt(portfolio)
    result = self_plan_propose(portfolio=portfolio, debtor=debtor, installments=12, down_payment="152000",
                               actor=portal_actor(debtor.pk), accepted=False, text="", text_version="", now=NOW)
    client.force_login(make_user("jefa", portfolio, role="supervisor"))
    for url in (reverse("approvals", args=[portfolio.slug]),
                reverse("offer_detail", args=[portfolio.slug, result.offer.pk])):
        page = client.get(url)
        assert page.status_code == 200 and "el deudor, en el portal" in page.content.decode()
