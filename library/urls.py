"""Routes of the item endpoints (see aimg_site.api.views.endpoint) and of locally stored media."""

from django.urls import path

from .media import media_serve

urlpatterns: list = [
    path("media/<path:name>", media_serve, name="library-media"),
]
