from django import forms
from django.utils.translation import gettext_lazy as _

from .schema import HOLD_REASONS, MESSAGE_CHANNELS, TASK_KINDS


class StepForm(forms.Form):
    offset = forms.IntegerField(label=_("Offset (days past due; negative = before the due date)"))
    channel = forms.ChoiceField(label=_("Channel"), required=False, choices=[("", "-")] + [(c, c) for c in
                                                                                         MESSAGE_CHANNELS])
    task = forms.ChoiceField(label=_("Task"), required=False, choices=[("", "-")] + [(t, t) for t in TASK_KINDS])
    template = forms.CharField(label=_("Template"), required=False, max_length=100)
    min_amount = forms.DecimalField(label=_("Minimum amount"), required=False, min_value=0)
    consent = forms.BooleanField(label=_("Only with channel consent"), required=False)

    def __init__(self, *args, step: dict, **kwargs):
        self.step = step
        conditions = step.get("conditions") or {}
        initial = {"offset": step["offset"], "channel": step.get("channel", ""), "task": step.get("task", ""),
                   "template": step.get("template", ""), "min_amount": conditions.get("min_amount"),
                   "consent": bool(conditions.get("consent"))}
        super().__init__(*args, initial=initial, **kwargs)
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
    reason = forms.ChoiceField(label=_("Reason"), choices=[(r, r) for r in HOLD_REASONS])
    until = forms.DateField(label=_("Until (inclusive)"), required=False,
                            widget=forms.DateInput(attrs={"type": "date"}))
    notes = forms.CharField(label=_("Notes"), required=False, max_length=500)
