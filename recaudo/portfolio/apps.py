from django.apps import AppConfig


class PortfolioConfig(AppConfig):
    name = "recaudo.portfolio"
    label = "portfolio"
