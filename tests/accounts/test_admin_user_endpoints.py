"""Admin endpoints: setProfilePictureBanned, setUserAdditionalInformation, setUserAbuseLevel."""

from __future__ import annotations

import pytest

from accounts.models import ProfilePicture, User
from aimg_site.core.models import AuditLogEntry
from aimg_site.core.scoping import domain_context
from tests.support.assertions import assert_envelope

from .conftest import STRONG_PASSWORD, image_data_uri

ADMIN_ENDPOINTS = ["/setProfilePictureBanned", "/setUserAdditionalInformation", "/setUserAbuseLevel"]


@pytest.mark.parametrize("path", ADMIN_ENDPOINTS)
def test_users_without_a_key_get_a_403(api, owner, path):
    assert_envelope(api.post(path, persona=owner, userID=str(owner.user.id)), 403)
    assert not AuditLogEntry.objects.exists()


@pytest.mark.parametrize("path", ADMIN_ENDPOINTS)
def test_a_wrong_key_is_a_403(api, owner, path):
    response = api.post(
        path, persona=owner, userID=str(owner.user.id), headers={"X-Administration-Key": "aimg_not-a-key"}
    )
    assert_envelope(response, 403)


@pytest.mark.parametrize("path", ADMIN_ENDPOINTS)
def test_guests_without_a_key_get_a_403(api, guest, owner, path):
    assert_envelope(api.post(path, persona=guest, email="owner@example.com"), 403)


@pytest.mark.parametrize("path", ADMIN_ENDPOINTS)
def test_a_target_is_required(api, admin, path):
    response = assert_envelope(api.post(path, persona=admin), 400)
    assert "userID" in response.error and "email" in response.error


@pytest.mark.parametrize("path", ADMIN_ENDPOINTS)
def test_an_unknown_target_is_a_404(api, admin, path):
    assert_envelope(api.post(path, persona=admin, email="nobody@example.com"), 404)
    assert_envelope(api.post(path, persona=admin, userID="6f1d8a52-3c1e-4d5b-9a7e-2b8f0c4e7d19"), 404)


@pytest.mark.parametrize("path", ADMIN_ENDPOINTS)
def test_a_malformed_user_id_is_a_400(api, admin, path):
    assert "userID" in assert_envelope(api.post(path, persona=admin, userID="12"), 400).error


@pytest.mark.parametrize("path", ADMIN_ENDPOINTS)
def test_a_user_of_another_domain_is_not_found(api, admin, path, other_domain):
    with domain_context(other_domain):
        stranger = User.objects.create_user(email="stranger@example.com")
    assert_envelope(api.post(path, persona=admin, userID=str(stranger.id)), 404)


@pytest.mark.parametrize("path", ADMIN_ENDPOINTS)
def test_userid_and_email_must_name_the_same_user(api, admin, owner, other_user, path):
    assert_envelope(api.post(path, persona=admin, userID=str(owner.user.id), email="other@example.com"), 404)


# --- setProfilePictureBanned -----------------------------------------------------------


def test_banning_removes_the_picture_and_blocks_new_ones(api, admin, owner):
    api.post("/setSelfUserProfilePicture", persona=owner, profilePicture=image_data_uri())
    response = assert_envelope(
        api.post(
            "/setProfilePictureBanned", persona=admin, email="owner@example.com", profilePictureBanned=True
        ),
        200,
    )
    assert response.payload == [{"profilePictureBanned": True}]
    assert not ProfilePicture.objects.filter(user=owner.user).exists()
    assert_envelope(
        api.post("/setSelfUserProfilePicture", persona=owner, profilePicture=image_data_uri()), 403
    )
    entry = AuditLogEntry.objects.get()
    assert entry.action == "setProfilePictureBanned" and entry.target_id == str(owner.user.id)
    assert entry.actor_id == admin.user.id and entry.details == {"profilePictureBanned": True}


def test_unbanning_does_not_restore_the_old_picture_but_allows_a_new_one(api, admin, owner):
    api.post("/setSelfUserProfilePicture", persona=owner, profilePicture=image_data_uri())
    api.post("/setProfilePictureBanned", persona=admin, userID=str(owner.user.id), profilePictureBanned=True)
    response = api.post(
        "/setProfilePictureBanned", persona=admin, userID=str(owner.user.id), profilePictureBanned=False
    )
    assert response.payload == [{"profilePictureBanned": False}]
    assert not ProfilePicture.objects.filter(user=owner.user).exists()
    assert_envelope(
        api.post("/setSelfUserProfilePicture", persona=owner, profilePicture=image_data_uri()), 200
    )


