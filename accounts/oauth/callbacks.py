"""The providers' callbacks: allauth's views, guarded so that a login always ends on the front end.

allauth's callback view turns the failures it expects (a cancelled login, an
OAuth error, a failed HTTP call) into ``on_authentication_error``, which our
adapter answers with a redirect. Anything else raised inside it (a profile it
cannot parse, such as one without an ``id``; a fault in our own
``pre_social_login``) would escape as a 500 while the browser sits on the
API's host. ``oauth_callback_view`` catches it, logs it with the request id,
and redirects to the ``redirectURL`` of the login with an error envelope in
``b`` (to the domain's front end when the login cannot be identified).

The login is identified *before* allauth runs, from the state it stashed in
the browser's Django session: allauth consumes that state as it starts, so it
is gone by the time an exception comes out.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from allauth.core.exceptions import ImmediateHttpResponse
from allauth.socialaccount.internal import statekit
from django.http import HttpRequest, HttpResponse

from aimg_site.core.scoping import current_domain

from .flowstate import OAuthFlow, flow_unseal
from .providers import provider_label
from .redirects import redirect_with_error

logger = logging.getLogger(__name__)

FAILED_MESSAGE = "The sign-in with {label} failed on our side. Try again."


def _stashed_flow(request: HttpRequest, provider: str) -> OAuthFlow | None:
    """The login this callback answers, if the browser's session still holds its state."""
    state_id = request.GET.get("state")
    if not state_id:
        return None
    try:
        stashed = statekit.get_states(request).get(state_id)
    except Exception:  # a corrupt Django session must not stop the error redirect
        return None
    if not isinstance(stashed, (tuple, list)) or not stashed or not isinstance(stashed[0], dict):
        return None
    flow = flow_unseal(stashed[0].get("data"))
    if flow is None or flow.provider != provider or flow.domain != current_domain().name:
        return None
    return flow


def oauth_callback_view(provider: str, view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """``view`` (allauth's callback of ``provider``) that answers a redirect to the front end whatever
    happens inside it."""

    def callback(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        flow = _stashed_flow(request, provider)
        try:
            return view(request, *args, **kwargs)
        except ImmediateHttpResponse as exc:
            return exc.response
        except Exception:
            request_id = getattr(request, "request_id", None)
            logger.exception(
                "OAuth callback of %s failed (request %s)",
                provider,
                request_id,
                extra={"request_id": request_id, "provider": provider},
            )
            target = flow.redirect_url if flow is not None else current_domain().frontend_url
            return redirect_with_error(target, FAILED_MESSAGE.format(label=provider_label(provider)))

    callback.__name__ = callback.__qualname__ = f"{provider}_oauth_callback"
    callback.__doc__ = view.__doc__
    return callback
