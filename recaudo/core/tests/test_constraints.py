"""one_of: check constraints written as OR-ed equalities, and the constraints that use it, on both databases."""

from datetime import date

import pytest
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from recaudo.core.constraints import one_of
from recaudo.demo.testing import make_debtor, make_obligation
from recaudo.ledger.models import Component, Entry, EntryKind
from recaudo.portfolio.models import Debtor, Obligation


def test_one_of_is_an_or_of_equalities():
    q = one_of("kind", ["person", "company"])
    assert q.connector == "OR" and q.children == [("kind", "person"), ("kind", "company")]
    assert one_of("kind", ["person"]).children == [("kind", "person")]
    with pytest.raises(ValueError):
        one_of("kind", [])


@pytest.mark.django_db
def test_the_schema_has_no_in_list_in_these_checks():
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("SELECT sql FROM sqlite_master WHERE name IN ('ledger_entry', 'portfolio_debtor', "
                           "'portfolio_obligation')")
            sql = " ".join(row[0] for row in cursor.fetchall())
            assert "entry_kind_valid" in sql and "obligation_status_valid" in sql
            assert " IN (" not in sql.upper()
        else:
            cursor.execute("SELECT pg_get_constraintdef(oid) FROM pg_constraint WHERE conname IN "
                           "('entry_kind_valid', 'debtor_kind_valid', 'obligation_status_valid')")
            defs = [row[0] for row in cursor.fetchall()]
            assert len(defs) == 3 and not any("ANY" in d or " IN " in d for d in defs)


def _entry(obligation, kind, component="fee", amount=100):
    return Entry.objects.create(portfolio_id=obligation.portfolio_id, debtor_id=obligation.debtor_id,
                                obligation=obligation, kind=kind, component=component, amount_minor=amount,
                                value_date=date(2026, 1, 2), created_at=timezone.now())


@pytest.mark.django_db
@pytest.mark.parametrize("field,value", [("kind", "loan"), ("component", "tax")])
def test_an_entry_kind_or_component_outside_the_list_is_refused(portfolio, field, value):
    invoice = make_obligation(portfolio, make_debtor(portfolio))
    values = {"kind": "adjustment", "component": "fee", field: value}
    with pytest.raises(IntegrityError), transaction.atomic():
        _entry(invoice, **values)


@pytest.mark.django_db
def test_every_listed_kind_and_component_is_accepted(portfolio):
    invoice = make_obligation(portfolio, make_debtor(portfolio))
    for component in Component:
        _entry(invoice, "adjustment", component.value)
    signs = {"charge": 1, "interest": 1, "fee": 1, "adjustment": -1, "discount": -1, "write_off": -1}
    for kind in EntryKind:
        if kind.value in signs:
            _entry(invoice, kind.value, amount=100 * signs[kind.value])
    assert Entry.objects.filter(obligation=invoice).count() == 1 + len(Component) + len(signs)


@pytest.mark.django_db
def test_a_debtor_kind_and_an_obligation_status_outside_their_lists_are_refused(portfolio):
    with pytest.raises(IntegrityError), transaction.atomic():
        Debtor.objects.create(portfolio=portfolio, code="X", name="X", kind="trust")
    Debtor.objects.create(portfolio=portfolio, code="P", name="P", kind="person")
    Debtor.objects.create(portfolio=portfolio, code="C", name="C", kind="company")
    invoice = make_obligation(portfolio, make_debtor(portfolio))
    with pytest.raises(IntegrityError), transaction.atomic():
        Obligation.objects.filter(pk=invoice.pk).update(status="lost")
    for status in ("paid", "written_off", "open"):
        Obligation.objects.filter(pk=invoice.pk).update(status=status)
