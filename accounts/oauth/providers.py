"""The login providers we offer, and how their accounts are keyed per domain.

allauth's ``SocialAccount`` is unique on ``(provider, uid)`` across the whole
database, while our users belong to one domain. Each domain therefore gets its
own allauth "sub-provider": the app's ``provider_id`` (and so every
``SocialAccount.provider``) is ``"<provider>:<domain>"``, e.g.
``"github:sexy.ai"``. The same GitHub identity can then own one user per site,
and a lookup on one site never finds another site's account.
"""

from __future__ import annotations

#: URL name of the provider (``/auth/<name>``, allauth's provider id) → the reference's ``providerId``.
PROVIDER_LABELS: dict[str, str] = {"google": "Google", "discord": "Discord", "github": "GitHub"}
SUPPORTED_PROVIDERS: tuple[str, ...] = tuple(PROVIDER_LABELS)

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
