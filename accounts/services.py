"""Every write of the accounts app: sign-up, sign-in, profile, KVPs, abuse, deletion.

Functions are keyword-only and typed; the ones that write more than once are
atomic. They raise the typed errors of ``aimg_site.api.exceptions`` and never
see a request.
"""

from __future__ import annotations

import unicodedata
import uuid

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils import timezone

from aimg_site.api import ratelimit
from aimg_site.api.errors import ErrorCode
from aimg_site.api.exceptions import (
    BadRequest,
    Conflict,
    Forbidden,
    InvalidParameter,
    NotAuthenticated,
    NotFound,
    PayloadTooLarge,
)
from aimg_site.core.scoping import current_domain

from .abuse import ABUSE_LEVEL_BANNED, ABUSE_LEVEL_MAX, ABUSE_LEVEL_MIN, abuse_assert_can_sign_in
from .models import ArchivedEmail, ProfilePicture, Session, User, UserKVP, UserLoginProvider
from .otp import otp_consume, otp_create
from .passwords import password_validate
from .profile_pictures import profile_picture_normalize, webp_data_uri
from .sessions import session_digest, session_end, session_rotate, sessions_end_for_user

INTERNAL_LOGIN_PROVIDERS = frozenset(UserLoginProvider.Provider.values)
USERNAME_MAX_LENGTH = 64

EMAIL_REGISTERED_MESSAGE = "This email address is already registered. Sign in instead."
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
    from library.services import library_transfer_user_items

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
    from allauth.socialaccount.models import SocialAccount

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

MAX_REF_LIST_ITEMS = 50
MAX_REF_ITEM_LENGTH = 2048


EMAIL_MAX_LENGTH = 254


def email_normalize(email: str, *, parameter: str = "email") -> str:
    """``email`` trimmed and lower-cased, or ``InvalidParameter`` (400) when it is not an address.

    The length is checked after lower-casing, which can lengthen a string
    (``"İ".lower()`` is two characters) past what the column holds. Addresses
    at a bare host name (``user@localhost``) or an IP literal (``user@[10.0.0.1]``)
    are refused: the server would be mailing its own network.
    """
    email = (email or "").strip().lower()
    if len(email) > EMAIL_MAX_LENGTH:
        raise InvalidParameter(parameter, f"must be at most {EMAIL_MAX_LENGTH} characters")
    try:
        validate_email(email)
    except DjangoValidationError:
        raise InvalidParameter(parameter, "is not a valid email address") from None
    domain_part = email.rpartition("@")[2]
    if domain_part.startswith("[") or "." not in domain_part.strip("."):
        raise InvalidParameter(parameter, "must be an address at an internet domain (name@example.com)")
    return email


def _user_by_email(email: str, *, for_update: bool = False) -> User | None:
    users = User.objects.filter(email__iexact=email, is_guest=False)
    if for_update:
        users = users.select_for_update()
    return users.first()


def username_clean(username: str) -> str:
    username = (username or "").strip()
    if len(username) > USERNAME_MAX_LENGTH:
        raise InvalidParameter("username", f"must be at most {USERNAME_MAX_LENGTH} characters")
    if any(unicodedata.category(ch).startswith("C") for ch in username):
        raise InvalidParameter("username", "must not contain control characters")
    return username


def user_create(
    *,
    email: str,
    username: str = "",
    password: str | None = None,
    is_at_least_18_confirmed: bool = False,
    ref_list: list[str] | tuple[str, ...] = (),
    rs: str = "",
) -> User:
    """A new account in the bound domain; ``Conflict`` (409) when the email is registered.

    ``password`` must already satisfy the rule (``accounts.passwords``); none
    means an unusable password (OTP and OAuth accounts).
    """
    email = email_normalize(email)
    if _user_by_email(email) is not None:
        raise Conflict(EMAIL_REGISTERED_MESSAGE)
    refs = [str(r)[:MAX_REF_ITEM_LENGTH] for r in list(ref_list)[:MAX_REF_LIST_ITEMS]]
    try:
        with transaction.atomic():
            return User.objects.create_user(
                email=email,
                password=password or None,
                username=username_clean(username),
                is_at_least_18_confirmed=bool(is_at_least_18_confirmed),
                ref_list=refs,
                rs=(rs or "")[:200],
            )
    except IntegrityError:
        raise Conflict(EMAIL_REGISTERED_MESSAGE) from None


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
    if _user_by_email(email) is not None:
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
    user = _user_by_email(email)
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
    from .tasks import send_otp_email

    email = email_normalize(email)
    if client_address:
        ratelimit.hit("otp-send-address", key=client_address)
    ratelimit.hit("otp-send-email", key=f"{current_domain().pk}:{email}")
    user = _user_by_email(email)
    if user is not None:
        if sign_up:
            raise Conflict(EMAIL_REGISTERED_MESSAGE)
        abuse_assert_can_sign_in(user=user)
    row, code = otp_create(email=email, sign_up=sign_up, client_address=client_address)
    transaction.on_commit(lambda: send_otp_email.delay(str(row.pk), code))
    return email


