"""Gift-card reads (never a code: only batches and redemption facts)."""

from __future__ import annotations

from django.db.models import Count, Q, QuerySet

from ..models import GiftCardBatch


def gift_card_batches() -> QuerySet[GiftCardBatch]:
    """The bound domain's batches, newest first, each with its ``redeemed_count``."""
    return GiftCardBatch.objects.annotate(
        redeemed_count=Count("cards", filter=Q(cards__redeemed_at__isnull=False))
    ).order_by("-created_at", "id")
