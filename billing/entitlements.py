"""What a user is entitled to: PRO tier, its expiry, and the subscriptions behind it.

Every other app asks these functions (never billing tables directly), so the
rules of tiers live in one place.

A user's tier is the highest tier among their ``billing.models.Subscription``
rows active at this instant (status active or cancelling, no expiry or an
expiry in the future): a subscription past its expiry stops counting at once,
before ``expire_subscriptions`` marks it. Anonymous sessions and guests are on
the free tier (``FREE``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from aimg_site.api.exceptions import Forbidden


@dataclass(frozen=True)
class Entitlement:
    """A user's PRO status at one moment.

    ``subscriptions`` are already shaped as the reference's ``Subscription``
    objects (camelCase keys), ready to put in a payload.
    """

    tier: int = 0
    tier_expiration: dt.datetime | None = None
    merchant_processor: str = ""
    subscriptions: list[dict] = field(default_factory=list)


FREE = Entitlement(tier=0, tier_expiration=None, merchant_processor="", subscriptions=[])


def user_entitlement(*, user) -> Entitlement:
    """The entitlement of ``user`` (a ``User``, a guest, or ``None`` for an anonymous session).

    One query of the user's subscriptions active now. ``tier`` is the highest
    of their tiers; ``tier_expiration`` and ``merchant_processor`` are those of
    the subscription giving it (of the ones with that tier, the one lasting
    longest; ``None`` when one of them never expires). ``subscriptions`` are
    every active row, newest first, each with its ``price`` snapshot when it
    has one (callers drop it unless ``extendedPriceInfo`` was asked for).
    """
    if user is None or getattr(user, "pk", None) is None or getattr(user, "is_guest", False):
        return FREE
    from .models import Subscription

    now = timezone.now()
    rows = list(
        Subscription.all_domains.filter(user_id=user.pk, status__in=ACTIVE_STATUSES)
        .filter(Q(tier_expiration__isnull=True) | Q(tier_expiration__gt=now))
        .filter(started_at__lte=now)
        .order_by("-created_at", "id")
    )
    if not rows:
        return FREE
    top = max(row.tier for row in rows)
    best = max(
        (row for row in rows if row.tier == top),
        key=lambda row: (row.tier_expiration is None, row.tier_expiration or now),
    )
    return Entitlement(
        tier=top,
        tier_expiration=best.tier_expiration,
        merchant_processor=best.payment_provider,
        subscriptions=[subscription_payload(row) for row in rows],
    )


#: The statuses in which a subscription still counts (until its expiry, if any).
ACTIVE_STATUSES = ("active", "cancelling")


def may_have_tier(user_ref: str = "pk") -> Exists:
    """An expression, true when the user ``OuterRef(user_ref)`` has a subscription row in a counting
    status (its expiry not yet checked): a cheap pre-check that another app's query can embed, so
    that ``user_entitlement`` is asked only when it can answer more than ``FREE`` (getSelfUser
    reads it with the library counts in one prepared query)."""
    from .models import Subscription

    return Exists(Subscription.all_domains.filter(user_id=OuterRef(user_ref), status__in=ACTIVE_STATUSES))


def iso_datetime(value: dt.datetime | None) -> str | None:
    """``value`` as an ISO 8601 UTC string ending in ``Z`` (``None`` stays ``None``)."""
    if value is None:
        return None
    return value.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")


def subscription_payload(row) -> dict:
    """The reference's ``Subscription`` object of one row (optional fields only when set)."""
    payload: dict = {
        "merchantProcessor": row.payment_provider,
        "tier": row.tier,
        "productID": row.product_id,
    }
    if row.tier_expiration is not None:
        payload["tierExpiration"] = iso_datetime(row.tier_expiration)
    if row.next_billing_date is not None and row.status == "active":
        payload["nextBillingDate"] = iso_datetime(row.next_billing_date)
    for key, value in (
        ("payerID", row.payer_id),
        ("transactionID", row.transaction_id),
        ("additionalInformation", row.additional_information),
    ):
        if value:
            payload[key] = value
    if row.price:
        payload["price"] = dict(row.price)
    return payload


def user_tier(*, user) -> int:
    """The PRO tier of ``user`` (0 = free)."""
    return user_entitlement(user=user).tier


def require_tier(user, tier: int, *, purpose: str = "") -> None:
    """Raise the 403 envelope error unless ``user`` has at least PRO ``tier``.

    The message names the tier needed, e.g. ``require_tier(user, 3, purpose="to delete a whole
    library")`` answers "A PRO tier of 3 or above is needed to delete a whole library.", so every
    tier check in the apps is this one call and answers alike.
    """
    if user_tier(user=user) < tier:
        suffix = f" {purpose}" if purpose else ""
        raise Forbidden(f"A PRO tier of {tier} or above is needed{suffix}.")