# --- The signed-in user's own properties ------------------------------------------


def user_set_age_confirmation(*, user: User, confirmed: bool) -> User:
    if user.is_at_least_18_confirmed != confirmed:
        user.is_at_least_18_confirmed = confirmed
        user.save(update_fields=["is_at_least_18_confirmed", "updated_at"])
    return user


def _assert_email_change_allowed(*, user: User, new_email: str, otp: str | None) -> None:
    """The reference's six refusals of an email change, each with its own message."""
    from allauth.socialaccount.models import SocialAccount

    from billing.entitlements import user_entitlement

    if new_email == (user.email or "").lower():
        raise InvalidParameter("email", "is already your email address")
    if SocialAccount.objects.filter(user=user).exists():
        raise Forbidden(
            "The email cannot be changed because this account has signed in with an external "
            "login provider (Google, Discord or GitHub) using it.",
            error_code=ErrorCode.ACCOUNTS_EMAIL_CHANGE_EXTERNAL_LOGIN,
        )
    entitlement = user_entitlement(user=user)
    if entitlement.tier > 0:
        raise Forbidden(
            "The email cannot be changed while the account has a PRO tier.",
            error_code=ErrorCode.ACCOUNTS_EMAIL_CHANGE_PRO_TIER,
        )
    if entitlement.merchant_processor or entitlement.subscriptions:
        raise Forbidden(
            "The email cannot be changed while the account has a subscription through a merchant processor.",
            error_code=ErrorCode.ACCOUNTS_EMAIL_CHANGE_SUBSCRIPTION,
        )
    if _user_by_email(new_email) is not None:
        raise Conflict("That email address is already in use by another account.")
    if not otp:
        raise InvalidParameter(
            "otp", "is required to change the email: request one for the new address with requestOTP"
        )
    if not otp_consume(email=new_email, code=otp):
        raise Forbidden(
            "The code is wrong or expired: request a new one for the new address with requestOTP.",
            error_code=ErrorCode.ACCOUNTS_EMAIL_CHANGE_WRONG_OTP,
        )


@transaction.atomic
def user_set_properties(
    *,
    user: User,
    session_key: uuid.UUID | None,
    username: str | None = None,
    password: str | None = None,
    email: str | None = None,
    otp: str | None = None,
    is_at_least_18_confirmed: bool | None = None,
) -> User:
    """``setSelfUserProperties``. At least one of the properties must be given.

    Locks the user row. A new email needs a valid OTP sent to it (see
    ``_assert_email_change_allowed``); the old address is archived. A new
    password ends every other session of the user.
    """
    if username is None and password is None and email is None and is_at_least_18_confirmed is None:
        raise BadRequest("Give at least one of 'username', 'password', 'email' or 'isAtLeast18Confirmed'.")
    user = User.objects.select_for_update().get(pk=user.pk)
    if password is not None:
        password_validate(password)
    if username is not None:
        username = username_clean(username)
    fields = ["updated_at"]
    if email is not None:
        new_email = email_normalize(email)
        _assert_email_change_allowed(user=user, new_email=new_email, otp=otp)
        if user.email:
            ArchivedEmail.objects.create(user=user, email=user.email)
        user.email = new_email
        fields.append("email")
    if username is not None:
        user.username = username
        fields.append("username")
    if is_at_least_18_confirmed is not None:
        user.is_at_least_18_confirmed = is_at_least_18_confirmed
        fields.append("is_at_least_18_confirmed")
    if password is not None:
        user.set_password(password)
        fields.append("password")
    try:
        with transaction.atomic():
            user.save(update_fields=fields)
    except IntegrityError:
        raise Conflict("That email address is already in use by another account.") from None
    if password is not None:
        sessions_end_for_user(user=user, except_key=session_key)
    return user


@transaction.atomic
def user_set_profile_picture(*, user: User, data_uri: str) -> str:
    """``setSelfUserProfilePicture``: store the normalized picture and return it as a data URI.

    ``""`` removes the picture. A user whose picture is banned gets
    ``Forbidden`` (403) when setting one.
    """
    user = User.objects.select_for_update().get(pk=user.pk)
    if data_uri == "":
        ProfilePicture.objects.filter(user=user).delete()
        return ""
    if user.profile_picture_banned:
        raise Forbidden("You are not allowed to set a profile picture.")
    webp = profile_picture_normalize(data_uri)
    ProfilePicture.objects.update_or_create(user=user, defaults={"webp": webp})
    return webp_data_uri(webp)


