from django.apps import AppConfig


class ModerationConfig(AppConfig):
    """Reports, report queues and the moderators' console (a later issue)."""

    name = "moderation"
    verbose_name = "Moderation"
