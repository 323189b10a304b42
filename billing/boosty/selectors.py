"""Boosty reads: the admin accounts whose cookies are still live."""

from __future__ import annotations

from django.db.models import QuerySet
from django.utils import timezone

from ..models import BoostyAccount


def boosty_accounts_live() -> QuerySet[BoostyAccount]:
    """The bound domain's Boosty accounts whose cookies have not expired, by account id."""
    return BoostyAccount.objects.filter(expires_at__gt=timezone.now()).order_by("account_id")
