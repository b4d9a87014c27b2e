from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from recaudo.compliance.wording import channel_label
from recaudo.core.forms import AmountField, DateInput

from .models import Hold
from .schema import HOLD_REASONS, MESSAGE_CHANNELS, SEGMENT_CONDITIONS, TASK_KINDS


def _decimal(value):
    """A stored amount condition ("50000", 50000.5) as a Decimal, so the amount field shows it the local way."""
    try:
        return Decimal(str(value)) if value not in (None, "") else None
    except ArithmeticError:
        return value


class StepForm(forms.Form):
    offset = forms.IntegerField(label=_("Offset (days past due; negative = before the due date)"))
    channel = forms.ChoiceField(label=_("Channel"), required=False, choices=[("", "-")] + [(c, c) for c in
                                                                                         MESSAGE_CHANNELS])
    task = forms.ChoiceField(label=_("Task"), required=False, choices=[("", "-")] + [(t, t) for t in TASK_KINDS])
    template = forms.CharField(label=_("Template"), required=False, max_length=100)
    min_amount = AmountField(label=_("Minimum amount"), required=False)
    consent = forms.BooleanField(label=_("Only with channel consent"), required=False)

    def __init__(self, *args, step: dict, **kwargs):
        self.step = step
        conditions = step.get("conditions") or {}
        initial = {"offset": step["offset"], "channel": step.get("channel", ""), "task": step.get("task", ""),
                   "template": step.get("template", ""), "min_amount": _decimal(conditions.get("min_amount")),
                   "consent": bool(conditions.get("consent"))}
        super().__init__(*args, initial=initial, **kwargs)
        self.fields["channel"].choices = [("", "-")] + [(c, channel_label(c)) for c in MESSAGE_CHANNELS]
        self.fields["task"].choices = [("", "-")] + [(t, channel_label(t)) for t in TASK_KINDS]
        if step["action"] != "send_message":
            del self.fields["channel"]
        if step["action"] != "create_task":
            del self.fields["task"]
        if step["action"] not in ("send_message", "create_task"):
            del self.fields["template"]
            del self.fields["consent"]

    def changes(self) -> dict:
        data = self.cleaned_data
        changes: dict = {"offset": data["offset"]}
        for name in ("channel", "task", "template"):
            if name in self.fields:
                changes[name] = data[name]
        conditions = dict(self.step.get("conditions") or {})
        conditions.pop("min_amount", None)
        if data.get("min_amount") is not None:
            conditions["min_amount"] = str(data["min_amount"])
        if "consent" in self.fields:
            conditions.pop("consent", None)
            if data["consent"]:
                conditions["consent"] = True
        changes["conditions"] = conditions
        return {k: v for k, v in changes.items() if v != self.step.get(k, "" if k != "conditions" else {})}


class ImportForm(forms.Form):
    file = forms.FileField(label=_("YAML file"))


class HoldForm(forms.Form):
    debtor_code = forms.CharField(label=_("Customer code"), max_length=64)
    obligation_number = forms.CharField(label=_("Obligation number (empty: the whole debtor)"), required=False,
                                        max_length=64)
    reason = forms.ChoiceField(label=_("Reason"), choices=[(r, dict(Hold.Reason.choices).get(r, r))
                                                           for r in HOLD_REASONS])
    until = forms.DateField(label=_("Until (inclusive)"), required=False,
                            widget=DateInput())
    notes = forms.CharField(label=_("Notes"), required=False, max_length=500)


RANGES = (("balance_min", "balance_max"), ("days_min", "days_max"), ("seniority_days_min", "seniority_days_max"),
          ("open_count_min", "open_count_max"), ("risk_min", "risk_max"))
EMPTY = [("", _("any"))]


def _tags(text: str) -> list[str]:
    return sorted({t.strip().lower() for t in (text or "").replace(";", ",").split(",") if t.strip()})


