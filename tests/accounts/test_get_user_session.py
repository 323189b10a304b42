"""GET /2/getUserSession: the API2 session and user, for signed-in users with a PRO tier above 0."""

from __future__ import annotations

import uuid

import pytest

from billing.entitlements import Entitlement
from tests.support.assertions import assert_envelope


@pytest.fixture
def pro(monkeypatch):
    monkeypatch.setattr(
        "billing.entitlements.user_entitlement",
        lambda *, user: Entitlement(tier=1, tier_expiration=None, merchant_processor="", subscriptions=[]),
    )


def test_a_pro_user_gets_their_session_and_user(api, owner, pro):
    response = assert_envelope(api.get("/2/getUserSession", persona=owner), 200)
    session, user = response.payload["userSession"], response.payload["user"]
    assert uuid.UUID(session["_id"]) and session["_id"] != owner.session_id
    assert session["domain"] == "freejourney.ai" and session["userID"] == str(owner.user.id)
    assert session["isAtLeast18Confirmed"] is False and session["updatedDate"].startswith("20")
    assert user == {
        "_id": str(owner.user.id),
        "email": "owner@example.com",
        "username": "owner",
        "domain": "freejourney.ai",
        "createdDate": owner.user.created_at.isoformat().replace("+00:00", "Z"),
        "isDisabled": False,
        "roles": [],
        "flaggedImagesCount": 0,
    }


def test_the_session_id_is_stable_for_one_session_and_differs_between_sessions(api, owner, other_user, pro):
    first = api.get("/2/getUserSession", persona=owner).payload["userSession"]["_id"]
    assert api.get("/2/getUserSession", persona=owner).payload["userSession"]["_id"] == first
    assert api.get("/2/getUserSession", persona=other_user).payload["userSession"]["_id"] != first


def test_a_free_user_gets_a_403(api, owner):
    response = assert_envelope(api.get("/2/getUserSession", persona=owner), 403)
    assert "PRO" in response.error


def test_a_guest_gets_a_401(api, guest, pro):
    assert_envelope(api.get("/2/getUserSession", persona=guest), 401)


def test_the_session_header_is_required(api):
    assert_envelope(api.get("/2/getUserSession"), 400)


def test_post_is_a_405(api, owner, pro):
    assert_envelope(api.post("/2/getUserSession", persona=owner), 405)
