"""SelfUserOutput's hand-written representation agrees with its declared fields."""

from __future__ import annotations

import pytest
from rest_framework import serializers

from accounts.users.serializers import SelfUserOutput

BASE = {
    "sessionID": "9a8a0b7e-6a33-4bd3-9a84-5d0b0a3fb2a1",
    "userID": "",
    "email": "",
    "username": "",
    "isAuthenticated": False,
    "isAtLeast18Confirmed": False,
    "tier": 0,
    "merchantProcessor": "",
    "subscriptions": [],
    "itemCount": 0,
    "rootFolderItemCount": 0,
}
SUBSCRIPTION = {"merchantProcessor": "stripe", "tier": 2, "productID": "pro", "tierExpiration": None}


@pytest.mark.parametrize(
    "payload",
    [
        BASE,
        {**BASE, "userID": "u-1", "email": "a@example.com", "username": "a", "isAuthenticated": True},
        {**BASE, "profilePicture": "", "tierExpiration": "2030-01-01T00:00:00Z", "itemCount": 7},
        {**BASE, "tier": 2, "merchantProcessor": "stripe", "subscriptions": [SUBSCRIPTION]},
    ],
)
def test_the_fast_representation_is_the_declared_one(payload):
    fast = SelfUserOutput(payload).data
    declared = serializers.Serializer.to_representation(SelfUserOutput(payload), payload)
    assert dict(fast) == dict(declared)
    assert list(fast) == list(declared)  # the same key order
