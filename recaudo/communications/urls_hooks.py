"""Provider webhooks, mounted at /hooks/."""

from django.urls import path

from . import hooks

urlpatterns = [
    path("twilio/status", hooks.twilio_status, name="hook_twilio_status"),
    path("twilio/inbound", hooks.twilio_inbound, name="hook_twilio_inbound"),
    path("whatsapp", hooks.whatsapp, name="hook_whatsapp"),
    path("email/bounce", hooks.email_bounce, name="hook_email_bounce"),
]
