"""The pages offer what the rules allow and the services refuse what they do not (the page is not trusted):
which obligations an agreement, an offer or a promise may include, and which state may take which action."""

from datetime import date
from decimal import Decimal

import pytest

from recaudo.agreements import selectors
from recaudo.agreements.services.common import AgreementError
from recaudo.agreements.services.plans import agreement_accept, agreement_cancel, agreement_create, agreement_offer
from recaudo.agreements.services.promises import promise_record
from recaudo.ledger.posting import entry_post
from recaudo.ledger.services import obligation_set_dispute

from .helpers import MONDAY, NOW, debtor_with_debt

pytestmark = pytest.mark.django_db


def make_plan(portfolio, debtor, obligations):
    return agreement_create(portfolio=portfolio, debtor=debtor, obligations=obligations, installments=3,
                            first_due=date(2026, 4, 1), today=MONDAY, now=NOW)


def accept(agreement):
    return agreement_accept(agreement=agreement, channel="email_reply", evidence_text="Acepto.", today=MONDAY,
                            now=NOW)


def test_eligible_obligations_leave_out_disputed_paid_and_those_in_an_accepted_agreement(portfolio):
    debtor, f1, f2 = debtor_with_debt(portfolio)
    assert list(selectors.agreement_eligible_obligations(debtor)) == [f1, f2]
    obligation_set_dispute(obligation=f2, disputed=True, reason="no reconoce la factura")
    assert list(selectors.agreement_eligible_obligations(debtor)) == [f1]
    with pytest.raises(AgreementError, match="is disputed"):
        make_plan(portfolio, debtor, [f1, f2])
    accept(make_plan(portfolio, debtor, [f1]))
    f1.refresh_from_db()
    eligible = list(selectors.agreement_eligible_obligations(debtor))
    assert f1 not in eligible and f2 not in eligible  # f1 settled into the plan (balance 0)
    assert {o.kind for o in eligible} == {"installment"}
    # A charge on an obligation still in the accepted agreement: it has a balance, yet may not go into another.
    entry_post(obligation=f1, kind="fee", amount=Decimal("1000"), value_date=MONDAY)
    f1.refresh_from_db()
    assert f1.balance_minor > 0 and f1 not in selectors.agreement_eligible_obligations(debtor)
    with pytest.raises(AgreementError, match="already in an accepted agreement"):
        make_plan(portfolio, debtor, [f1])


def test_a_promise_names_only_open_obligations_with_a_balance(portfolio):
    debtor, f1, f2 = debtor_with_debt(portfolio)
    assert list(selectors.promise_eligible_obligations(debtor)) == [f1, f2]
    accept(make_plan(portfolio, debtor, [f1]))
    f1.refresh_from_db()
    assert f1 not in selectors.promise_eligible_obligations(debtor)
    with pytest.raises(AgreementError, match="no está abierta con saldo"):
        promise_record(portfolio=portfolio, debtor=debtor, amount="1000", due_date=date(2026, 3, 9),
                       obligations=[f1], now=NOW)
    assert promise_record(portfolio=portfolio, debtor=debtor, amount="1000", due_date=date(2026, 3, 9),
                          obligations=[f2], now=NOW).status == "pending"


def test_services_refuse_what_the_state_does_not_allow(portfolio):
    debtor, f1, f2 = debtor_with_debt(portfolio)
    agreement = make_plan(portfolio, debtor, [f1])
    assert selectors.agreement_actions(agreement, can_write=True) == ["offer", "cancel", "accept"]
    agreement_offer(agreement=agreement)
    assert selectors.agreement_actions(agreement, can_write=True) == ["cancel", "accept"]
    with pytest.raises(AgreementError, match="solo se puede ofrecer un borrador"):
        agreement_offer(agreement=agreement)
    accepted = accept(agreement)
    assert selectors.agreement_actions(accepted, can_write=True) == []
    with pytest.raises(AgreementError, match="solo se puede cancelar"):
        agreement_cancel(agreement=accepted)
    with pytest.raises(AgreementError, match="no se puede aceptar"):
        accept(accepted)
