"""Every read of the accounts app: users as callers and Admins see them, KVPs, payloads."""

from __future__ import annotations

import base64

from .models import ProfilePicture, User


def profile_picture_data_uri(*, user: User) -> str:
    """The user's picture as a ``data:image/webp;base64,...`` URI, or ``""`` when there is none."""
    webp = ProfilePicture.objects.filter(user=user).values_list("webp", flat=True).first()
    if not webp:
        return ""
    return "data:image/webp;base64," + base64.b64encode(bytes(webp)).decode()


def _iso(value) -> str | None:
    return value.isoformat() if value is not None else None


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
    is false for guests. Tier fields come from ``billing.entitlements``; item
    counts from ``library.selectors.user_library_counts``.
    ``extended_price_info`` is passed on to the entitlement's subscriptions
    (each gets ``price`` when billing provides it).
    """
    from billing.entitlements import user_entitlement

    entitlement = user_entitlement(user=user)
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
        "tierExpiration": _iso(entitlement.tier_expiration),
        "merchantProcessor": entitlement.merchant_processor,
        "subscriptions": subscriptions,
        "itemCount": 0,
        "rootFolderItemCount": 0,
    }
    if user is not None:
        from library.selectors import user_library_counts

        counts = user_library_counts(user=user)
        payload["itemCount"] = counts["itemCount"]
        payload["rootFolderItemCount"] = counts["rootFolderItemCount"]
    if include_profile_picture:
        payload["profilePicture"] = profile_picture_data_uri(user=user) if user is not None else ""
    return payload
