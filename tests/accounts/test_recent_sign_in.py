"""Changing the password or the email needs a recent sign-in (issue 13, closing decision).

``setSelfUserProperties`` has no current-password parameter, so with the
session alone a stolen session could take the account over (a new password,
or a new email the thief receives codes for). A change of either now needs a
session opened by a sign-in (code, password or OAuth) in the last 15 minutes
(``AIMG_RECENT_SIGN_IN_MINUTES``); otherwise it is a 403 with errorCode
``ACCOUNTS_RECENT_SIGN_IN_REQUIRED`` (1005), and the front end asks for a code
(``requestOTP``, then ``authenticateUser``) and sends the change again on the
new session. Username and age confirmation need no recent sign-in.
"""

from __future__ import annotations

import datetime as dt
import ipaddress

import pytest
from django.core import mail
from django.utils import timezone

from accounts.models import Session, User
from accounts.sessions.selectors import session_digest
from aimg_site.api.errors import ErrorCode
from tests.conftest import ApiClient, Persona, assert_envelope

from .conftest import code_and_link_from

NEW_PASSWORD = "Brand-New-Pass-7"


def age_session(persona: Persona, minutes: int) -> None:
    Session.objects.filter(key_digest=session_digest(persona.session_id)).update(
        created_at=timezone.now() - dt.timedelta(minutes=minutes)
    )


@pytest.mark.parametrize(
    "change", [{"password": NEW_PASSWORD}, {"email": "new@example.com", "otp": "123456"}]
)
def test_a_session_signed_in_long_ago_cannot_change_the_password_or_email(api, owner, change):
    age_session(owner, 16)
    response = assert_envelope(api.post("/setSelfUserProperties", persona=owner, **change), 403)
    assert response.body["errorCode"] == ErrorCode.ACCOUNTS_RECENT_SIGN_IN_REQUIRED == 1005
    assert "sign in again" in response.error.lower()
    user = User.objects.get(pk=owner.user.pk)
    assert not user.check_password(NEW_PASSWORD) and user.email == "owner@example.com"


def test_a_session_signed_in_within_fifteen_minutes_can(api, owner):
    age_session(owner, 14)
    assert_envelope(api.post("/setSelfUserProperties", persona=owner, password=NEW_PASSWORD))
    assert User.objects.get(pk=owner.user.pk).check_password(NEW_PASSWORD)


def test_the_username_and_age_need_no_recent_sign_in(api, owner):
    age_session(owner, 60 * 24)
    assert_envelope(
        api.post("/setSelfUserProperties", persona=owner, username="later", isAtLeast18Confirmed=True)
    )


def test_signing_in_again_with_a_code_allows_the_change(api, owner, issue_code):
    age_session(owner, 60)
    assert_envelope(api.post("/setSelfUserProperties", persona=owner, password=NEW_PASSWORD), 403)
    code = issue_code("owner@example.com")
    fresh = assert_envelope(api.post("/authenticateUser", persona=owner, email="owner@example.com", otp=code))
    renewed = Persona(session_id=fresh.payload["sessionID"])
    assert_envelope(api.post("/setSelfUserProperties", persona=renewed, password=NEW_PASSWORD))


def test_the_window_is_a_setting(api, owner, settings):
    settings.AIMG_RECENT_SIGN_IN_MINUTES = 5
    age_session(owner, 6)
    assert_envelope(api.post("/setSelfUserProperties", persona=owner, password=NEW_PASSWORD), 403)


def test_the_refusal_comes_before_the_otp_is_spent(api, owner, issue_code):
    code = issue_code("new@example.com")
    age_session(owner, 30)
    assert_envelope(api.post("/setSelfUserProperties", persona=owner, email="new@example.com", otp=code), 403)
    age_session(owner, 0)
    assert_envelope(api.post("/setSelfUserProperties", persona=owner, email="new@example.com", otp=code))


# --- the email change's code follows the sign-in rules ------------------------------------------


HERE = {"X-Forwarded-For": "203.0.113.50"}


@pytest.fixture
def code_bound_here(settings, django_capture_on_commit_callbacks, api, owner) -> str:
    """A code for new@example.com asked for from ``HERE`` while others guess that address's codes."""
    settings.AIMG_TRUSTED_PROXIES = [ipaddress.ip_network("127.0.0.1/32")]
    attacker = Persona(session_id="5d0c8f3a-9b1e-4f6a-8c2d-7e3b1a9f0c44")
    for n in range(11):
        ApiClient().post(
            "/authenticateUser",
            persona=attacker,
            headers={"X-Forwarded-For": f"198.51.100.{n + 1}"},
            email="new@example.com",
            otp=f"{n:06d}",
        )
    with django_capture_on_commit_callbacks(execute=True):
        assert_envelope(api.post("/requestOTP", persona=owner, headers=HERE, email="new@example.com"))
    return code_and_link_from(mail.outbox[-1].body)[0]


def test_a_code_bound_to_the_asking_address_changes_the_email_from_there(api, owner, code_bound_here):
    change = {"persona": owner, "headers": HERE, "email": "new@example.com"}
    assert_envelope(api.post("/setSelfUserProperties", otp=code_bound_here, **change))
    assert User.objects.get(pk=owner.user.pk).email == "new@example.com"


def test_wrong_codes_for_a_new_address_count_against_the_code_bound_to_it(api, owner, code_bound_here):
    """3 wrong tries, then the bound code is void: the count survives the refusal (a rollback of the
    request's transaction used to undo it)."""
    wrong = (f"{n:06d}" for n in range(100, 1000) if f"{n:06d}" != code_bound_here)
    change = {"persona": owner, "headers": HERE, "email": "new@example.com"}
    for _ in range(3):
        assert_envelope(api.post("/setSelfUserProperties", otp=next(wrong), **change), 403)
    assert_envelope(api.post("/setSelfUserProperties", otp=code_bound_here, **change), 403)
    assert User.objects.get(pk=owner.user.pk).email == "owner@example.com"
