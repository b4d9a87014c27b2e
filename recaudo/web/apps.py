from django.apps import AppConfig


class WebConfig(AppConfig):
    """The web layer shared by every page: the base template (header, navigation, language switch), the
    `recaudo` template tags and filters (money, dates, the portfolio menu), the context processor and the app
    shell's CSS and JavaScript. On top of the domain apps: nothing below imports it."""

    name = "recaudo.web"
    label = "web"
    verbose_name = "Web"
