from django.apps import AppConfig


class StudioConfig(AppConfig):
    """A template and static files: no models, no endpoint of its own (it calls the public API)."""

    name = "aimg_site.studio"
    label = "studio"
    verbose_name = "Studio page"
