"""authenticateUser: OTP or password, automatic sign-up, rotation, limits, refusals."""

from __future__ import annotations

import uuid

import pytest
from django.contrib.auth.hashers import MD5PasswordHasher

from accounts.models import User, UserLoginProvider
from accounts.sessions.services import session_guest_user
from aimg_site.api import ratelimit
from library.models import Item
from tests.support.assertions import assert_envelope
from tests.support.client import ApiClient
from tests.support.factories.library import ItemFactory
from tests.support.personas import Persona

from .conftest import STRONG_PASSWORD, prove_email


@pytest.fixture
def member(make_user):
    return make_user("member@example.com", password=STRONG_PASSWORD, username="member")


def test_it_signs_in_with_a_password_on_a_new_session(api, guest, member):
    response = assert_envelope(
        api.post("/authenticateUser", persona=guest, email="Member@example.com", password=STRONG_PASSWORD),
        200,
    )
    assert response.payload["userID"] == str(member.user.id)
    assert response.payload["isAuthenticated"] is True
    new_key = response.payload["sessionID"]
    assert new_key not in (guest.session_id, member.session_id)
    assert response.headers["X-Session-ID"] == new_key
    assert api.get("/getSelfUser", persona=Persona(session_id=new_key)).payload["userID"] == str(
        member.user.id
    )
    assert list(member.user.login_providers.values_list("provider_id", flat=True)) == ["Password"]


def test_it_signs_in_with_an_otp(api, guest, member, issue_code):
    code = issue_code("member@example.com")
    response = assert_envelope(
        api.post("/authenticateUser", persona=guest, email="member@example.com", otp=code), 200
    )
    assert response.payload["userID"] == str(member.user.id)
    assert list(member.user.login_providers.values_list("provider_id", flat=True)) == ["OTP"]


def test_a_valid_otp_for_an_unknown_email_creates_the_account(api, guest, issue_code):
    code = issue_code("brand.new@example.com")
    response = assert_envelope(
        api.post("/authenticateUser", persona=guest, email="brand.new@example.com", otp=code), 200
    )
    user = User.objects.get(email="brand.new@example.com")
    assert response.payload["userID"] == str(user.id) and response.payload["isAuthenticated"] is True


def test_an_unknown_email_with_a_password_only_is_a_401_and_creates_nobody(api, guest):
    response = api.post(
        "/authenticateUser", persona=guest, email="ghost@example.com", password=STRONG_PASSWORD
    )
    assert_envelope(response, 401)
    assert not User.objects.filter(email="ghost@example.com").exists()


def test_a_wrong_password_is_a_401(api, guest, member):
    response = assert_envelope(
        api.post("/authenticateUser", persona=guest, email="member@example.com", password="Wrong-pass-1"), 401
    )
    assert "password" in response.error


def test_a_wrong_otp_is_a_401(api, guest, member, issue_code):
    code = issue_code("member@example.com")
    wrong = "123456" if code != "123456" else "654321"
    assert_envelope(api.post("/authenticateUser", persona=guest, email="member@example.com", otp=wrong), 401)


def test_it_needs_an_otp_or_a_password(api, guest, member):
    response = assert_envelope(api.post("/authenticateUser", persona=guest, email="member@example.com"), 400)
    assert "otp" in response.error


def test_wrong_passwords_are_limited_per_email(api, guest, member):
    for _ in range(10):
        assert_envelope(
            api.post("/authenticateUser", persona=guest, email="member@example.com", password="Wrong-pass-1"),
            401,
        )
    response = api.post(
        "/authenticateUser", persona=guest, email="member@example.com", password=STRONG_PASSWORD
    )
    assert_envelope(response, 429)
    assert "Retry-After" in response.headers


def test_wrong_otps_are_limited_per_email(api, guest, member, issue_code):
    code = issue_code("member@example.com")
    wrong = [c for c in (f"{n:06d}" for n in range(20)) if c != code][:10]
    for guess in wrong:
        assert_envelope(
            api.post("/authenticateUser", persona=guest, email="member@example.com", otp=guess), 401
        )
    assert_envelope(api.post("/authenticateUser", persona=guest, email="member@example.com", otp=code), 429)


