"""What a compliance decision says to a person, in the active language: one blocked reason said briefly, and the
whole "Blocked: ... · until ..." line. Reads the rule data; no database. Agents' banners, the Today page and the
message of ContactBlocked all use it, so a reason reads the same everywhere."""

from __future__ import annotations

import re
from datetime import datetime
from zoneinfo import ZoneInfo

from django.utils import formats
from django.utils.translation import gettext as _

from .rules import RULES


def _rule_kind(rule_id: str) -> str:
    for rule in RULES.rules:
        if rule.id == rule_id:
            return rule.kind
    return ""


def channel_label(channel: str) -> str:
    return {"call": _("call"), "sms": "SMS", "whatsapp": "WhatsApp", "email": _("email"), "visit": _("visit"),
            "letter": _("letter")}.get(channel, channel)


def fmt_local(dt: datetime | None, tz: str) -> str:
    if dt is None:
        return ""
    local = dt.astimezone(ZoneInfo(tz))
    return formats.date_format(local, "d/m/Y H:i")


def reason_text(reason) -> str:
    """One blocked reason of a compliance decision, said briefly for a person."""
    kind = _rule_kind(reason.rule_id)
    detail = reason.detail or ""
    if kind == "daily_after_effective":
        match = re.search(r"effective (\w+) contact", detail)
        channel = match.group(1) if match else "call"
        return _("already contacted today by %(channel)s") % {"channel": channel_label(channel)}
    if kind == "single_channel_week":
        match = re.search(r"effective contact by ([\w, ]+?) (this|the)", detail)
        channels = ", ".join(channel_label(c.strip()) for c in match.group(1).split(",")) if match else ""
        return _("effective contact this week by %(channels)s") % {"channels": channels}
    if kind == "hours":
        return _("outside the contact hours")
    if kind == "debtor_preferences":
        if "outside the debtor's hours" in detail:
            return _("outside the hours the debtor chose")
        return _("a channel the debtor did not choose")
    if kind == "consent_required":
        match = re.search(r"no consent for (\w+)", detail)
        if match and match.group(1) != "call":
            return _("no consent for %(channel)s") % {"channel": channel_label(match.group(1))}
        return _("no consent for calls")
    if kind == "opt_out":
        match = re.search(r"revoked (\w+)", detail)
        if match and match.group(1) != "call":
            return _("the debtor revoked %(channel)s") % {"channel": channel_label(match.group(1))}
        return _("the debtor revoked calls")
    if kind == "roles":
        return _("this contact is never called for collection")
    if kind == "channel_banned":
        return _("channel not allowed")
    if kind in ("channel_cap", "calls_in_days"):
        return _("contact limit reached")
    if kind == "cooldown_after_conversation":
        return _("waiting after a recent conversation")
    if kind == "bureau_small_debt":
        return _("a small debt needs two notices on different days before the report")
    if kind == "bureau_notice":
        if detail.startswith("no notice"):
            return _("no notice was sent before the report date")
        return _("the waiting period after the notice has not ended")
    if kind == "bureau_deadline":
        return _("the deadline to report has passed")
    return detail or reason.text


def blocked_reasons(decision) -> list[str]:
    return list(dict.fromkeys(reason_text(r) for r in decision.reasons if r.outcome == "blocked"))


def blocked_text(decision) -> str:
    """"Blocked: already contacted today by SMS · until 12/03/2026 07:00"."""
    text = _("Blocked: %(reasons)s") % {"reasons": "; ".join(blocked_reasons(decision))}
    if decision.next_allowed_at:
        text += " · " + _("until %(when)s") % {"when": fmt_local(decision.next_allowed_at, decision.tz)}
    else:
        text += " · " + _("no allowed time found")
    return text