class SegmentForm(forms.Form):
    """A segment's name, order, weight and conditions (every condition optional: empty = any)."""

    name = forms.CharField(label=_("Name"), max_length=100)
    order = forms.IntegerField(label=_("Order (the first matching segment wins)"), initial=10)
    weight = forms.DecimalField(label=_("Priority weight"), max_digits=6, decimal_places=2, min_value=Decimal("0.01"),
                                initial=1, help_text=_("multiplies the expected recovery; 1 = neutral"))
    balance_min = AmountField(label=_("Balance from"), required=False,
                              help_text=_("collectable balance, in currency units"))
    balance_max = AmountField(label=_("Balance up to"), required=False)
    days_min = forms.IntegerField(label=_("Days past due from"), required=False,
                                  help_text=_("negative = before the due date"))
    days_max = forms.IntegerField(label=_("Days past due up to"), required=False)
    kind = forms.ChoiceField(label=_("Debtor type"), required=False,
                             choices=EMPTY + [("person", _("Person")), ("company", _("Company"))])
    seniority_days_min = forms.IntegerField(label=_("Customer for at least (days)"), required=False, min_value=0)
    seniority_days_max = forms.IntegerField(label=_("Customer for at most (days)"), required=False, min_value=0)
    tags_any = forms.CharField(label=_("Any of the tags"), required=False, max_length=500,
                               help_text=_("comma-separated"))
    tags_all = forms.CharField(label=_("All of the tags"), required=False, max_length=500,
                               help_text=_("comma-separated"))
    open_count_min = forms.IntegerField(label=_("Open obligations from"), required=False, min_value=0)
    open_count_max = forms.IntegerField(label=_("Open obligations up to"), required=False, min_value=0)
    promise = forms.ChoiceField(label=_("Payment promise"), required=False,
                                choices=EMPTY + [("pending", _("pending")), ("none", _("none"))],
                                help_text=_("from active promise holds"))
    agreement = forms.ChoiceField(label=_("Payment agreement"), required=False,
                                  choices=EMPTY + [("active", _("active")), ("none", _("none"))],
                                  help_text=_("from active agreement holds"))
    promise_broken = forms.TypedChoiceField(
        label=_("Broken promise"), required=False, empty_value=None,
        coerce=lambda v: {"true": True, "false": False}.get(v),
        choices=EMPTY + [("true", _("broken in the last 30 days")), ("false", _("none broken"))])
    risk_min = forms.IntegerField(label=_("Risk score from"), required=False)
    risk_max = forms.IntegerField(label=_("Risk score up to"), required=False)

    def __init__(self, *args, segment=None, **kwargs):
        if segment is not None and "initial" not in kwargs:
            c = segment.conditions or {}
            initial = {"name": segment.name, "order": segment.order, "weight": segment.weight}
            for name in SEGMENT_FIELDS:
                if name in c:
                    value = c[name]
                    if name in ("tags_any", "tags_all"):
                        value = ", ".join(value)
                    elif isinstance(value, bool):
                        value = "true" if value else "false"
                    elif name in ("balance_min", "balance_max"):
                        value = _decimal(value)
                    initial[name] = value
            kwargs["initial"] = initial
        super().__init__(*args, **kwargs)
        for name in set(self.fields) - {"name", "order", "weight"} - set(SEGMENT_CONDITIONS):
            del self.fields[name]  # a condition the rules do not know (yet)

    def clean_name(self):
        name = self.cleaned_data["name"].strip()
        if not name:
            raise forms.ValidationError(_("A name is required."))
        return name

    def clean(self):
        data = super().clean()
        for low, high in RANGES:
            lo, hi = data.get(low), data.get(high)
            if lo is not None and hi is not None and lo > hi:
                self.add_error(high, _("Must be at least %(low)s (the “%(field)s” value).")
                               % {"low": self.fields[low].prepare_value(lo),  # as typed: 1.000.000,5
                                  "field": self.fields[low].label})
        for name in ("tags_any", "tags_all"):
            for tag in _tags(data.get(name, "")):
                if "|" in tag or len(tag) > 50:
                    self.add_error(name, _("“%(tag)s” is not a valid tag (at most 50 characters, no “|”).")
                                   % {"tag": tag})
        return data

    def conditions(self) -> dict:
        data, result = self.cleaned_data, {}
        for name in SEGMENT_FIELDS:
            if name not in self.fields:
                continue
            value = data.get(name)
            if name in ("tags_any", "tags_all"):
                value = _tags(value or "")
            if value is None or value == "" or value == []:
                continue
            result[name] = format(value.normalize(), "f") if isinstance(value, Decimal) else value
        return result


SEGMENT_FIELDS = ("balance_min", "balance_max", "days_min", "days_max", "kind", "seniority_days_min",
                  "seniority_days_max", "tags_any", "tags_all", "open_count_min", "open_count_max", "promise",
                  "agreement", "promise_broken", "risk_min", "risk_max")
