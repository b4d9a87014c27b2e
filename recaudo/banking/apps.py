from django.apps import AppConfig


class BankingConfig(AppConfig):
    name = "recaudo.banking"
    label = "banking"
