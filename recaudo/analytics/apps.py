from django.apps import AppConfig


class AnalyticsConfig(AppConfig):
    name = "recaudo.analytics"
    label = "analytics"
    verbose_name = "Analytics"
