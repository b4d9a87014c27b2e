"""Portfolio reads for the web pages: the debtor search (list) and the debtor 360 view.

Both stay a handful of indexed queries at 250k debtors / 1M obligations: the list reads only the Debtor table
(cached balance, open count, oldest due date, disputed flag) and the 360 view reads one debtor's rows by index.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from django.db import connection
from django.db.models import Count, F, Q, QuerySet
from django.db.models.functions import Lower
from django.http import QueryDict

from recaudo.portfolio.aging import Aged, aged, due_date_range, parse_buckets
from recaudo.portfolio.masking import mask_id

from .models import Consent, Contact, Debtor, Obligation, Portfolio, SavedFilter, ServiceRating
from .validation import ValidationProblem, normalize_phone, search_text_for

PAGE_SIZE = 50
COUNT_CAP = 10_000

SORT_FIELDS = {"name": "name", "code": "code", "balance": "balance_minor", "dpd": "oldest_due_date"}
_PHONE_LIKE = re.compile(r"^\+?[\d\s().\-]{7,20}$")


@dataclass(frozen=True)
class DebtorFilters:
    q: str = ""
    bucket: int | None = None
    min_balance_minor: int | None = None
    max_balance_minor: int | None = None
    tag: str = ""
    disputed: bool | None = None
    with_balance: bool = True
    sort: str = "name"
    desc: bool = False


@dataclass
class DebtorPage:
    items: list[Debtor]
    number: int
    per_page: int
    total: int
    total_capped: bool
    has_previous: bool
    has_next: bool

    @property
    def start_index(self) -> int:
        return (self.number - 1) * self.per_page + 1 if self.items else 0

    @property
    def end_index(self) -> int:
        return (self.number - 1) * self.per_page + len(self.items)

    @property
    def num_pages(self) -> int | None:
        if self.total_capped:
            return None
        return max(1, -(-self.total // self.per_page))


MAX_WORDS = 6
MIN_WORD = 2
_WORD_EDGES = ".,;:()\"'"


def search_terms(q: str, country: str) -> list[str]:
    """What to look for in Debtor.search_text: the lower-case, accent-free query, and its E.164 form if it is
    a phone number ("300 123 4567" -> "+573001234567")."""
    q = " ".join((q or "").split())
    if not q:
        return []
    terms = [search_text_for(q)]
    if _is_phone_like(q):
        try:
            e164 = normalize_phone(q, country)
        except ValidationProblem:
            e164 = ""
        digits = re.sub(r"\D", "", q)
        for extra in (e164, digits):
            if extra and extra not in terms:
                terms.append(extra)
    return terms


def _is_phone_like(q: str) -> bool:
    return bool(_PHONE_LIKE.match(q)) and sum(c.isdigit() for c in q) >= 7


def search_words(q: str) -> list[str]:
    """The words of a name query, each of which the debtor's search text must hold, in any order ("Adriana
    Romero" finds "Romero Adriana" and "Adriana M. Romero"): lower-case and accent-free like search_text, without
    the punctuation around them; words under MIN_WORD characters ("M.", "y") left out; at most MAX_WORDS, the
    longest (the most selective), so a search stays a bounded number of LIKEs per debtor. [] for a one-word query,
    a phone number ("300 123 4567") or only short words: the query is looked for as it is (search_terms)."""
    q = " ".join((q or "").split())
    if " " not in q or _is_phone_like(q):
        return []
    words: list[str] = []
    for word in search_text_for(q).split():
        word = word.strip(_WORD_EDGES)
        if len(word) >= MIN_WORD and word not in words:
            words.append(word)
    if len(words) > MAX_WORDS:
        keep = set(sorted(words, key=len, reverse=True)[:MAX_WORDS])
        words = [w for w in words if w in keep][:MAX_WORDS]
    return words


def search_condition(q: str, country: str) -> Q:
    """The substring search on Debtor.search_text: every word of a several-word query (search_words), else the
    query itself or one of its phone forms (search_terms)."""
    words = search_words(q)
    condition = Q()
    if words:
        for word in words:
            condition &= Q(search_text__contains=word)
        return condition
    for term in search_terms(q, country):
        condition |= Q(search_text__contains=term)
    return condition


def exact_matches(portfolio: Portfolio, q: str) -> list[int]:
    """Debtors whose code, ID number, e-mail or phone is exactly the query, or who owe the obligation numbered
    so (in its case, upper or lower case): indexed lookups (a few ms at any size), tried before the substring
    search, which has to read every debtor of the portfolio."""
    q = q.strip()
    if not q or len(q) > 100:
        return []
    debtors = Debtor.objects.filter(portfolio=portfolio)
    condition = Q(code=q) | Q(code=q.upper())
    compact = re.sub(r"[\s.\-]", "", q)
    if compact.isalnum():
        condition |= Q(id_number=compact.upper()) | Q(id_number=compact.lstrip("0"))
    values = []
    if "@" in q:
        local, _, domain = q.rpartition("@")
        values.append(f"{local}@{domain.lower()}")
    elif _PHONE_LIKE.match(q):
        try:
            values.append(normalize_phone(q, portfolio.country))
        except ValidationProblem:
            pass
    ids = set(debtors.filter(condition).values_list("pk", flat=True)[:100])
    if len(q) <= 64:  # Obligation.number's length; the unique (portfolio, number) index answers each form
        numbers = list(dict.fromkeys((q, q.upper(), q.lower())))
        ids |= set(Obligation.objects.filter(portfolio=portfolio, number__in=numbers)
                   .values_list("debtor_id", flat=True)[:100])
    if values:
        ids |= set(Contact.objects.filter(value__in=values, debtor__portfolio=portfolio)
                   .values_list("debtor_id", flat=True)[:100])
    return sorted(ids)


def debtor_search(portfolio: Portfolio, filters: DebtorFilters, as_of: date,
                  assigned_to: int | None = None) -> QuerySet[Debtor]:
    """assigned_to: a user id: only the debtors assigned to that agent (the portfolio's agents_see_assigned_only,
    see recaudo.accounts.selectors.assigned_only_agent)."""
    qs = Debtor.objects.filter(portfolio=portfolio)
    scan = substring = False
    if filters.q.strip():
        exact = exact_matches(portfolio, filters.q)
        if exact:
            qs = qs.filter(pk__in=exact)
        else:
            substring = True
            condition = search_condition(filters.q, portfolio.country)
            if connection.vendor == "sqlite":
                scan = True
                # A substring search reads every debtor anyway: one sequential scan of the table is several times
                # faster than walking an index and fetching rows at random. SQLite uses no index for a term on
                # "+column", so every indexed condition is written that way.
                qs = Debtor.objects.extra(where=['+"portfolio_debtor"."portfolio_id" = %s'], params=[portfolio.pk])
                if filters.with_balance:
                    qs = qs.extra(where=['+"portfolio_debtor"."balance_minor" > 0'])
            qs = qs.filter(condition)
    if assigned_to is not None:
        qs = qs.filter(assignment__agent_id=assigned_to)
    if filters.with_balance and not scan:
        qs = qs.filter(balance_minor__gt=0)
    if filters.bucket is not None:
        buckets = parse_buckets(portfolio.buckets)
        if 0 <= filters.bucket < len(buckets):
            earliest, latest = due_date_range(buckets[filters.bucket], as_of)
            qs = qs.filter(oldest_due_date__isnull=False)
            if earliest is not None:
                qs = qs.filter(oldest_due_date__gte=earliest)
            if latest is not None:
                qs = qs.filter(oldest_due_date__lte=latest)
    if filters.min_balance_minor is not None:
        qs = qs.filter(balance_minor__gte=filters.min_balance_minor)
    if filters.max_balance_minor is not None:
        qs = qs.filter(balance_minor__lte=filters.max_balance_minor)
    if filters.tag:
        qs = qs.filter(tags__contains=f"|{filters.tag.strip().lower()}|")
    if filters.disputed is not None:
        qs = qs.filter(disputed=filters.disputed)
    column = SORT_FIELDS.get(filters.sort, "name")
    # Days past due grow as the oldest due date gets earlier: "most overdue first" is the date ascending.
    descending = filters.desc if filters.sort != "dpd" else not filters.desc
    expr = F(column).desc(nulls_last=True) if descending else F(column).asc(nulls_last=True)
    if column != "oldest_due_date" or filters.with_balance or filters.bucket is not None:
        expr = f"-{column}" if descending else column  # no NULLs to place: lets the database walk the index
    if substring and column == "name" and connection.vendor == "postgresql":
        # Walking the name index and filtering can read most of the table at random before 50 matches turn up;
        # ordering by an expression makes PostgreSQL scan the portfolio's debtors once (in parallel workers
        # where it can) and sort just the matches (decision 0004: no trigram index).
        expr = Lower("name").desc() if descending else Lower("name").asc()
    return qs.order_by(expr, "-pk" if descending else "pk")


LIST_COLUMNS = ("pk", "code", "name", "id_type", "id_number", "balance_minor", "open_count", "oldest_due_date",
                "disputed", "tags", "kind")


def debtor_page(portfolio: Portfolio, filters: DebtorFilters, as_of: date, page: int = 1,
                per_page: int = PAGE_SIZE, assigned_to: int | None = None, masked: bool = False) -> DebtorPage:
    """One page of the debtor search, with a count capped at COUNT_CAP so it stays fast on big portfolios.
    assigned_to: only that agent's debtors; masked: the IDs masked (viewers, docs/habeas-data.md)."""
    page_ = _debtor_page(portfolio, filters, as_of, page, per_page, assigned_to)
    for debtor in page_.items:
        debtor.aging = debtor_aging(debtor, as_of, portfolio.buckets)
    if masked:
        for debtor in page_.items:
            mask_debtor(debtor)
    return page_


