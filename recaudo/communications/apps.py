from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from .logs import install


class CommunicationsConfig(AppConfig):
    name = "recaudo.communications"
    label = "communications"
    verbose_name = _("Communications")

    def ready(self):
        install()  # the WhatsApp verify token never reaches the access log