def test_a_guests_items_move_to_the_account_signing_in(api, guest, member):
    guest_user = session_guest_user(key=uuid.UUID(guest.session_id))
    item = ItemFactory(owner=guest_user)
    assert_envelope(
        api.post("/authenticateUser", persona=guest, email="member@example.com", password=STRONG_PASSWORD),
        200,
    )
    assert Item.objects.get(pk=item.pk).owner_id == member.user.id


def test_a_guests_age_confirmation_follows_them(api, guest, member):
    assert_envelope(api.get("/getSelfUser", persona=guest, isAtLeast18Confirmed=True), 200)
    response = api.post(
        "/authenticateUser", persona=guest, email="member@example.com", password=STRONG_PASSWORD
    )
    assert response.payload["isAtLeast18Confirmed"] is True


def test_it_records_the_age_confirmation(api, guest, member):
    response = api.post(
        "/authenticateUser",
        persona=guest,
        email="member@example.com",
        password=STRONG_PASSWORD,
        isAtLeast18Confirmed=True,
    )
    assert response.payload["isAtLeast18Confirmed"] is True
    assert User.objects.get(pk=member.user.pk).is_at_least_18_confirmed is True


def test_a_banned_user_is_refused_after_a_correct_password(api, guest, member):
    User.objects.filter(pk=member.user.pk).update(abuse_level=9)
    response = assert_envelope(
        api.post("/authenticateUser", persona=guest, email="member@example.com", password=STRONG_PASSWORD),
        403,
    )
    assert "not allowed to sign in" in response.error


def test_a_banned_user_with_a_wrong_password_learns_nothing(api, guest, member):
    User.objects.filter(pk=member.user.pk).update(abuse_level=9)
    assert_envelope(
        api.post("/authenticateUser", persona=guest, email="member@example.com", password="Wrong-pass-1"), 401
    )


def test_a_deleted_user_is_refused(api, guest, member, issue_code):
    prove_email(member.user)  # a password-only account lets go of its address: test_email_squatting.py
    User.objects.filter(pk=member.user.pk).update(is_disabled=True)
    code = issue_code("member@example.com")
    assert_envelope(api.post("/authenticateUser", persona=guest, email="member@example.com", otp=code), 403)


def test_abuse_level_1_may_still_sign_in(api, guest, member):
    User.objects.filter(pk=member.user.pk).update(abuse_level=1)
    assert_envelope(
        api.post("/authenticateUser", persona=guest, email="member@example.com", password=STRONG_PASSWORD),
        200,
    )


def test_the_session_header_is_required(api, member):
    assert_envelope(api.post("/authenticateUser", email="member@example.com", password=STRONG_PASSWORD), 400)


def test_a_user_of_another_domain_cannot_sign_in_here(guest, member):
    response = ApiClient("api.sexy.ai").post(
        "/authenticateUser", persona=guest, email="member@example.com", password=STRONG_PASSWORD
    )
    assert_envelope(response, 401)


def test_signing_in_records_each_internal_provider_once(api, guest, member, issue_code):
    for _ in range(2):
        api.post("/authenticateUser", persona=guest, email="member@example.com", password=STRONG_PASSWORD)
    api.post(
        "/authenticateUser", persona=guest, email="member@example.com", otp=issue_code("member@example.com")
    )
    assert sorted(
        UserLoginProvider.objects.filter(user=member.user).values_list("provider_id", flat=True)
    ) == [
        "OTP",
        "Password",
    ]


@pytest.fixture
def hashing_count(monkeypatch):
    """How many times a password hash was computed (the work a timing attacker measures)."""
    calls = []
    original = MD5PasswordHasher.encode

    def counting_encode(self, password, salt):
        calls.append(1)
        return original(self, password, salt)

    monkeypatch.setattr(MD5PasswordHasher, "encode", counting_encode)
    return calls


@pytest.mark.parametrize("account", ["unknown", "passwordless", "with-password"])
def test_a_wrong_password_costs_one_hash_whether_or_not_the_email_is_registered(
    api, guest, make_user, hashing_count, account
):
    # An account made by OTP or OAuth has no usable password: checking one must not answer faster
    # than for an unknown email, or the response time tells which emails are registered.
    if account == "passwordless":
        make_user("target@example.com")
    elif account == "with-password":
        make_user("target@example.com", password=STRONG_PASSWORD)
    hashing_count.clear()
    response = api.post(
        "/authenticateUser", persona=guest, email="target@example.com", password="Wrong-Pass-1234"
    )
    assert_envelope(response, 401)
    assert len(hashing_count) == 1


