"""Routes of OAuth sign-in.

``POST /auth/{loginProvider}`` starts a login; the provider sends the browser
back to allauth's callback view of that provider, at the path allauth uses
(``/accounts/<provider>/login/callback/``, named ``<provider>_callback``), with
allauth's adapter of that provider made to build the ``redirect_uri`` from the
domain, not the Host (``providers.oauth_adapter_class``). Only the callbacks are
served: allauth's own HTML pages (sign-up, login, password reset, its
``/accounts/<provider>/login/`` starter) are not part of this API. Each callback
is guarded (``callbacks``): whatever fails inside it, the browser goes
back to the front end with an error envelope.
"""

from allauth.socialaccount.providers.oauth2.views import OAuth2CallbackView
from django.urls import path

from aimg_site.api.views import endpoint

from .api import AuthLoginProviderApi
from .callbacks import oauth_callback_view
from .providers import SUPPORTED_PROVIDERS, oauth_adapter_class

urlpatterns = [
    endpoint(AuthLoginProviderApi),
    *(
        path(
            f"accounts/{provider}/login/callback/",
            oauth_callback_view(provider, OAuth2CallbackView.adapter_view(oauth_adapter_class(provider))),
            name=f"{provider}_callback",
        )
        for provider in SUPPORTED_PROVIDERS
    ),
]
