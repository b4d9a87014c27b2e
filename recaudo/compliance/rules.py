"""Compliance rules: may this contact (or this credit-bureau report) happen at this instant, and if not, when?

Pure functions: no database, no clock. The facts live in data/rules.toml (dated, versioned, cited); this module
only knows how to evaluate each *kind* of rule. Every contact passes `decide`, every bureau report passes
`decide_bureau_report`; both return the rules that decided and the next allowed time.

All comparisons happen in UTC; local dates and wall-clock times come from the debtor's time zone.
"""

from __future__ import annotations

import dataclasses
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import holidays

from recaudo.core.errors import DomainError

DATA_FILE = Path(__file__).with_name("data") / "rules.toml"
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
HORIZON = timedelta(days=400)  # next_allowed_at further away than this is reported as "never" (None)
MAX_STEPS = 2000

PASSED = "passed"
BLOCKED = "blocked"
NOT_CHECKED = "not_checked"


class ComplianceError(DomainError):
    """Bad input to the compliance engine (unknown country, channel, role, time zone, naive datetime)."""


# ---------------------------------------------------------------------------------------------------------------
# Data
# ---------------------------------------------------------------------------------------------------------------
@dataclass(frozen=True, eq=False)
class Rule:
    id: str
    country: str
    kind: str
    version: str
    valid_from: date
    valid_to: date | None
    mark: str
    channels: tuple[str, ...]
    text: str
    citation: str
    source: str
    setting: str | None
    params: Mapping[str, Any]

    def in_force(self, day: date) -> bool:
        return self.valid_from <= day and (self.valid_to is None or day < self.valid_to)

    def enabled(self, settings: ComplianceSettings) -> bool:
        name = self.params.get("enabled_setting")
        return bool(getattr(settings, name)) if name else True

    def applies_to(self, channel: str, settings: ComplianceSettings, all_channels: Sequence[str]) -> bool:
        name = self.params.get("all_channels_setting")
        if name and getattr(settings, name):
            return channel in all_channels
        return channel in self.channels


@dataclass(frozen=True)
class SettingSpec:
    name: str
    default: Any
    text: str
    rule: str
    choices: tuple[str, ...] = ()


@dataclass(frozen=True, eq=False)
class RuleSet:
    version: str
    channels: tuple[str, ...]
    roles: tuple[str, ...]
    capital_tz: Mapping[str, str]
    smlmv: Mapping[str, Mapping[int, Decimal]]
    rules: tuple[Rule, ...]
    settings: tuple[SettingSpec, ...]

    @property
    def countries(self) -> tuple[str, ...]:
        return tuple(sorted({r.country for r in self.rules}))

    def for_country(self, country: str) -> list[Rule]:
        return [r for r in self.rules if r.country == country]


def load_rules(path: Path = DATA_FILE) -> RuleSet:
    with open(path, "rb") as fh:
        data = tomllib.load(fh)
    rules = []
    seen = set()
    for raw in data["rule"]:
        key = (raw["id"], raw["version"])
        if key in seen:
            raise ComplianceError(f"duplicate rule {key} in {path}")
        seen.add(key)
        rules.append(Rule(
            id=raw["id"], country=raw["country"], kind=raw["kind"], version=str(raw["version"]),
            valid_from=raw["valid_from"], valid_to=raw.get("valid_to"), mark=raw["mark"],
            channels=tuple(raw["channels"]), text=raw["text"], citation=raw["citation"],
            source=raw.get("source", ""), setting=raw.get("setting"), params=dict(raw.get("params", {})),
        ))
        if raw["mark"] not in ("c", "s", "?"):
            raise ComplianceError(f"rule {raw['id']}: mark must be c, s or ?")
    settings = tuple(
        SettingSpec(name=s["name"], default=s["default"], text=s["text"], rule=s["rule"],
                    choices=tuple(s.get("choices", ())))
        for s in data["setting"]
    )
    smlmv = {country: {int(year): Decimal(value) for year, value in years.items()}
             for country, years in data.get("smlmv", {}).items()}
    return RuleSet(version=data["rule_set_version"], channels=tuple(data["channels"]), roles=tuple(data["roles"]),
                   capital_tz=dict(data["capital_tz"]), smlmv=smlmv, rules=tuple(rules), settings=settings)


RULES = load_rules()


