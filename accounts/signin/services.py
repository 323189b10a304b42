"""Writes of signing in: sign-up, sign-in (password, OTP; OAuth goes through ``user_sign_in``),
sign-out and OTP requests.

Functions are keyword-only and typed; the ones that write more than once are
atomic. They raise the typed errors of ``aimg_site.api.exceptions`` and never
see a request.
"""

from __future__ import annotations

import uuid

from allauth.socialaccount.models import SocialAccount
from django.db import transaction
from django.utils import timezone

from accounts.models import Session, User, UserLoginProvider
from accounts.sessions.selectors import session_digest
from accounts.sessions.services import session_end, session_rotate, sessions_end_for_user
from accounts.tasks import send_otp_email
from accounts.users.abuse import abuse_assert_can_sign_in
from accounts.users.selectors import user_find_by_email
from accounts.users.services import EMAIL_REGISTERED_MESSAGE, email_normalize, user_create
from aimg_site.api import ratelimit
from aimg_site.api.exceptions import Conflict, InvalidParameter, NotAuthenticated
from aimg_site.core.scoping import current_domain
from library.items.services import library_transfer_user_items

from .otp import otp_consume, otp_create
from .passwords import password_validate

INTERNAL_LOGIN_PROVIDERS = frozenset(UserLoginProvider.Provider.values)

OTP_WRONG_MESSAGE = "The code is wrong or expired. Request a new one."
PASSWORD_WRONG_MESSAGE = "The email or the password is wrong."


def _record_login_provider(*, user: User, login_provider: str) -> None:
    if login_provider not in INTERNAL_LOGIN_PROVIDERS:
        return  # OAuth providers are known from allauth's SocialAccount rows
    now = timezone.now()
    updated = UserLoginProvider.objects.filter(user=user, provider_id=login_provider).update(last_used_at=now)
    if not updated:
        UserLoginProvider.objects.get_or_create(
            user=user, provider_id=login_provider, defaults={"last_used_at": now}
        )


@transaction.atomic
def user_sign_in(
    *,
    user: User,
    old_session_key: uuid.UUID | None,
    login_provider: str,
    client_address: str | None = None,
    user_agent: str = "",
) -> uuid.UUID:
    """Sign ``user`` in on a new session id and return it (the old id stops working).

    Refuses (``Forbidden``) a disabled account or abuse level 9. What the
    previous session's guest made moves to ``user`` (and a guest's 18+
    confirmation with it). ``login_provider`` is ``"OTP"``, ``"Password"`` or an
    OAuth provider id; the internal ones are recorded for ``getUser``.
    """
    # Under the user's row lock: a concurrent abuse level 9 or deletion (which update this row and
    # then end the sessions) either sees the new session and ends it, or is seen here.
    abuse_assert_can_sign_in(user=User.all_domains.select_for_update().get(pk=user.pk))
    new_key, guest = session_rotate(
        old_key=old_session_key,
        user=user,
        login_provider=login_provider,
        client_address=client_address,
        user_agent=user_agent,
    )
    if guest is not None:
        library_transfer_user_items(from_user=guest, to_user=user)
        if guest.is_at_least_18_confirmed and not user.is_at_least_18_confirmed:
            user.is_at_least_18_confirmed = True
            user.save(update_fields=["is_at_least_18_confirmed", "updated_at"])
    _record_login_provider(user=user, login_provider=login_provider)
    return new_key


def user_email_is_proven(*, user: User) -> bool:
    """Has someone already shown they receive this account's email (an OTP sign-in, or an OAuth link)?"""
    return (
        UserLoginProvider.objects.filter(user=user, provider_id=UserLoginProvider.Provider.OTP).exists()
        or SocialAccount.objects.filter(user=user).exists()
    )


def user_secure_for_proven_owner(*, user: User) -> User:
    """The caller has just proven they receive ``user``'s email (an OTP, a provider-verified address).

    If nobody had proven it before (the account was registered with a
    password only, which ``createUser`` allows), that password may be an
    impostor's who registered the address first: it is removed and every
    session of the account ends, so the proven owner alone holds it (allauth's
    ``wipe_password`` reasoning). The owner can set a new password afterwards.
    Call inside a transaction.
    """
    user = User.objects.select_for_update().get(pk=user.pk)
    if user.has_usable_password() and not user_email_is_proven(user=user):
        user.set_unusable_password()
        user.save(update_fields=["password", "updated_at"])
        sessions_end_for_user(user=user)
    return user


# --- Sign-up, sign-in, sign-out ---------------------------------------------------


