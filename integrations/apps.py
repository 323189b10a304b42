from django.apps import AppConfig


class IntegrationsConfig(AppConfig):
    """Outside services: Civitai post intents and Scenario uploads, a folder each."""

    name = "integrations"
    verbose_name = "Integrations"
