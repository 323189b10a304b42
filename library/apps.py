from django.apps import AppConfig


class LibraryConfig(AppConfig):
    """Items, folders, tags, likes, views and the public approval workflow."""

    name = "library"
    verbose_name = "Library"
