from django.apps import AppConfig


class PrivacyConfig(AppConfig):
    """Habeas data: export of what is held about a debtor, anonymization, retention, masking for viewers."""

    name = "recaudo.privacy"
    label = "privacy"
