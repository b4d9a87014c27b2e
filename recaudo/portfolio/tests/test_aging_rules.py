"""Pure aging rules: worked examples with exact numbers, bucket edges, custom buckets, invalid specs, properties."""

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from recaudo.portfolio.aging import (
    DEFAULT_BUCKETS,
    Bucket,
    BucketError,
    age,
    aged,
    bucket_index,
    days_past_due,
    due_date_cutoffs,
    due_date_range,
    parse_buckets,
)

AS_OF = date(2026, 11, 22)


def label_for(due: date, buckets=DEFAULT_BUCKETS) -> str:
    return buckets[bucket_index(days_past_due(due, AS_OF), buckets)].label


@pytest.mark.parametrize(
    ("days_before", "label"),
    [
        (-10, "current"),  # due in ten days
        (0, "current"),  # due today
        (1, "1-30"),
        (30, "1-30"),
        (31, "31-60"),
        (60, "31-60"),
        (61, "61-90"),
        (90, "61-90"),
        (91, "91-180"),
        (180, "91-180"),
        (181, "181-360"),
        (360, "181-360"),
        (361, "over 360"),
        (5000, "over 360"),
    ],
)
def test_default_bucket_edges(days_before, label):
    assert label_for(AS_OF - timedelta(days=days_before)) == label


def test_worked_example_default_buckets():
    items = [
        (date(2026, 12, 15), 100_000_00),  # not yet due -> current
        (date(2026, 11, 22), 50_000_00),  # due today -> current
        (date(2026, 11, 21), 25_000_50),  # 1 day -> 1-30
        (date(2026, 10, 23), 10_000_00),  # 30 days -> 1-30
        (date(2026, 10, 22), 7_000_00),  # 31 days -> 31-60
        (date(2025, 11, 27), 3_000_00),  # 360 days -> 181-360
        (date(2025, 11, 26), 1_000_01),  # 361 days -> over 360
        (date(2026, 1, 1), 0),  # paid: not counted
    ]
    result = age(items, AS_OF)
    assert [(t.bucket.label, t.amount_minor, t.count) for t in result] == [
        ("current", 150_000_00, 2),
        ("1-30", 35_000_50, 2),
        ("31-60", 7_000_00, 1),
        ("61-90", 0, 0),
        ("91-180", 0, 0),
        ("181-360", 3_000_00, 1),
        ("over 360", 1_000_01, 1),
    ]
    assert sum(t.amount_minor for t in result) == 196_000_51


def test_custom_buckets():
    buckets = parse_buckets([[None, 0], [1, 15], [16, 45], [46, None]])
    assert [b.label for b in buckets] == ["current", "1-15", "16-45", "over 45"]
    result = age([(AS_OF - timedelta(days=15), 10), (AS_OF - timedelta(days=16), 20),
                  (AS_OF - timedelta(days=46), 40)], AS_OF, buckets)
    assert [(t.amount_minor, t.count) for t in result] == [(0, 0), (10, 1), (20, 1), (40, 1)]


def test_custom_buckets_with_grace_period():
    buckets = parse_buckets([[None, 5], [6, None]])
    assert buckets[0].label == "<= 5"
    assert label_for(AS_OF - timedelta(days=5), buckets) == "<= 5"
    assert label_for(AS_OF - timedelta(days=6), buckets) == "over 5"


def test_empty_spec_is_default():
    assert parse_buckets(None) == DEFAULT_BUCKETS
    assert parse_buckets([]) == DEFAULT_BUCKETS


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ([[None, 0], [2, None]], "not contiguous"),
        ([[None, 0], [0, None]], "not contiguous"),
        ([[0, 10], [11, None]], "start open"),
        ([[None, 10], [11, 20]], "end open"),
        ([[None, 10], [30, 20], [21, None]], "above max_days"),
        ([[None, 10, 3], [11, None]], "must be [min_days, max_days]"),
        ([[None, "10"], [11, None]], "whole numbers"),
        ([[None, 1.5], [2, None]], "whole numbers"),
        ([[None, None], [1, None]], "not contiguous"),
    ],
)
def test_invalid_bucket_specs(spec, message):
    with pytest.raises(BucketError, match=message.replace("[", r"\[").replace("]", r"\]")):
        parse_buckets(spec)


