"""The strategy document: its shape, validation with precise messages (path + what is wrong), YAML in and out.

A strategy version's content is a plain dict (stored as JSON, exchanged as YAML):

    name: Default
    stages:                       # ordered by days past due, contiguous; the last may be open-ended (to_days: null)
      - key: preventive
        name: Preventive
        from_days: -5
        to_days: 0
        steps:
          - key: email-reminder
            offset: -5            # days past due of the debtor's oldest open obligation; negative = before due
            action: send_message  # send_message | create_task | move_stage | mark_legal | report_bureau | hold
            channel: email        # send_message: email | sms | whatsapp
            template: reminder
            attach_statement: false
            conditions: {min_amount: 0, consent: true}

Pure: no database, no clock.
"""

from __future__ import annotations

import copy
import math
from decimal import Decimal
from typing import Any

import yaml

from recaudo.core.amounts import AmountError, parse_amount
from recaudo.core.errors import DomainError

ACTIONS = ("send_message", "create_task", "move_stage", "mark_legal", "report_bureau", "hold")
MESSAGE_CHANNELS = ("email", "sms", "whatsapp")
TASK_KINDS = ("call", "visit", "letter")
HOLD_REASONS = ("dispute", "promise", "agreement", "claim", "deceased", "bankruptcy", "other")
STEP_CONDITIONS = {
    "min_amount": "amount", "max_amount": "amount", "disputed": bool, "promise_pending": bool,
    "agreement_active": bool, "consent": bool, "promise_broken": bool,
}
SEGMENT_CONDITIONS = {
    "balance_min": "amount", "balance_max": "amount", "days_min": int, "days_max": int, "kind": ("person", "company"),
    "seniority_days_min": int, "seniority_days_max": int, "tags_any": list, "tags_all": list,
    "open_count_min": int, "open_count_max": int, "promise": ("pending", "none"), "agreement": ("active", "none"),
    "risk_min": int, "risk_max": int, "promise_broken": bool,
}
STEP_FIELDS = {"key", "name", "offset", "action", "channel", "template", "attach_statement", "task", "stage",
               "notice_steps", "reason", "days", "conditions"}
STAGE_FIELDS = {"key", "name", "from_days", "to_days", "steps"}


class StrategyFormatError(DomainError):
    """The document is not a valid strategy; `problems` lists 'path: what is wrong' for each problem."""

    def __init__(self, problems: list[str]):
        self._problems = problems
        super().__init__("; ".join(problems))


