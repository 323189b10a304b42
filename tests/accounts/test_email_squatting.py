"""An address nobody proved is not held against its owner (issue 13, item 2).

``createUser`` with a password registers any address without proof. Before,
signing up with someone else's address and then deleting the account (or
getting it banned) locked the owner out for good: ``requestOTP`` answered
409/403 and ``createUser`` 409. Now an account that never proved its address
(no OTP sign-in, no OAuth link) does not stand in the way of the owner's code:
while it is live the owner's code takes it over (its password and sessions
end, as ``authenticateUser`` already did); deleted or banned, it lets go of
the address (kept in its archived emails) and the owner gets a new account.
"""

from __future__ import annotations

import pytest

from accounts.models import ArchivedEmail, Session, User, UserLoginProvider
from accounts.signin.otp import otp_create
from aimg_site.core.scoping import domain_context
from tests.conftest import ApiClient, Persona, assert_envelope

from .conftest import STRONG_PASSWORD
from .test_oauth_login import github, login, providers

__all__ = ["providers"]  # the fixture, used by name

VICTIM = "victim@example.com"
OWNER_PASSWORD = "Owner's-Own-9"


@pytest.fixture
def squatter(guest) -> Persona:
    response = ApiClient().post("/createUser", persona=guest, email=VICTIM, password=STRONG_PASSWORD)
    user = User.objects.get(email=VICTIM)
    return Persona(session_id=assert_envelope(response).payload["sessionID"], user=user)


@pytest.fixture
def owner_session() -> Persona:
    return Persona(session_id="9a0f4c1e-8a55-4f4e-9d7b-2f8f0c6a1b23")


def owner_code(api, persona, django_capture_on_commit_callbacks, **extra) -> str:
    from django.core import mail

    from .conftest import code_and_link_from

    with django_capture_on_commit_callbacks(execute=True):
        assert_envelope(api.post("/requestOTP", persona=persona, email=VICTIM, **extra))
    code, _link = code_and_link_from(mail.outbox[-1].body)
    return code


def delete_account(api, persona) -> None:
    assert_envelope(api.delete("/deleteUser", persona=persona))


# --- a live account nobody proved ---------------------------------------------------------------


def test_requesting_a_sign_up_code_is_not_a_409(
    api, squatter, owner_session, django_capture_on_commit_callbacks
):
    owner_code(api, owner_session, django_capture_on_commit_callbacks, signUp=True)


def test_the_owners_code_sign_up_takes_the_account_over(
    api, squatter, owner_session, django_capture_on_commit_callbacks
):
    code = owner_code(api, owner_session, django_capture_on_commit_callbacks, signUp=True)
    response = api.post(
        "/createUser", persona=owner_session, email=VICTIM, otp=code, password=OWNER_PASSWORD, username="me"
    )
    payload = assert_envelope(response).payload
    assert payload["userID"] == str(squatter.user.pk) and payload["isAuthenticated"] is True
    user = User.objects.get(pk=squatter.user.pk)
    assert user.check_password(OWNER_PASSWORD) and user.username == "me"
    assert Session.objects.filter(user=user).count() == 1  # the owner's; the squatter's ended
    assert assert_envelope(api.get("/getSelfUser", persona=squatter)).payload["isAuthenticated"] is False
    assert_envelope(
        api.post("/authenticateUser", persona=squatter, email=VICTIM, password=STRONG_PASSWORD), 401
    )


def test_a_password_sign_up_still_cannot_take_an_address_that_is_in_use(api, squatter, owner_session):
    response = api.post("/createUser", persona=owner_session, email=VICTIM, password=OWNER_PASSWORD)
    assert_envelope(response, 409)


def test_a_proven_account_still_refuses_sign_up(
    api, squatter, owner_session, django_capture_on_commit_callbacks
):
    UserLoginProvider.objects.create(
        user=squatter.user, provider_id="OTP", last_used_at=squatter.user.created_at
    )
    assert_envelope(api.post("/requestOTP", persona=owner_session, email=VICTIM, signUp=True), 409)
    code = otp_create(email=VICTIM)[1]
    assert_envelope(api.post("/createUser", persona=owner_session, email=VICTIM, otp=code), 409)


