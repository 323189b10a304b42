"""Routes of the integrations: each concern lists its own endpoints in ``<concern>/urls.py``."""

from django.urls import include, path

urlpatterns = [
    path("", include("integrations.civitai.urls")),
    path("", include("integrations.scenario.urls")),
]
