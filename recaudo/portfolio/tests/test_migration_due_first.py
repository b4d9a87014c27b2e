"""Migration portfolio/0010 (decision 0010): existing portfolios get the due-first default unless they chose an
order; obligations settled into an accepted agreement are marked "in_agreement". The migration's functions run
here on the current models (the same fields)."""

import importlib
import json

import pytest
from django.apps import apps
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.contenttypes.models import ContentType

from recaudo.demo.testing import make_portfolio, make_user
from recaudo.portfolio.models import Portfolio

pytestmark = pytest.mark.django_db
migration = importlib.import_module("recaudo.portfolio.migrations.0010_due_first_and_in_agreement")


def test_old_default_moves_to_due_first_unless_the_order_was_chosen():
    plain = make_portfolio(slug="plain", name="Plain")
    custom = make_portfolio(slug="custom", name="Custom")
    logged = make_portfolio(slug="logged", name="Logged")
    chosen = make_portfolio(slug="chosen", name="Chosen")
    Portfolio.objects.filter(slug__in=["plain", "logged"]).update(allocation_mode="component")
    Portfolio.objects.filter(slug="custom").update(allocation_mode="component",
                                                   allocation_order=["interest", "fee", "principal"])
    Portfolio.objects.filter(slug="chosen").update(allocation_mode="obligation")
    admin = make_user("root", plain, role="admin")
    LogEntry.objects.create(user=admin, content_type=ContentType.objects.get_for_model(Portfolio),
                            object_id=str(logged.pk), object_repr="Logged", action_flag=CHANGE,
                            change_message=json.dumps([{"changed": {"fields": ["Allocation mode"]}}]))
    migration.due_first_default(apps, None)
    modes = dict(Portfolio.objects.values_list("slug", "allocation_mode"))
    assert modes["plain"] == "obligation"  # the old default nobody chose
    assert modes["custom"] == "component" and modes["logged"] == "component"  # chosen: kept
    assert modes["chosen"] == "obligation" and custom.pk and chosen.pk


def test_new_portfolios_get_the_due_first_default(portfolio):
    assert portfolio.allocation_mode == "obligation"


def test_obligations_settled_into_accepted_agreements_are_marked_in_agreement(portfolio):
    from datetime import date

    from recaudo.agreements.services.plans import agreement_accept, agreement_create
    from recaudo.demo.testing import make_debtor, make_obligation
    from recaudo.portfolio.models import Obligation

    debtor = make_debtor(portfolio, code="M1", name="Migrado")
    old = make_obligation(portfolio, debtor, number="M-1", amount="100000", issue=date(2026, 1, 1),
                          due=date(2026, 1, 31))
    other = make_obligation(portfolio, debtor, number="M-2", amount="5000", issue=date(2026, 1, 1),
                            due=date(2026, 1, 31))
    a = agreement_create(portfolio=portfolio, debtor=debtor, obligations=[old], installments=2,
                         first_due=date(2026, 9, 30), today=date(2026, 9, 1))
    agreement_accept(agreement=a, channel="in_person", evidence_text="ok", today=date(2026, 9, 1))
    Obligation.objects.filter(pk=old.pk).update(status="paid")  # what the previous version left
    Obligation.objects.filter(pk=other.pk).update(status="paid", balance_minor=0)
    migration.mark_in_agreement(apps, None)
    assert dict(Obligation.objects.filter(pk__in=[old.pk, other.pk]).values_list("number", "status")) == {
        "M-1": "in_agreement", "M-2": "paid"}
