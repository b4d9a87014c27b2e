from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .models import CHANNELS, Message
from .rendering import RenderError, template_validate


class OutboxFilterForm(forms.Form):
    status = forms.ChoiceField(required=False, choices=[("", _("All statuses")), *Message.Status.choices])
    channel = forms.ChoiceField(required=False, choices=[("", _("All channels")), *CHANNELS])


class TemplateForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200, required=False)
    subject = forms.CharField(label=_("Subject"), max_length=300, required=False)
    body = forms.CharField(label=_("Body"), widget=forms.Textarea(attrs={"rows": 14, "spellcheck": "false"}))
    whatsapp_template_name = forms.CharField(label=_("WhatsApp template name"), max_length=120, required=False)
    whatsapp_params = forms.CharField(label=_("WhatsApp parameters"), required=False,
                                      help_text=_("one variable per line, e.g. debtor.name"),
                                      widget=forms.Textarea(attrs={"rows": 3}))
    active = forms.BooleanField(label=_("Active"), required=False, initial=True)
    debtor_code = forms.CharField(label=_("Preview with debtor (code)"), max_length=64, required=False)

    def __init__(self, *args, portfolio, channel, language, **kwargs):
        super().__init__(*args, **kwargs)
        self.portfolio, self.channel, self.language = portfolio, channel, language
        self.warnings: list[str] = []

    def clean_whatsapp_params(self):
        return [line.strip() for line in self.cleaned_data["whatsapp_params"].splitlines() if line.strip()]

    def clean(self):
        data = super().clean()
        if "body" not in data:
            return data
        try:
            self.warnings = template_validate(subject=data.get("subject", ""), body=data["body"],
                                              channel=self.channel, language=self.language,
                                              portfolio=self.portfolio, now=timezone.now(),
                                              whatsapp_params=data.get("whatsapp_params"))
        except RenderError as exc:
            raise forms.ValidationError(_("The template does not render: %(error)s"), params={"error": str(exc)})
        return data


class RevisionDecisionForm(forms.Form):
    decision = forms.ChoiceField(choices=[("approve", _("Approve")), ("reject", _("Reject"))])
    reason = forms.CharField(label=_("Reason"), max_length=500, required=False)
