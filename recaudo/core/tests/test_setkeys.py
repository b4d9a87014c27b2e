"""The foreign keys of recaudo.core.setkeys.EDGES: real keys on SQLite, checked once per statement on PostgreSQL.

Each test states what a foreign key guarantees and runs on both databases; the schema test pins which form each
database has; the two race tests show that the PostgreSQL triggers lock as a foreign key locks.
"""

from datetime import date

import psycopg
import pytest
from django.apps import apps
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from recaudo.core.setkeys import EDGES
from recaudo.demo.testing import make_debtor, make_obligation, make_user, other_session
from recaudo.ledger.models import Entry
from recaudo.portfolio.models import Contact, Debtor, Obligation

pytestmark = pytest.mark.django_db
postgresql_only = pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's triggers")


def _checked(action):
    """Run action in a savepoint and make the database check its keys: PostgreSQL's triggers check at the end of
    the statement, SQLite's deferred keys at the commit (which a test's transaction never reaches)."""
    with transaction.atomic():
        action()
        if connection.vendor == "sqlite":
            connection.check_constraints()


def _fk_columns(table: str) -> set[str]:
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(f"PRAGMA foreign_key_list({table})")
            return {row[3] for row in cursor.fetchall()}
        cursor.execute("SELECT a.attname FROM pg_constraint c JOIN pg_attribute a ON a.attrelid = c.conrelid "
                       "AND a.attnum = ANY(c.conkey) WHERE c.contype = 'f' AND c.conrelid = %s::regclass", [table])
        return {row[0] for row in cursor.fetchall()}


def _triggers(table: str) -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT tgname FROM pg_trigger WHERE NOT tgisinternal AND tgrelid = %s::regclass", [table])
        return {row[0] for row in cursor.fetchall()}


@pytest.mark.parametrize("edge", EDGES, ids=lambda e: f"{e[1]}.{e[2]}")
def test_each_edge_has_the_form_its_database_needs(edge):
    """SQLite: a real foreign key. PostgreSQL: no foreign key, the child's statement trigger and the parent's row
    triggers (a migration that altered one of these fields on PostgreSQL would bring the constraint back)."""
    field = apps.get_model(edge[0], edge[1])._meta.get_field(edge[2])
    child, parent = field.model._meta.db_table, field.related_model._meta.db_table
    if connection.vendor == "sqlite":
        assert field.column in _fk_columns(child)
    else:
        assert field.column not in _fk_columns(child)
        assert f"{child}_keys" in _triggers(child)
        assert {f"{parent}_referenced_delete", f"{parent}_referenced_key"} <= _triggers(parent)


def _now():
    return timezone.now()


@pytest.fixture
def book(portfolio):
    debtor = make_debtor(portfolio)
    obligation = make_obligation(portfolio, debtor)
    return portfolio, debtor, obligation


MISSING = 987654


def _insert_child(kind, book):
    portfolio, debtor, obligation = book
    entry = dict(portfolio=portfolio, debtor=debtor, obligation=obligation, kind="charge", component="fee",
                 amount_minor=100, value_date=date(2026, 1, 2), created_at=_now())
    if kind == "Debtor.portfolio":
        Debtor.objects.create(portfolio_id=MISSING, code="X1", name="Sin Cartera")
    elif kind == "Contact.debtor":
        Contact.objects.create(debtor_id=MISSING, channel="email", value="nadie@example.co")
    elif kind == "Obligation.portfolio":
        Obligation.objects.create(portfolio_id=MISSING, debtor=debtor, number="F-X", issue_date=date(2026, 1, 1),
                                  due_date=date(2026, 1, 31), original_minor=100, balance_minor=100, currency="COP")
    elif kind == "Obligation.debtor":
        Obligation.objects.create(portfolio=portfolio, debtor_id=MISSING, number="F-X", issue_date=date(2026, 1, 1),
                                  due_date=date(2026, 1, 31), original_minor=100, balance_minor=100, currency="COP")
    elif kind == "Entry.payment":
        Entry.objects.create(**{**entry, "kind": "payment", "component": "principal", "amount_minor": -100},
                             payment_id=MISSING)
    elif kind == "Entry.reverses":
        Entry.objects.create(**{**entry, "kind": "reversal", "amount_minor": -100}, reverses_id=MISSING)
    else:
        Entry.objects.create(**entry, created_by_id=MISSING)


@pytest.mark.parametrize("kind", [f"{e[1]}.{e[2]}" for e in EDGES])
def test_a_row_naming_a_missing_parent_is_refused(book, kind):
    with pytest.raises(IntegrityError):
        _checked(lambda: _insert_child(kind, book))


def test_rows_naming_existing_parents_go_in(book):
    portfolio, debtor, obligation = book
    user = make_user("cajero", portfolio)
    _checked(lambda: Contact.objects.create(debtor=debtor, channel="email", value="luz@example.co"))
    _checked(lambda: Entry.objects.create(portfolio=portfolio, debtor=debtor, obligation=obligation, kind="charge",
                                          component="fee", amount_minor=100, value_date=date(2026, 1, 2),
                                          created_at=_now(), created_by=user))
    assert debtor.contacts.filter(value="luz@example.co").exists()


