"""createUser: sign-up with an OTP and/or a password, session rotation, guest items, referrals."""

from __future__ import annotations

import uuid

from accounts.models import OneTimePassword, Session, User, UserLoginProvider
from accounts.sessions.selectors import session_digest
from accounts.sessions.services import session_guest_user
from library.models import Item
from tests.support.assertions import assert_envelope
from tests.support.client import ApiClient
from tests.support.factories.library import ItemFactory
from tests.support.personas import Persona

from .conftest import STRONG_PASSWORD


def test_it_creates_a_user_with_an_otp_and_signs_them_in_on_a_new_session(api, guest, issue_code):
    code = issue_code("new@example.com", sign_up=True)
    response = api.post(
        "/createUser",
        persona=guest,
        email="New@Example.com",
        otp=code,
        username="newbie",
        isAtLeast18Confirmed=True,
    )

    assert_envelope(response, 200)
    payload = response.payload
    user = User.objects.get(email="new@example.com")
    assert payload["userID"] == str(user.id)
    assert payload["email"] == "new@example.com" and payload["username"] == "newbie"
    assert payload["isAuthenticated"] is True and payload["isAtLeast18Confirmed"] is True
    assert payload["tier"] == 0 and payload["subscriptions"] == [] and payload["merchantProcessor"] == ""
    assert payload["itemCount"] == 0 and payload["rootFolderItemCount"] == 0
    new_key = payload["sessionID"]
    assert new_key != guest.session_id
    assert response.headers["X-Session-ID"] == new_key
    assert not user.has_usable_password()
    me = api.get("/getSelfUser", persona=Persona(session_id=new_key)).payload
    assert me["userID"] == str(user.id) and me["isAuthenticated"] is True
    assert list(UserLoginProvider.objects.filter(user=user).values_list("provider_id", flat=True)) == ["OTP"]


def test_it_creates_a_user_with_a_password_only(api, guest):
    response = assert_envelope(
        api.post("/createUser", persona=guest, email="pw@example.com", password=STRONG_PASSWORD), 200
    )
    user = User.objects.get(email="pw@example.com")
    assert user.check_password(STRONG_PASSWORD)
    assert response.payload["isAuthenticated"] is True
    assert list(user.login_providers.values_list("provider_id", flat=True)) == ["Password"]


def test_without_a_session_header_it_makes_a_session_and_returns_it(api, issue_code):
    code = issue_code("nohdr@example.com")
    response = assert_envelope(api.post("/createUser", email="nohdr@example.com", otp=code), 200)
    key = response.payload["sessionID"]
    assert uuid.UUID(key) and response.headers["X-Session-ID"] == key
    assert Session.objects.get(key_digest=session_digest(uuid.UUID(key))).user.email == "nohdr@example.com"


def test_the_old_session_id_stops_working(api, guest, issue_code):
    session_guest_user(key=uuid.UUID(guest.session_id))
    assert api.get("/getSelfUser", persona=guest).payload["userID"] != ""
    code = issue_code("rot@example.com")
    assert_envelope(api.post("/createUser", persona=guest, email="rot@example.com", otp=code), 200)
    me = api.get("/getSelfUser", persona=guest).payload
    assert me["isAuthenticated"] is False and me["userID"] == ""


def test_a_guests_items_move_to_the_new_account(api, guest, issue_code):
    guest_user = session_guest_user(key=uuid.UUID(guest.session_id))
    items = ItemFactory.create_batch(2, owner=guest_user)
    code = issue_code("mover@example.com")

    response = assert_envelope(
        api.post("/createUser", persona=guest, email="mover@example.com", otp=code), 200
    )

    user = User.objects.get(email="mover@example.com")
    assert set(Item.objects.filter(owner=user).values_list("id", flat=True)) == {i.id for i in items}
    assert response.payload["itemCount"] == 2


def test_it_records_referrers_and_the_affiliate(api, guest):
    assert_envelope(
        api.post(
            "/createUser",
            persona=guest,
            email="ref@example.com",
            password=STRONG_PASSWORD,
            refList=["https://a.example/", "https://b.example/"],
            rs="partner-7",
        ),
        200,
    )
    user = User.objects.get(email="ref@example.com")
    assert user.ref_list == ["https://a.example/", "https://b.example/"] and user.rs == "partner-7"


def test_reflist_may_be_comma_separated(api, guest):
    assert_envelope(
        api.post(
            "/createUser", persona=guest, email="ref2@example.com", password=STRONG_PASSWORD, refList="x, y"
        ),
        200,
    )
    assert User.objects.get(email="ref2@example.com").ref_list == ["x", "y"]


def test_a_registered_email_is_a_409_and_does_not_spend_the_code(api, guest, owner, issue_code):
    code = issue_code("owner@example.com")
    response = assert_envelope(
        api.post("/createUser", persona=guest, email="OWNER@example.com", otp=code), 409
    )
    assert "already registered" in response.error
    assert OneTimePassword.objects.get(email="owner@example.com").used_at is None


def test_a_wrong_otp_is_a_401_and_creates_nobody(api, guest, issue_code):
    code = issue_code("wrong@example.com")
    wrong = "000000" if code != "000000" else "111111"
    response = assert_envelope(
        api.post("/createUser", persona=guest, email="wrong@example.com", otp=wrong), 401
    )
    assert "code" in response.error
    assert not User.objects.filter(email="wrong@example.com").exists()


def test_an_otp_of_another_email_is_refused(api, guest, issue_code):
    code = issue_code("someone@example.com")
    assert_envelope(api.post("/createUser", persona=guest, email="else@example.com", otp=code), 401)


def test_it_needs_a_password_or_an_otp(api, guest):
    response = assert_envelope(api.post("/createUser", persona=guest, email="none@example.com"), 400)
    assert "password" in response.error and "otp" in response.error


def test_a_weak_password_is_a_400_that_says_what_is_missing(api, guest):
    response = assert_envelope(
        api.post("/createUser", persona=guest, email="weak@example.com", password="abc"), 400
    )
    assert "at least 8 characters" in response.error
    assert "upper-case" in response.error and "digit" in response.error and "special" in response.error
    assert "lower-case" not in response.error
    assert not User.objects.filter(email="weak@example.com").exists()


def test_an_invalid_email_is_a_400(api, guest):
    assert_envelope(api.post("/createUser", persona=guest, email="nope", password=STRONG_PASSWORD), 400)


def test_the_same_email_may_register_on_another_domain(owner, other_domain, guest):
    response = ApiClient("api.sexy.ai").post(
        "/createUser", persona=guest, email="owner@example.com", password=STRONG_PASSWORD
    )
    assert_envelope(response, 200)
    assert User.all_domains.filter(email="owner@example.com").count() == 2


def test_sign_ups_are_limited_per_client_address(api, guest):
    for n in range(60):
        api.post("/createUser", persona=guest, email=f"x{n}@example.com", password="short")
    assert_envelope(
        api.post("/createUser", persona=guest, email="y@example.com", password=STRONG_PASSWORD), 429
    )


def test_an_email_that_lower_casing_lengthens_past_254_characters_is_a_400_not_a_fault(api, guest):
    email = ("a" * 64) + "@" + ".".join(["\u0130" * 25] * 4) + ".com"  # 172 sent, 272 lower-cased

    response = assert_envelope(api.post("/createUser", persona=guest, email=email, password="Aa1!aaaaa"), 400)

    assert "'email'" in response.error
    assert not User.objects.filter(is_guest=False).exists()
