"""Writes of admin keys: creation and revocation."""

from __future__ import annotations

import secrets

from django.db import transaction
from django.utils import timezone

from accounts.models import AdminKey, User

from .selectors import admin_key_digest

KEY_PREFIX = "aimg_"


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