@dataclass(frozen=True)
class ComplianceSettings:
    """The (?) ambiguities of the rules; defaults (the conservative reading) come from data/rules.toml."""

    window_end_inclusive: bool
    co_week: str
    bureau_min_days_after_notice: int
    cl_week: str
    cl_min_gap_hours: int
    cl_count_attempts: bool
    mx_daily_limit_after_effective: bool
    pe_hours_all_channels: bool
    references_blocked_everywhere: bool
    honor_revoked_consent_everywhere: bool

    @classmethod
    def from_rules(cls, rules: RuleSet = RULES, overrides: Mapping[str, Any] | None = None) -> ComplianceSettings:
        specs = {s.name: s for s in rules.settings}
        names = {f.name for f in dataclasses.fields(cls)}
        if set(specs) != names:
            raise ComplianceError(f"settings in the rules data {sorted(specs)} differ from {sorted(names)}")
        values = {name: spec.default for name, spec in specs.items()}
        for name, value in (overrides or {}).items():
            if name not in specs:
                raise ComplianceError(f"unknown compliance setting {name!r}; known: {', '.join(sorted(specs))}")
            default = specs[name].default
            if type(value) is not type(default):
                raise ComplianceError(f"compliance setting {name!r} must be {type(default).__name__}")
            if specs[name].choices and value not in specs[name].choices:
                raise ComplianceError(f"compliance setting {name!r} must be one of {', '.join(specs[name].choices)}")
            values[name] = value
        return cls(**values)

    def as_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


DEFAULT_SETTINGS = ComplianceSettings.from_rules()


# ---------------------------------------------------------------------------------------------------------------
# Inputs and outputs
# ---------------------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class ContactEvent:
    """One past contact attempt with the debtor; `effective` = right-party contact (a conversation)."""

    at: datetime
    channel: str
    effective: bool = False


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


@dataclass(frozen=True)
class BureauDecision:
    allowed: bool
    reasons: tuple[Reason, ...]
    next_allowed_on: date | None
    rule_version: str
    report_date: date
    country: str
    settings: Mapping[str, Any] = field(default_factory=dict)
    evidence_id: int | None = None

    def as_json(self) -> dict[str, Any]:
        return {
            "allowed": self.allowed,
            "reasons": [str(r) for r in self.reasons],
            "next_allowed_at": self.next_allowed_on.isoformat() if self.next_allowed_on else None,
        }


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


EVALUATORS = {
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


def _evaluate(ctx: _Ctx, t: datetime) -> list[_Result]:
    day = ctx.day(t)
    results = []
    for rule in ctx.rules.for_country(ctx.country):
        if rule.kind in NOT_PER_CONTACT or not rule.in_force(day) or not rule.enabled(ctx.settings):
            continue
        if not rule.applies_to(ctx.channel, ctx.settings, ctx.rules.channels):
            continue
        results.append(EVALUATORS[rule.kind](rule, ctx, t))
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
    rules: RuleSet = RULES,
) -> Decision:
    """Whether a `channel` contact at `at` is allowed, the rules that decided, and the next allowed instant.

    `history`: the debtor's past contacts; `consents`: channel -> "granted"/"revoked" (None: unknown, not checked);
    `tz`: the debtor's time zone (default the country's capital). next_allowed_at is None when never (references,
    no consent, banned channel) or further than HORIZON away; it is expressed in `tz`."""
    settings = settings or DEFAULT_SETTINGS
    country = (country or "").strip().upper()
    if country not in rules.countries:
        raise ComplianceError(f"no compliance rules for country {country!r}; known: {', '.join(rules.countries)}")
    if channel not in rules.channels:
        raise ComplianceError(f"unknown channel {channel!r}; one of {', '.join(rules.channels)}")
    if contact_role not in rules.roles:
        raise ComplianceError(f"unknown contact role {contact_role!r}; one of {', '.join(rules.roles)}")
    if at.tzinfo is None or at.utcoffset() is None:
        raise ComplianceError("`at` must be an aware datetime")
    tz = tz or rules.capital_tz[country]
    zone = resolve_zone(tz)
    events = []
    for e in history:
        if e.at.tzinfo is None or e.at.utcoffset() is None:
            raise ComplianceError("contact history times must be aware datetimes")
        events.append(ContactEvent(at=e.at.astimezone(UTC), channel=e.channel, effective=bool(e.effective)))
    events.sort(key=lambda e: e.at)
    ctx = _Ctx(country=country, channel=channel, zone=zone, history=tuple(events),
               consents=dict(consents) if consents is not None else None, role=contact_role,
               settings=settings, rules=rules)
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
    )