def test_one_bad_row_fails_its_whole_statement(book):
    portfolio, debtor, _ = book
    rows = [Contact(debtor_id=d, channel="email", value=f"c{i}@example.co") for i, d in
            enumerate([debtor.pk, MISSING, debtor.pk])]
    with pytest.raises(IntegrityError):
        _checked(lambda: Contact.objects.bulk_create(rows))
    assert not Contact.objects.filter(value__startswith="c").exists()


@pytest.mark.parametrize("change", ["delete", "rekey"])
def test_a_referenced_parent_is_neither_deleted_nor_rekeyed(book, change):
    """Raw SQL, past Django's on_delete: the database itself refuses."""
    _, debtor, _ = book
    sql = ("DELETE FROM portfolio_debtor WHERE id = %s" if change == "delete"
           else "UPDATE portfolio_debtor SET id = id + 100000 WHERE id = %s")

    def act():
        with connection.cursor() as cursor:
            cursor.execute(sql, [debtor.pk])

    with pytest.raises(IntegrityError):
        _checked(act)
    assert Debtor.objects.filter(pk=debtor.pk).exists()


def test_a_parent_whose_children_are_gone_is_deleted(portfolio):
    """Django's CASCADE deletes the contacts first; the debtor then has no child and goes."""
    debtor = make_debtor(portfolio, code="C9", name="Sin Facturas")
    Contact.objects.create(debtor=debtor, channel="email", value="c9@example.co")
    _checked(lambda: debtor.delete())
    assert not Debtor.objects.filter(code="C9").exists()
    assert not Contact.objects.filter(value="c9@example.co").exists()


@postgresql_only
@pytest.mark.django_db(transaction=True)
def test_a_delete_waits_for_an_uncommitted_insert_naming_its_row(portfolio):
    """The insert locks the debtor as a foreign key does: a delete from another session waits, and once the
    insert committed it finds the contact and fails."""
    debtor = make_debtor(portfolio, code="C7", name="Carrera")
    other = other_session()
    try:
        with transaction.atomic():
            Contact.objects.create(debtor=debtor, channel="email", value="c7@example.co")
            with pytest.raises(psycopg.errors.LockNotAvailable):
                other.execute("DELETE FROM portfolio_debtor WHERE id = %s", [debtor.pk])
            other.rollback()
        with pytest.raises(psycopg.errors.ForeignKeyViolation):
            other.execute("DELETE FROM portfolio_debtor WHERE id = %s", [debtor.pk])
        other.rollback()
    finally:
        other.close()
    assert Contact.objects.filter(debtor=debtor).count() == 1


@postgresql_only
@pytest.mark.django_db(transaction=True)
def test_an_insert_waits_for_an_uncommitted_delete_of_its_parent(portfolio):
    """A session deleted the debtor and has not committed: an insert naming it waits, and once the delete
    committed it fails."""
    debtor = Debtor.objects.create(portfolio=portfolio, code="C8", name="Carrera")  # no audit event naming it
    other = other_session()
    try:
        other.execute("DELETE FROM portfolio_debtor WHERE id = %s", [debtor.pk])
        with connection.cursor() as cursor:
            cursor.execute("SET lock_timeout = '500ms'")
        with pytest.raises(Exception, match="lock timeout"), transaction.atomic():
            Contact.objects.create(debtor_id=debtor.pk, channel="email", value="c8@example.co")
        other.commit()
        with pytest.raises(IntegrityError, match="foreign key"), transaction.atomic():
            Contact.objects.create(debtor_id=debtor.pk, channel="email", value="c8@example.co")
    finally:
        other.close()
        with connection.cursor() as cursor:
            cursor.execute("RESET lock_timeout")
    assert not Contact.objects.filter(value="c8@example.co").exists()


@postgresql_only
def test_a_statement_probes_its_parents_by_key_however_large_the_parent_table(portfolio):
    """A statement naming thousands of debtors of a larger table looks each one up through the primary key. The
    semi-join it replaced let the planner scan the whole parent table instead, once per statement: most of the
    server's key-checking time on a million-row import (docs/decisions/0007). auto_explain reports the plan of
    each statement the trigger runs."""
    debtors = Debtor.objects.bulk_create(
        Debtor(portfolio=portfolio, code=f"P{i:05d}", name=f"Deudor {i}") for i in range(6000))
    plans: list[str] = []
    raw = connection.connection
    handler = lambda diagnostic: plans.append(diagnostic.message_primary or "")  # noqa: E731
    raw.add_notice_handler(handler)
    with connection.cursor() as cursor:
        cursor.execute("LOAD 'auto_explain'")
        cursor.execute("SET auto_explain.log_min_duration = 0")
        cursor.execute("SET auto_explain.log_nested_statements = on")
        cursor.execute("SET client_min_messages = log")
    try:
        Contact.objects.bulk_create(Contact(debtor=d, channel="email", value=f"{d.code}@example.co")
                                    for d in debtors[::3])
    finally:
        with connection.cursor() as cursor:
            cursor.execute("RESET client_min_messages")
            cursor.execute("RESET auto_explain.log_min_duration")
            cursor.execute("RESET auto_explain.log_nested_statements")
        raw.remove_notice_handler(handler)
    key_plans = [p for p in plans if "new_rows" in p and "portfolio_debtor" in p]
    assert key_plans, plans
    assert all("Index Scan using portfolio_debtor_pkey" in p for p in key_plans), key_plans
    assert not any("Seq Scan on portfolio_debtor" in p for p in key_plans), key_plans
    assert Contact.objects.filter(debtor__portfolio=portfolio).count() == 2000
