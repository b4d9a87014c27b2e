from django.apps import AppConfig


class LedgerConfig(AppConfig):
    name = "recaudo.ledger"
    label = "ledger"
