"""Legal terms of habeas data requests (recaudo/privacy/rules.py; Ley 1581 de 2012 arts. 14-15): worked examples
around Colombian holidays, and properties."""

from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from recaudo.privacy.rules import (
    CONSULTA,
    RECLAMO,
    CountryHolidays,
    abandoned_on,
    add_business_days,
    business_days_left,
    completion_request_due,
    extended_due,
    extension_refusal,
    is_business_day,
    response_due,
)

CO = CountryHolidays("CO")


def test_colombian_holidays_come_from_the_package():
    assert date(2026, 3, 23) in CO  # San José, moved to Monday
    assert date(2026, 4, 2) in CO and date(2026, 4, 3) in CO  # Holy Thursday and Good Friday
    assert date(2027, 1, 11) in CO  # Reyes Magos 2027, moved to Monday
    assert date(2026, 3, 24) not in CO
    assert not is_business_day(date(2026, 3, 21), CO)  # a Saturday
    assert is_business_day(date(2026, 3, 24), CO)


def test_consultation_filed_on_a_friday_before_a_festivo_monday_and_holy_week():
    # Friday 2026-03-20; Monday 23 is San José, Thursday 2 and Friday 3 April are Holy Week: business days 24, 25,
    # 26, 27, 30, 31 March, 1, 6, 7, 8 April -> the 10th is Wednesday 2026-04-08.
    filed = date(2026, 3, 20)
    due = response_due(CONSULTA, filed, CO)
    assert due == date(2026, 4, 8)
    # extended once by 5 business days after the first term: 9, 10, 13, 14, 15 April
    assert extended_due(CONSULTA, due, CO) == date(2026, 4, 15)


def test_claim_filed_on_the_same_friday():
    filed = date(2026, 3, 20)
    due = response_due(RECLAMO, filed, CO)
    assert due == date(2026, 4, 15)  # 15 business days from Tuesday 24 March
    assert extended_due(RECLAMO, due, CO) == date(2026, 4, 27)  # + 8: 16, 17, 20, 21, 22, 23, 24, 27 April
    # an incomplete claim goes back to the requester within 5 business days: 24, 25, 26, 27, 30 March
    assert completion_request_due(filed, CO) == date(2026, 3, 30)


def test_request_filed_on_a_saturday_counts_from_the_next_business_day():
    # Saturday 2026-12-05; Tuesday 8 December is a holiday: 7, 9, 10, 11, 14, 15, 16, 17, 18, 21 December
    assert response_due(CONSULTA, date(2026, 12, 5), CO) == date(2026, 12, 21)
    # a claim filed on Friday 2026-12-18 runs over Christmas and New Year: 21, 22, 23, 24, 28, 29, 30, 31 Dec,
    # 4, 5, 6, 7, 8 Jan, (11 Jan is Reyes) 12, 13 Jan -> 15th is 2027-01-13
    assert response_due(RECLAMO, date(2026, 12, 18), CO) == date(2027, 1, 13)


def test_days_left_in_business_days():
    due = date(2026, 4, 8)
    assert business_days_left(date(2026, 4, 8), due, CO) == 0
    assert business_days_left(date(2026, 4, 1), due, CO) == 3  # 6, 7, 8 April (2 and 3 are holidays)
    assert business_days_left(date(2026, 4, 4), due, CO) == 3  # from a Saturday
    assert business_days_left(date(2026, 4, 10), due, CO) == -2  # overdue: 9 and 10 April
    assert business_days_left(date(2026, 4, 12), due, CO) == -2  # Sunday: still two business days late


def test_extension_only_once_and_before_the_term_ends():
    due = date(2026, 4, 8)
    assert extension_refusal(extended=False, today=due, due=due) == ""
    assert extension_refusal(extended=True, today=date(2026, 4, 1), due=due) == "once"
    assert extension_refusal(extended=False, today=date(2026, 4, 9), due=due) == "late"


def test_abandonment_two_calendar_months_after_the_request_to_complete():
    assert abandoned_on(date(2026, 3, 30)) == date(2026, 5, 30)
    assert abandoned_on(date(2026, 12, 31)) == date(2027, 2, 28)
    assert abandoned_on(date(2027, 11, 15)) == date(2028, 1, 15)


def test_add_business_days_refuses_zero():
    with pytest.raises(ValueError):
        add_business_days(date(2026, 1, 2), 0, CO)


days = st.dates(min_value=date(2024, 1, 1), max_value=date(2030, 12, 31))


@settings(max_examples=200, deadline=None)
@given(filed=days, kind=st.sampled_from([CONSULTA, RECLAMO]))
def test_deadline_is_a_later_business_day_and_extension_adds_exactly_its_days(filed, kind):
    due = response_due(kind, filed, CO)
    assert due > filed and is_business_day(due, CO)
    assert business_days_left(filed, due, CO) == (10 if kind == CONSULTA else 15)
    longer = extended_due(kind, due, CO)
    assert longer > due and is_business_day(longer, CO)
    assert business_days_left(due, longer, CO) == (5 if kind == CONSULTA else 8)
    assert business_days_left(longer, filed, CO) == -business_days_left(filed, longer, CO)


@settings(max_examples=200, deadline=None)
@given(a=days, gap=st.integers(min_value=0, max_value=400), kind=st.sampled_from([CONSULTA, RECLAMO]))
def test_deadline_is_monotonic_in_the_filing_date(a, gap, kind):
    b = a + timedelta(days=gap)
    assert response_due(kind, a, CO) <= response_due(kind, b, CO)
