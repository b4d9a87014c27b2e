from django.apps import AppConfig


class AgentsConfig(AppConfig):
    name = "recaudo.agents"
    label = "agents"
    verbose_name = "Agents"