@transaction.atomic
def user_sign_up(
    *,
    email: str,
    password: str | None,
    otp: str | None,
    username: str = "",
    is_at_least_18_confirmed: bool | None = None,
    ref_list: list[str] | tuple[str, ...] = (),
    rs: str = "",
    old_session_key: uuid.UUID | None,
    client_address: str | None = None,
    user_agent: str = "",
) -> tuple[User, uuid.UUID]:
    """``createUser``: a new account from an email and an OTP and/or a password, signed in.

    The password is checked against the rule and the email for being free
    before the OTP is used, so a refused sign-up does not spend the code.
    Returns the user and the new session id.
    """
    if client_address:
        ratelimit.hit("sign-in-address", key=client_address)
    email = email_normalize(email)
    if not password and not otp:
        raise InvalidParameter("password", "or 'otp' must be provided")
    if password:
        password_validate(password)
    if user_find_by_email(email=email) is not None:
        raise Conflict(EMAIL_REGISTERED_MESSAGE)
    if otp and not otp_consume(email=email, code=otp):
        raise NotAuthenticated(OTP_WRONG_MESSAGE)
    user = user_create(
        email=email,
        username=username,
        password=password,
        is_at_least_18_confirmed=bool(is_at_least_18_confirmed),
        ref_list=ref_list,
        rs=rs,
    )
    new_key = user_sign_in(
        user=user,
        old_session_key=old_session_key,
        login_provider=UserLoginProvider.Provider.OTP if otp else UserLoginProvider.Provider.PASSWORD,
        client_address=client_address,
        user_agent=user_agent,
    )
    return user, new_key


@transaction.atomic
def user_authenticate(
    *,
    email: str,
    password: str | None,
    otp: str | None,
    is_at_least_18_confirmed: bool | None = None,
    old_session_key: uuid.UUID | None,
    client_address: str | None = None,
    user_agent: str = "",
) -> tuple[User, uuid.UUID]:
    """``authenticateUser``: sign in with an OTP or a password; a valid OTP for an unknown email signs up.

    With both an OTP and a password the OTP decides (it proves the email);
    the password then only matters when the account is being created, where
    it must satisfy the rule. Wrong codes and passwords are counted per email
    before they are checked (``otp-check-email``, ``password-check-email``).
    Credentials are checked before the account's state, so a refused sign-in
    (403, deleted or abuse level 9) says nothing to someone without them.
    """
    if client_address:
        ratelimit.hit("sign-in-address", key=client_address)
    email = email_normalize(email)
    if not password and not otp:
        raise InvalidParameter("otp", "or 'password' must be provided")
    domain_key = f"{current_domain().pk}:{email}"
    user = user_find_by_email(email=email)
    if otp:
        if user is None and password:
            password_validate(password)
        if not otp_consume(email=email, code=otp):
            raise NotAuthenticated(OTP_WRONG_MESSAGE)
        provider = UserLoginProvider.Provider.OTP
        if user is None:
            user = user_create(email=email, password=password, is_at_least_18_confirmed=False)
        else:
            user = user_secure_for_proven_owner(user=user)
    else:
        ratelimit.hit("password-check-email", key=domain_key)
        if user is None:
            User().set_password(password)  # the same work as a real check: no timing oracle
            raise NotAuthenticated(PASSWORD_WRONG_MESSAGE)
        if not user.check_password(password):
            raise NotAuthenticated(PASSWORD_WRONG_MESSAGE)
        provider = UserLoginProvider.Provider.PASSWORD
    if is_at_least_18_confirmed is not None and user.is_at_least_18_confirmed != is_at_least_18_confirmed:
        user.is_at_least_18_confirmed = is_at_least_18_confirmed
        user.save(update_fields=["is_at_least_18_confirmed", "updated_at"])
    new_key = user_sign_in(
        user=user,
        old_session_key=old_session_key,
        login_provider=provider,
        client_address=client_address,
        user_agent=user_agent,
    )
    return user, new_key


def user_sign_out(*, session_key: uuid.UUID) -> bool:
    """``signOutUser``: end the session; ``False`` when it did not exist.

    When the session was opened through an OAuth provider, the stored tokens
    of that provider for the user are deleted (allauth's ``SocialToken``).
    """
    session = Session.objects.select_related("user").filter(key_digest=session_digest(session_key)).first()
    if session is None:
        return False
    provider = session.login_provider
    if session.user_id and provider and provider not in INTERNAL_LOGIN_PROVIDERS:
        # Imported here: accounts.oauth.services signs users in through this module (an import cycle).
        from accounts.oauth.services import oauth_tokens_revoke_for_user

        oauth_tokens_revoke_for_user(user=session.user, login_provider=provider)
    return session_end(key=session_key)


@transaction.atomic
def otp_request(*, email: str, sign_up: bool = False, client_address: str | None = None) -> str:
    """``requestOTP``: make a code for ``email`` and send it by email once the transaction commits.

    Limited per email and per client address (429). With ``sign_up`` an
    already registered email is a ``Conflict`` (409); without it, a deleted
    or banned account is ``Forbidden`` (403) and an unknown email is fine
    (``authenticateUser`` creates the account). Returns the normalized email.
    """
    email = email_normalize(email)
    if client_address:
        ratelimit.hit("otp-send-address", key=client_address)
    ratelimit.hit("otp-send-email", key=f"{current_domain().pk}:{email}")
    user = user_find_by_email(email=email)
    if user is not None:
        if sign_up:
            raise Conflict(EMAIL_REGISTERED_MESSAGE)
        abuse_assert_can_sign_in(user=user)
    row, code = otp_create(email=email, sign_up=sign_up, client_address=client_address)
    transaction.on_commit(lambda: send_otp_email.delay(str(row.pk), code))
    return email
