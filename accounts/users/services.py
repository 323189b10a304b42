"""Writes of users: creation, the signed-in user's own properties, and what Admins change.

Functions are keyword-only and typed; the ones that write more than once are
atomic. They raise the typed errors of ``aimg_site.api.exceptions`` and never
see a request.
"""

from __future__ import annotations

import datetime as dt
import unicodedata
import uuid
from collections.abc import Iterable
from dataclasses import dataclass

from allauth.socialaccount.models import SocialAccount
from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import ArchivedEmail, ProfilePicture, Session, User
from accounts.sessions.cache import sessions_forget_user
from accounts.sessions.selectors import session_digest
from accounts.sessions.services import sessions_end_for_user
from accounts.signin.otp import otp_consume
from accounts.signin.passwords import password_validate
from aimg_site.api.errors import ErrorCode
from aimg_site.api.exceptions import BadRequest, Conflict, Forbidden, InvalidParameter
from billing import entitlements  # called as entitlements.user_entitlement: tests substitute it
from library.items.services import items_delete_all_for_user

from .abuse import ABUSE_LEVEL_BANNED, ABUSE_LEVEL_MAX, ABUSE_LEVEL_MIN
from .profile_pictures import profile_picture_normalize, webp_data_uri
from .selectors import user_find_by_email, user_is_password_only

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


def _assert_email_change_allowed(
    *, user: User, new_email: str, otp: str | None, client_address: str | None = None
) -> None:
    """The reference's six refusals of an email change, each with its own message (the code last)."""
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
    if not otp_consume(email=new_email, code=otp, client_address=client_address):
        raise Forbidden(
            "The code is wrong or expired: request a new one for the new address with requestOTP.",
            error_code=ErrorCode.ACCOUNTS_EMAIL_CHANGE_WRONG_OTP,
        )


def _assert_recent_sign_in(*, user: User, session_key: uuid.UUID | None) -> None:
    """The session was opened by a sign-in less than ``AIMG_RECENT_SIGN_IN_MINUTES`` ago, else ``Forbidden``.

    Sign-in (code, password, OAuth) always opens a new session, so the
    session's creation is the moment its holder last proved who they are.
    """
    signed_in_at = (
        Session.objects.filter(key_digest=session_digest(session_key), user=user, is_authenticated=True)
        .values_list("created_at", flat=True)
        .first()
        if session_key is not None
        else None
    )
    window = dt.timedelta(minutes=settings.AIMG_RECENT_SIGN_IN_MINUTES)
    if signed_in_at is None or signed_in_at < timezone.now() - window:
        raise Forbidden(
            "Changing the password or the email needs a recent sign-in: sign in again (with a code "
            "sent to your email, or your password) and send the change from the new session.",
            error_code=ErrorCode.ACCOUNTS_RECENT_SIGN_IN_REQUIRED,
        )


def user_set_properties(
    *,
    user: User,
    session_key: uuid.UUID | None,
    username: str | None = None,
    password: str | None = None,
    email: str | None = None,
    otp: str | None = None,
    is_at_least_18_confirmed: bool | None = None,
    client_address: str | None = None,
) -> User:
    """``setSelfUserProperties``. At least one of the properties must be given.

    A new password or email needs a recent sign-in (``_assert_recent_sign_in``:
    a stolen session alone must not take the account over). A new email needs
    a valid OTP sent to it (``_assert_email_change_allowed``), checked before
    the user row is locked and outside the transaction, so what a wrong code
    counts is kept; the old address is archived. A new password ends every
    other session of the user.
    """
    if username is None and password is None and email is None and is_at_least_18_confirmed is None:
        raise BadRequest("Give at least one of 'username', 'password', 'email' or 'isAtLeast18Confirmed'.")
    if password is not None or email is not None:
        _assert_recent_sign_in(user=user, session_key=session_key)
    if password is not None:
        password_validate(password)
    if username is not None:
        username = username_clean(username)
    new_email = None
    if email is not None:
        new_email = email_normalize(email)
        _assert_email_change_allowed(user=user, new_email=new_email, otp=otp, client_address=client_address)
    return _user_save_properties(
        user=user,
        session_key=session_key,
        username=username,
        password=password,
        email=new_email,
        is_at_least_18_confirmed=is_at_least_18_confirmed,
    )


