"""Why the cycle did (or did not do) a step, stored as a code with its parameters and said in the active language
when a page shows it.

The engine stores a step's reason as JSON, {"code": ..., parameters}: `held` (holds: hold reason codes),
`conditions` (step, condition as strategies.rules says it), `scheduled` and `blocked` (rules: [{rule, detail}] of
the compliance decision), `compliance_error` (error), `bureau_blocked` (rules), `bureau_marked`. `reason_text`
turns one into a sentence; reasons stored before (English text such as "scheduled: CO-HOURS Sunday ...") are read
back into the same codes where their shape allows, else shown as stored."""

from __future__ import annotations

import json
import re
from types import SimpleNamespace

from django.utils.translation import gettext as _

from recaudo.compliance.wording import channel_label
from recaudo.compliance.wording import reason_text as rule_reason_text
from recaudo.strategies.wording import condition_text, hold_reason_label


def encode(code: str, **params) -> str:
    """The stored form of a reason: {"code": code, **params} as JSON."""
    return json.dumps({"code": code, **params}, ensure_ascii=False, separators=(",", ":"))


def rules_of(reasons) -> list[dict]:
    """A compliance decision's reasons as stored: rule id and detail (the rule's wording comes from the data)."""
    return [{"rule": r.rule_id, "detail": r.detail or ""} for r in reasons]


_RULE_ID = re.compile(r"^([A-Z]{2}-[A-Z0-9_-]+)(?::)?\s*(.*)$", re.S)
_RULE_SPLIT = re.compile(r"; (?=[A-Z]{2}-[A-Z0-9_-]+\b)")
# a message's last error as the outbox and the enqueue write it (cycle/outbox.py, communications/services.py)
_NO_CONTACT = re.compile(r"^no collectable contact with consent for (\w+)$")
_NO_CONSENT = re.compile(r"^consent for (\w+) is not granted \(revoked\?\) for (.*)$", re.S)
_NO_TEMPLATE = re.compile(r"^no active template '([^']*)' for (\w+) in (\w+)(?: \(or es\))?$")
_WINDOW = re.compile(r"^(?:(outside the compliance window)(?: until \S+)?|(?:compliance: )?never allowed): (.+)$", re.S)


def decode(reason: str) -> dict:
    """A stored reason as {"code", ...}: JSON as the engine stores it, or an older English text read back; text
    that fits no known shape is {"code": "text", "text": reason}."""
    reason = reason or ""
    if reason.startswith("{"):
        try:
            data = json.loads(reason)
        except ValueError:
            data = None
        if isinstance(data, dict) and "code" in data:
            return data
    if not reason:
        return {"code": ""}
    if reason.startswith("held: "):
        return {"code": "held", "holds": [h.strip() for h in reason[6:].split(",") if h.strip()]}
    if reason.startswith("conditions: "):
        step, _sep, condition = reason[12:].partition(": ")
        return {"code": "conditions", "step": step, "condition": condition}
    window = _WINDOW.match(reason)  # a message's last error as the outbox and the enqueue once wrote it
    if window:
        reason = ("scheduled: " if window.group(1) else "") + window.group(2)
    elif reason.startswith("compliance: "):
        return {"code": "compliance_error", "error": reason[12:]}
    for pattern, code in ((_NO_CONTACT, "no_contact"), (_NO_CONSENT, "no_consent"), (_NO_TEMPLATE, "no_template")):
        match = pattern.match(reason)
        if match:
            return {"code": code, "channel": match.group(2) if code == "no_template" else match.group(1),
                    **({"to": match.group(2)} if code == "no_consent" else {}),
                    **({"template": match.group(1)} if code == "no_template" else {})}
    if reason == "marked for report":
        return {"code": "bureau_marked"}
    code, text = ("scheduled", reason[11:]) if reason.startswith("scheduled: ") else ("blocked", reason)
    rules = []
    for part in _RULE_SPLIT.split(text):  # a rule's citation has its own "; " ("Ley 2300 de 2023 art. 3; Ley 51...")
        match = _RULE_ID.match(part.strip())
        if not match:
            return {"code": "text", "text": reason}
        rules.append({"rule": match.group(1), "detail": match.group(2)})
    return {"code": code, "rules": rules}


def _rules_text(rules: list[dict]) -> str:
    texts = [rule_reason_text(SimpleNamespace(rule_id=r.get("rule", ""), detail=r.get("detail", ""), text=""))
             or r.get("rule", "") for r in rules or []]
    return "; ".join(dict.fromkeys(t for t in texts if t))


def reason_text(reason: str) -> str:
    """A stored step reason said for a person in the active language ("" when there is none)."""
    data = decode(reason)
    code = data.get("code")
    if code == "held":
        return _("on hold: %(reasons)s") % {"reasons": ", ".join(hold_reason_label(h) for h in data.get("holds", []))}
    if code == "conditions":
        return _("step conditions not met: %(condition)s") % {"condition": condition_text(data.get("condition", ""))}
    if code == "scheduled":
        return _("scheduled for the next allowed time: %(reasons)s") % {"reasons": _rules_text(data.get("rules"))}
    if code == "blocked":
        return _("blocked by compliance: %(reasons)s") % {"reasons": _rules_text(data.get("rules"))}
    if code == "bureau_blocked":
        return _("not reported to the credit bureau: %(reasons)s") % {"reasons": _rules_text(data.get("rules"))}
    if code == "bureau_marked":
        return _("marked for the credit bureau report")
    if code == "compliance_error":
        return _("the compliance check could not decide: %(error)s") % {"error": data.get("error", "")}
    if code == "no_contact":
        return _("no contact with consent for %(channel)s") % {"channel": channel_label(data.get("channel", ""))}
    if code == "no_consent":
        return _("consent for %(channel)s is not granted (revoked?) for %(to)s") % {
            "channel": channel_label(data.get("channel", "")), "to": data.get("to", "")}
    if code == "no_template":
        return _("no active template %(template)s for %(channel)s") % {
            "template": data.get("template", ""), "channel": channel_label(data.get("channel", ""))}
    if code == "text":
        return data.get("text", "")
    return "" if not code else str(reason)
