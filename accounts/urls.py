"""Routes of the accounts app: each concern lists its own endpoints in ``<concern>/urls.py``."""

from django.urls import include, path

urlpatterns = [
    path("", include("accounts.signin.urls")),
    path("", include("accounts.users.urls")),
    path("", include("accounts.kvp.urls")),
    path("", include("accounts.oauth.urls")),
]
