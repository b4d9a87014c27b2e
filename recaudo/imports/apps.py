from django.apps import AppConfig


class ImportsConfig(AppConfig):
    name = "recaudo.imports"
    label = "imports"
