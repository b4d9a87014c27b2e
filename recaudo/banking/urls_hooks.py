"""The payment gateways' notifications, mounted at /hooks/gateways/."""

from django.urls import path

from . import hooks

urlpatterns = [
    path("<str:provider>/<slug:slug>/", hooks.gateway_notification, name="hook_gateway"),
]