def _is_int(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


# Amounts in conditions are in the portfolio currency's major units, with at most 2 decimals (so at most
# 10.000.000.000.000,00, the bound of recaudo.core.amounts).
CONDITION_DECIMALS = 2


def _amount(value, path: str, problems: list[str]) -> str | None:
    """An amount of a condition: a YAML number or a plain string like "50000.5" or "50_000" (the one amount
    parser, recaudo.core.amounts, with "." as the decimal mark as in YAML), zero or more, within the bounds."""
    if isinstance(value, bool) or not isinstance(value, (int, float, str, Decimal)):
        problems.append(f"{path}: must be an amount (a number), got {value!r}")
        return None
    not_finite = (isinstance(value, float) and not math.isfinite(value)) or (
        isinstance(value, Decimal) and not value.is_finite())
    if not_finite or (not isinstance(value, str) and value < 0):
        problems.append(f"{path}: must be zero or positive, got {value!r}")
        return None
    text = (value if isinstance(value, str) else format(value, "f") if isinstance(value, Decimal) else str(value)
            ).strip().replace("_", "")
    if isinstance(text, str) and text.startswith("-"):
        problems.append(f"{path}: must be zero or positive, got {value!r}")
        return None
    if isinstance(text, str) and "," in text:
        problems.append(f"{path}: not a number: {value!r}")
        return None
    try:
        amount = parse_amount(text, decimal=".", decimals=CONDITION_DECIMALS)
    except AmountError as exc:
        problems.append(f"{path}: {exc.message}: {value!r}")
        return None
    return format(amount.normalize(), "f")


def validate_conditions(raw, path: str, spec: dict, problems: list[str]) -> dict:
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        problems.append(f"{path}: must be a mapping of condition: value, got {type(raw).__name__}")
        return {}
    clean: dict[str, Any] = {}
    for name, value in raw.items():
        kind = spec.get(name)
        here = f"{path}.{name}"
        if kind is None:
            problems.append(f"{here}: unknown condition; known: {', '.join(sorted(spec))}")
        elif kind == "amount":
            amount = _amount(value, here, problems)
            if amount is not None:
                clean[name] = amount
        elif kind is bool:
            if not isinstance(value, bool):
                problems.append(f"{here}: must be true or false, got {value!r}")
            else:
                clean[name] = value
        elif kind is int:
            if not _is_int(value):
                problems.append(f"{here}: must be a whole number, got {value!r}")
            else:
                clean[name] = value
        elif kind is list:
            if not isinstance(value, list) or not all(isinstance(t, str) and t.strip() for t in value):
                problems.append(f"{here}: must be a list of tags (text), got {value!r}")
            else:
                clean[name] = sorted({t.strip().lower() for t in value})
        elif isinstance(kind, tuple):
            if value not in kind:
                problems.append(f"{here}: must be one of {', '.join(kind)}, got {value!r}")
            else:
                clean[name] = value
    for low, high in (("min_amount", "max_amount"), ("balance_min", "balance_max"), ("days_min", "days_max"),
                      ("seniority_days_min", "seniority_days_max"), ("open_count_min", "open_count_max"),
                      ("risk_min", "risk_max")):
        if low in clean and high in clean and Decimal(str(clean[low])) > Decimal(str(clean[high])):
            problems.append(f"{path}: {low} ({clean[low]}) is above {high} ({clean[high]})")
    return clean


def _text(step: dict, name: str, path: str, problems: list[str], required: bool = True) -> str:
    value = step.get(name)
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            problems.append(f"{path}.{name}: required")
        return ""
    if not isinstance(value, str):
        problems.append(f"{path}.{name}: must be text, got {value!r}")
        return ""
    return value.strip()


def _validate_step(raw, path: str, stage: dict, stage_keys: set[str], problems: list[str]) -> dict | None:
    if not isinstance(raw, dict):
        problems.append(f"{path}: a step must be a mapping, got {type(raw).__name__}")
        return None
    for name in sorted(set(raw) - STEP_FIELDS):
        problems.append(f"{path}.{name}: unknown field; known: {', '.join(sorted(STEP_FIELDS))}")
    step: dict[str, Any] = {"key": _text(raw, "key", path, problems)}
    if step["key"] and not all(c.isalnum() or c in "-_" for c in step["key"]):
        problems.append(f"{path}.key: use letters, digits, '-' and '_' only, got {step['key']!r}")
    if raw.get("name"):
        step["name"] = _text(raw, "name", path, problems)
    offset = raw.get("offset")
    if not _is_int(offset):
        problems.append(f"{path}.offset: must be a whole number of days (negative = before the due date), "
                        f"got {offset!r}")
        offset = None
    else:
        lo, hi = stage.get("from_days"), stage.get("to_days")
        if (_is_int(lo) and offset < lo) or (_is_int(hi) and offset > hi):
            span = f"{lo}..{hi if hi is not None else ''}"
            problems.append(f"{path}.offset: {offset} is outside its stage {stage.get('key')!r} ({span})")
    step["offset"] = offset
    action = raw.get("action")
    if action not in ACTIONS:
        problems.append(f"{path}.action: must be one of {', '.join(ACTIONS)}, got {action!r}")
    step["action"] = action
    if action == "send_message":
        channel = raw.get("channel")
        if channel not in MESSAGE_CHANNELS:
            problems.append(f"{path}.channel: must be one of {', '.join(MESSAGE_CHANNELS)}, got {channel!r}")
        step["channel"] = channel
        step["template"] = _text(raw, "template", path, problems)
        attach = raw.get("attach_statement", False)
        if not isinstance(attach, bool):
            problems.append(f"{path}.attach_statement: must be true or false, got {attach!r}")
        step["attach_statement"] = bool(attach)
    elif action == "create_task":
        task = raw.get("task")
        if task not in TASK_KINDS:
            problems.append(f"{path}.task: must be one of {', '.join(TASK_KINDS)}, got {task!r}")
        step["task"] = task
        if raw.get("template"):
            step["template"] = _text(raw, "template", path, problems)
    elif action == "move_stage":
        target = raw.get("stage")
        if target not in stage_keys:
            problems.append(f"{path}.stage: must be one of the stages {', '.join(sorted(stage_keys))}, got {target!r}")
        step["stage"] = target
    elif action == "report_bureau":
        notices = raw.get("notice_steps", [])
        if not isinstance(notices, list) or not all(isinstance(n, str) for n in notices):
            problems.append(f"{path}.notice_steps: must be a list of step keys, got {notices!r}")
            notices = []
        step["notice_steps"] = notices
    elif action == "hold":
        reason = raw.get("reason", "other")
        if reason not in HOLD_REASONS:
            problems.append(f"{path}.reason: must be one of {', '.join(HOLD_REASONS)}, got {reason!r}")
        days = raw.get("days", 30)
        if not _is_int(days) or days < 1:
            problems.append(f"{path}.days: must be a whole number of days >= 1, got {days!r}")
        step["reason"], step["days"] = reason, days
    step["conditions"] = validate_conditions(raw.get("conditions"), f"{path}.conditions", STEP_CONDITIONS, problems)
    return step


def validate_content(doc) -> dict:
    """Validate a strategy document; return it normalized (sorted steps, defaults filled) or raise
    StrategyFormatError listing every problem with its path, e.g. "stages[1].steps[0].offset: 40 is outside ..."."""
    problems: list[str] = []
    if not isinstance(doc, dict):
        raise StrategyFormatError([f"document: must be a mapping with 'name' and 'stages', got {type(doc).__name__}"])
    for name in sorted(set(doc) - {"name", "stages", "version", "strategy", "segment"}):
        problems.append(f"{name}: unknown field; known: name, stages")
    name = doc.get("name")
    if not isinstance(name, str) or not name.strip():
        problems.append("name: required (text)")
        name = ""
    stages_raw = doc.get("stages")
    if not isinstance(stages_raw, list) or not stages_raw:
        raise StrategyFormatError([*problems, "stages: required, a non-empty list of stages"])
    stage_keys = {s.get("key") for s in stages_raw if isinstance(s, dict) and isinstance(s.get("key"), str)}
    stages, step_keys = [], {}
    previous = None
    for i, raw in enumerate(stages_raw):
        path = f"stages[{i}]"
        if not isinstance(raw, dict):
            problems.append(f"{path}: a stage must be a mapping, got {type(raw).__name__}")
            continue
        for extra in sorted(set(raw) - STAGE_FIELDS):
            problems.append(f"{path}.{extra}: unknown field; known: {', '.join(sorted(STAGE_FIELDS))}")
        key = _text(raw, "key", path, problems)
        lo, hi = raw.get("from_days"), raw.get("to_days")
        if not _is_int(lo):
            problems.append(f"{path}.from_days: must be a whole number, got {lo!r}")
        if hi is not None and not _is_int(hi):
            problems.append(f"{path}.to_days: must be a whole number or null (open-ended), got {hi!r}")
        if _is_int(lo) and _is_int(hi) and lo > hi:
            problems.append(f"{path}: from_days {lo} is above to_days {hi}")
        if previous is not None and _is_int(lo):
            if previous.get("to_days") is None:
                problems.append(f"{path}: stage {previous['key']!r} before it is open-ended, so it must be the last")
            elif _is_int(previous.get("to_days")) and lo != previous["to_days"] + 1:
                problems.append(f"{path}.from_days: must be {previous['to_days'] + 1} (the day after stage "
                                f"{previous['key']!r} ends), got {lo}")
        stage = {"key": key, "name": (raw.get("name") or key) if isinstance(raw.get("name") or key, str) else key,
                 "from_days": lo, "to_days": hi, "steps": []}
        steps_raw = raw.get("steps") or []
        if not isinstance(steps_raw, list):
            problems.append(f"{path}.steps: must be a list, got {type(steps_raw).__name__}")
            steps_raw = []
        for j, step_raw in enumerate(steps_raw):
            step_path = f"{path}.steps[{j}]"
            step = _validate_step(step_raw, step_path, stage, stage_keys, problems)
            if step is None:
                continue
            if step["key"] in step_keys:
                problems.append(f"{step_path}.key: {step['key']!r} is already used at {step_keys[step['key']]}")
            elif step["key"]:
                step_keys[step["key"]] = step_path
            stage["steps"].append(step)
        stage["steps"].sort(key=lambda s: (s["offset"] if _is_int(s["offset"]) else 0, s["key"]))
        stages.append(stage)
        previous = stage
    offsets: dict[int, str] = {}
    for stage in stages:
        for step in stage["steps"]:
            if _is_int(step["offset"]) and step["offset"] in offsets:
                problems.append(f"step {step['key']!r}: offset {step['offset']} is also the offset of step "
                                f"{offsets[step['offset']]!r}; one step per day of arrears")
            offsets.setdefault(step["offset"], step["key"])
            for notice in step.get("notice_steps", []):
                if notice not in step_keys:
                    problems.append(f"step {step['key']!r}.notice_steps: unknown step {notice!r}")
    if problems:
        raise StrategyFormatError(problems)
    return {"name": name.strip(), "stages": stages}


def to_yaml(content: dict, header: dict | None = None) -> str:
    doc = {**(header or {}), **copy.deepcopy(content)}
    return yaml.safe_dump(doc, sort_keys=False, allow_unicode=True, width=120)


def from_yaml(text: str) -> dict:
    """Parse and validate a YAML strategy document (safe_load: no Python objects)."""
    try:
        doc = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
        raise StrategyFormatError([f"YAML {where}{getattr(exc, 'problem', None) or exc}"])
    return validate_content(doc)


def all_steps(content: dict) -> list[dict]:
    """Steps of all stages, ordered by offset, each with its stage key."""
    steps = [{**step, "stage": step.get("stage"), "stage_key": stage["key"]}
             for stage in content["stages"] for step in stage["steps"]]
    return sorted(steps, key=lambda s: s["offset"])


def default_content(name: str = "Default") -> dict:
    """The default strategy: preventive -5..0, early 1-30, administrative 31-60, pre-legal 61-90, legal over 90."""
    def msg(key, offset, channel, template, **extra):
        return {"key": key, "offset": offset, "action": "send_message", "channel": channel, "template": template,
                **extra}

    def task(key, offset, kind, **extra):
        return {"key": key, "offset": offset, "action": "create_task", "task": kind, **extra}

    doc = {
        "name": name,
        "stages": [
            {"key": "preventive", "name": "Preventive", "from_days": -5, "to_days": 0,
             "steps": [msg("email-reminder", -5, "email", "reminder")]},
            {"key": "early", "name": "Early", "from_days": 1, "to_days": 30,
             "steps": [msg("sms-overdue", 3, "sms", "overdue_notice"),
                       task("call-10", 10, "call"),
                       msg("whatsapp-20", 20, "whatsapp", "overdue_notice", attach_statement=True)]},
            {"key": "administrative", "name": "Administrative", "from_days": 31, "to_days": 60,
             "steps": [task("letter-45", 45, "letter", template="overdue_notice")]},
            {"key": "pre_legal", "name": "Pre-legal", "from_days": 61, "to_days": 90,
             "steps": [task("prelegal-letter-75", 75, "letter", template="prelegal")]},
            {"key": "legal", "name": "Legal", "from_days": 91, "to_days": None,
             "steps": [{"key": "legal-95", "offset": 95, "action": "mark_legal"}]},
        ],
    }
    return validate_content(doc)
