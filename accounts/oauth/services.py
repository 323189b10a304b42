"""Writes of OAuth sign-in: start a login, finish it, forget tokens.

allauth runs the OAuth 2.0 handshake; these functions decide what it means
for our users:

- ``oauth_login_start`` stashes the login (sealed, see ``flowstate``) in
  allauth's state and returns allauth's redirect to the provider.
- ``oauth_login_complete`` runs inside the provider callback (from the
  adapter's ``pre_social_login``), after allauth has exchanged the code and
  fetched the profile: it finds or creates the user of the request's domain,
  links the provider account, records the sign-up extras and signs the user
  in on a new ``X-Session-ID``.
- ``oauth_tokens_revoke_for_user`` deletes the stored provider tokens.
"""

from __future__ import annotations

import uuid

from allauth.socialaccount.adapter import get_adapter
from allauth.socialaccount.models import SocialAccount, SocialApp, SocialLogin, SocialToken
from allauth.socialaccount.providers.base import AuthProcess
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.http import HttpRequest, HttpResponse

from accounts.models import User
from accounts.signin.services import user_secure_for_proven_owner, user_sign_in
from accounts.users.services import USERNAME_MAX_LENGTH, user_create, user_holding_proven_email
from aimg_site.api.exceptions import BadRequest, Conflict, Forbidden, InvalidParameter, ServiceUnavailable
from aimg_site.core.scoping import current_domain

from .flowstate import OAuthFlow, flow_seal
from .providers import (
    PROVIDER_LABELS,
    SUPPORTED_PROVIDERS,
    oauth_adapter_class,
    provider_key,
    provider_key_split,
    provider_label,
)


def oauth_login_start(
    *,
    request: HttpRequest,
    provider: str,
    redirect_url: str,
    session_key: uuid.UUID | None,
    ref_list: list[str] | None = None,
    rs: str | None = None,
    is_at_least_18_confirmed: bool | None = None,
) -> HttpResponse:
    """allauth's 302 to ``provider``'s authorization page, with this login stashed server-side.

    ``redirect_url`` must already be validated (``redirects.redirect_url_validate``).
    ``request`` is the Django request: allauth keeps its state in the
    browser's Django session, under the random ``state`` it sends along.
    400 when ``provider`` is not one we offer or has no client id here.
    """
    if provider not in SUPPORTED_PROVIDERS:
        raise InvalidParameter("loginProvider", f"must be one of: {', '.join(SUPPORTED_PROVIDERS)}")
    try:
        allauth_provider = get_adapter(request).get_provider(request, provider)
    except SocialApp.DoesNotExist:
        raise BadRequest(
            f"Signing in with {PROVIDER_LABELS[provider]} is not available on this site."
        ) from None
    flow = OAuthFlow(
        provider=provider,
        domain=current_domain().name,
        redirect_url=redirect_url,
        session_key=str(session_key) if session_key else None,
        ref_list=list(ref_list or []),
        rs=rs,
        is_at_least_18_confirmed=is_at_least_18_confirmed,
    )
    # The same adapter as the callback's, so the redirect_uri comes from the domain, not the Host.
    allauth_provider.oauth2_adapter_class = oauth_adapter_class(provider)
    response = allauth_provider.redirect(request, process=AuthProcess.LOGIN, data=flow_seal(flow))
    if response.status_code != 302:
        # allauth rendered an error page instead of redirecting (a misconfigured provider).
        raise ServiceUnavailable(f"{PROVIDER_LABELS[provider]} cannot be reached right now. Try again later.")
    return response


def _verified_email(sociallogin: SocialLogin) -> str | None:
    """The provider's verified address (primary first); unverified ones are never used."""
    for address in sociallogin.email_addresses:  # allauth sorts them: primary, verified
        if address.verified and address.email:
            return address.email.strip().lower()
    return None


def _username_suggestion(sociallogin: SocialLogin) -> str:
    name = (getattr(sociallogin.user, "username", "") or "").strip()
    name = "".join(ch for ch in name if ch.isprintable())
    return name[:USERNAME_MAX_LENGTH]


def _link_by_email(*, request: HttpRequest, sociallogin: SocialLogin, user: User) -> User:
    """Connect the provider account to an existing user found by its (provider-verified) email.

    If nobody ever proved they own the account's address (it was registered
    with a password only), the password may be an impostor's: see
    ``accounts.signin.services.user_secure_for_proven_owner``. The owner can still
    sign in with an OTP.
    """
    user = user_secure_for_proven_owner(user=user)
    sociallogin.connect(request, user)
    return user


