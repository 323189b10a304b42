"""The declarations ``ApiView`` acts on: respond(), caller, audit_action, rate_limits."""

from __future__ import annotations

import pytest

from aimg_site.api.views import ApiView, Limit, LimitKey
from aimg_site.core.models import AuditLogEntry
from tests.conftest import assert_envelope

pytestmark = pytest.mark.urls("tests.platform.urls_declarations")


def test_signed_in_callers_pass_and_the_view_gets_their_user(api, owner):
    payload = assert_envelope(api.get("/testSignedIn", persona=owner)).payload
    assert payload == {"userID": str(owner.user.id), "isGuest": False}


def test_signed_in_is_a_401_for_anonymous_sessions_and_guests(api, guest):
    assert_envelope(api.get("/testSignedIn", persona=guest), 401)
    # a guest user (made by a write) is still not signed in
    assert assert_envelope(api.post("/testUserOrGuest", persona=guest)).payload["isGuest"] is True
    assert_envelope(api.get("/testSignedIn", persona=guest), 401)


def test_user_or_guest_makes_the_guest_on_writes_only(api, guest, owner):
    assert assert_envelope(api.get("/testUserOrGuest", persona=guest)).payload["userID"] is None
    made = assert_envelope(api.post("/testUserOrGuest", persona=guest)).payload
    assert made["isGuest"] is True and made["userID"]
    assert assert_envelope(api.get("/testUserOrGuest", persona=guest)).payload == made
    assert assert_envelope(api.get("/testUserOrGuest", persona=owner)).payload["userID"] == str(owner.user.id)


def test_the_guest_is_made_on_first_use_so_a_refused_call_makes_none(api, guest):
    from accounts.models import User

    before = User.objects.count()
    assert_envelope(api.post("/testGuestLater", persona=guest, refuse=True), 400)
    assert User.objects.count() == before
    made = assert_envelope(api.post("/testGuestLater", persona=guest)).payload
    assert made["isGuest"] is True and User.objects.count() == before + 1


def test_a_view_may_name_a_read_that_makes_the_guest(api, guest):
    from accounts.models import User

    before = User.objects.count()
    assert assert_envelope(api.get("/testGuestOnRead", persona=guest)).payload["userID"] is None
    assert User.objects.count() == before
    made = assert_envelope(api.get("/testGuestOnRead", persona=guest, make="1")).payload
    assert made["isGuest"] is True and User.objects.count() == before + 1


def test_the_schema_documents_the_guest_limit_for_the_methods_that_make_guests():
    from aimg_site.api.schema import error_statuses
    from tests.platform import urls_declarations as views

    assert 429 in error_statuses(views.GuestLaterApi, "POST")
    assert 429 in error_statuses(views.GuestOnReadApi, "GET")
    assert 429 not in error_statuses(views.UserOrGuestApi, "GET")


def test_an_undeclared_method_is_a_405_before_the_caller_check(api, guest):
    assert_envelope(api.delete("/testSignedIn", persona=guest), 405)


def test_respond_serializes_many_with_metadata_when_paginated(api, guest):
    response = assert_envelope(api.get("/testMany", persona=guest))
    assert response.payload == [{"userID": None, "isGuest": False}]
    assert response.metadata == {"paginationIndex": 1}


def test_the_layer_writes_one_audit_row_for_an_admins_successful_call(api, admin):
    assert_envelope(api.post("/testAudited", persona=admin))
    entry = AuditLogEntry.objects.get()
    assert entry.action == "testAudited"
    assert entry.details == {"note": "done"}
    assert entry.target_type == "User" and entry.target_id


def test_no_audit_row_for_a_failed_call_or_a_call_without_a_key(api, admin, owner):
    assert_envelope(api.post("/testAudited", persona=admin, fail=True), 409)
    assert_envelope(api.post("/testAudited", persona=owner))
    assert not AuditLogEntry.objects.exists()


def test_limits_keyed_by_address_or_user_are_hit_by_the_layer(api, owner, other_user):
    for _ in range(2):
        assert_envelope(api.get("/testDeclaredLimits", persona=owner))
    response = assert_envelope(api.get("/testDeclaredLimits", persona=owner), 429)
    assert response.error.startswith("Slow down, ")
    # the address limit is shared by everyone behind one address
    assert_envelope(api.get("/testDeclaredLimits", persona=other_user), 429)


def test_plain_names_are_request_data_limits_left_to_services():
    class Legacy(ApiView):
        rate_limits = ("otp-send-email", Limit("sign-in-address", by=LimitKey.ADDRESS))

    assert Legacy.declared_limits() == [
        Limit("otp-send-email", by=LimitKey.REQUEST_DATA),
        Limit("sign-in-address", by=LimitKey.ADDRESS),
    ]
    assert Legacy.rate_limit_names() == ["otp-send-email", "sign-in-address"]
