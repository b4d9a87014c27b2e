from django import forms
from django.utils.translation import gettext_lazy as _

from .models import ANSWER_MAX_CHARS, REASON_MAX_CHARS, TEXT_MAX_CHARS, HabeasRequest


class AnonymizeForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=500,
                             help_text=_("e.g. the debtor's deletion request received on 2026-12-01 (Ley 1581 de "
                                         "2012, art. 8 e)"),
                             widget=forms.Textarea(attrs={"rows": 3}))
    confirm = forms.BooleanField(label=_("I understand that the name, ID and contact data are removed for good"),
                                 required=True)
    force = forms.BooleanField(
        label=_("Force it although the debtor owes money or has an open agreement or promise"), required=False)


class HabeasFileForm(forms.Form):
    """A consultation or claim received by the office (phone, e-mail, in person)."""

    kind = forms.ChoiceField(label=_("Kind"), choices=HabeasRequest.Kind.choices)
    channel = forms.ChoiceField(label=_("Received by"), choices=[
        c for c in HabeasRequest.Channel.choices if c[0] != HabeasRequest.Channel.PORTAL])
    obligation = forms.ChoiceField(label=_("Obligation"), required=False)
    text = forms.CharField(label=_("Request"), max_length=TEXT_MAX_CHARS, widget=forms.Textarea(attrs={"rows": 5}),
                           help_text=_("What the debtor asks or claims, in their words."))
    attachment = forms.FileField(label=_("Attachment (PDF, JPG or PNG)"), required=False)

    def __init__(self, *args, obligations=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["obligation"].choices = [("", _("The debtor's data in general"))] + [
            (str(o.pk), o.number) for o in obligations]


class HabeasExtendForm(forms.Form):
    reason = forms.CharField(label=_("Reason for the extension"), max_length=REASON_MAX_CHARS,
                             widget=forms.Textarea(attrs={"rows": 3}),
                             help_text=_("The debtor receives it with the new date."))


class HabeasAnswerForm(forms.Form):
    answer = forms.CharField(label=_("Answer"), max_length=ANSWER_MAX_CHARS, widget=forms.Textarea(attrs={"rows": 8}),
                             help_text=_("It reaches the debtor by e-mail or SMS with consent."))


class HabeasCompletionForm(forms.Form):
    missing = forms.CharField(label=_("What the claim is missing"), max_length=REASON_MAX_CHARS,
                              widget=forms.Textarea(attrs={"rows": 3}))


class HabeasCloseForm(forms.Form):
    reason = forms.ChoiceField(label=_("Why it is closed"), choices=HabeasRequest.CloseReason.choices)


class HabeasQueueFilter(forms.Form):
    status = forms.ChoiceField(label=_("Status"), required=False, choices=[
        ("pending", _("Pending (open or incomplete)")), ("overdue", _("Overdue")), ("open", _("Open")),
        ("incomplete", _("Incomplete")), ("answered", _("Answered")), ("closed", _("Closed")), ("all", _("All"))])
    kind = forms.ChoiceField(label=_("Kind"), required=False,
                             choices=[("", _("All"))] + list(HabeasRequest.Kind.choices))
    q = forms.CharField(label=_("Debtor"), required=False, max_length=100)
