"""Routes of OAuth sign-in (``POST /auth/{loginProvider}``); allauth's callbacks live under ``/accounts/``."""

from aimg_site.api.views import endpoint

from .oauth.api import AuthLoginProviderApi

urlpatterns = [endpoint(AuthLoginProviderApi)]
