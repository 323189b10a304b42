"""Input of ``POST /auth/{loginProvider}`` (JSON or an HTML form post)."""

from __future__ import annotations

from rest_framework import serializers

from accounts.fields import StrictCharField
from aimg_site.api.fields import BoolParam, CommaListField
from aimg_site.core.scoping import current_domain

from .redirects import REDIRECT_URL_MAX_LENGTH, RedirectNotAllowed, redirect_url_validate

MAX_REF_LIST_ITEMS = 50


class AuthLoginProviderInput(serializers.Serializer):
    redirectURL = StrictCharField(
        max_length=REDIRECT_URL_MAX_LENGTH,
        trim_whitespace=True,
        help_text=(
            "The front-end page that receives the result in its query parameter `b`. It must be on "
            "this site's front end (its host or a subdomain, https) or on a host allowed by "
            "`AIMG_OAUTH_REDIRECT_HOSTS`."
        ),
    )
    refList = CommaListField(
        required=False,
        max_items=MAX_REF_LIST_ITEMS,
        help_text="Browser referrers, comma-separated (a JSON array is accepted too).",
    )
    rs = StrictCharField(
        required=False, allow_blank=True, max_length=200, help_text="Affiliate referrer of the user."
    )
    isAtLeast18Confirmed = BoolParam(required=False, help_text="Whether the user confirmed being 18+.")

    def validate_redirectURL(self, value: str) -> str:
        request = self.context.get("request")
        domain = getattr(request, "domain", None) or current_domain()
        try:
            return redirect_url_validate(value, frontend_url=domain.frontend_url)
        except RedirectNotAllowed as exc:
            raise serializers.ValidationError(str(exc)) from None
