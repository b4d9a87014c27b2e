from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "recaudo.accounts"
    label = "accounts"
