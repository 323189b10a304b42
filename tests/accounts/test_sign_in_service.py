"""accounts.signin.services.user_sign_in (also used by OAuth) and the helpers other apps import."""

from __future__ import annotations

import uuid

import pytest

from accounts.models import Session, User, UserLoginProvider
from accounts.sessions.selectors import session_digest
from accounts.sessions.services import session_guest_user
from accounts.signin.services import user_sign_in
from accounts.users.abuse import abuse_assert_can_generate, abuse_assert_can_sign_in
from accounts.users.selectors import self_user_payload
from aimg_site.api.exceptions import Forbidden
from billing.entitlements import Entitlement, user_entitlement, user_tier
from library.models import Folder, Item
from tests.support.factories.accounts import UserFactory
from tests.support.factories.billing import give_tier
from tests.support.factories.library import FolderFactory, ItemFactory


def test_it_rotates_the_session_and_moves_the_guests_library():
    old_key = uuid.uuid4()
    guest = session_guest_user(key=old_key)
    folder = FolderFactory(owner=guest)
    item = ItemFactory(owner=guest, folder=folder)
    user = UserFactory()

    new_key = user_sign_in(user=user, old_session_key=old_key, login_provider="google")

    assert new_key != old_key
    assert not Session.objects.filter(key_digest=session_digest(old_key)).exists()
    session = Session.objects.get(key_digest=session_digest(new_key))
    assert session.user == user and session.is_authenticated and session.login_provider == "google"
    assert Item.objects.get(pk=item.pk).owner == user and Folder.objects.get(pk=folder.pk).owner == user
    assert not UserLoginProvider.objects.filter(user=user).exists()  # OAuth ones come from SocialAccount


def test_it_records_internal_providers():
    user = UserFactory()
    user_sign_in(user=user, old_session_key=None, login_provider="Password")
    assert list(UserLoginProvider.objects.filter(user=user).values_list("provider_id", flat=True)) == [
        "Password"
    ]


def test_signing_in_from_another_users_session_moves_nothing():
    first = UserFactory()
    key = user_sign_in(user=first, old_session_key=None, login_provider="OTP")
    item = ItemFactory(owner=first)
    second = UserFactory()
    user_sign_in(user=second, old_session_key=key, login_provider="OTP")
    assert Item.objects.get(pk=item.pk).owner == first


@pytest.mark.parametrize("fields", [{"abuse_level": 9}, {"is_disabled": True}])
def test_it_refuses_banned_and_deleted_users_and_keeps_the_old_session(fields):
    old_key = uuid.uuid4()
    guest = session_guest_user(key=old_key)
    item = ItemFactory(owner=guest)
    user = UserFactory(**fields)
    with pytest.raises(Forbidden):
        user_sign_in(user=user, old_session_key=old_key, login_provider="OTP")
    assert Session.objects.filter(key_digest=session_digest(old_key)).exists()
    assert Item.objects.get(pk=item.pk).owner == guest


def test_abuse_level_1_blocks_generation_but_not_sign_in():
    user = UserFactory(abuse_level=1)
    with pytest.raises(Forbidden, match="Generating"):
        abuse_assert_can_generate(user=user)
    abuse_assert_can_sign_in(user=user)
    abuse_assert_can_generate(user=UserFactory(abuse_level=0))
    abuse_assert_can_generate(user=None)


def test_the_entitlement_is_the_free_tier_until_billing_lands():
    user = UserFactory()
    assert user_entitlement(user=user) == Entitlement(
        tier=0, tier_expiration=None, merchant_processor="", subscriptions=[]
    )
    assert user_tier(user=user) == 0


def test_the_self_user_of_an_anonymous_session_is_an_empty_guest():
    key = uuid.uuid4()
    payload = self_user_payload(user=None, session_key=key, include_profile_picture=True)
    assert (
        payload["sessionID"] == str(key) and payload["userID"] == "" and payload["isAuthenticated"] is False
    )
    assert payload["itemCount"] == 0 and payload["profilePicture"] == ""


def test_subscription_prices_are_shown_only_with_extended_price_info():
    price = {
        "type": "subscription",
        "period": "month",
        "currency": "USD",
        "currencyType": "fiat",
        "value": 9.99,
    }
    user = UserFactory()
    give_tier(user, 2, provider="stripe", product_id="pro-monthly", price=price)
    plain = self_user_payload(user=user, session_key=uuid.uuid4())
    extended = self_user_payload(user=user, session_key=uuid.uuid4(), extended_price_info=True)
    assert "price" not in plain["subscriptions"][0] and plain["tier"] == 2
    assert extended["subscriptions"][0]["price"]["value"] == 9.99
    assert "price" in user_entitlement(user=user).subscriptions[0]  # the entitlement is not modified


def test_a_guest_users_payload_carries_its_id_but_is_not_authenticated():
    guest = User.objects.create_user(is_guest=True)
    payload = self_user_payload(user=guest, session_key=uuid.uuid4())
    assert payload["userID"] == str(guest.id) and payload["isAuthenticated"] is False
