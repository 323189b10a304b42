"""getSelfUser: the SelfUser of a signed-in user, a guest and an anonymous session."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from django.utils import timezone

from accounts.models import ProfilePicture, Session, User
from accounts.sessions.selectors import session_digest
from accounts.sessions.services import session_guest_user
from billing.entitlements import user_entitlement
from tests.support.assertions import assert_envelope
from tests.support.factories.billing import give_tier
from tests.support.factories.library import FolderFactory, ItemFactory

SELF_USER_KEYS = {
    "sessionID",
    "userID",
    "email",
    "username",
    "isAuthenticated",
    "isAtLeast18Confirmed",
    "tier",
    "merchantProcessor",
    "subscriptions",
    "itemCount",
    "rootFolderItemCount",
}


def test_it_describes_the_signed_in_user(api, owner):
    folder = FolderFactory(owner=owner.user)
    ItemFactory.create_batch(2, owner=owner.user)
    ItemFactory(owner=owner.user, folder=folder)
    deleted = ItemFactory(owner=owner.user)
    deleted.deleted_at = deleted.created_at
    deleted.save()

    payload = assert_envelope(api.get("/getSelfUser", persona=owner), 200).payload

    assert set(payload) == SELF_USER_KEYS
    assert payload["sessionID"] == owner.session_id
    assert payload["userID"] == str(owner.user.id)
    assert payload["email"] == "owner@example.com" and payload["username"] == "owner"
    assert payload["isAuthenticated"] is True
    assert payload["tier"] == 0 and "tierExpiration" not in payload  # optional: no expiry, no field
    assert payload["itemCount"] == 3 and payload["rootFolderItemCount"] == 2


def test_it_does_not_count_other_users_items(api, owner, other_user):
    ItemFactory(owner=other_user.user)
    assert api.get("/getSelfUser", persona=owner).payload["itemCount"] == 0


def test_an_anonymous_session_is_a_guest_with_no_user(api, guest):
    response = assert_envelope(api.get("/getSelfUser", persona=guest), 200)
    payload = response.payload
    assert payload["sessionID"] == guest.session_id
    assert payload["userID"] == "" and payload["isAuthenticated"] is False and payload["email"] == ""
    assert payload["itemCount"] == 0
    assert "X-Session-ID" not in response.headers
    assert not Session.objects.filter(key_digest=session_digest(uuid.UUID(guest.session_id))).exists()


def test_a_guest_user_shows_its_id_and_items_but_is_not_authenticated(api, guest):
    guest_user = session_guest_user(key=uuid.UUID(guest.session_id))
    ItemFactory(owner=guest_user)
    payload = api.get("/getSelfUser", persona=guest).payload
    assert payload["userID"] == str(guest_user.id)
    assert payload["isAuthenticated"] is False and payload["itemCount"] == 1


def test_without_a_session_header_it_makes_a_new_session(api):
    response = assert_envelope(api.get("/getSelfUser"), 200)
    key = response.payload["sessionID"]
    assert uuid.UUID(key)
    assert response.headers["X-Session-ID"] == key
    assert response.payload["isAuthenticated"] is False


def test_a_malformed_session_header_is_a_400(api):
    assert_envelope(api.get("/getSelfUser", headers={"X-Session-ID": "nope"}), 400)


def test_it_remembers_the_age_confirmation(api, owner):
    assert (
        api.get("/getSelfUser", persona=owner, isAtLeast18Confirmed=True).payload["isAtLeast18Confirmed"]
        is True
    )
    assert User.objects.get(pk=owner.user.pk).is_at_least_18_confirmed is True
    assert api.get("/getSelfUser", persona=owner).payload["isAtLeast18Confirmed"] is True
    assert (
        api.get("/getSelfUser", persona=owner, isAtLeast18Confirmed=False).payload["isAtLeast18Confirmed"]
        is False
    )


def test_an_anonymous_session_confirming_age_gets_a_guest_that_remembers_it(api, guest):
    payload = api.get("/getSelfUser", persona=guest, isAtLeast18Confirmed=True).payload
    assert payload["isAtLeast18Confirmed"] is True and payload["userID"] != ""
    assert api.get("/getSelfUser", persona=guest).payload["isAtLeast18Confirmed"] is True


def test_an_anonymous_session_declining_age_creates_nothing(api, guest):
    api.get("/getSelfUser", persona=guest, isAtLeast18Confirmed=False)
    assert not User.objects.filter(is_guest=True).exists()


def test_the_profile_picture_is_returned_only_when_asked(api, owner):
    ProfilePicture.objects.create(user=owner.user, webp=b"RIFF....WEBP")
    assert "profilePicture" not in api.get("/getSelfUser", persona=owner).payload
    picture = api.get("/getSelfUser", persona=owner, profilePicture=True).payload["profilePicture"]
    assert picture.startswith("data:image/webp;base64,")


def test_a_user_without_a_picture_gets_an_empty_string_when_asking(api, owner):
    assert api.get("/getSelfUser", persona=owner, profilePicture=True).payload["profilePicture"] == ""


def test_a_bad_boolean_is_a_400_naming_it(api, owner):
    response = assert_envelope(api.get("/getSelfUser", persona=owner, profilePicture="maybe"), 400)
    assert "profilePicture" in response.error


def test_a_deleted_users_session_is_anonymous(api, owner):
    User.objects.filter(pk=owner.user.pk).update(is_disabled=True)
    assert api.get("/getSelfUser", persona=owner).payload["userID"] == ""


def test_subscriptions_show_prices_only_when_extended_price_info_is_asked(api, owner):
    price = {"type": "subscription", "period": "month", "currency": "USD", "currencyType": "fiat", "value": 5}
    give_tier(owner.user, 1, provider="stripe", product_id="pro", price=price)
    plain = api.get("/getSelfUser", persona=owner).payload["subscriptions"][0]
    assert "price" not in plain and plain["productID"] == "pro" and plain["tier"] == 1
    extended = api.get("/getSelfUser", persona=owner, extendedPriceInfo=True).payload["subscriptions"][0]
    assert extended["price"]["value"] == 5.0 and extended["price"]["currency"] == "USD"


def test_a_tier_that_expires_gives_its_expiration_as_iso_8601_with_timezone(api, owner):
    expires = dt.datetime(2030, 1, 2, 3, 4, 5, tzinfo=dt.UTC)
    give_tier(owner.user, 2, expires=expires)

    payload = assert_envelope(api.get("/getSelfUser", persona=owner), 200).payload

    assert payload["tier"] == 2
    assert payload["tierExpiration"] == "2030-01-02T03:04:05Z"
    assert dt.datetime.fromisoformat(payload["tierExpiration"]) == expires


@pytest.mark.parametrize(
    "subscriptions",
    [
        [],
        [{"tier": 2}],
        [{"tier": 1, "status": "cancelling"}],
        [{"tier": 3, "status": "expired"}],
        [{"tier": 3, "expires": dt.timedelta(days=-1)}],
        [{"tier": 2, "started_at": dt.timedelta(days=1)}],
        [{"tier": 1}, {"tier": 3, "expires": dt.timedelta(days=3)}, {"tier": 3, "status": "cancelling"}],
    ],
)
def test_the_tier_is_billings_whatever_the_subscriptions(api, owner, subscriptions):
    """getSelfUser asks billing only when an active or cancelling row exists: the answer is still
    exactly ``user_entitlement``'s."""
    for shape in subscriptions:
        shape = dict(shape)
        started = shape.pop("started_at", None)
        if started is not None:
            shape["started_at"] = timezone.now() + started
        give_tier(owner.user, shape.pop("tier"), expires=shape.pop("expires", None), **shape)
    payload = assert_envelope(api.get("/getSelfUser", persona=owner)).payload
    entitlement = user_entitlement(user=owner.user)
    assert payload["tier"] == entitlement.tier
    assert payload["merchantProcessor"] == entitlement.merchant_processor
    assert len(payload["subscriptions"]) == len(entitlement.subscriptions)
    assert ("tierExpiration" in payload) == (entitlement.tier_expiration is not None)
