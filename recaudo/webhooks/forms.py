from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import MAX_URL
from .rules import EVENTS


class SubscriptionForm(forms.Form):
    url = forms.CharField(label=_("URL"), max_length=MAX_URL,
                          help_text=_("https:// address of your system that receives the events (POST, JSON)"))
    description = forms.CharField(label=_("Description"), max_length=200, required=False)
    events = forms.MultipleChoiceField(label=_("Events"), choices=list(EVENTS.items()),
                                       widget=forms.CheckboxSelectMultiple)
    active = forms.BooleanField(label=_("Active"), required=False, initial=True)

    def __init__(self, *args, subscription=None, **kwargs):
        super().__init__(*args, **kwargs)
        if subscription is not None:
            self.fields["url"].initial = subscription.url
            self.fields["description"].initial = subscription.description
            self.fields["events"].initial = subscription.events
            self.fields["active"].initial = subscription.active
