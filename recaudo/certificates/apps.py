from django.apps import AppConfig


class CertificatesConfig(AppConfig):
    name = "recaudo.certificates"
    label = "certificates"
