from django.apps import AppConfig


class GenerationConfig(AppConfig):
    """Models, generation jobs on Celery, and the local and ComfyUI back ends (a later issue)."""

    name = "generation"
    verbose_name = "Generation"
