"""Reads of the signed-in user's key-value pairs (``getUserKVP``)."""

from __future__ import annotations

from accounts.models import User, UserKVP
from aimg_site.api.exceptions import NotFound


def kvp_get(*, user: User, key: str) -> UserKVP:
    """The user's pair for ``key``; ``NotFound`` (404) when there is none."""
    kvp = UserKVP.objects.filter(user=user, key=key).first()
    if kvp is None:
        raise NotFound(f"There is no key {key!r}.")
    return kvp
