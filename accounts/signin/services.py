"""Writes of signing in: sign-up, sign-in (password, OTP; OAuth goes through ``user_sign_in``),
sign-out and OTP requests.

Functions are keyword-only and typed; the ones that write more than once are
atomic. They raise the typed errors of ``aimg_site.api.exceptions`` and never
see a request.
"""

from __future__ import annotations

import uuid

from django.db import transaction
from django.utils import timezone

from accounts.models import Session, User, UserLoginProvider
from accounts.sessions.selectors import session_digest
from accounts.sessions.services import session_end, session_rotate
from accounts.tasks import send_otp_email
from accounts.users.abuse import abuse_assert_can_sign_in
from accounts.users.selectors import user_find_by_email, user_is_password_only
from accounts.users.services import (
    EMAIL_REGISTERED_MESSAGE,
    MAX_REF_ITEM_LENGTH,
    MAX_REF_LIST_ITEMS,
    email_normalize,
    user_create,
    user_holding_proven_email,
    user_remove_password_and_sessions,
    username_clean,
)
from aimg_site.api import ratelimit
from aimg_site.api.exceptions import Conflict, InvalidParameter, NotAuthenticated
from generation.services import jobs_transfer_user
from library.items.services import library_transfer_user_items

from . import throttle
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
    ``client_address`` then counts as the owner's for the sign-in limits
    (``throttle.sign_in_address_remember``), unless this was a password
    sign-in to a password-only account.
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
        # The guest's jobs first: it locks the guest's row, so a generation still in flight lands too.
        jobs_transfer_user(from_user=guest, to_user=user)
        library_transfer_user_items(from_user=guest, to_user=user)
        if guest.is_at_least_18_confirmed and not user.is_at_least_18_confirmed:
            user.is_at_least_18_confirmed = True
            user.save(update_fields=["is_at_least_18_confirmed", "updated_at"])
    _record_login_provider(user=user, login_provider=login_provider)
    # A password of an account nobody proved the email of says nothing about who owns the address.
    if login_provider != UserLoginProvider.Provider.PASSWORD or not user_is_password_only(user=user):
        throttle.sign_in_address_remember(user=user, client_address=client_address)
    return new_key


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
    if user_is_password_only(user=user):
        user_remove_password_and_sessions(user=user)
    return user


def _user_take_over(
    *,
    user: User,
    password: str | None,
    username: str,
    is_at_least_18_confirmed: bool,
    ref_list: list[str] | tuple[str, ...],
    rs: str,
) -> User:
    """A code sign-up for an address held by a live account nobody proved: the code's owner gets it.

    Whatever the registrant set up for signing in ends first
    (``user_secure_for_proven_owner``); then the sign-up's own password,
    username and 18+ confirmation apply, and its attribution when the account
    has none.
    """
    user = user_secure_for_proven_owner(user=user)
    fields = ["updated_at"]
    if password:
        user.set_password(password)
        fields.append("password")
    if username:
        user.username = username
        fields.append("username")
    if is_at_least_18_confirmed and not user.is_at_least_18_confirmed:
        user.is_at_least_18_confirmed = True
        fields.append("is_at_least_18_confirmed")
    if ref_list and not user.ref_list:
        user.ref_list = [str(r)[:MAX_REF_ITEM_LENGTH] for r in list(ref_list)[:MAX_REF_LIST_ITEMS]]
        fields.append("ref_list")
    if rs and not user.rs:
        user.rs = rs[:200]
        fields.append("rs")
    user.save(update_fields=fields)
    return user


