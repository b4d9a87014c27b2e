"""Aging rules (pure): days past due and buckets. No database, no clock.

Days past due = as-of date minus due date (negative or zero = not yet due = "current").
A bucket is (min_days, max_days), inclusive, None = open-ended. The default buckets are
current (max 0), 1-30, 31-60, 61-90, 91-180, 181-360, over 360.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache

from django.utils.translation import gettext as _

from recaudo.core.errors import DomainError


class BucketError(DomainError):
    pass


@dataclass(frozen=True)
class Bucket:
    min_days: int | None
    max_days: int | None

    @property
    def label(self) -> str:
        if self.min_days is None:
            return "current" if self.max_days == 0 else f"<= {self.max_days}"
        if self.max_days is None:
            return f"over {self.min_days - 1}"
        return f"{self.min_days}-{self.max_days}"

    def contains(self, days: int) -> bool:
        return (self.min_days is None or days >= self.min_days) and (self.max_days is None or days <= self.max_days)


DEFAULT_BUCKETS: tuple[Bucket, ...] = (
    Bucket(None, 0), Bucket(1, 30), Bucket(31, 60), Bucket(61, 90), Bucket(91, 180), Bucket(181, 360),
    Bucket(361, None),
)


def parse_buckets(spec: Sequence[Sequence[int | None]] | None) -> tuple[Bucket, ...]:
    """Validate a bucket list: ordered, contiguous, covering every day count from -inf to +inf."""
    if not spec:
        return DEFAULT_BUCKETS
    buckets = []
    for item in spec:
        if len(item) != 2:
            raise BucketError(f"bucket {list(item)!r} must be [min_days, max_days]")
        lo, hi = item
        if (lo is not None and not isinstance(lo, int)) or (hi is not None and not isinstance(hi, int)):
            raise BucketError(f"bucket {list(item)!r}: limits must be whole numbers or null")
        if lo is not None and hi is not None and lo > hi:
            raise BucketError(f"bucket {list(item)!r}: min_days is above max_days")
        buckets.append(Bucket(lo, hi))
    if buckets[0].min_days is not None or buckets[-1].max_days is not None:
        raise BucketError("the first bucket must start open (null) and the last must end open (null)")
    for prev, nxt in zip(buckets, buckets[1:], strict=False):
        if prev.max_days is None or nxt.min_days is None or nxt.min_days != prev.max_days + 1:
            raise BucketError(f"buckets {prev.label} and {nxt.label} are not contiguous")
    return tuple(buckets)


def days_past_due(due_date: date, as_of: date) -> int:
    return (as_of - due_date).days


def bucket_index(days: int, buckets: Sequence[Bucket] = DEFAULT_BUCKETS) -> int:
    for i, bucket in enumerate(buckets):
        if bucket.contains(days):
            return i
    raise BucketError(f"no bucket holds {days} days")  # impossible for validated buckets


def due_date_range(bucket: Bucket, as_of: date) -> tuple[date | None, date | None]:
    """The due dates [earliest, latest] whose days past due fall in the bucket as of `as_of`. Near the ends of the
    calendar (an as-of date in year 1) a bound past them is the first or last date there is."""
    earliest = _days_before(as_of, bucket.max_days) if bucket.max_days is not None else None
    latest = _days_before(as_of, bucket.min_days) if bucket.min_days is not None else None
    return earliest, latest


def _days_before(day: date, days: int) -> date:
    try:
        return day - timedelta(days=days)
    except OverflowError:
        return date.min if days > 0 else date.max


def due_date_cutoffs(buckets: Sequence[Bucket], as_of: date) -> list[date]:
    """For SQL bucketing by comparing due dates directly: bucket i (i < len-1) holds due dates >= cutoffs[i]
    that are not in an earlier bucket; the last bucket holds everything else.

    Buckets run from least to most overdue, so their due dates run from latest to earliest: the cutoff of
    bucket i is the earliest due date it holds (as_of - max_days).
    """
    cutoffs = []
    for bucket in buckets[:-1]:
        earliest, _latest = due_date_range(bucket, as_of)
        if earliest is None:  # only the last bucket may be open-ended above (validated)
            raise BucketError(f"bucket {bucket.label} has no upper limit but is not the last")
        cutoffs.append(earliest)
    return cutoffs


@dataclass(frozen=True)
class BucketTotal:
    bucket: Bucket
    amount_minor: int
    count: int


def age(items: Iterable[tuple[date, int]], as_of: date, buckets: Sequence[Bucket] = DEFAULT_BUCKETS
        ) -> list[BucketTotal]:
    """Aging of (due_date, balance_minor) pairs; zero balances are skipped."""
    amounts = [0] * len(buckets)
    counts = [0] * len(buckets)
    for due, balance in items:
        if balance == 0:
            continue
        i = bucket_index(days_past_due(due, as_of), buckets)
        amounts[i] += balance
        counts[i] += 1
    return [BucketTotal(b, a, c) for b, a, c in zip(buckets, amounts, counts, strict=True)]


def bucket_label(bucket: Bucket) -> str:
    """The short label of a bucket on pages ("current", "up to 30", "31-60", "over 90"), translated."""
    if bucket.min_days is None:
        return _("current") if bucket.max_days == 0 else _("up to %(n)s") % {"n": bucket.max_days}
    if bucket.max_days is None:
        return _("over %(n)s") % {"n": bucket.min_days - 1}
    return f"{bucket.min_days}-{bucket.max_days}"


@dataclass(frozen=True)
class Aged:
    """How late one due date is on a given day, already placed in the portfolio's buckets: what pages show, so
    no template computes it. `days` is negative or zero when nothing is due yet; `bucket` is None only when the
    portfolio's bucket setting is invalid (then the page shows the days without a badge)."""

    days: int
    bucket: Bucket | None = None
    index: int = 0
    count: int = 0

    @property
    def overdue_days(self) -> int:
        return max(self.days, 0)

    @property
    def label(self) -> str:
        return bucket_label(self.bucket) if self.bucket is not None else ""


@lru_cache(maxsize=64)
def _parsed_buckets(spec: tuple) -> tuple[Bucket, ...]:
    """parse_buckets once per distinct setting: pages age every row with the same portfolio setting."""
    return parse_buckets([list(item) for item in spec])


def aged(due_date: date | None, as_of: date, buckets=None) -> Aged | None:
    """The aging of `due_date` as of `as_of` (the portfolio's own date, never the server's) in `buckets` (a
    portfolio's bucket setting, None for the defaults); None when there is no due date."""
    if due_date is None:
        return None
    days = days_past_due(due_date, as_of)
    try:
        parsed = _parsed_buckets(tuple(tuple(item) for item in buckets) if buckets else ())
    except (BucketError, TypeError):
        return Aged(days)
    index = bucket_index(days, parsed)
    return Aged(days, parsed[index], index, len(parsed))


def bucket_choices(buckets=None) -> list[tuple[int, str]]:
    """[(index, label)] for the bucket filter."""
    try:
        parsed = parse_buckets(buckets)
    except BucketError:
        parsed = parse_buckets(None)
    return [(i, bucket_label(b)) for i, b in enumerate(parsed)]
