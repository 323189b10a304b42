"""Reads of users: users as callers and Admins see them, and the payloads describing them."""

from __future__ import annotations

import base64
import datetime as dt
import uuid
from dataclasses import dataclass

from allauth.socialaccount.models import SocialAccount
from django.db.models import Count, IntegerField, OuterRef, Subquery, Sum

from accounts.models import ArchivedEmail, ProfilePicture, Session, User, UserLoginProvider
from accounts.oauth.selectors import oauth_login_providers
from aimg_site.api.exceptions import InvalidParameter, NotFound
from aimg_site.core.prepared import PreparedQuery
from billing import entitlements  # called as entitlements.user_entitlement: tests substitute it
from library.items.counts import library_counts_fold_quietly
from library.items.selectors import FOLD_AFTER_ENTRIES, user_library_counts
from library.models import LibraryCountEntry
from moderation.checks.selectors import user_flag_counts


def profile_picture_data_uri(*, user: User) -> str:
    """The user's picture as a ``data:image/webp;base64,...`` URI, or ``""`` when there is none."""
    webp = ProfilePicture.objects.filter(user=user).values_list("webp", flat=True).first()
    if not webp:
        return ""
    return "data:image/webp;base64," + base64.b64encode(bytes(webp)).decode()


def _iso(value) -> str | None:
    """ISO 8601 in UTC with a ``Z``, as DRF and the library write dates."""
    if value is None:
        return None
    return value.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")


@dataclass(frozen=True)
class SelfUserFacts:
    """What getSelfUser reads of a user besides the user row: the library counts and whether an
    active (or cancelling) subscription row exists, which billing's rule needs to look at."""

    item_count: int = 0
    root_folder_item_count: int = 0
    may_have_tier: bool = False


_NO_FACTS = SelfUserFacts()


def _self_user_facts_query(stand_in):
    ledger = LibraryCountEntry.objects.filter(user_id=OuterRef("pk")).order_by().values("user_id")
    return (
        User.all_domains.filter(pk=stand_in.user)
        .annotate(
            facts_items=Subquery(
                ledger.annotate(n=Sum("item_delta")).values("n"), output_field=IntegerField()
            ),
            facts_root=Subquery(
                ledger.annotate(n=Sum("root_delta")).values("n"), output_field=IntegerField()
            ),
            facts_entries=Subquery(ledger.annotate(n=Count("id")).values("n"), output_field=IntegerField()),
            facts_subscribed=entitlements.may_have_tier("pk"),
        )
        .values_list("facts_items", "facts_root", "facts_entries", "facts_subscribed")
    )


_SELF_USER_FACTS = PreparedQuery(_self_user_facts_query, {"user": User._meta.pk})


def self_user_facts(*, user: User | None) -> SelfUserFacts:
    """``SelfUserFacts`` of ``user`` in one prepared query (none for an anonymous session). The counts
    are ``user_item_counts``'s (a read that finds many ledger entries folds them, as it does)."""
    if user is None or user.pk is None:
        return _NO_FACTS
    rows = _SELF_USER_FACTS.rows(user=user.pk)
    if not rows:
        return _NO_FACTS
    items, root, entries, subscribed = rows[0]
    if (entries or 0) > FOLD_AFTER_ENTRIES:
        library_counts_fold_quietly(user_id=user.pk)
    return SelfUserFacts(int(items or 0), int(root or 0), bool(subscribed) and not user.is_guest)


