from django.apps import AppConfig


class CoreConfig(AppConfig):
    """Platform tables every app relies on: domains and the admin audit log."""

    name = "aimg_site.core"
    label = "core"
    verbose_name = "Platform"
