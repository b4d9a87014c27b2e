from django.apps import AppConfig


class ConnectorsConfig(AppConfig):
    name = "recaudo.connectors"
    label = "connectors"
