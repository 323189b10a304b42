"""Reads of affiliate ads: the candidates of the bound domain, and the weighted pick."""

from __future__ import annotations

import random
from datetime import datetime

from django.db.models import Q, QuerySet
from django.utils import timezone

from ..models import AffiliateAd


def affiliate_ads_active(*, now: datetime | None = None) -> QuerySet[AffiliateAd]:
    """The bound domain's ads shown at ``now``: active, inside their window (bounds may be open)."""
    now = now or timezone.now()
    return AffiliateAd.objects.filter(
        Q(starts_at__isnull=True) | Q(starts_at__lte=now),
        Q(ends_at__isnull=True) | Q(ends_at__gt=now),
        is_active=True,
    ).order_by("id")


def affiliate_ad_pick(*, now: datetime | None = None, rng: random.Random | None = None) -> AffiliateAd | None:
    """One active ad, each with a chance proportional to its weight; ``None`` when none is active."""
    candidates = list(affiliate_ads_active(now=now).only("id", "ad_text", "ad_link", "weight"))
    if not candidates:
        return None
    return (rng or random).choices(candidates, weights=[ad.weight for ad in candidates], k=1)[0]