def _link_or_create(
    *, request: HttpRequest, sociallogin: SocialLogin, flow: OAuthFlow, email: str
) -> tuple[User, bool]:
    existing = user_holding_proven_email(email=email)  # the provider verified the address
    if existing is not None:
        return _link_by_email(request=request, sociallogin=sociallogin, user=existing), False
    user = user_create(
        email=email,
        username=_username_suggestion(sociallogin),
        is_at_least_18_confirmed=bool(flow.is_at_least_18_confirmed),
        ref_list=flow.ref_list,
        rs=flow.rs or "",
    )
    sociallogin.connect(request, user)
    return user, True


def _user_for_login(*, request: HttpRequest, sociallogin: SocialLogin, flow: OAuthFlow) -> tuple[User, bool]:
    """The user this provider identity signs in as, and whether it was created now.

    Concurrent first logins of one identity (or one email) meet at the unique
    constraints (email per domain, provider account): the losers find the
    winner's user and use it.
    """
    domain = current_domain()
    if sociallogin.account.pk is not None:
        # allauth found the provider account of this domain (keys are per domain, see providers.py).
        user = sociallogin.account.user
        if user.domain_id != domain.pk:
            raise Forbidden("This sign-in belongs to another site.")
        return user, False
    label = provider_label(flow.provider)
    email = _verified_email(sociallogin)
    if email is None:
        raise BadRequest(
            f"{label} did not share a verified email address. Verify your email with {label} and try again."
        )
    try:
        with transaction.atomic():
            return _link_or_create(request=request, sociallogin=sociallogin, flow=flow, email=email)
    except (Conflict, IntegrityError):
        linked = (
            SocialAccount.objects.select_related("user")
            .filter(provider=sociallogin.account.provider, uid=sociallogin.account.uid)
            .first()
        )
        if linked is not None and linked.user.domain_id == domain.pk:
            return linked.user, False
    # The concurrent login made the user by email but linked another identity: link ours to it.
    sociallogin.account.pk = None
    with transaction.atomic():
        return _link_or_create(request=request, sociallogin=sociallogin, flow=flow, email=email)


def _record_extras(*, user: User, flow: OAuthFlow, created: bool) -> None:
    """``isAtLeast18Confirmed`` is set when given (as ``authenticateUser`` does);
    ``refList``/``rs`` are sign-up attribution, kept from the first time they were given."""
    if created:
        return
    fields = []
    if (
        flow.is_at_least_18_confirmed is not None
        and user.is_at_least_18_confirmed != flow.is_at_least_18_confirmed
    ):
        user.is_at_least_18_confirmed = flow.is_at_least_18_confirmed
        fields.append("is_at_least_18_confirmed")
    if flow.ref_list and not user.ref_list:
        user.ref_list = list(flow.ref_list)
        fields.append("ref_list")
    if flow.rs and not user.rs:
        user.rs = flow.rs
        fields.append("rs")
    if fields:
        user.save(update_fields=[*fields, "updated_at"])


@transaction.atomic
def oauth_login_complete(
    *,
    request: HttpRequest,
    sociallogin: SocialLogin,
    flow: OAuthFlow,
    client_address: str | None = None,
    user_agent: str = "",
) -> tuple[User, uuid.UUID]:
    """Sign in the user behind ``sociallogin`` (allauth has verified it) and return them and the new session id.

    Runs in the callback request, so the request's domain is bound; users,
    links and sessions are all of that domain. The same provider identity or
    the same verified email always gives the same user (idempotent; a
    concurrent first login is resolved by the unique constraints). ``Forbidden``
    for a disabled or banned account (from ``user_sign_in``), ``BadRequest`` when
    the provider shared no verified email or the login was started on another
    site. Everything, the link included, is rolled back when it raises.
    """
    if flow.domain != current_domain().name:
        raise BadRequest("This sign-in was started on another site. Start it again here.")
    if provider_key_split(sociallogin.account.provider)[0] != flow.provider:
        raise BadRequest("The sign-in answer came from another provider than the one requested.")
    user, created = _user_for_login(request=request, sociallogin=sociallogin, flow=flow)
    _record_extras(user=user, flow=flow, created=created)
    new_key = user_sign_in(
        user=user,
        old_session_key=flow.old_session_key,
        login_provider=PROVIDER_LABELS[flow.provider],
        client_address=client_address,
        user_agent=user_agent,
    )
    return user, new_key


def oauth_tokens_revoke_for_user(*, user: User, login_provider: str | None = None) -> int:
    """Delete the stored OAuth tokens of ``user`` (all providers, or only ``login_provider``,
    given as ``"Google"``/``"google"``) and return how many were deleted.

    Tokens are only kept by allauth after a login; we call no provider API
    with them, so deleting the rows is the whole revocation.
    """
    tokens = SocialToken.objects.filter(account__user=user)
    if login_provider:
        provider = provider_key_split(login_provider)[0].lower()
        tokens = tokens.filter(
            Q(account__provider=provider) | Q(account__provider__startswith=provider_key(provider, ""))
        )
    deleted, _ = tokens.delete()
    return deleted
