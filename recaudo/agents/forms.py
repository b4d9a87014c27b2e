from datetime import datetime

from django import forms
from django.utils.translation import gettext_lazy as _

from recaudo.core.forms import AmountField, DateInput

from .models import Disposition, Interaction


class OutcomeForm(forms.Form):
    direction = forms.ChoiceField(label=_("Who started the contact"), choices=Interaction.Direction.choices,
                                  initial=Interaction.Direction.OUTBOUND, widget=forms.RadioSelect, required=False)
    channel = forms.ChoiceField(label=_("Contact by"), choices=Interaction.Channel.choices,
                                initial=Interaction.Channel.CALL, required=False)
    disposition = forms.ChoiceField(label=_("Outcome"))
    contact = forms.ChoiceField(label=_("Number called"), required=False)
    notes = forms.CharField(label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    promise_amount = AmountField(label=_("Amount promised"), required=False)
    promise_due = forms.DateField(label=_("Promised payment date"), required=False,
                                  widget=DateInput())
    obligation = forms.ChoiceField(label=_("Obligation"), required=False)
    callback_day = forms.DateField(label=_("Callback day"), required=False,
                                   widget=DateInput())
    callback_at = forms.CharField(label=_("Callback time"), required=False)

    def __init__(self, *args, dispositions, language="es", contacts=(), obligations=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.dispositions = {d.code: d for d in dispositions}
        self.fields["disposition"].choices = [("", "—")] + [(d.code, d.label(language)) for d in dispositions]
        self.fields["contact"].choices = [("", "—")] + [(str(c.pk), c.value) for c in contacts]
        self.fields["obligation"].choices = [("", _("Oldest open obligation"))] + [
            (str(o.pk), o.number) for o in obligations]

    def clean_callback_at(self):
        value = (self.cleaned_data.get("callback_at") or "").strip()
        if not value:
            return None
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            raise forms.ValidationError(_("Choose one of the allowed times."))
        if parsed.tzinfo is None:
            raise forms.ValidationError(_("Choose one of the allowed times."))
        return parsed

    def clean(self):
        data = super().clean()
        disposition: Disposition | None = self.dispositions.get(data.get("disposition") or "")
        data["disposition_obj"] = disposition
        data["direction"] = data.get("direction") or Interaction.Direction.OUTBOUND  # not given: the agent called
        data["channel"] = data.get("channel") or Interaction.Channel.CALL
        if disposition is not None and disposition.creates_promise:
            if not data.get("promise_amount"):
                self.add_error("promise_amount", _("A promise needs the amount."))
            if not data.get("promise_due"):
                self.add_error("promise_due", _("A promise needs the payment date."))
        if disposition is not None and disposition.requires_callback and not data.get("callback_at"):
            self.add_error("callback_at", _("Choose a callback time."))
        return data


class AssignForm(forms.Form):
    agent = forms.ChoiceField(label=_("Agent"))
    debtor_codes = forms.CharField(label=_("Debtor codes"), required=False,
                                   widget=forms.Textarea(attrs={"rows": 3, "placeholder": "C001, C002"}))
    segment = forms.ChoiceField(label=_("or a whole segment"), required=False)

    def __init__(self, *args, agents, segments, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["agent"].choices = [("", "—"), ("-", _("(unassign)"))] + [
            (str(a.pk), a.get_full_name() or a.get_username()) for a in agents]
        self.fields["segment"].choices = [("", "—")] + [(str(s.pk), s.name) for s in segments]

    def clean(self):
        data = super().clean()
        codes = [c.strip() for c in (data.get("debtor_codes") or "").replace("\n", ",").split(",") if c.strip()]
        data["codes"] = codes
        if not codes and not data.get("segment"):
            raise forms.ValidationError(_("Give debtor codes or choose a segment."))
        return data


TARGET_MAX = 1_000_000  # a count a team could reach; beyond it the database refused it with an error page


class TargetForm(forms.Form):
    PERIODS = [("day", _("For the day")), ("month", _("For the whole month of that date"))]

    agent = forms.ChoiceField(label=_("Agent"))
    period = forms.ChoiceField(label=_("Period"), choices=PERIODS, initial="day", required=False)
    date = forms.DateField(label=_("Date"), widget=DateInput())
    contacts = forms.IntegerField(label=_("Contacts"), min_value=0, max_value=TARGET_MAX, initial=0)
    promises = forms.IntegerField(label=_("Promises"), min_value=0, max_value=TARGET_MAX, initial=0)
    agreements = forms.IntegerField(label=_("Payment agreements (monthly target)"), min_value=0,
                                    max_value=TARGET_MAX, initial=0, required=False)
    amount = AmountField(label=_("Amount promised"), initial=0)

    def __init__(self, *args, agents, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["agent"].choices = [(str(a.pk), a.get_full_name() or a.get_username()) for a in agents]

    def clean(self):
        data = super().clean()
        data["period"] = data.get("period") or "day"
        return data


class CommissionForm(forms.Form):
    commission_percent = forms.DecimalField(label=_("Commission (% of collections)"), min_value=0, max_value=100,
                                            decimal_places=2, max_digits=5)
    attribution_days = forms.IntegerField(label=_("Attribution window (days)"), min_value=0, max_value=365)
    allow_unassigned = forms.BooleanField(label=_("Agents may take unassigned debtors"), required=False)


class ScriptForm(forms.Form):
    segment = forms.ChoiceField(label=_("Segment"), required=False)
    language = forms.ChoiceField(label=_("Language"), choices=[("es", "Español"), ("en", "English")])
    body = forms.CharField(label=_("Script"), widget=forms.Textarea(attrs={"rows": 8}))

    def __init__(self, *args, segments, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["segment"].choices = [("", _("Default (every segment)"))] + [(str(s.pk), s.name) for s in segments]


class BulkForm(forms.Form):
    """The confirmation step of a bulk action of the debtor list: the action's own inputs; which debtors it
    touches travels in hidden inputs (the selection, or the list's filter)."""

    ACTION_LABELS = {"assign": _("Assign to an agent"), "tag": _("Add or remove tags"),
                     "hold": _("Put on hold"), "template": _("Send a message template")}

    action = forms.ChoiceField(label=_("Action"))
    token = forms.CharField(required=False, max_length=64, widget=forms.HiddenInput)
    expected = forms.IntegerField(required=False, min_value=0, widget=forms.HiddenInput)
    agent = forms.ChoiceField(label=_("Agent"), required=False)
    add_tags = forms.CharField(label=_("Tags to add"), required=False, max_length=500,
                               help_text=_("Separated by commas."))
    remove_tags = forms.CharField(label=_("Tags to remove"), required=False, max_length=500)
    hold_reason = forms.ChoiceField(label=_("Reason"), required=False)
    hold_until = forms.DateField(label=_("Last day of the hold"), required=False,
                                 widget=DateInput())
    hold_notes = forms.CharField(label=_("Notes"), required=False, max_length=500)
    template = forms.ChoiceField(label=_("Template"), required=False)

    def __init__(self, *args, agents, templates, hold_reasons, **kwargs):
        super().__init__(*args, **kwargs)
        # Every action is offered here: which one the user may take is the service's to say (a 403 otherwise).
        self.fields["action"].choices = list(self.ACTION_LABELS.items())
        self.fields["agent"].choices = [("", "—"), ("-", _("(unassign)"))] + [
            (str(a.pk), a.get_full_name() or a.get_username()) for a in agents]
        self.fields["hold_reason"].choices = [("", "—")] + list(hold_reasons)
        self.fields["template"].choices = [("", "—")] + list(templates)
        for name in ("add_tags", "remove_tags", "hold_notes"):
            self.fields[name].widget.attrs["autocomplete"] = "off"

    def tags(self, name: str) -> list[str]:
        return [t for t in (self.cleaned_data.get(name) or "").replace(";", ",").split(",") if t.strip()]