# --- Key-value pairs ----------------------------------------------------------------

KVP_KEY_MAX_LENGTH = 128
KVP_VALUE_MAX_BYTES = 64 * 1024
KVP_MAX_PER_USER = 200


def kvp_key_clean(key: str) -> str:
    """``key`` unchanged when it is 1-128 characters with no control characters, else a 400."""
    if not key:
        raise InvalidParameter("key", "must not be empty")
    if len(key) > KVP_KEY_MAX_LENGTH:
        raise InvalidParameter("key", f"must be at most {KVP_KEY_MAX_LENGTH} characters")
    if any(unicodedata.category(ch) == "Cc" for ch in key):
        raise InvalidParameter("key", "must not contain control characters")
    return key


@transaction.atomic
def kvp_set(*, user: User, key: str, value: str) -> UserKVP:
    """Create or replace ``key``. Locks the user row so the per-user count limit holds under concurrency."""
    key = kvp_key_clean(key)
    if len(value.encode()) > KVP_VALUE_MAX_BYTES:
        raise PayloadTooLarge(f"Parameter 'value' must be at most {KVP_VALUE_MAX_BYTES} bytes of UTF-8.")
    User.objects.select_for_update().filter(pk=user.pk).first()
    existing = UserKVP.objects.filter(user=user, key=key).first()
    if existing is not None:
        existing.value = value
        existing.save(update_fields=["value", "updated_at"])
        return existing
    if UserKVP.objects.filter(user=user).count() >= KVP_MAX_PER_USER:
        raise Conflict(
            f"You already have {KVP_MAX_PER_USER} keys, the most allowed. Delete one first.",
            error_code=ErrorCode.ACCOUNTS_KVP_LIMIT,
        )
    return UserKVP.objects.create(user=user, key=key, value=value)


def kvp_delete(*, user: User, key: str) -> None:
    """Delete ``key``; ``NotFound`` (404) when the user has no such key."""
    deleted, _ = UserKVP.objects.filter(user=user, key=kvp_key_clean(key)).delete()
    if not deleted:
        raise NotFound(f"There is no key {key!r}.")


# --- Admin and account-level operations --------------------------------------------


@transaction.atomic
def user_delete(*, user: User, delete_items: bool = False) -> User:
    """``deleteUser``: disable the account (kept for Admins), end its sessions, optionally delete its items.

    The email stays attached to the disabled account, so it cannot be
    registered again; signing in to it is refused.
    """
    user = User.objects.select_for_update().get(pk=user.pk)
    if not user.is_disabled:
        user.is_disabled = True
        user.deleted_at = timezone.now()
        user.save(update_fields=["is_disabled", "deleted_at", "updated_at"])
    sessions_end_for_user(user=user)
    if delete_items:
        from library.services import items_delete_all_for_user

        items_delete_all_for_user(user=user)
    return user


@transaction.atomic
def user_set_abuse_level(*, user: User, level: int) -> int:
    """Store ``level`` (0-9); level 9 ends every session of the user at once."""
    if not ABUSE_LEVEL_MIN <= level <= ABUSE_LEVEL_MAX:
        raise InvalidParameter("abuse", f"must be an integer from {ABUSE_LEVEL_MIN} to {ABUSE_LEVEL_MAX}")
    User.objects.filter(pk=user.pk).update(abuse_level=level, updated_at=timezone.now())
    user.abuse_level = level
    if level >= ABUSE_LEVEL_BANNED:
        sessions_end_for_user(user=user)
    return level


@transaction.atomic
def user_set_profile_picture_banned(*, user: User, banned: bool) -> bool:
    """Ban or allow the user's profile picture; banning removes the current one (not restored later)."""
    User.objects.filter(pk=user.pk).update(profile_picture_banned=banned, updated_at=timezone.now())
    user.profile_picture_banned = banned
    if banned:
        ProfilePicture.objects.filter(user=user).delete()
    return banned


ADDITIONAL_INFORMATION_MAX_LENGTH = 10_000


def user_set_additional_information(*, user: User, text: str | None) -> str:
    """Replace the staff notes of ``user``; ``None`` or ``""`` removes them."""
    text = text or ""
    if len(text) > ADDITIONAL_INFORMATION_MAX_LENGTH:
        raise InvalidParameter(
            "additionalInformation", f"must be at most {ADDITIONAL_INFORMATION_MAX_LENGTH} characters"
        )
    User.objects.filter(pk=user.pk).update(additional_information=text, updated_at=timezone.now())
    user.additional_information = text
    return text