def test_without_a_status_it_returns_the_current_one_and_changes_nothing(api, admin, owner):
    User.objects.filter(pk=owner.user.pk).update(profile_picture_banned=True)
    response = assert_envelope(
        api.post("/setProfilePictureBanned", persona=admin, userID=str(owner.user.id)), 200
    )
    assert response.payload == [{"profilePictureBanned": True}]
    assert AuditLogEntry.objects.count() == 1


# --- setUserAdditionalInformation --------------------------------------------------------


def test_it_sets_and_returns_the_notes_as_a_one_element_array(api, admin, owner):
    response = assert_envelope(
        api.post(
            "/setUserAdditionalInformation",
            persona=admin,
            userID=str(owner.user.id),
            additionalInformation="Chargeback in March.",
        ),
        200,
    )
    assert response.payload == [{"additionalInformation": "Chargeback in March."}]
    assert User.objects.get(pk=owner.user.pk).additional_information == "Chargeback in March."
    assert AuditLogEntry.objects.get().action == "setUserAdditionalInformation"


@pytest.mark.parametrize("body", [{}, {"additionalInformation": ""}, {"additionalInformation": None}])
def test_absent_or_empty_notes_remove_them(api, admin, owner, body):
    User.objects.filter(pk=owner.user.pk).update(additional_information="old")
    response = api.post("/setUserAdditionalInformation", persona=admin, email="owner@example.com", **body)
    assert response.payload == [{"additionalInformation": ""}]
    assert User.objects.get(pk=owner.user.pk).additional_information == ""


def test_notes_longer_than_the_limit_are_a_400(api, admin, owner):
    response = api.post(
        "/setUserAdditionalInformation",
        persona=admin,
        email="owner@example.com",
        additionalInformation="x" * 10_001,
    )
    assert "additionalInformation" in assert_envelope(response, 400).error


# --- setUserAbuseLevel ----------------------------------------------------------------------


def test_it_sets_an_abuse_level(api, admin, owner):
    response = assert_envelope(
        api.post("/setUserAbuseLevel", persona=admin, email="owner@example.com", abuse=1), 200
    )
    assert response.payload == {"abuse": 1}
    assert User.objects.get(pk=owner.user.pk).abuse_level == 1
    entry = AuditLogEntry.objects.get()
    assert entry.action == "setUserAbuseLevel" and entry.details == {"abuse": 1}


@pytest.mark.parametrize("value", [None, 10, -1, "high", 2.5, True, [3]])
def test_no_level_or_an_invalid_one_returns_the_current_level(api, admin, owner, value):
    User.objects.filter(pk=owner.user.pk).update(abuse_level=3)
    body = {} if value is None else {"abuse": value}
    response = assert_envelope(
        api.post("/setUserAbuseLevel", persona=admin, userID=str(owner.user.id), **body), 200
    )
    assert response.payload == {"abuse": 3}
    assert User.objects.get(pk=owner.user.pk).abuse_level == 3


def test_a_numeric_string_level_is_accepted(api, admin, owner):
    assert api.post("/setUserAbuseLevel", persona=admin, userID=str(owner.user.id), abuse="2").payload == {
        "abuse": 2
    }


def test_level_9_ends_every_session_and_refuses_sign_in(api, admin, make_user, guest):
    target = make_user("target@example.com", password=STRONG_PASSWORD)
    assert api.get("/getSelfUser", persona=target).payload["isAuthenticated"] is True

    assert_envelope(api.post("/setUserAbuseLevel", persona=admin, email="target@example.com", abuse=9), 200)

    assert api.get("/getSelfUser", persona=target).payload["isAuthenticated"] is False
    response = api.post(
        "/authenticateUser", persona=guest, email="target@example.com", password=STRONG_PASSWORD
    )
    assert_envelope(response, 403)


def test_level_1_keeps_sessions(api, admin, owner):
    api.post("/setUserAbuseLevel", persona=admin, email="owner@example.com", abuse=1)
    assert api.get("/getSelfUser", persona=owner).payload["isAuthenticated"] is True


def test_lowering_from_9_allows_sign_in_again(api, admin, make_user, guest):
    make_user("target@example.com", password=STRONG_PASSWORD)
    api.post("/setUserAbuseLevel", persona=admin, email="target@example.com", abuse=9)
    api.post("/setUserAbuseLevel", persona=admin, email="target@example.com", abuse=0)
    response = api.post(
        "/authenticateUser", persona=guest, email="target@example.com", password=STRONG_PASSWORD
    )
    assert_envelope(response, 200)


def test_an_admin_may_target_a_deleted_user(api, admin, owner):
    User.objects.filter(pk=owner.user.pk).update(is_disabled=True)
    assert_envelope(api.post("/setUserAbuseLevel", persona=admin, email="owner@example.com", abuse=2), 200)
