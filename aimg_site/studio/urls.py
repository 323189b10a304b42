"""The studio page at ``/`` and its files at ``/static/studio/…`` (both 404 envelopes when it is off)."""

from django.urls import path, re_path

from .views import ASSET_ROUTE, studio_asset, studio_page

urlpatterns = [
    path("", studio_page, name="studio"),
    re_path(ASSET_ROUTE, studio_asset, name="studio-asset"),
]