# --- a deleted or banned account nobody proved -------------------------------------------------


def test_deleting_an_unproven_account_releases_the_address(api, squatter):
    delete_account(api, squatter)
    user = User.objects.get(pk=squatter.user.pk)
    assert user.is_disabled and user.email is None
    assert ArchivedEmail.objects.filter(user=user, email=VICTIM).exists()


@pytest.mark.parametrize("sign_up", [True, False])
def test_after_the_squatter_deletes_the_account_the_owner_signs_up_with_a_code(
    api, squatter, owner_session, django_capture_on_commit_callbacks, sign_up
):
    delete_account(api, squatter)
    code = owner_code(api, owner_session, django_capture_on_commit_callbacks, signUp=sign_up)
    endpoint = "/createUser" if sign_up else "/authenticateUser"
    payload = assert_envelope(api.post(endpoint, persona=owner_session, email=VICTIM, otp=code)).payload
    assert payload["isAuthenticated"] is True and payload["userID"] != str(squatter.user.pk)
    assert User.objects.get(pk=payload["userID"]).email == VICTIM


def test_an_account_deleted_before_the_release_existed_lets_go_of_the_address_on_the_owners_code(
    api, squatter, owner_session, django_capture_on_commit_callbacks
):
    User.objects.filter(pk=squatter.user.pk).update(is_disabled=True)  # the address still on it
    code = owner_code(api, owner_session, django_capture_on_commit_callbacks, signUp=True)
    payload = assert_envelope(api.post("/createUser", persona=owner_session, email=VICTIM, otp=code)).payload
    assert payload["userID"] != str(squatter.user.pk)
    assert User.objects.get(pk=squatter.user.pk).email is None


def test_a_banned_unproven_account_lets_go_of_the_address_on_the_owners_code(
    api, squatter, owner_session, django_capture_on_commit_callbacks
):
    User.objects.filter(pk=squatter.user.pk).update(abuse_level=9)
    code = owner_code(api, owner_session, django_capture_on_commit_callbacks)
    payload = assert_envelope(
        api.post("/authenticateUser", persona=owner_session, email=VICTIM, otp=code)
    ).payload
    assert payload["isAuthenticated"] is True and payload["userID"] != str(squatter.user.pk)
    banned = User.objects.get(pk=squatter.user.pk)
    assert banned.email is None and banned.abuse_level == 9


def test_a_deleted_proven_account_keeps_its_address(api, make_user, owner_session):
    persona = make_user(VICTIM)
    UserLoginProvider.objects.create(
        user=persona.user, provider_id="OTP", last_used_at=persona.user.created_at
    )
    delete_account(api, persona)
    assert User.objects.get(pk=persona.user.pk).email == VICTIM
    assert_envelope(api.post("/requestOTP", persona=owner_session, email=VICTIM), 403)
    assert_envelope(api.post("/requestOTP", persona=owner_session, email=VICTIM, signUp=True), 409)


def test_the_address_is_released_in_its_own_domain_only(api, other_domain, squatter):
    with domain_context(other_domain):
        twin = User.objects.create_user(email=VICTIM, password=STRONG_PASSWORD)
    delete_account(api, squatter)
    assert User.all_domains.get(pk=twin.pk).email == VICTIM


def test_an_oauth_login_with_the_verified_address_gets_a_new_account_past_a_deleted_squatter(
    api, squatter, providers
):
    User.objects.filter(pk=squatter.user.pk).update(is_disabled=True)
    result = login(api, providers, github(email=VICTIM))
    assert result.envelope["hasError"] is False, result.envelope
    assert result.payload["userID"] != str(squatter.user.pk)
    assert User.objects.get(pk=squatter.user.pk).email is None
