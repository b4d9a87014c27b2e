"""core.bulk's raw look-ups (any_of, select_any) and new_instances, on SQLite and PostgreSQL."""

from datetime import date

import pytest
from django.db import connection, transaction

from recaudo.core.bulk import ANY_BATCH, LOOKUP_RANDOM_PAGE_COST, any_of, new_instances, select_any
from recaudo.ledger.models import Payment
from recaudo.portfolio.models import Debtor

pytestmark = pytest.mark.django_db


def test_select_any_matches_a_list_of_values_as_they_are(portfolio):
    odd = ["a'b", "c,d", "e}f", 'g"h', "i\\j", "k l"]
    for code in odd:
        Debtor.objects.create(portfolio=portfolio, code=code, name=code)
    table = Debtor._meta.db_table
    sql = f"SELECT code FROM {table} WHERE portfolio_id = %s AND {{any}} ORDER BY code"
    assert [c for (c,) in select_any(sql, "code", [*odd, "zz"], [portfolio.pk])] == sorted(odd)
    assert select_any(sql, "code", [], [portfolio.pk]) == []


def test_select_any_goes_in_batches(portfolio):
    ids = [Debtor.objects.create(portfolio=portfolio, code=f"C{i}", name="x").pk for i in range(3)]
    wanted = [*range(10**9, 10**9 + ANY_BATCH), *ids]  # the real ids in the second statement
    rows = select_any(f"SELECT id FROM {Debtor._meta.db_table} WHERE {{any}}", "id", wanted)
    assert sorted(pk for (pk,) in rows) == ids


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's planner")
def test_select_any_plans_with_the_lookup_cost_and_puts_the_server_cost_back(portfolio):
    """select_any's statements are planned with random_page_cost LOOKUP_RANDOM_PAGE_COST (with the server's 4, a
    look-up of thousands of keys by a unique index is planned as a scan of the whole table); the cost the
    connection had is back afterwards, in a transaction or not."""
    def cost():
        with connection.cursor() as cursor:
            cursor.execute("SHOW random_page_cost")
            return cursor.fetchone()[0]

    before = cost()
    assert before != LOOKUP_RANDOM_PAGE_COST
    sql = "SELECT current_setting('random_page_cost') FROM portfolio_portfolio WHERE {any}"
    assert select_any(sql, "id", [portfolio.pk]) == [(LOOKUP_RANDOM_PAGE_COST,)]
    assert cost() == before
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL random_page_cost = 2.5")
        assert select_any(sql, "id", [portfolio.pk]) == [(LOOKUP_RANDOM_PAGE_COST,)]
        assert cost() == "2.5"


def test_any_of_is_one_array_parameter_on_postgresql():
    sql, params = any_of("id", [3, 1, 2])
    if connection.vendor == "postgresql":
        assert (sql, params) == ("id = ANY(%s::bigint[])", ["{3,1,2}"])
        assert any_of("code", ['a"b', "c\\d"]) == ("code = ANY(%s::text[])", ['{"a\\"b","c\\\\d"}'])
        assert any_of("day", [date(2026, 1, 2)]) == ("day = ANY(%s)", [[date(2026, 1, 2)]])
    else:
        assert (sql, params) == ("id IN (%s, %s, %s)", [3, 1, 2])
        assert any_of("id", []) == ("1 = 0", [])


def test_new_instances_are_what_the_constructor_makes(portfolio, django_assert_num_queries):
    values = {"debtor_id": 5, "date": date(2026, 4, 2), "amount_minor": 100, "source_ref": "R1"}
    made, other = new_instances(Payment, [values, {**values, "source_ref": "R2"}], cached={"portfolio": portfolio})
    expected = Payment(portfolio=portfolio, **values)
    fields = [f.attname for f in Payment._meta.concrete_fields]
    assert [getattr(made, f) for f in fields] == [getattr(expected, f) for f in fields]
    assert made.source == "manual" and made.unapplied_minor == 0 and made.pk is None and made._state.adding
    assert other.source_ref == "R2"
    with django_assert_num_queries(0):
        assert made.portfolio is portfolio


def test_new_instances_fill_the_instance_as_the_constructor_would_or_use_it_when_someone_listens(portfolio):
    from django.db.models.signals import post_init

    made = new_instances(Payment, [{"debtor_id": 5, "date": date(2026, 4, 2), "amount_minor": 100,
                                    "source_ref": "R1"}], cached={"portfolio": portfolio})[0]
    assert made.currency == Payment(portfolio=portfolio).currency  # the currency column reads back the same
    assert made.__dict__.keys() == Payment(portfolio=portfolio, debtor_id=5).__dict__.keys()
    seen = []

    def listener(sender, instance, **kwargs):
        seen.append(instance)

    post_init.connect(listener, sender=Payment)
    try:
        heard = new_instances(Payment, [{"debtor_id": 5, "source_ref": "R2"}], cached={"portfolio": portfolio})
    finally:
        post_init.disconnect(listener, sender=Payment)
    assert seen == heard  # a listener on the model's signals: made through the constructor, which sends them
