"""allauth's social-account adapter for our users, sessions and domains.

allauth (``SOCIALACCOUNT_ADAPTER``) calls these hooks during its own flow:

- ``list_apps``: the OAuth client of each provider for the request's domain,
  keyed per domain (``providers.py``); a provider without a client id is
  not offered.
- ``pre_social_login``: called in the provider callback once allauth has
  exchanged the code and fetched the profile. We finish the login here
  (``services.oauth_login_complete``) and answer with a 302 to the front
  end's ``redirectURL`` carrying ``b`` (``redirects.py``), instead of letting
  allauth log the browser in with a Django cookie session.
- ``on_authentication_error``: a cancelled or failed login, or a ``state``
  that does not match one we stashed, also goes back to the front end, with
  an error envelope in ``b``.
"""

from __future__ import annotations

from allauth.core.exceptions import ImmediateHttpResponse
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from allauth.socialaccount.providers.base import AuthError

from accounts.models import User
from accounts.users.selectors import self_user_payload
from accounts.users.services import USERNAME_MAX_LENGTH
from aimg_site.api.clientip import client_address
from aimg_site.api.envelope import Envelope
from aimg_site.api.exceptions import ApiError
from aimg_site.core.scoping import current_domain

from .flowstate import OAuthFlow, flow_unseal
from .providers import SUPPORTED_PROVIDERS, provider_key, provider_key_split, provider_label
from .redirects import redirect_with_error, redirect_with_result
from .services import oauth_login_complete

NOT_STARTED_HERE = "This sign-in was not started from the site, or it expired. Start it again."


def _flow_from_state(state) -> OAuthFlow | None:
    return flow_unseal(state.get("data")) if isinstance(state, dict) else None


def _frontend_url(request) -> str:
    domain = getattr(request, "domain", None) or current_domain()
    return domain.frontend_url


class SocialAccountAdapter(DefaultSocialAccountAdapter):
    def list_apps(self, request, provider=None, client_id=None):
        """Apps of our providers for the request's domain, one per provider, ``provider_id`` set to
        ``"<provider>:<domain>"``.

        An app whose ``provider_id`` already names this domain (a ``SocialApp``
        row added in the admin console) wins over the generic one from
        ``SOCIALACCOUNT_PROVIDERS``; apps of other domains and apps without a
        client id are left out.
        """
        base, key_domain = provider_key_split(provider) if provider else (None, None)
        domain_name = key_domain or current_domain().name
        if key_domain is not None and base not in SUPPORTED_PROVIDERS:
            return []
        chosen: dict[str, object] = {}
        for app in super().list_apps(request, provider=base, client_id=client_id):
            if app.provider not in SUPPORTED_PROVIDERS or not app.client_id:
                continue
            wanted = provider_key(app.provider, domain_name)
            if app.provider_id == wanted:
                chosen[app.provider] = app
            elif not app.provider_id and app.provider not in chosen:
                app.provider_id = wanted  # an in-memory copy: never saved
                chosen[app.provider] = app
        return list(chosen.values())

    def populate_user(self, request, sociallogin, data):
        user = super().populate_user(request, sociallogin, data)
        # Our User has a plain ``username`` that allauth does not manage (ACCOUNT_USER_MODEL_USERNAME_FIELD
        # is None): suggest one from the provider for new accounts.
        full_name = " ".join(part for part in (data.get("first_name"), data.get("last_name")) if part)
        user.username = (data.get("username") or data.get("name") or full_name or "")[:USERNAME_MAX_LENGTH]
        return user

    def authenticate_by_email(self, sociallogin):
        """Only users of the request's domain, and only for addresses the provider verified."""
        for address in sociallogin.email_addresses:
            if address.verified and address.email:
                user = User.objects.filter(email__iexact=address.email, is_guest=False).first()
                if user is not None:
                    return user, address.email
        return None

    def pre_social_login(self, request, sociallogin):
        flow = _flow_from_state(sociallogin.state)
        if flow is None:
            raise ImmediateHttpResponse(redirect_with_error(_frontend_url(request), NOT_STARTED_HERE))
        try:
            user, session_key = oauth_login_complete(
                request=request,
                sociallogin=sociallogin,
                flow=flow,
                client_address=client_address(request),
                user_agent=request.META.get("HTTP_USER_AGENT", "")[:300],
            )
        except ApiError as exc:
            raise ImmediateHttpResponse(
                redirect_with_error(flow.redirect_url, exc.message, error_code=exc.error_code)
            ) from exc
        envelope = Envelope(hasError=False, payload=self_user_payload(user=user, session_key=session_key))
        raise ImmediateHttpResponse(
            redirect_with_result(flow.redirect_url, envelope, session_key=session_key)
        )

    def on_authentication_error(self, request, provider, error=None, exception=None, extra_context=None):
        flow = _flow_from_state((extra_context or {}).get("state"))
        if flow is None:
            raise ImmediateHttpResponse(redirect_with_error(_frontend_url(request), NOT_STARTED_HERE))
        label = provider_label(getattr(provider, "id", "") or flow.provider)
        if error == AuthError.CANCELLED:
            message = f"The sign-in with {label} was cancelled."
        elif error == AuthError.DENIED:
            message = f"{label} refused the sign-in."
        else:
            message = f"The sign-in with {label} failed. Try again."
        raise ImmediateHttpResponse(redirect_with_error(flow.redirect_url, message))
