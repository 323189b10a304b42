from django.apps import AppConfig


class IntegrationsConfig(AppConfig):
    """Outside services: Civitai and Scenario, a folder each (a later issue)."""

    name = "integrations"
    verbose_name = "Integrations"
