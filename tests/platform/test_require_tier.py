"""billing.entitlements.require_tier: the one tier check, a 403 envelope error naming the tier."""

from __future__ import annotations

import pytest

from aimg_site.api.exceptions import Forbidden
from billing import entitlements


def with_tier(monkeypatch, tier: int) -> None:
    monkeypatch.setattr(entitlements, "user_entitlement", lambda *, user: entitlements.Entitlement(tier=tier))


def test_a_lower_tier_is_a_403_naming_the_needed_tier(monkeypatch):
    with_tier(monkeypatch, 2)
    with pytest.raises(Forbidden) as raised:
        entitlements.require_tier(object(), 3, purpose="to delete a whole library")
    assert raised.value.status == 403
    assert raised.value.message == "A PRO tier of 3 or above is needed to delete a whole library."


def test_the_needed_tier_or_above_passes(monkeypatch):
    with_tier(monkeypatch, 3)
    entitlements.require_tier(object(), 3)
    entitlements.require_tier(None, 0)  # tier 0 is everyone's, anonymous callers included
