from django.apps import AppConfig


class StrategiesConfig(AppConfig):
    name = "recaudo.strategies"
    label = "strategies"
    verbose_name = "Strategies"
