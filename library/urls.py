"""Routes of the library: each concern lists its own endpoints in ``<concern>/urls.py``."""

from django.urls import include, path

urlpatterns = [
    path("", include("library.items.urls")),
    path("", include("library.folders.urls")),
    path("", include("library.tags.urls")),
]
