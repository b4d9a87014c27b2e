from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "recaudo.core"
    label = "core"
    verbose_name = "Recaudo"