def test_due_date_range_and_cutoffs():
    assert due_date_range(Bucket(None, 0), AS_OF) == (AS_OF, None)
    assert due_date_range(Bucket(1, 30), AS_OF) == (date(2026, 10, 23), date(2026, 11, 21))
    assert due_date_range(Bucket(361, None), AS_OF) == (None, date(2025, 11, 26))
    assert due_date_cutoffs(DEFAULT_BUCKETS, AS_OF) == [
        date(2026, 11, 22), date(2026, 10, 23), date(2026, 9, 23), date(2026, 8, 24), date(2026, 5, 26),
        date(2025, 11, 27),
    ]


def test_cutoffs_of_an_as_of_date_in_year_1_stop_at_the_first_date():
    """An as-of date of 0001-01-01 (the API's ?as_of=) was an OverflowError, a 500."""
    first = date(1, 1, 1)
    assert due_date_range(Bucket(1, 30), first) == (date.min, date.min)
    assert due_date_cutoffs(DEFAULT_BUCKETS, first) == [first] + [date.min] * 5


def bucket_by_cutoff(due: date, cutoffs: list[date]) -> int:
    """What the SQL CASE does: the first bucket whose cutoff the due date reaches."""
    for i, cutoff in enumerate(cutoffs):
        if due >= cutoff:
            return i
    return len(cutoffs)


bucket_specs = st.lists(st.integers(min_value=1, max_value=200), min_size=0, max_size=6).map(
    lambda widths: _spec_from_widths(widths)
)


def _spec_from_widths(widths):
    spec, low = [[None, 0]], 1
    for width in widths:
        spec.append([low, low + width - 1])
        low += width
    spec.append([low, None])
    return spec


items_strategy = st.lists(
    st.tuples(st.dates(min_value=date(2020, 1, 1), max_value=date(2030, 12, 31)),
              st.integers(min_value=-1_000_000, max_value=10**12)),
    max_size=60,
)


@given(items=items_strategy, spec=bucket_specs, as_of=st.dates(min_value=date(2022, 1, 1),
                                                                max_value=date(2028, 12, 31)))
def test_every_item_in_exactly_one_bucket_and_sums_match(items, spec, as_of):
    buckets = parse_buckets(spec)
    result = age(items, as_of, buckets)
    nonzero = [(d, b) for d, b in items if b != 0]
    assert sum(t.amount_minor for t in result) == sum(b for _, b in nonzero)
    assert sum(t.count for t in result) == len(nonzero)
    positive = [(d, b) for d, b in items if b > 0]
    assert sum(t.amount_minor for t in age(positive, as_of, buckets)) == sum(b for _, b in positive)
    cutoffs = due_date_cutoffs(buckets, as_of)
    for due, _balance in items:
        days = days_past_due(due, as_of)
        holders = [i for i, b in enumerate(buckets) if b.contains(days)]
        assert len(holders) == 1
        assert bucket_by_cutoff(due, cutoffs) == holders[0]


def test_aged_worked_examples():
    """What pages show for one due date: days past due and the bucket, computed once by the selector."""
    as_of = date(2026, 3, 31)
    late = aged(date(2026, 2, 15), as_of)  # 44 days late: 31-60, the third of seven default buckets
    assert (late.days, late.overdue_days, late.index, late.count) == (44, 44, 2, 7)
    assert late.bucket == Bucket(31, 60) and late.label == "31-60"
    early = aged(date(2026, 4, 10), as_of)  # due in 10 days: current, 0 days shown
    assert (early.days, early.overdue_days, early.index, early.bucket) == (-10, 0, 0, Bucket(None, 0))
    custom = aged(date(2026, 3, 26), as_of, [[None, 5], [6, None]])  # 5 days: inside a 5-day grace period
    assert (custom.days, custom.index, custom.count) == (5, 0, 2)
    assert aged(None, as_of) is None
    broken = aged(date(2026, 3, 1), as_of, [[1, 2]])  # an invalid setting: the days, no bucket
    assert (broken.days, broken.bucket, broken.label) == (30, None, "")
