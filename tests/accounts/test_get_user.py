"""getUser: public fields by userID for Users; extended fields and more lookups for Admins."""

from __future__ import annotations

import uuid

import pytest
from allauth.socialaccount.models import SocialAccount

from accounts.models import ArchivedEmail, ProfilePicture, User, UserLoginProvider
from aimg_site.core.models import AuditLogEntry
from tests.support.assertions import assert_envelope
from tests.support.client import ApiClient
from tests.support.factories.library import FolderFactory, ItemFactory

ADMIN_KEYS = {
    "userID",
    "username",
    "profilePicture",
    "email",
    "createdDate",
    "updatedDate",
    "deletedDate",
    "isDisabled",
    "isAtLeast18Confirmed",
    "tier",
    "tierExpiration",
    "merchantProcessor",
    "subscriptions",
    "flaggedImagesCount",
    "highHeatImagesCount",
    "refList",
    "rs",
    "loginProviders",
    "connectProviders",
    "abuse",
    "profilePictureBanned",
    "archivedEmails",
    "itemCount",
    "publicItemCount",
    "rootFolderItemCount",
    "additionalInformation",
    "roles",
}


def test_a_user_sees_the_public_fields_of_another(api, owner, other_user):
    response = assert_envelope(api.get("/getUser", persona=other_user, userID=str(owner.user.id)), 200)
    assert response.payload == {"userID": str(owner.user.id), "username": "owner", "profilePicture": ""}


def test_a_guest_sees_the_public_fields_too(api, guest, owner):
    assert api.get("/getUser", persona=guest, userID=str(owner.user.id)).payload["username"] == "owner"


def test_the_owner_sees_only_the_public_fields_without_a_key(api, owner):
    assert set(api.get("/getUser", persona=owner, userID=str(owner.user.id)).payload) == {
        "userID",
        "username",
        "profilePicture",
    }


def test_users_need_a_user_id(api, owner):
    assert "userID" in assert_envelope(api.get("/getUser", persona=owner), 400).error


@pytest.mark.parametrize("lookup", [{"email": "owner@example.com"}, {"username": "owner"}])
def test_users_cannot_look_up_by_email_or_username(api, other_user, owner, lookup):
    response = assert_envelope(api.get("/getUser", persona=other_user, **lookup), 400)
    assert "X-Administration-Key" in response.error


def test_a_deleted_user_is_a_404_for_users(api, owner, other_user):
    User.objects.filter(pk=owner.user.pk).update(is_disabled=True)
    assert_envelope(api.get("/getUser", persona=other_user, userID=str(owner.user.id)), 404)


def test_a_guest_user_is_a_404_for_users(api, other_user):
    ghost = User.objects.create_user(is_guest=True)
    assert_envelope(api.get("/getUser", persona=other_user, userID=str(ghost.id)), 404)


def test_an_unknown_or_malformed_id_is_a_404_or_400(api, owner):
    assert_envelope(api.get("/getUser", persona=owner, userID=str(uuid.uuid4())), 404)
    assert_envelope(api.get("/getUser", persona=owner, userID="abc"), 400)


def test_a_user_of_another_domain_is_a_404(api, owner):
    assert_envelope(ApiClient("api.sexy.ai").get("/getUser", persona=owner, userID=str(owner.user.id)), 404)


def test_an_admin_gets_the_extended_fields(api, admin, owner):
    user = owner.user
    User.objects.filter(pk=user.pk).update(
        ref_list=["https://r.example/"],
        rs="aff",
        abuse_level=1,
        additional_information="note",
        roles=["moderator"],
    )
    ProfilePicture.objects.create(user=user, webp=b"x")
    ArchivedEmail.objects.create(user=user, email="older@example.com")
    UserLoginProvider.objects.create(user=user, provider_id="OTP", last_used_at=user.created_at)

    SocialAccount.objects.create(user=user, provider="github:freejourney.ai", uid="gh-42")
    ItemFactory(owner=user)
    ItemFactory(owner=user, folder=FolderFactory(owner=user))
    ItemFactory(owner=user, public=True)

    response = assert_envelope(api.get("/getUser", persona=admin, userID=str(user.id)), 200)

    payload = response.payload
    assert set(payload) == ADMIN_KEYS
    assert payload["email"] == "owner@example.com"
    assert payload["profilePicture"] is True and payload["profilePictureBanned"] is False
    assert payload["refList"] == ["https://r.example/"] and payload["rs"] == "aff"
    assert (
        payload["abuse"] == 1
        and payload["additionalInformation"] == "note"
        and payload["roles"] == ["moderator"]
    )
    assert payload["isDisabled"] is False and payload["deletedDate"] is None
    assert payload["tier"] == 0 and payload["subscriptions"] == []
    assert payload["flaggedImagesCount"] == 0 and payload["highHeatImagesCount"] == 0
    assert (
        payload["itemCount"] == 3 and payload["rootFolderItemCount"] == 1 and payload["publicItemCount"] == 1
    )
    assert payload["archivedEmails"][0]["email"] == "older@example.com"
    assert payload["archivedEmails"][0]["archivedDate"].startswith("20")
    assert payload["loginProviders"] == [
        {"providerType": "internal", "providerId": "OTP"},
        {"providerType": "oauth", "providerId": "GitHub", "userId": "gh-42"},
    ]
    assert payload["connectProviders"] == [
        {"providerType": "oauth", "providerId": "GitHub", "userId": "gh-42"}
    ]
    entry = AuditLogEntry.objects.get()
    assert entry.action == "getUser" and entry.target_id == str(user.id) and entry.actor_id == admin.user.id


@pytest.mark.parametrize("lookup", [{"email": "OWNER@example.com"}, {"username": "Owner"}])
def test_an_admin_looks_up_by_email_or_username(api, admin, owner, lookup):
    assert api.get("/getUser", persona=admin, **lookup).payload["userID"] == str(owner.user.id)


def test_an_admin_sees_deleted_users(api, admin, owner):
    api.delete("/deleteUser", persona=owner)
    payload = assert_envelope(api.get("/getUser", persona=admin, email="owner@example.com"), 200).payload
    assert payload["isDisabled"] is True and payload["deletedDate"] is not None


def test_an_admin_username_lookup_prefers_the_active_account(api, admin, owner, make_user):
    User.objects.filter(pk=owner.user.pk).update(is_disabled=True)
    twin = make_user("twin@example.com", username="owner")
    assert api.get("/getUser", persona=admin, username="owner").payload["userID"] == str(twin.user.id)


def test_an_admin_needs_some_lookup(api, admin):
    assert_envelope(api.get("/getUser", persona=admin), 400)


def test_an_admin_lookup_of_nobody_is_a_404(api, admin):
    assert_envelope(api.get("/getUser", persona=admin, email="nobody@example.com"), 404)


def test_an_invalid_admin_key_is_a_403(api, owner):
    response = api.get(
        "/getUser", persona=owner, userID=str(owner.user.id), headers={"X-Administration-Key": "x"}
    )
    assert_envelope(response, 403)


def test_admin_lookups_stay_within_a_few_queries(api, admin, owner, django_assert_max_num_queries):
    ItemFactory.create_batch(3, owner=owner.user)
    with django_assert_max_num_queries(16):
        assert_envelope(api.get("/getUser", persona=admin, userID=str(owner.user.id)), 200)
