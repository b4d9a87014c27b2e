"""The compliance rule set: the dated, versioned, cited rules of data/rules.toml as data classes, and the settings
that resolve their ambiguities. Read once, on first use (`ruleset()`), not when the module is imported."""

from __future__ import annotations

import dataclasses
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any

from recaudo.core.errors import DomainError

DATA_FILE = Path(__file__).resolve().parents[1] / "data" / "rules.toml"
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


@lru_cache(maxsize=1)
def ruleset() -> RuleSet:
    """The rule set of data/rules.toml, read once, on first use (not at import)."""
    return load_rules()


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
    def from_rules(cls, rules: RuleSet | None = None, overrides: Mapping[str, Any] | None = None
                   ) -> ComplianceSettings:
        rules = rules or ruleset()
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


@lru_cache(maxsize=1)
def default_settings() -> ComplianceSettings:
    """The settings with every default of the rules data (the conservative reading)."""
    return ComplianceSettings.from_rules()
