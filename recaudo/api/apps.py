from django.apps import AppConfig


class ApiConfig(AppConfig):
    """The REST API (`/api/v1/`, issue 18): tokens per user or per integration, scoped to portfolios and to read or
    write, and endpoints that each make one domain call over the services and selectors the pages use
    (docs/api.md). On top of the domain apps, like web and portal."""

    name = "recaudo.api"
    label = "api"
    verbose_name = "API"
