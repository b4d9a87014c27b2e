"""Migration agreements/0004 (decision 0010): interest charged on acceptance by earlier versions is linked to its
installment, so the daily cycle never charges it again; existing supervisor/admin rows keep granting interest."""

import importlib
from datetime import date
from decimal import Decimal

import pytest
from django.apps import apps

from recaudo.agreements.models import AgreementInstallment, AuthorityLimit
from recaudo.agreements.services.plans import agreement_accept, agreement_create, installment_interest_post
from recaudo.ledger.models import Entry
from recaudo.ledger.posting import entry_post

from .helpers import MONDAY, NOW, debtor_with_debt

pytestmark = pytest.mark.django_db
migration = importlib.import_module("recaudo.agreements.migrations.0004_interest_when_due_and_authority")


def test_interest_booked_at_acceptance_before_is_linked_and_not_charged_twice(portfolio):
    debtor, f1, f2 = debtor_with_debt(portfolio)
    a = agreement_create(portfolio=portfolio, debtor=debtor, obligations=[f2], installments=2,
                         first_due=date(2026, 4, 1), rate=Decimal("0.015"), rate_kind="monthly", today=MONDAY, now=NOW)
    a = agreement_accept(agreement=a, channel="in_person", evidence_text="ok", today=MONDAY, now=NOW)
    # what the previous version did on acceptance: every installment's interest at once
    for inst in a.schedule.all():
        entry_post(obligation=inst.obligation, kind="interest", amount=Decimal(inst.interest_minor) / 100,
                   value_date=MONDAY, memo=f"{a.number} interés de la cuota {inst.number}/2")
    migration.link_booked_interest(apps, None)
    assert AgreementInstallment.objects.filter(agreement=a, interest_entry__isnull=True).count() == 0
    assert installment_interest_post(portfolio=portfolio, through=date(2026, 12, 31)) == 0
    assert Entry.objects.filter(debtor=debtor, kind="interest", memo__contains="interés de la").count() == 2


def test_configured_supervisor_and_admin_rows_keep_granting_interest(portfolio):
    for role in ("agent", "supervisor", "admin"):
        AuthorityLimit.objects.create(portfolio=portfolio, role=role)
    migration.keep_configured_authority(apps, None)
    assert dict(AuthorityLimit.objects.values_list("role", "interest_plans")) == {
        "agent": False, "supervisor": True, "admin": True}
