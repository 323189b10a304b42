"""Writes of admin keys: creation and revocation."""

from __future__ import annotations

import secrets

from django.db import transaction
from django.utils import timezone

from accounts.models import AdminKey, User
from accounts.users.services import StaffGrant, user_grant_staff

from .selectors import admin_key_digest

KEY_PREFIX = "aimg_"


@transaction.atomic
def admin_key_user_prepare(*, email: str) -> StaffGrant:
    """The staff user (``admin`` role) a key for ``email`` belongs to, in the bound domain.

    Created without a password when missing; made staff through
    ``user_grant_staff`` when not (an account whose email was never proven
    loses its password and sessions first). The result says what was done.
    """
    email = User.objects.normalize_email(email.strip())
    user = User.objects.filter(email__iexact=email, is_guest=False).first()
    if user is None:
        user = User.objects.create_user(email=email.lower())
    return user_grant_staff(user=user, roles=sorted({*(user.roles or []), User.Role.ADMIN}))


@transaction.atomic
def admin_key_create(*, email: str, name: str = "") -> tuple[AdminKey, str]:
    """Make a key for the staff user with ``email`` in the bound domain (``admin_key_user_prepare``).

    Returns the row and the raw key, which is never stored and cannot be
    shown again. Callers that must say what promotion did call
    ``admin_key_user_prepare`` first (it is then a no-op here).
    """
    user = admin_key_user_prepare(email=email).user
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
