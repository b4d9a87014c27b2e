from django.apps import AppConfig


class WebhooksConfig(AppConfig):
    name = "recaudo.webhooks"
    label = "webhooks"
