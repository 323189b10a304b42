"""Reads of admin keys: the active key behind an ``X-Administration-Key`` value."""

from __future__ import annotations

import hashlib

from django.utils import timezone

from accounts.models import AdminKey
from accounts.users.abuse import ABUSE_LEVEL_BANNED


def admin_key_digest(raw_key: str) -> str:
    # Keys carry 256 random bits, so a fast hash is as safe as a slow one and
    # lets every admin request be checked with one indexed lookup.
    return hashlib.sha256(raw_key.encode()).hexdigest()


def admin_key_find(*, raw_key: str) -> AdminKey | None:
    """The active key matching ``raw_key`` in the bound domain, with its user.

    The user must still be staff, not deleted and below abuse level 9: taking ``is_staff`` away (or
    deleting the account) ends every key at once, without revoking each.
    """
    if not raw_key or len(raw_key) > 200:
        return None
    key = (
        AdminKey.objects.select_related("user")
        .filter(
            key_digest=admin_key_digest(raw_key),
            revoked_at__isnull=True,
            user__is_active=True,
            user__is_staff=True,
        )
        .first()
    )
    if key is None or key.user.is_disabled or key.user.abuse_level >= ABUSE_LEVEL_BANNED:
        return None
    now = timezone.now()
    if key.last_used_at is None or (now - key.last_used_at).total_seconds() > 60:
        AdminKey.objects.filter(pk=key.pk).update(last_used_at=now)
    return key