# --- Sign-up, sign-in, sign-out ---------------------------------------------------


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
    An address held by a password-only account (``user_is_password_only``) is
    not in the way of a valid OTP: a live account is taken over by the code's owner (its password and
    sessions end, then this sign-up's password, username and 18+ confirmation
    apply), a deleted or banned one lets go of the address and a new account
    is made. The code is checked in a transaction of its own and the account
    is made in another, so a wrong code's bookkeeping is kept (``otp_consume``).
    Returns the user and the new session id.
    """
    if client_address:
        ratelimit.hit("sign-in-address", key=client_address)
    email = email_normalize(email)
    if not password and not otp:
        raise InvalidParameter("password", "or 'otp' must be provided")
    if password:
        password_validate(password)
    username = username_clean(username)
    holder = user_find_by_email(email=email)
    # Only a code can get past an account that holds the address, and only a password-only one.
    if holder is not None and (not otp or not user_is_password_only(user=holder)):
        raise Conflict(EMAIL_REGISTERED_MESSAGE)
    # Outside the transaction below: what a wrong code voids and counts must outlive the refusal.
    if otp and not otp_consume(email=email, code=otp, client_address=client_address):
        raise NotAuthenticated(OTP_WRONG_MESSAGE)
    with transaction.atomic():
        holder = user_holding_proven_email(email=email) if holder is not None else None
        if holder is None:
            user = user_create(
                email=email,
                username=username,
                password=password,
                is_at_least_18_confirmed=bool(is_at_least_18_confirmed),
                ref_list=ref_list,
                rs=rs,
            )
        else:
            user = _user_take_over(
                user=holder,
                password=password,
                username=username,
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
    it must satisfy the rule. Codes and passwords are counted before they are
    checked (``accounts.signin.throttle``: per address, and per email in a way
    that never locks the owner out). Credentials are checked before the
    account's state, so a refused sign-in (403, deleted or abuse level 9) says
    nothing to someone without them. The credential is checked outside the
    transaction that signs in, so what a wrong one counted is kept.
    """
    if client_address:
        ratelimit.hit("sign-in-address", key=client_address)
    email = email_normalize(email)
    if not password and not otp:
        raise InvalidParameter("otp", "or 'password' must be provided")
    user = user_find_by_email(email=email)
    if otp:
        if user is None and password:
            password_validate(password)
        if not otp_consume(email=email, code=otp, client_address=client_address):
            raise NotAuthenticated(OTP_WRONG_MESSAGE)
        provider = UserLoginProvider.Provider.OTP
    else:
        throttle.password_check_admit(email=email, client_address=client_address, user=user)
        if user is None:
            User().set_password(password)  # the same work as a real check: no timing oracle
            raise NotAuthenticated(PASSWORD_WRONG_MESSAGE)
        if not user.check_password(password):
            raise NotAuthenticated(PASSWORD_WRONG_MESSAGE)
        provider = UserLoginProvider.Provider.PASSWORD
    with transaction.atomic():
        if otp:
            user = user_holding_proven_email(email=email) if user is not None else None
            if user is None:
                user = user_create(email=email, password=password, is_at_least_18_confirmed=False)
            else:
                user = user_secure_for_proven_owner(user=user)
        assert user is not None
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

    Limited per email and per client address (429; an address the account
    signed in from lately is not held to the per-email limit). With ``sign_up`` an
    already registered email is a ``Conflict`` (409); without it, a deleted
    or banned account is ``Forbidden`` (403) and an unknown email is fine
    (``authenticateUser`` creates the account). A password-only account
    (``user_is_password_only``) refuses nothing: whoever receives the code is
    the owner (``user_holding_proven_email``). Returns the normalized email.
    """
    email = email_normalize(email)
    user = user_find_by_email(email=email)
    throttle.otp_send_admit(email=email, client_address=client_address, user=user)
    # A password-only account does not stand in the owner's way: the code decides.
    if user is not None and not user_is_password_only(user=user):
        if sign_up:
            raise Conflict(EMAIL_REGISTERED_MESSAGE)
        abuse_assert_can_sign_in(user=user)
    row, code = otp_create(email=email, sign_up=sign_up, client_address=client_address)
    transaction.on_commit(lambda: send_otp_email.delay(str(row.pk), code))
    return email
