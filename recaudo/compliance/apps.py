from django.apps import AppConfig


class ComplianceConfig(AppConfig):
    name = "recaudo.compliance"
    label = "compliance"
    verbose_name = "Compliance"
