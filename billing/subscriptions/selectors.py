"""Subscription reads beyond the entitlement (which lives in ``billing.entitlements``)."""

from __future__ import annotations

from django.db.models import QuerySet

from ..models import Subscription


def subscriptions_of(*, user) -> QuerySet[Subscription]:
    """Every subscription of ``user`` in the bound domain, expired ones included, newest first."""
    return Subscription.objects.filter(user=user).order_by("-created_at", "id")
