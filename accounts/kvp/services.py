"""Writes of the signed-in user's key-value pairs (``setUserKVP``, ``deleteUserKVP``)."""

from __future__ import annotations

import unicodedata

from django.db import transaction

from accounts.models import User, UserKVP
from aimg_site.api.errors import ErrorCode
from aimg_site.api.exceptions import Conflict, InvalidParameter, NotFound, PayloadTooLarge

# errorCode a front end may switch on (documented in docs/decisions.md).

KVP_KEY_MAX_LENGTH = 128
KVP_VALUE_MAX_BYTES = 64 * 1024
KVP_MAX_PER_USER = 200


def kvp_key_clean(key: str) -> str:
    """``key`` unchanged when it is 1-128 characters with no control characters, else a 400."""
    if not key:
        raise InvalidParameter("key", "must not be empty")
    if len(key) > KVP_KEY_MAX_LENGTH:
        raise InvalidParameter("key", f"must be at most {KVP_KEY_MAX_LENGTH} characters")
    if any(unicodedata.category(ch) == "Cc" for ch in key):
        raise InvalidParameter("key", "must not contain control characters")
    return key


@transaction.atomic
def kvp_set(*, user: User, key: str, value: str) -> UserKVP:
    """Create or replace ``key``. Locks the user row so the per-user count limit holds under concurrency."""
    key = kvp_key_clean(key)
    if len(value.encode()) > KVP_VALUE_MAX_BYTES:
        raise PayloadTooLarge(f"Parameter 'value' must be at most {KVP_VALUE_MAX_BYTES} bytes of UTF-8.")
    User.objects.select_for_update().filter(pk=user.pk).first()
    existing = UserKVP.objects.filter(user=user, key=key).first()
    if existing is not None:
        existing.value = value
        existing.save(update_fields=["value", "updated_at"])
        return existing
    if UserKVP.objects.filter(user=user).count() >= KVP_MAX_PER_USER:
        raise Conflict(
            f"You already have {KVP_MAX_PER_USER} keys, the most allowed. Delete one first.",
            error_code=ErrorCode.ACCOUNTS_KVP_LIMIT,
        )
    return UserKVP.objects.create(user=user, key=key, value=value)


def kvp_delete(*, user: User, key: str) -> None:
    """Delete ``key``; ``NotFound`` (404) when the user has no such key."""
    deleted, _ = UserKVP.objects.filter(user=user, key=kvp_key_clean(key)).delete()
    if not deleted:
        raise NotFound(f"There is no key {key!r}.")