def self_user_payload(
    *,
    user: User | None,
    session_key,
    include_profile_picture: bool = False,
    extended_price_info: bool = False,
) -> dict:
    """The reference's ``SelfUser`` object for the caller.

    ``user`` is the signed-in user, a guest, or ``None`` (an anonymous
    session with no user yet: ``userID`` ``""``, counts 0). ``isAuthenticated``
    is false for guests. ``tierExpiration`` is optional in the reference: it is
    left out when the tier does not expire. Tier fields come from ``billing.entitlements``; item
    counts are ``library.items.selectors.user_item_counts``'s (a maintained ledger, whatever the
    library's size), read with the subscription check in one prepared query (``self_user_facts``).
    ``extended_price_info`` is passed on to the entitlement's subscriptions
    (each gets ``price`` when billing provides it).
    """
    facts = self_user_facts(user=user)
    # Without an active or cancelling subscription row the tier is free whatever else is true; with
    # one, billing's rule decides (``billing.entitlements``).
    entitlement = entitlements.user_entitlement(user=user) if facts.may_have_tier else entitlements.FREE
    subscriptions = [dict(s) for s in entitlement.subscriptions]
    if not extended_price_info:
        for subscription in subscriptions:
            subscription.pop("price", None)
    payload: dict = {
        "sessionID": str(session_key) if session_key else "",
        "userID": str(user.pk) if user is not None else "",
        "email": (user.email or "") if user is not None else "",
        "username": user.username if user is not None else "",
        "isAuthenticated": bool(user is not None and not user.is_guest),
        "isAtLeast18Confirmed": bool(user is not None and user.is_at_least_18_confirmed),
        "tier": entitlement.tier,
        "merchantProcessor": entitlement.merchant_processor,
        "subscriptions": subscriptions,
        "itemCount": 0,
        "rootFolderItemCount": 0,
    }
    if entitlement.tier_expiration is not None:
        payload["tierExpiration"] = _iso(entitlement.tier_expiration)
    payload["itemCount"] = facts.item_count
    payload["rootFolderItemCount"] = facts.root_folder_item_count
    if include_profile_picture:
        payload["profilePicture"] = profile_picture_data_uri(user=user) if user is not None else ""
    return payload


def user_find_by_email(*, email: str) -> User | None:
    """The registered (not guest) account with ``email`` in the bound domain, deleted ones included."""
    return User.objects.filter(email__iexact=email, is_guest=False).first()


def user_email_is_proven(*, user: User) -> bool:
    """Has someone shown they receive this account's email (an OTP sign-in, or an OAuth link)?

    ``createUser`` registers an address with a password alone, so an account
    without either may be an impostor's who registered someone else's address.
    """
    return (
        UserLoginProvider.objects.filter(user=user, provider_id=UserLoginProvider.Provider.OTP).exists()
        or SocialAccount.objects.filter(user=user).exists()
    )


def user_is_password_only(*, user: User) -> bool:
    """The account has a password and nobody ever proved its email: it may be an impostor's.

    Such an account does not hold its address against whoever proves it
    (sign-up and sign-in with a code, an OAuth link), and it becomes staff only
    after losing its password and sessions. An account without a usable
    password can only be entered with a code or a provider, which prove it.
    """
    return user.has_usable_password() and not user_email_is_proven(user=user)


def _uuid_or_400(value: str, parameter: str = "userID") -> uuid.UUID:
    try:
        return uuid.UUID(str(value).strip())
    except ValueError:
        raise InvalidParameter(parameter, "must be a valid UUID") from None


def user_get_public(*, user_id: str) -> User:
    """An account as anyone may see it: not a guest, not deleted; else ``NotFound``."""
    user = User.objects.filter(pk=_uuid_or_400(user_id), is_guest=False, is_disabled=False).first()
    if user is None:
        raise NotFound("There is no user with this userID.")
    return user


def user_get_for_admin(
    *, user_id: str | None = None, email: str | None = None, username: str | None = None
) -> User:
    """The user matching every given criterion, deleted ones included, for an Admin.

    At least one criterion is needed (400). Usernames are not unique: a
    username lookup returns the active account first, then the newest.
    """
    if not (user_id or email or username):
        raise InvalidParameter("userID", "or 'email' or 'username' must be provided")
    users = User.objects.all()
    if user_id:
        users = users.filter(pk=_uuid_or_400(user_id))
    if email:
        users = users.filter(email__iexact=email.strip())
    if username:
        users = users.filter(username__iexact=username.strip())
    user = users.order_by("is_disabled", "-created_at", "pk").first()
    if user is None:
        raise NotFound("There is no user matching this lookup.")
    return user


