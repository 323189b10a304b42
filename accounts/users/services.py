"""Writes of users: creation, the signed-in user's own properties, and what Admins change.

Functions are keyword-only and typed; the ones that write more than once are
atomic. They raise the typed errors of ``aimg_site.api.exceptions`` and never
see a request.
"""

from __future__ import annotations

import unicodedata
import uuid

from allauth.socialaccount.models import SocialAccount
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import ArchivedEmail, ProfilePicture, User
from accounts.sessions.cache import sessions_forget_user
from accounts.sessions.services import sessions_end_for_user
from accounts.signin.otp import otp_consume
from accounts.signin.passwords import password_validate
from aimg_site.api.errors import ErrorCode
from aimg_site.api.exceptions import BadRequest, Conflict, Forbidden, InvalidParameter
from billing import entitlements  # called as entitlements.user_entitlement: tests substitute it
from library.items.services import items_delete_all_for_user

from .abuse import ABUSE_LEVEL_BANNED, ABUSE_LEVEL_MAX, ABUSE_LEVEL_MIN
from .profile_pictures import profile_picture_normalize, webp_data_uri
from .selectors import user_find_by_email

USERNAME_MAX_LENGTH = 64

EMAIL_REGISTERED_MESSAGE = "This email address is already registered. Sign in instead."


# --- New accounts ------------------------------------------------------------------

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

    ``password`` must already satisfy the rule (``accounts.signin.passwords``); none
    means an unusable password (OTP and OAuth accounts).
    """
    email = email_normalize(email)
    if user_find_by_email(email=email) is not None:
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


# --- The signed-in user's own properties ------------------------------------------


def user_set_age_confirmation(*, user: User, confirmed: bool) -> User:
    if user.is_at_least_18_confirmed != confirmed:
        user.is_at_least_18_confirmed = confirmed
        user.save(update_fields=["is_at_least_18_confirmed", "updated_at"])
    return user


def _assert_email_change_allowed(*, user: User, new_email: str, otp: str | None) -> None:
    """The reference's six refusals of an email change, each with its own message."""
    if new_email == (user.email or "").lower():
        raise InvalidParameter("email", "is already your email address")
    if SocialAccount.objects.filter(user=user).exists():
        raise Forbidden(
            "The email cannot be changed because this account has signed in with an external "
            "login provider (Google, Discord or GitHub) using it.",
            error_code=ErrorCode.ACCOUNTS_EMAIL_CHANGE_EXTERNAL_LOGIN,
        )
    entitlement = entitlements.user_entitlement(user=user)
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
    if user_find_by_email(email=new_email) is not None:
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
        items_delete_all_for_user(user=user)
    return user


@transaction.atomic
def user_set_abuse_level(*, user: User, level: int) -> int:
    """Store ``level`` (0-9); level 9 ends every session of the user at once."""
    if not ABUSE_LEVEL_MIN <= level <= ABUSE_LEVEL_MAX:
        raise InvalidParameter("abuse", f"must be an integer from {ABUSE_LEVEL_MIN} to {ABUSE_LEVEL_MAX}")
    User.objects.filter(pk=user.pk).update(abuse_level=level, updated_at=timezone.now())
    sessions_forget_user(user_id=user.pk)
    user.abuse_level = level
    if level >= ABUSE_LEVEL_BANNED:
        sessions_end_for_user(user=user)
    return level


@transaction.atomic
def user_set_profile_picture_banned(*, user: User, banned: bool) -> bool:
    """Ban or allow the user's profile picture; banning removes the current one (not restored later)."""
    User.objects.filter(pk=user.pk).update(profile_picture_banned=banned, updated_at=timezone.now())
    sessions_forget_user(user_id=user.pk)
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
    sessions_forget_user(user_id=user.pk)
    user.additional_information = text
    return text
