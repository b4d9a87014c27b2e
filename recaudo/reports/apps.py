from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "recaudo.reports"
    label = "reports"
