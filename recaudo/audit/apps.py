from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "recaudo.audit"
    label = "audit"
