"""Reads of OAuth sign-in: which providers a user has signed in with."""

from __future__ import annotations

from allauth.socialaccount.models import SocialAccount

from accounts.models import User

from .providers import provider_label


def oauth_login_providers(*, user: User) -> list[dict]:
    """The user's OAuth ``LoginProvider`` objects (reference: "Annex: Common Types"), oldest link first:
    ``{"providerType": "oauth", "providerId": "GitHub", "userId": "<the provider's id>"}``.

    allauth's ``SocialAccount`` rows are the record; their ``provider`` is
    ``"<provider>:<domain>"`` (see ``providers.py``), shown here by the
    reference's name.
    """
    accounts = SocialAccount.objects.filter(user=user).order_by("date_joined", "pk")
    return [
        {"providerType": "oauth", "providerId": provider_label(provider), "userId": uid}
        for provider, uid in accounts.values_list("provider", "uid")
    ]
