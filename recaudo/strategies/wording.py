"""What a strategy's codes say to a person, in the active language: actions, stages, hold reasons and the step
conditions that kept a step from running. Stage names are the strategy's own data: the default strategy's English
names (Preventive, Early, ...) are shown translated, a name the user wrote is shown as written."""

from __future__ import annotations

import json
from decimal import Decimal

from babel.numbers import get_currency_symbol
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from recaudo.compliance.wording import channel_label
from recaudo.core.money import UnknownCurrency, active_locale, format_amount, format_number

from .models import Hold

# The default strategy's stages (schema.default_content) by key and by their English name.
DEFAULT_STAGES = {
    "preventive": gettext_noop("Preventive"),
    "early": gettext_noop("Early"),
    "administrative": gettext_noop("Administrative"),
    "pre_legal": gettext_noop("Pre-legal"),
    "legal": gettext_noop("Legal"),
}


def action_label(action: str) -> str:
    """send_message -> "Send a message" (es-CO "Enviar mensaje"); an unknown code as is."""
    return {
        "send_message": _("Send a message"),
        "create_task": _("Create a task"),
        "move_stage": _("Move to a stage"),
        "mark_legal": _("Hand over to legal collection"),
        "report_bureau": _("Report to the credit bureau"),
        "hold": _("Hold collection"),
    }.get(action, action or "")


def stage_label(stage) -> str:
    """A stage (its dict in the strategy content, or its key as a step execution stores it) by its name: the
    default stages translated, the user's own names as written."""
    if isinstance(stage, dict):
        name = str(stage.get("name") or stage.get("key") or "")
        key = str(stage.get("key") or "")
    else:
        name = key = str(stage or "")
    if key in DEFAULT_STAGES and name in (key, DEFAULT_STAGES[key]):
        return _(DEFAULT_STAGES[key])
    if name in DEFAULT_STAGES.values():
        return _(name)
    return name


def hold_reason_label(reason: str) -> str:
    return str(dict(Hold.Reason.choices).get(reason, reason))


def step_target(step: dict) -> str:
    """The channel of a message step or the kind of a task step, by its label (SMS, llamada, carta)."""
    return channel_label(step.get("channel") or step.get("task") or "") if step else ""


def condition_text(problem: str) -> str:
    """A failed step condition as rules.step_conditions_hold says it ("min_amount 100000", "consent for sms",
    "promise_pending true") said for a person: what the step needs."""
    name, _sep, value = (problem or "").strip().partition(" ")
    if name == "min_amount":
        return _("needs a balance of at least %(amount)s") % {"amount": format_number(value)}
    if name == "max_amount":
        return _("needs a balance of at most %(amount)s") % {"amount": format_number(value)}
    if name == "consent" and value.startswith("for "):
        return _("needs consent for %(channel)s") % {"channel": channel_label(value[4:])}
    wanted = value == "true"
    texts = {
        "disputed": (_("only for a disputed debt"), _("only for a debt not in dispute")),
        "promise_pending": (_("only with a pending promise"), _("only without a pending promise")),
        "agreement_active": (_("only with an active agreement"), _("only without an active agreement")),
        "promise_broken": (_("only after a broken promise"), _("only without a broken promise")),
    }
    if name in texts:
        return texts[name][0 if wanted else 1]
    return problem


def _amount(value, currency: str) -> str:
    """An amount of a condition in the portfolio's currency ("$ 5.000.000" in es-CO); not a number: as given."""
    try:
        number = format_amount(Decimal(str(value)), active_locale(), currency or None, digits=0)
        return f"{get_currency_symbol(currency, active_locale())} {number}" if currency else number
    except (ArithmeticError, ValueError, TypeError, UnknownCurrency):
        return str(value)


def step_conditions_text(conditions: dict | None, currency: str = "") -> list[str]:
    """A step's conditions ({"min_amount": 5000000, "consent": True}) in words, in the active language:
    ["saldo ≥ $ 5.000.000", "con autorización para el canal"]; an unknown condition as "name = value"."""
    texts = {
        "disputed": (_("only for a disputed debt"), _("only for a debt not in dispute")),
        "promise_pending": (_("only with a pending promise"), _("only without a pending promise")),
        "agreement_active": (_("only with an active agreement"), _("only without an active agreement")),
        "promise_broken": (_("only after a broken promise"), _("only without a broken promise")),
        "consent": (_("with consent for the channel"), _("consent for the channel not required")),
    }
    # a fixed order (amounts, then the debt's state, then consent): PostgreSQL's JSON reorders a dict's keys
    order = ["min_amount", "max_amount", "disputed", "promise_pending", "agreement_active", "promise_broken",
             "consent"]
    parts = []
    for name, value in sorted((conditions or {}).items(),
                              key=lambda item: (order.index(item[0]) if item[0] in order else len(order), item[0])):
        if name == "min_amount":
            parts.append(_("balance ≥ %(amount)s") % {"amount": _amount(value, currency)})
        elif name == "max_amount":
            parts.append(_("balance ≤ %(amount)s") % {"amount": _amount(value, currency)})
        elif name in texts:
            parts.append(texts[name][0 if value in (True, "true", "True", 1) else 1])
        else:
            parts.append(f"{name} = {value}")
    return parts


VERSION_NOTES = {
    "default strategy": gettext_noop("default strategy"),
    "imported from YAML": gettext_noop("imported from YAML"),
}


def version_note_text(note: str, currency: str = "") -> str:
    """A strategy version's note in the active language: the notes the services write ("default strategy", a step
    edit stored as {"step": key, "changes": {...}}) said in words -- "paso sms-overdue: desfase 5 días · canal
    SMS · plantilla overdue_notice · con autorización para el canal"; any other note as written."""
    note = note or ""
    if note in VERSION_NOTES:
        return _(VERSION_NOTES[note])
    try:
        data = json.loads(note) if note.startswith("{") else None
    except ValueError:
        data = None
    if not isinstance(data, dict) or "step" not in data:
        return note
    parts = []
    order = ["offset", "channel", "task", "template", "conditions"]
    for name, value in sorted((data.get("changes") or {}).items(),
                              key=lambda item: (order.index(item[0]) if item[0] in order else len(order), item[0])):
        if name == "offset":
            parts.append(_("offset %(days)s days") % {"days": value})
        elif name in ("channel", "task"):
            parts.append(_("channel %(channel)s") % {"channel": channel_label(str(value or "")) or "—"})
        elif name == "template":
            parts.append(_("template %(template)s") % {"template": value or "—"})
        elif name == "conditions":
            parts.append(", ".join(step_conditions_text(value if isinstance(value, dict) else {}, currency))
                         or _("no conditions"))
        else:
            parts.append(f"{name} {value}")
    return _("step %(step)s") % {"step": data["step"]} + (": " + " · ".join(parts) if parts else "")
