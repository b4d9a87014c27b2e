"""Contacts: may this contact happen at this instant, and if not, when (`decide`)? Pure: no database, no clock;
every rule kind of the rule set has an evaluator here. All comparisons happen in UTC; local dates and wall-clock
times come from the debtor's time zone."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import holidays

from .ruleset import (
    BLOCKED,
    HORIZON,
    MAX_STEPS,
    NOT_CHECKED,
    PASSED,
    WEEKDAYS,
    ComplianceError,
    ComplianceSettings,
    Rule,
    RuleSet,
    default_settings,
    ruleset,
)


# ---------------------------------------------------------------------------------------------------------------
# Inputs and outputs
# ---------------------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class ContactEvent:
    """One past contact attempt with the debtor; `effective` = right-party contact (a conversation)."""

    at: datetime
    channel: str
    effective: bool = False
    direction: str = "outbound"  # "inbound": the debtor started it (called in, came in, asked for this call)


OUTBOUND, INBOUND = "outbound", "inbound"
DIRECTIONS = (OUTBOUND, INBOUND)
# Rule kinds that still govern a contact the debtor starts: collection with a personal reference is forbidden
# whoever starts the conversation. Every other kind (hours, frequency, caps, consent, banned channels) governs only
# the contacts the creditor starts.
INBOUND_KINDS = frozenset({"roles"})


@dataclass(frozen=True)
class Reason:
    rule_id: str
    outcome: str
    text: str
    citation: str
    mark: str
    version: str
    detail: str = ""

    def as_dict(self) -> dict[str, str]:
        return dataclasses.asdict(self)

    def __str__(self) -> str:
        detail = f"{self.detail}. " if self.detail else ""
        return f"{self.rule_id} v{self.version} ({self.mark}) {self.outcome}: {detail}{self.text} [{self.citation}]"


@dataclass(frozen=True)
class Decision:
    allowed: bool
    reasons: tuple[Reason, ...]
    next_allowed_at: datetime | None
    rule_version: str
    at: datetime
    country: str
    channel: str
    tz: str
    contact_role: str = "debtor"
    settings: Mapping[str, Any] = field(default_factory=dict)
    direction: str = OUTBOUND
    evidence_id: int | None = None  # set by the service that stored it

    def as_json(self) -> dict[str, Any]:
        """The public shape: {"allowed", "reasons" (readable strings with rule id and citation), "next_allowed_at"}."""
        return {
            "allowed": self.allowed,
            "reasons": [str(r) for r in self.reasons],
            "next_allowed_at": self.next_allowed_at.isoformat() if self.next_allowed_at else None,
        }

    @property
    def send_at(self) -> datetime | None:
        """When a message or task asked for at `at` may go: now if allowed, else the next allowed time, else never."""
        return self.at if self.allowed else self.next_allowed_at


# ---------------------------------------------------------------------------------------------------------------
# Evaluation
# ---------------------------------------------------------------------------------------------------------------
@lru_cache(maxsize=256)
def holiday_dates(country: str, year: int) -> frozenset[date]:
    return frozenset(holidays.country_holidays(country, years=year).keys())


def resolve_zone(tz: str) -> ZoneInfo:
    try:
        return ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError, TypeError):
        raise ComplianceError(f"unknown time zone {tz!r}")


@dataclass(frozen=True)
class _Result:
    rule: Rule
    outcome: str
    detail: str = ""
    until: datetime | None = None  # blocked: earliest instant >= t at which this rule passes; None = never

    def reason(self) -> Reason:
        r = self.rule
        return Reason(rule_id=r.id, outcome=self.outcome, text=r.text, citation=r.citation, mark=r.mark,
                      version=r.version, detail=self.detail)


@dataclass(frozen=True, eq=False)
class _Ctx:
    country: str
    channel: str
    zone: ZoneInfo
    history: tuple[ContactEvent, ...]  # UTC, sorted by time
    consents: Mapping[str, str] | None
    role: str
    settings: ComplianceSettings
    rules: RuleSet
    direction: str = OUTBOUND
    preferences: Mapping[str, Any] | None = None

    def for_rule(self, rule: Rule) -> _Ctx:
        """The context a rule sees: past inbound contacts count only where the rule's data says the law counts them
        (`inbound_counts`, with its citation in `inbound_note`); otherwise the rule sees outbound contacts only."""
        if rule.params.get("inbound_counts") or all(e.direction != INBOUND for e in self.history):
            return self
        return dataclasses.replace(self, history=tuple(e for e in self.history if e.direction != INBOUND))

    def local(self, t: datetime) -> datetime:
        return t.astimezone(self.zone)

    def day(self, t: datetime) -> date:
        return t.astimezone(self.zone).date()

    def at_local(self, d: date, hhmm: str = "00:00") -> datetime:
        """The instant (UTC) of wall-clock `hhmm` on local date `d`; a time in a DST gap maps to the transition."""
        hour, minute = (int(x) for x in hhmm.split(":"))
        return datetime.combine(d, time(hour, minute), tzinfo=self.zone).astimezone(UTC)

    def next_midnight(self, t: datetime) -> datetime:
        return self.at_local(self.day(t) + timedelta(days=1))

    def week_start(self, d: date) -> date:
        return d - timedelta(days=d.weekday())

    def past(self, t: datetime) -> list[ContactEvent]:
        return [e for e in self.history if e.at <= t]

    def in_week(self, e: ContactEvent, t: datetime, mode: str) -> bool:
        """Whether past event `e` is in the 'week' of `t`: calendar (Mon-Sun), rolling (7 days), or the same day."""
        if mode == "day":
            return self.day(e.at) == self.day(t)
        if mode == "calendar":
            return self.week_start(self.day(e.at)) == self.week_start(self.day(t))
        return e.at > t - timedelta(days=7)

    def week_ends(self, events: Sequence[ContactEvent], t: datetime, mode: str) -> datetime:
        """Earliest instant >= t at which none of `events` (all in t's week) is in the week any more."""
        if mode == "day":
            return self.next_midnight(t)
        if mode == "calendar":
            return self.at_local(self.week_start(self.day(t)) + timedelta(days=7))
        return max(e.at for e in events) + timedelta(days=7)


def _hours(rule: Rule, ctx: _Ctx, t: datetime) -> _Result:
    table = rule.params["hours"]
    closed_on_holidays = rule.params.get("closed_on_holidays", False)
    extra = timedelta(minutes=1) if ctx.settings.window_end_inclusive else timedelta(0)

    def window(d: date):
        hours = table.get(WEEKDAYS[d.weekday()])
        if not hours:
            return None
        if closed_on_holidays and d in holiday_dates(ctx.country, d.year):
            return None
        return ctx.at_local(d, hours[0]), ctx.at_local(d, hours[1]) + extra

    today = ctx.day(t)
    current = window(today)
    if current and current[0] <= t < current[1]:
        return _Result(rule, PASSED)
    local = ctx.local(t)
    if current is None:
        if closed_on_holidays and today in holiday_dates(ctx.country, today.year):
            names = holidays.country_holidays(ctx.country, years=today.year).get(today)
            detail = f"{today.isoformat()} is a holiday ({names})"
        else:
            detail = f"no contact hours on {local:%A}"
    else:
        detail = f"{local:%A %H:%M} is outside {local:%A}'s window {table[WEEKDAYS[today.weekday()]][0]}-" \
                 f"{table[WEEKDAYS[today.weekday()]][1]}"
    for offset in range(0, HORIZON.days + 8):
        w = window(today + timedelta(days=offset))
        if w and t < w[1]:
            return _Result(rule, BLOCKED, detail, max(t, w[0]))
    return _Result(rule, BLOCKED, detail, None)


def _daily_after_effective(rule: Rule, ctx: _Ctx, t: datetime) -> _Result:
    mode = rule.params.get("scope") or getattr(ctx.settings, rule.params["week_setting"])
    past = ctx.past(t)
    effective = [e for e in past if e.effective and ctx.in_week(e, t, mode)]
    today = [e for e in past if ctx.day(e.at) == ctx.day(t)]
    if not effective or not today:
        return _Result(rule, PASSED)
    until = ctx.next_midnight(t)
    if mode == "rolling":
        until = min(until, ctx.week_ends(effective, t, mode))
    last = max(effective, key=lambda e: e.at)
    detail = (f"effective {last.channel} contact at {ctx.local(last.at):%Y-%m-%d %H:%M}; "
              f"{len(today)} contact(s) already on {ctx.day(t).isoformat()}")
    return _Result(rule, BLOCKED, detail, until)


def _single_channel_week(rule: Rule, ctx: _Ctx, t: datetime) -> _Result:
    mode = getattr(ctx.settings, rule.params["week_setting"])
    others = [e for e in ctx.past(t) if e.effective and e.channel != ctx.channel and ctx.in_week(e, t, mode)]
    if not others:
        return _Result(rule, PASSED)
    channels = ", ".join(sorted({e.channel for e in others}))
    week = "this calendar week" if mode == "calendar" else "the last 7 days"
    detail = f"effective contact by {channels} {week}; {ctx.channel} would be another channel"
    return _Result(rule, BLOCKED, detail, ctx.week_ends(others, t, mode))


def _consent_required(rule: Rule, ctx: _Ctx, t: datetime) -> _Result:
    if ctx.consents is None:
        return _Result(rule, NOT_CHECKED, "consents unknown (no debtor given)")
    status = ctx.consents.get(ctx.channel)
    if status == "granted":
        return _Result(rule, PASSED, f"consent granted for {ctx.channel}")
    return _Result(rule, BLOCKED, f"no consent for {ctx.channel}" + (f" ({status})" if status else ""), None)


def _opt_out(rule: Rule, ctx: _Ctx, t: datetime) -> _Result:
    if ctx.consents is None:
        return _Result(rule, NOT_CHECKED, "consents unknown (no debtor given)")
    if ctx.consents.get(ctx.channel) == "revoked":
        return _Result(rule, BLOCKED, f"the debtor revoked {ctx.channel}", None)
    return _Result(rule, PASSED)


def _roles(rule: Rule, ctx: _Ctx, t: datetime) -> _Result:
    if ctx.role in rule.params["allowed_roles"]:
        return _Result(rule, PASSED)
    return _Result(rule, BLOCKED, f"contact role {ctx.role!r} is never contacted for collection", None)


def _channel_banned(rule: Rule, ctx: _Ctx, t: datetime) -> _Result:
    return _Result(rule, BLOCKED, f"channel {ctx.channel} is not allowed", None)


def _channel_cap(rule: Rule, ctx: _Ctx, t: datetime) -> _Result:
    mode = getattr(ctx.settings, rule.params["week_setting"])
    cap = rule.params["max_per_week"]
    events = [e for e in ctx.past(t) if e.channel in rule.channels and (ctx.settings.cl_count_attempts or e.effective)]
    details, untils = [], []
    in_week = sorted((e for e in events if ctx.in_week(e, t, mode)), key=lambda e: e.at)
    if len(in_week) >= cap:
        week = "this calendar week" if mode == "calendar" else "the last 7 days"
        details.append(f"{len(in_week)} {'/'.join(rule.channels)} contact(s) in {week} (cap {cap})")
        if mode == "calendar":
            untils.append(ctx.week_ends(in_week, t, mode))
        else:
            untils.append(in_week[len(in_week) - cap].at + timedelta(days=7))
    gap_setting = rule.params.get("min_gap_setting")
    if gap_setting and events:
        gap = timedelta(hours=getattr(ctx.settings, gap_setting))
        last = events[-1]
        if t - last.at < gap:
            details.append(f"last {last.channel} at {ctx.local(last.at):%Y-%m-%d %H:%M}, less than {gap} ago")
            untils.append(last.at + gap)
    if not details:
        return _Result(rule, PASSED)
    return _Result(rule, BLOCKED, "; ".join(details), max(untils))


def _calls_in_days(rule: Rule, ctx: _Ctx, t: datetime) -> _Result:
    cap, days = rule.params["max_calls"], rule.params["days"]
    call_days = [ctx.day(e.at) for e in ctx.past(t) if e.channel == "call"]
    today = ctx.day(t)

    def count(d: date) -> int:
        return sum(1 for c in call_days if d - timedelta(days=days - 1) <= c <= d)

    if count(today) < cap:
        return _Result(rule, PASSED)
    detail = f"{count(today)} calls already in the {days} days ending {today.isoformat()}; one more exceeds {cap}"
    for offset in range(1, days + 1):
        d = today + timedelta(days=offset)
        if count(d) < cap:
            return _Result(rule, BLOCKED, detail, ctx.at_local(d))
    return _Result(rule, BLOCKED, detail, None)  # unreachable with a finite history


def _cooldown_after_conversation(rule: Rule, ctx: _Ctx, t: datetime) -> _Result:
    days = rule.params["days"]
    today = ctx.day(t)
    talks = [ctx.day(e.at) for e in ctx.past(t)
             if e.effective and e.channel in rule.params["conversation_channels"]
             and today - ctx.day(e.at) < timedelta(days=days)]
    if not talks:
        return _Result(rule, PASSED)
    last = max(talks)
    return _Result(rule, BLOCKED, f"telephone conversation on {last.isoformat()}",
                   ctx.at_local(last + timedelta(days=days)))


def _debtor_preferences(rule: Rule, ctx: _Ctx, t: datetime) -> _Result:
    """The channels and daily hours the debtor chose ({"channels": [...], "hours": ["HH:MM", "HH:MM"] or None}):
    another channel is blocked for good (until the debtor changes it); outside the hours, until they next open."""
    prefs = ctx.preferences
    if prefs is None:
        return _Result(rule, PASSED)
    channels = list(prefs.get("channels") or [])
    if channels and ctx.channel not in channels:
        return _Result(rule, BLOCKED, f"the debtor chose {', '.join(channels)}, not {ctx.channel}", None)
    hours = prefs.get("hours")
    if hours:
        day = ctx.day(t)
        opens, closes = ctx.at_local(day, hours[0]), ctx.at_local(day, hours[1])
        if opens <= t < closes:
            return _Result(rule, PASSED)
        until = opens if t < opens else ctx.at_local(day + timedelta(days=1), hours[0])
        return _Result(rule, BLOCKED, f"{ctx.local(t):%H:%M} is outside the debtor's hours {hours[0]}-{hours[1]}",
                       until)
    return _Result(rule, PASSED)


EVALUATORS = {
    "debtor_preferences": _debtor_preferences,
    "hours": _hours,
    "daily_after_effective": _daily_after_effective,
    "single_channel_week": _single_channel_week,
    "consent_required": _consent_required,
    "opt_out": _opt_out,
    "roles": _roles,
    "channel_banned": _channel_banned,
    "channel_cap": _channel_cap,
    "calls_in_days": _calls_in_days,
    "cooldown_after_conversation": _cooldown_after_conversation,
}
NOT_PER_CONTACT = {"info", "bureau_notice", "bureau_small_debt", "bureau_deadline"}


INBOUND_DETAIL = "inbound contact: started by the debtor; this rule governs contacts the creditor starts"


def _evaluate(ctx: _Ctx, t: datetime) -> list[_Result]:
    day = ctx.day(t)
    results = []
    for rule in ctx.rules.for_country(ctx.country):
        if rule.kind in NOT_PER_CONTACT or not rule.in_force(day) or not rule.enabled(ctx.settings):
            continue
        if not rule.applies_to(ctx.channel, ctx.settings, ctx.rules.channels):
            continue
        if ctx.direction == INBOUND and rule.kind not in INBOUND_KINDS:
            results.append(_Result(rule, NOT_CHECKED, INBOUND_DETAIL))
            continue
        results.append(EVALUATORS[rule.kind](rule, ctx.for_rule(rule), t))
    return results


def _search(ctx: _Ctx, start: datetime, results: list[_Result]) -> datetime | None:
    """Jump to the latest 'earliest passing instant' of the blocking rules until every rule passes.

    Each jump is exact: the rule that proposed the furthest instant blocks every instant before it, so no allowed
    instant is skipped."""
    t = start
    for _ in range(MAX_STEPS):
        blocked = [r for r in results if r.outcome == BLOCKED]
        if not blocked:
            return t
        if any(r.until is None for r in blocked):
            return None
        nxt = max(r.until for r in blocked)
        if nxt <= t:  # a rule that proposes no progress is a bug; never loop on it
            raise RuntimeError(f"compliance rule {[r.rule.id for r in blocked]} proposed no progress at {t}")
        if nxt - start > HORIZON:
            return None
        t = nxt
        results = _evaluate(ctx, t)
    return None


def decide(
    *,
    country: str,
    channel: str,
    at: datetime,
    tz: str | None = None,
    history: Sequence[ContactEvent] = (),
    consents: Mapping[str, str] | None = None,
    contact_role: str = "debtor",
    settings: ComplianceSettings | None = None,
    rules: RuleSet | None = None,
    direction: str = OUTBOUND,
    preferences: Mapping[str, Any] | None = None,
) -> Decision:
    """Whether a `channel` contact at `at` is allowed, the rules that decided, and the next allowed instant.

    `direction`: "outbound" (the creditor starts it, the default) or "inbound" (the debtor called or came in, or
    asked for this call): an inbound contact is never blocked by the hours, frequency, consent or channel rules, only
    by the rules of INBOUND_KINDS (references); the others are reported as not checked, for the evidence.
    `history`: the debtor's past contacts (an inbound one counts toward a rule's limits only where the rule's data
    says `inbound_counts`); `consents`: channel -> "granted"/"revoked" (None: unknown, not checked);
    `preferences`: the channels and daily hours the debtor chose ({"channels": [...], "hours": ["HH:MM", "HH:MM"] or
    None}; None: none recorded), read by the "debtor_preferences" rules;
    `tz`: the debtor's time zone (default the country's capital). next_allowed_at is None when never (references,
    no consent, banned channel) or further than HORIZON away; it is expressed in `tz`."""
    settings = settings or default_settings()
    rules = rules or ruleset()
    country = (country or "").strip().upper()
    if country not in rules.countries:
        raise ComplianceError(f"no compliance rules for country {country!r}; known: {', '.join(rules.countries)}")
    if channel not in rules.channels:
        raise ComplianceError(f"unknown channel {channel!r}; one of {', '.join(rules.channels)}")
    if contact_role not in rules.roles:
        raise ComplianceError(f"unknown contact role {contact_role!r}; one of {', '.join(rules.roles)}")
    if at.tzinfo is None or at.utcoffset() is None:
        raise ComplianceError("`at` must be an aware datetime")
    if direction not in DIRECTIONS:
        raise ComplianceError(f"unknown direction {direction!r}; one of {', '.join(DIRECTIONS)}")
    tz = tz or rules.capital_tz[country]
    zone = resolve_zone(tz)
    events = []
    for e in history:
        if e.at.tzinfo is None or e.at.utcoffset() is None:
            raise ComplianceError("contact history times must be aware datetimes")
        events.append(ContactEvent(at=e.at.astimezone(UTC), channel=e.channel, effective=bool(e.effective),
                                   direction=INBOUND if e.direction == INBOUND else OUTBOUND))
    events.sort(key=lambda e: e.at)
    ctx = _Ctx(country=country, channel=channel, zone=zone, history=tuple(events),
               consents=dict(consents) if consents is not None else None, role=contact_role,
               settings=settings, rules=rules, direction=direction, preferences=preferences)
    start = at.astimezone(UTC)
    results = _evaluate(ctx, start)
    blocked = [r for r in results if r.outcome == BLOCKED]
    next_at = _search(ctx, start, results) if blocked else None
    return Decision(
        allowed=not blocked,
        reasons=tuple(r.reason() for r in (blocked or results)),
        next_allowed_at=next_at.astimezone(zone) if next_at else None,
        rule_version=rules.version,
        at=at.astimezone(zone),
        country=country,
        channel=channel,
        tz=tz,
        contact_role=contact_role,
        settings=settings.as_dict(),
        direction=direction,
    )