@transaction.atomic
def _user_save_properties(
    *,
    user: User,
    session_key: uuid.UUID | None,
    username: str | None,
    password: str | None,
    email: str | None,
    is_at_least_18_confirmed: bool | None,
) -> User:
    """Write what ``user_set_properties`` allowed, under the user row's lock."""
    user = User.objects.select_for_update().get(pk=user.pk)
    fields = ["updated_at"]
    if email is not None:
        if user.email:
            ArchivedEmail.objects.create(user=user, email=user.email)
        user.email = email
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
    registered again and signing in to it is refused, unless the account was
    password-only (``user_is_password_only``: it may have been someone else's
    address, registered without proof), whose address is released
    (``user_release_email``).
    """
    user = User.objects.select_for_update().get(pk=user.pk)
    if not user.is_disabled:
        user.is_disabled = True
        user.deleted_at = timezone.now()
        user.save(update_fields=["is_disabled", "deleted_at", "updated_at"])
    sessions_end_for_user(user=user)
    if user_is_password_only(user=user):
        user_release_email(user=user)
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


# --- Addresses nobody proved -------------------------------------------------------------


def user_release_email(*, user: User) -> None:
    """``user`` lets go of its address: archived (Admins still see it) and cleared, so it is free again."""
    if user.email:
        ArchivedEmail.objects.create(user=user, email=user.email)
        user.email = None
        user.save(update_fields=["email", "updated_at"])


def user_holding_proven_email(*, email: str) -> User | None:
    """The caller has just proven they receive ``email``: the account of the bound domain that holds it.

    A password-only account (``user_is_password_only``) that is deleted or
    banned (abuse level 9) does not hold it against its owner: it lets go of
    it here (``user_release_email``) and ``None`` is returned, so the owner
    gets a new account. Any other account is returned (a live password-only
    one is the owner's to take over:
    ``accounts.signin.services.user_secure_for_proven_owner``).
    """
    user = user_find_by_email(email=email)
    if user is None:
        return None
    if (user.is_disabled or user.abuse_level >= ABUSE_LEVEL_BANNED) and user_is_password_only(user=user):
        user = User.objects.select_for_update().get(pk=user.pk)
        user_release_email(user=user)
        return None
    return user


# --- Credentials and staff ------------------------------------------------------------


def user_remove_password_and_sessions(*, user: User) -> tuple[bool, int]:
    """Make the password unusable and end every session; returns (a password was removed, sessions ended).

    What is left is a sign-in with a code sent to the email (or a linked
    provider): whoever receives the address's mail holds the account. Call
    inside a transaction, with the user row locked.
    """
    password_removed = user.has_usable_password()
    if password_removed:
        user.set_unusable_password()
        user.save(update_fields=["password", "updated_at"])
    return password_removed, sessions_end_for_user(user=user)


@dataclass(frozen=True)
class StaffGrant:
    """What ``user_grant_staff`` did, for the command or console page to say."""

    user: User
    granted: bool
    password_removed: bool
    sessions_ended: int

    @property
    def secured(self) -> bool:
        return self.password_removed or self.sessions_ended > 0

    @property
    def message(self) -> str:
        email = self.user.email
        if not self.granted:
            return f"{email} was already staff with these roles; nothing changed."
        roles = ", ".join(self.user.roles) or "no role"
        if not self.secured:
            return f"{email} is now staff ({roles})."
        removed = "its password was removed and " if self.password_removed else ""
        sessions = f"{self.sessions_ended} session{'s' * (self.sessions_ended != 1)}"
        return (
            f"The email {email} was never proven (no sign-in with a code, no OAuth link), so before it "
            f"became staff ({roles}) {removed}{sessions} ended. Its owner signs in with a code sent to "
            "that address and can then set a password."
        )


@transaction.atomic
def user_grant_staff(
    *,
    user: User,
    roles: Iterable[str] = (User.Role.ADMIN,),
    is_superuser: bool | None = None,
    password_set_by_operator: bool = False,
) -> StaffGrant:
    """Make ``user`` staff with exactly ``roles`` (and ``is_superuser`` when given): the only way in.

    ``create_admin_key``, a key or the staff flag given in the console, and
    ``createsuperuser`` all come here. If this gives the account anything it
    did not have and it is password-only (``user_is_password_only``: a
    password, and nobody ever proved its email), its password is removed and
    its sessions end first: the password may be an impostor's who registered
    the address with ``createUser``. Only
    ``createsuperuser`` passes ``password_set_by_operator``, for the account it
    has just made with the password the operator typed. Locks the user row.
    A guest or a deleted account is a ``Conflict``.
    """
    user = User.objects.select_for_update().get(pk=user.pk)
    if user.is_guest or not user.email:
        raise Conflict("A guest cannot become staff.")
    if user.is_disabled:
        raise Conflict(f"{user.email} is a deleted account: it cannot become staff.")
    wanted = sorted(set(roles))
    unknown = set(wanted) - set(User.Role.values)
    if unknown:
        raise InvalidParameter("roles", f"has unknown roles: {', '.join(sorted(unknown))}")
    granted = (
        not user.is_staff
        or bool(set(wanted) - set(user.roles or []))
        or (bool(is_superuser) and not user.is_superuser)
    )
    password_removed, sessions_ended = False, 0
    if granted and not password_set_by_operator and user_is_password_only(user=user):
        password_removed, sessions_ended = user_remove_password_and_sessions(user=user)
    fields = ["is_staff", "roles", "updated_at"]
    user.is_staff, user.roles = True, wanted
    if is_superuser is not None:
        user.is_superuser = is_superuser
        fields.append("is_superuser")
    user.save(update_fields=fields)
    return StaffGrant(
        user=user, granted=granted, password_removed=password_removed, sessions_ended=sessions_ended
    )
