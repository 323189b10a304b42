"""What a user is entitled to: PRO tier, its expiry, and the subscriptions behind it.

Every other app asks these functions (never billing tables directly), so the
rules of tiers live in one place.

Until the billing app lands its plans and subscriptions, every user is on the
free tier: ``tier`` 0, no expiration, no merchant processor and no
subscriptions. The billing app replaces the body of ``user_entitlement``; the
names and keyword-only signatures stay.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

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

    Placeholder until the billing issue lands: always the free tier (tier 0,
    no expiration, merchant processor ``""``, no subscriptions).
    """
    return Entitlement(tier=0, tier_expiration=None, merchant_processor="", subscriptions=[])


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
