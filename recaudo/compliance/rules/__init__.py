"""Compliance rules: may this contact (or this credit-bureau report) happen at this instant, and if not, when?

Pure functions: no database, no clock. The facts live in data/rules.toml (dated, versioned, cited), read on first
use; this package only knows how to evaluate each *kind* of rule:

- `ruleset`: the rule set and its settings (`ruleset()`, `ComplianceSettings`, `default_settings()`);
- `contact`: every contact passes `decide`;
- `bureau`: every bureau report passes `decide_bureau_report`.

Both return the rules that decided and the next allowed time. All comparisons happen in UTC; local dates and
wall-clock times come from the debtor's time zone. `RULES` and `DEFAULT_SETTINGS` are the loaded rule set and
default settings, computed when first asked for.
"""

from __future__ import annotations

from .bureau import BureauDecision, decide_bureau_report, smlmv_for
from .contact import (
    DIRECTIONS,
    INBOUND,
    OUTBOUND,
    ContactEvent,
    Decision,
    Reason,
    decide,
    holiday_dates,
    resolve_zone,
)
from .ruleset import (
    BLOCKED,
    DATA_FILE,
    HORIZON,
    MAX_STEPS,
    NOT_CHECKED,
    PASSED,
    WEEKDAYS,
    ComplianceError,
    ComplianceSettings,
    Rule,
    RuleSet,
    SettingSpec,
    default_settings,
    load_rules,
    ruleset,
)

__all__ = [
    "BLOCKED", "DATA_FILE", "DIRECTIONS", "HORIZON", "INBOUND", "OUTBOUND",
    "MAX_STEPS", "NOT_CHECKED", "PASSED", "WEEKDAYS", "BureauDecision",
    "ComplianceError", "ComplianceSettings", "ContactEvent", "Decision", "Reason", "Rule", "RuleSet", "SettingSpec",
    "decide", "decide_bureau_report", "default_settings", "holiday_dates", "load_rules", "resolve_zone", "ruleset",
    "smlmv_for",
]


def __getattr__(name: str):
    """RULES and DEFAULT_SETTINGS, loaded on first use rather than when the package is imported."""
    if name == "RULES":
        return ruleset()
    if name == "DEFAULT_SETTINGS":
        return default_settings()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