# ---------------------------------------------------------------------------------------------------------------
# Credit-bureau reports
# ---------------------------------------------------------------------------------------------------------------
def _add_months(d: date, months: int) -> date:
    month = d.month - 1 + months
    year, month = d.year + month // 12, month % 12 + 1
    for day in (d.day, 30, 29, 28):
        try:
            return date(year, month, day)
        except ValueError:
            continue
    raise AssertionError("unreachable")


def smlmv_for(country: str, year: int, rules: RuleSet = RULES) -> Decimal | None:
    return rules.smlmv.get(country, {}).get(year)


def decide_bureau_report(
    *,
    country: str,
    notice_dates: Sequence[date],
    report_date: date,
    debt_minor: int,
    currency: str,
    smlmv: Decimal | None = None,
    arrears_since: date | None = None,
    settings: ComplianceSettings | None = None,
    rules: RuleSet = RULES,
) -> BureauDecision:
    """Whether a negative credit-bureau report may be made on `report_date`, and from which date it may.

    `notice_dates`: the days the prior notice was sent (later than report_date are ignored); `debt_minor` in the
    currency's minor unit; `smlmv` defaults to the data's value for report_date's year (unknown year: the debt is
    treated as small, the conservative reading)."""
    from recaudo.core.money import from_minor  # pure (Babel); imported here to keep module import light

    settings = settings or DEFAULT_SETTINGS
    country = (country or "").strip().upper()
    in_force = [r for r in rules.for_country(country) if "bureau" in r.channels and r.in_force(report_date)]
    by_kind = {r.kind: r for r in in_force}
    if country not in rules.countries:
        raise ComplianceError(f"no compliance rules for country {country!r}; known: {', '.join(rules.countries)}")
    common = {"rule_version": rules.version, "report_date": report_date, "country": country,
              "settings": settings.as_dict()}
    if not in_force:
        reason = Reason(rule_id=f"{country}-BUREAU-NONE", outcome=NOT_CHECKED, text="no bureau-report rule in the data",
                        citation="-", mark="?", version="-", detail=f"nothing encoded for {country}")
        return BureauDecision(allowed=True, reasons=(reason,), next_allowed_on=None, **common)

    notices = sorted({d for d in notice_dates if d <= report_date})
    results: list[_Result] = []
    earliest: date | None = None
    never = False

    small_rule = by_kind.get("bureau_small_debt")
    small = False
    if small_rule:
        if currency != "COP" and country == "CO":
            raise ComplianceError(f"Colombian bureau rules need a COP debt, not {currency}")
        amount = from_minor(debt_minor, currency)
        base = smlmv if smlmv is not None else smlmv_for(country, report_date.year, rules)
        if base is None:
            small = True
            detail = f"SMLMV for {report_date.year} not in the data: treated as a small debt"
        else:
            threshold = Decimal(base) * Decimal(small_rule.params["threshold_fraction"])
            small = amount <= threshold
            detail = f"debt {amount} {'<=' if small else '>'} threshold {threshold:.2f} (15% of SMLMV {base})"
        needed = small_rule.params["notices"] if small else 1
        if small and len(notices) < needed:
            results.append(_Result(small_rule, BLOCKED,
                                   f"{detail}; {len(notices)} notice day(s), {needed} on different days needed"))
            never = True
        else:
            results.append(_Result(small_rule, PASSED, detail))

    notice_rule = by_kind.get("bureau_notice")
    if notice_rule:
        days = settings.bureau_min_days_after_notice
        if not notices:
            results.append(_Result(notice_rule, BLOCKED, "no notice sent before the report date"))
            never = True
        elif not never:
            base_day = notices[1] if small and small_rule else notices[0]
            earliest = base_day + timedelta(days=days)
            which = "second notice" if small and small_rule else "notice"
            detail = f"{which} {base_day.isoformat()} + {days} days = {earliest.isoformat()}"
            results.append(_Result(notice_rule, PASSED if report_date >= earliest else BLOCKED, detail))

    deadline_rule = by_kind.get("bureau_deadline")
    if deadline_rule and arrears_since is not None:
        deadline = _add_months(arrears_since, deadline_rule.params["months"])
        late = report_date > deadline
        results.append(_Result(deadline_rule, BLOCKED if late else PASSED,
                               f"arrears since {arrears_since.isoformat()}: report by {deadline.isoformat()}"))
        if late or (earliest is not None and earliest > deadline):
            never = True

    blocked = [r for r in results if r.outcome == BLOCKED]
    next_on = None
    if blocked and not never and earliest is not None and earliest > report_date:
        next_on = earliest
    return BureauDecision(allowed=not blocked, reasons=tuple(r.reason() for r in (blocked or results)),
                          next_allowed_on=next_on, **common)