def _debtor_page(portfolio, filters, as_of, page, per_page, assigned_to) -> DebtorPage:
    qs = debtor_search(portfolio, filters, as_of, assigned_to)
    if filters.q.strip():
        # A substring search cannot count without reading every debtor once more: say "more than N" instead.
        page = max(page, 1)
        offset = (page - 1) * per_page
        rows = list(qs.only(*LIST_COLUMNS)[offset: offset + per_page + 1])
        more = len(rows) > per_page
        return DebtorPage(items=rows[:per_page], number=page, per_page=per_page,
                          total=offset + min(len(rows), per_page), total_capped=more, has_previous=page > 1,
                          has_next=more)
    total = qs.order_by()[: COUNT_CAP + 1].count()
    capped = total > COUNT_CAP
    if not capped:
        last_page = max(1, -(-total // per_page))
        page = min(max(page, 1), last_page)
    page = max(page, 1)
    offset = (page - 1) * per_page
    rows = list(
        qs.only(*LIST_COLUMNS)[offset: offset + per_page + 1]
    )
    return DebtorPage(items=rows[:per_page], number=page, per_page=per_page, total=min(total, COUNT_CAP),
                      total_capped=capped, has_previous=page > 1, has_next=len(rows) > per_page)


def debtor_aging(debtor: Debtor, as_of: date, buckets=None) -> Aged | None:
    """How late the debtor's oldest unpaid due date is as of the portfolio's date; None with nothing owed."""
    if not debtor.oldest_due_date or not debtor.balance_minor:
        return None
    return aged(debtor.oldest_due_date, as_of, buckets)


def portfolio_tags(portfolio: Portfolio, sample: int = 2000) -> list[str]:
    """Tags in use, for the tag filter's suggestions: read from a bounded sample of tagged debtors (the first
    `sample` by primary key), so the cost does not grow with the portfolio."""
    tags: set[str] = set()
    rows = Debtor.objects.filter(portfolio=portfolio).exclude(tags="").order_by("pk").values_list("tags", flat=True)
    for value in rows[:sample]:
        tags.update(t for t in value.split("|") if t)
    return sorted(tags)[:200]


def mask_debtor(debtor: Debtor) -> Debtor:
    """Mask the ID number of a debtor read for a viewer (in memory: the object must never be saved)."""
    debtor.id_number = mask_id(debtor.id_number)
    debtor.masked = True
    return debtor


# ---------------------------------------------------------------------------------------------------------------
# Saved filters and the list's query string
# ---------------------------------------------------------------------------------------------------------------
FILTER_KEYS = ("q", "bucket", "min_balance", "max_balance", "tag", "disputed", "with_balance", "sort")
FILTER_QUERY_MAX = 1000


def filter_query(params) -> str:
    """The debtor list's filters in a query string (a QueryDict or a query string): only the list's own filter
    parameters, each once, empty ones left out, and `filtered` when the list's form was submitted (without it the
    list shows debtors with a balance only, see DebtorFilterForm); the page number is not part of a filter. ""
    for the list's first view."""
    if isinstance(params, str):
        params = QueryDict(params.lstrip("?"))
    kept = QueryDict(mutable=True)
    if params.get("filtered"):
        kept["filtered"] = "1"
    for key in FILTER_KEYS:
        value = (params.get(key) or "").strip()
        if value:
            kept[key] = value[:200]
    return kept.urlencode()


def saved_filters_for(user, portfolio: Portfolio) -> list[SavedFilter]:
    """The user's own saved filters in the portfolio and those the portfolio's other users shared, by name."""
    if not getattr(user, "is_authenticated", False):
        return []
    return list(SavedFilter.objects.filter(portfolio=portfolio).filter(Q(owner=user) | Q(shared=True))
                .select_related("owner").order_by("name", "pk")[:200])


def consents_prefetch():
    from django.db.models import Prefetch

    return Prefetch("consents", queryset=Consent.objects.order_by("channel"))


def service_ratings_summary(portfolio, since=None, until=None) -> dict:
    """The debtors' ratings of the service in [since, until) (datetimes; None: unbounded): their count, the average
    score (rounded to 0.01; None without ratings) and the count per score 1-5 and per action. One query."""
    rows = ServiceRating.objects.filter(portfolio=portfolio)
    if since is not None:
        rows = rows.filter(created_at__gte=since)
    if until is not None:
        rows = rows.filter(created_at__lt=until)
    by_score = {s: 0 for s in range(1, 6)}
    by_action: dict[str, int] = {}
    total = points = 0
    for action, score, n in rows.values_list("action", "score").annotate(n=Count("id")).order_by():
        by_score[score] += n
        by_action[action] = by_action.get(action, 0) + n
        total += n
        points += score * n
    average = (Decimal(points) / total).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP) if total else None
    return {"count": total, "average": average, "by_score": by_score, "by_action": by_action}


PORTAL_HOSTS_SECONDS = 30  # how long a process keeps the host -> portfolio table (a change shows within this)
_portal_hosts: dict = {"until": 0.0, "hosts": {}}


def portal_host_slugs() -> dict[str, str]:
    """{portal host name: portfolio slug} of the portfolios with their own portal host (one query, kept in the
    process for PORTAL_HOSTS_SECONDS: the portal's middleware reads it on every request)."""
    now = time.monotonic()
    if now >= _portal_hosts["until"]:
        _portal_hosts["hosts"] = dict(Portfolio.objects.exclude(portal_host="").values_list("portal_host", "slug"))
        _portal_hosts["until"] = now + PORTAL_HOSTS_SECONDS
    return _portal_hosts["hosts"]


def portal_hosts_forget() -> None:
    """Read the table again on the next request (this process: after a change, and in tests)."""
    _portal_hosts["until"] = 0.0