def test_an_impostors_password_stops_working_when_the_owner_of_the_email_signs_in_with_an_otp(
    api, issue_code
):
    # Someone registers the victim's address with a password (createUser needs no proof of the
    # address). When the victim later proves the address with an OTP, the impostor must be out.
    impostor = Persona(session_id=str(uuid.uuid4()))
    signed_up = assert_envelope(
        api.post("/createUser", persona=impostor, email="victim@example.com", password=STRONG_PASSWORD), 200
    )
    impostor_session = Persona(session_id=signed_up.payload["sessionID"])
    victim = Persona(session_id=str(uuid.uuid4()))
    code = issue_code("victim@example.com")
    assert_envelope(api.post("/authenticateUser", persona=victim, email="victim@example.com", otp=code), 200)
    assert_envelope(
        api.post("/authenticateUser", persona=impostor, email="victim@example.com", password=STRONG_PASSWORD),
        401,
    )
    assert api.get("/getSelfUser", persona=impostor_session).payload["isAuthenticated"] is False


def test_a_password_stays_when_the_address_was_proven_at_sign_up(api, issue_code):
    owner_session = Persona(session_id=str(uuid.uuid4()))
    code = issue_code("proven@example.com")
    signed_up = api.post(
        "/createUser", persona=owner_session, email="proven@example.com", password=STRONG_PASSWORD, otp=code
    )
    assert_envelope(signed_up, 200)
    first_session = Persona(session_id=signed_up.payload["sessionID"])
    other = Persona(session_id=str(uuid.uuid4()))
    again = issue_code("proven@example.com")
    assert_envelope(api.post("/authenticateUser", persona=other, email="proven@example.com", otp=again), 200)
    later = Persona(session_id=str(uuid.uuid4()))
    assert_envelope(
        api.post("/authenticateUser", persona=later, email="proven@example.com", password=STRONG_PASSWORD),
        200,
    )
    assert api.get("/getSelfUser", persona=first_session).payload["isAuthenticated"] is True


def test_only_the_newest_codes_of_an_email_stay_valid(api, issue_code):
    # Anyone may ask for codes for any email (5 an hour): if all of them stayed valid for 24 hours,
    # an attacker would guess among ~120 live codes at once.
    codes = [issue_code("member@example.com") for _ in range(4)]
    first = Persona(session_id=str(uuid.uuid4()))
    assert_envelope(
        api.post("/authenticateUser", persona=first, email="member@example.com", otp=codes[0]), 401
    )
    last = Persona(session_id=str(uuid.uuid4()))
    assert_envelope(
        api.post("/authenticateUser", persona=last, email="member@example.com", otp=codes[-1]), 200
    )


def test_signing_in_with_a_code_spends_the_other_codes_of_the_email(api, member, issue_code):
    earlier, later = issue_code("member@example.com"), issue_code("member@example.com")
    first = Persona(session_id=str(uuid.uuid4()))
    assert_envelope(api.post("/authenticateUser", persona=first, email="member@example.com", otp=later), 200)
    second = Persona(session_id=str(uuid.uuid4()))
    assert_envelope(
        api.post("/authenticateUser", persona=second, email="member@example.com", otp=earlier), 401
    )


def test_wrong_codes_are_also_limited_per_day(api, guest, member, issue_code, monkeypatch):
    monkeypatch.setitem(ratelimit.LIMITS, "otp-check-email", ("1000/hour", "hourly"))
    code = issue_code("member@example.com")
    wrong = [c for c in (f"{n:06d}" for n in range(100)) if c != code]
    statuses = [
        api.post("/authenticateUser", persona=guest, email="member@example.com", otp=guess).status
        for guess in wrong[:60]
    ]
    assert 429 in statuses
    assert_envelope(api.post("/authenticateUser", persona=guest, email="member@example.com", otp=code), 429)