def user_public_payload(*, user: User) -> dict:
    """``getUser`` for Users: identifier, username and profile picture (``""`` when none)."""
    return {
        "userID": str(user.pk),
        "username": user.username,
        "profilePicture": profile_picture_data_uri(user=user),
    }


def user_admin_payload(*, user: User) -> dict:
    """``getUser`` for Admins: the public fields plus the extended ones.

    ``profilePicture`` is then a boolean (whether one is set), as the
    reference's extended table says. ``flaggedImagesCount`` and
    ``highHeatImagesCount`` are the moderation app's counts of the user's
    items with an accepted report and with a pending High Heat report. ``loginProviders`` are the internal ways the user
    has signed in (``OTP``, ``Password``) plus their OAuth accounts;
    ``connectProviders`` are the OAuth accounts alone.
    """
    entitlement = entitlements.user_entitlement(user=user)
    counts = user_library_counts(user=user)
    oauth = oauth_login_providers(user=user)
    internal = [
        {"providerType": "internal", "providerId": provider_id}
        for provider_id in UserLoginProvider.objects.filter(user=user).values_list("provider_id", flat=True)
    ]
    return {
        "userID": str(user.pk),
        "username": user.username,
        "email": user.email or "",
        "createdDate": _iso(user.created_at),
        "updatedDate": _iso(user.updated_at),
        "deletedDate": _iso(user.deleted_at),
        "isDisabled": user.is_disabled,
        "isAtLeast18Confirmed": user.is_at_least_18_confirmed,
        "tier": entitlement.tier,
        "tierExpiration": _iso(entitlement.tier_expiration),
        "merchantProcessor": entitlement.merchant_processor,
        "subscriptions": [dict(s) for s in entitlement.subscriptions],
        **user_flag_counts(user=user),
        "refList": list(user.ref_list or []),
        "rs": user.rs,
        "loginProviders": internal + oauth,
        "connectProviders": oauth,
        "abuse": user.abuse_level,
        "profilePicture": ProfilePicture.objects.filter(user=user).exists(),
        "profilePictureBanned": user.profile_picture_banned,
        "archivedEmails": [
            {"email": email, "archivedDate": _iso(archived_at)}
            for email, archived_at in ArchivedEmail.objects.filter(user=user).values_list(
                "email", "archived_at"
            )
        ],
        "itemCount": counts["itemCount"],
        "publicItemCount": counts["publicItemCount"],
        "rootFolderItemCount": counts["rootFolderItemCount"],
        "additionalInformation": user.additional_information,
        "roles": list(user.roles or []),
    }


_API2_SESSION_NAMESPACE = uuid.UUID("6f1d8a52-3c1e-4d5b-9a7e-2b8f0c4e7d19")


#: PRO tier from which a user may call API2 endpoints.
API2_MIN_TIER = 1


def api2_user_session_payload(*, user: User, session: Session) -> dict:
    """``GET /2/getUserSession``: the caller's API2 session and user.

    API2 sessions are the ordinary sessions; ``userSession._id`` is a stable
    opaque UUID derived from the session's stored digest (never the session id
    itself, which is a credential). ``flaggedImagesCount`` is the moderation
    app's count of the user's items with an accepted report. API2 needs a PRO tier of ``API2_MIN_TIER`` or above (403).
    """
    entitlements.require_tier(user, API2_MIN_TIER, purpose="for API2 endpoints")
    domain_name = user.domain.name
    return {
        "userSession": {
            "_id": str(uuid.uuid5(_API2_SESSION_NAMESPACE, session.key_digest)),
            "domain": domain_name,
            "isAtLeast18Confirmed": user.is_at_least_18_confirmed,
            "updatedDate": _iso(user.updated_at),
            "userID": str(user.pk),
        },
        "user": {
            "_id": str(user.pk),
            "email": user.email or "",
            "username": user.username,
            "domain": domain_name,
            "createdDate": _iso(user.created_at),
            "isDisabled": user.is_disabled,
            "roles": list(user.roles or []),
            "flaggedImagesCount": user_flag_counts(user=user)["flaggedImagesCount"],
        },
    }
