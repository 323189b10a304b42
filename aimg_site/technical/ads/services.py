"""Writes of affiliate ads. Staff manage ads in the console; this is the same write for code."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction

from ..models import AffiliateAd


@transaction.atomic
def affiliate_ad_create(
    *,
    ad_text: str,
    ad_link: str,
    weight: int = 1,
    is_active: bool = True,
    starts_at: datetime | None = None,
    ends_at: datetime | None = None,
) -> AffiliateAd:
    """A new ad of the bound domain (validated as the console does)."""
    ad = AffiliateAd(
        ad_text=ad_text,
        ad_link=ad_link,
        weight=weight,
        is_active=is_active,
        starts_at=starts_at,
        ends_at=ends_at,
    )
    ad.full_clean(exclude=["domain"])
    ad.save()
    return ad
