"""The login providers we offer, and how their accounts are keyed per domain.

allauth's ``SocialAccount`` is unique on ``(provider, uid)`` across the whole
database, while our users belong to one domain. Each domain therefore gets its
own allauth "sub-provider": the app's ``provider_id`` (and so every
``SocialAccount.provider``) is ``"<provider>:<domain>"``, e.g.
``"github:sexy.ai"``. The same GitHub identity can then own one user per site,
and a lookup on one site never finds another site's account.
"""

from __future__ import annotations

from functools import cache

from allauth.socialaccount.providers.oauth2.views import OAuth2Adapter
from django.urls import reverse
from django.utils.module_loading import import_string

from aimg_site.core.scoping import current_domain
from aimg_site.core.selectors import domain_api_base_url

#: URL name of the provider (``/auth/<name>``, allauth's provider id) → the reference's ``providerId``.
PROVIDER_LABELS: dict[str, str] = {"google": "Google", "discord": "Discord", "github": "GitHub"}
SUPPORTED_PROVIDERS: tuple[str, ...] = tuple(PROVIDER_LABELS)
#: allauth's OAuth 2.0 adapter of each provider (it builds the callback URL, exchanges the code).
_ALLAUTH_ADAPTERS = {
    "google": "allauth.socialaccount.providers.google.views.GoogleOAuth2Adapter",
    "discord": "allauth.socialaccount.providers.discord.views.DiscordOAuth2Adapter",
    "github": "allauth.socialaccount.providers.github.views.GitHubOAuth2Adapter",
}

_SEPARATOR = ":"


def provider_key(provider: str, domain_name: str) -> str:
    """The ``SocialAccount.provider`` value of ``provider`` on ``domain_name``."""
    return f"{provider}{_SEPARATOR}{domain_name}"


def provider_key_split(key: str) -> tuple[str, str | None]:
    """``"github:sexy.ai"`` → ``("github", "sexy.ai")``; a plain id → ``(id, None)``."""
    provider, separator, domain_name = key.partition(_SEPARATOR)
    return provider, (domain_name if separator else None)


def provider_label(provider: str) -> str:
    """The reference's ``providerId`` (``"GitHub"``) for an allauth provider id or key."""
    base, _domain = provider_key_split(provider)
    return PROVIDER_LABELS.get(base, base)


def oauth_callback_url(provider: str) -> str:
    """The ``redirect_uri`` of ``provider`` on the bound domain: its API origin and allauth's callback path.

    Built from ``aimg_site.core.selectors.domain_api_base_url``, never from
    the request's Host, which a client (or a permissive proxy) chooses.
    """
    return domain_api_base_url(current_domain()) + reverse(f"{provider}_callback")


@cache
def oauth_adapter_class(provider: str) -> type[OAuth2Adapter]:
    """allauth's OAuth 2.0 adapter of ``provider``, with ``oauth_callback_url`` as its callback URL.

    Used for both halves of a login (the redirect to the provider and the
    code exchange in the callback), which must send the same ``redirect_uri``.
    """
    base: type[OAuth2Adapter] = import_string(_ALLAUTH_ADAPTERS[provider])

    def get_callback_url(self, request, app) -> str:
        return oauth_callback_url(self.provider_id)

    return type(base.__name__, (base,), {"get_callback_url": get_callback_url, "__module__": __name__})
