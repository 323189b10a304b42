"""Admin keys: creation, revocation and lookup of ``X-Administration-Key`` values."""

from __future__ import annotations

import hashlib
import secrets

from django.db import transaction
from django.utils import timezone

from .abuse import ABUSE_LEVEL_BANNED
from .models import AdminKey, User

KEY_PREFIX = "aimg_"


def admin_key_digest(raw_key: str) -> str:
    # Keys carry 256 random bits, so a fast hash is as safe as a slow one and
    # lets every admin request be checked with one indexed lookup.
    return hashlib.sha256(raw_key.encode()).hexdigest()


@transaction.atomic
def admin_key_create(*, email: str, name: str = "") -> tuple[AdminKey, str]:
    """Make a key for the staff user with ``email`` in the bound domain.

    The user is created (staff, ``admin`` role, no password) when missing, and
    made staff when not. Returns the row and the raw key, which is never
    stored and cannot be shown again.
    """
    email = User.objects.normalize_email(email.strip())
    user = User.objects.filter(email__iexact=email).first()
    if user is None:
        user = User.objects.create_user(email=email, is_staff=True, roles=["admin"])
    elif not user.is_staff or "admin" not in user.roles:
        user.is_staff = True
        user.roles = sorted({*user.roles, "admin"})
        user.save(update_fields=["is_staff", "roles", "updated_at"])
    raw_key = KEY_PREFIX + secrets.token_urlsafe(32)
    key = AdminKey.objects.create(
        user=user, name=name, prefix=raw_key[:12], key_digest=admin_key_digest(raw_key)
    )
    return key, raw_key


def admin_key_revoke(*, key: AdminKey) -> AdminKey:
    if key.revoked_at is None:
        key.revoked_at = timezone.now()
        key.save(update_fields=["revoked_at"])
    return key


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
