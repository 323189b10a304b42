"""setSelfUserProperties: username, password (ends other sessions), age, and the email change rules."""

from __future__ import annotations

import pytest
from allauth.socialaccount.models import SocialAccount
from django.core import mail

from accounts.models import ArchivedEmail, OneTimePassword, User
from accounts.signin.services import user_sign_in
from aimg_site.api.errors import ErrorCode
from billing.entitlements import Entitlement
from tests.support.assertions import assert_envelope
from tests.support.personas import Persona

from .conftest import STRONG_PASSWORD, code_and_link_from


def test_it_changes_the_username_and_returns_the_self_user(api, owner):
    response = assert_envelope(api.post("/setSelfUserProperties", persona=owner, username="  Renamed "), 200)
    assert response.payload["username"] == "Renamed" and response.payload["sessionID"] == owner.session_id
    assert User.objects.get(pk=owner.user.pk).username == "Renamed"


def test_a_username_that_is_too_long_is_a_400(api, owner):
    assert_envelope(api.post("/setSelfUserProperties", persona=owner, username="x" * 65), 400)


def test_it_needs_at_least_one_property(api, owner):
    response = assert_envelope(api.post("/setSelfUserProperties", persona=owner), 400)
    assert "at least one" in response.error
    assert_envelope(api.post("/setSelfUserProperties", persona=owner, otp="123456"), 400)


def test_guests_and_anonymous_sessions_get_a_401(api, guest):
    assert_envelope(api.post("/setSelfUserProperties", persona=guest, username="x"), 401)


def test_it_sets_the_age_confirmation(api, owner):
    response = api.post("/setSelfUserProperties", persona=owner, isAtLeast18Confirmed=True)
    assert response.payload["isAtLeast18Confirmed"] is True


def test_a_new_password_ends_every_other_session_but_this_one(api, owner):
    other_key = user_sign_in(user=owner.user, old_session_key=None, login_provider="OTP")
    assert_envelope(api.post("/setSelfUserProperties", persona=owner, password=STRONG_PASSWORD), 200)
    assert User.objects.get(pk=owner.user.pk).check_password(STRONG_PASSWORD)
    assert api.get("/getSelfUser", persona=owner).payload["isAuthenticated"] is True
    assert (
        api.get("/getSelfUser", persona=Persona(session_id=str(other_key))).payload["isAuthenticated"]
        is False
    )


def test_a_weak_password_is_a_400_naming_the_missing_part_and_keeps_sessions(api, owner):
    other_key = user_sign_in(user=owner.user, old_session_key=None, login_provider="OTP")
    response = assert_envelope(
        api.post("/setSelfUserProperties", persona=owner, password="alllowercase1!"), 400
    )
    assert "upper-case" in response.error and "digit" not in response.error
    assert (
        api.get("/getSelfUser", persona=Persona(session_id=str(other_key))).payload["isAuthenticated"] is True
    )


def test_a_username_change_keeps_other_sessions(api, owner):
    other_key = user_sign_in(user=owner.user, old_session_key=None, login_provider="OTP")
    api.post("/setSelfUserProperties", persona=owner, username="still")
    assert (
        api.get("/getSelfUser", persona=Persona(session_id=str(other_key))).payload["isAuthenticated"] is True
    )


# --- Email change ---------------------------------------------------------------------


def test_it_changes_the_email_with_an_otp_for_the_new_address_and_archives_the_old(api, owner, issue_code):
    code = issue_code("fresh@example.com", sign_up=True)
    response = assert_envelope(
        api.post("/setSelfUserProperties", persona=owner, email="Fresh@Example.com", otp=code), 200
    )
    assert response.payload["email"] == "fresh@example.com"
    user = User.objects.get(pk=owner.user.pk)
    assert user.email == "fresh@example.com"
    assert list(ArchivedEmail.objects.filter(user=user).values_list("email", flat=True)) == [
        "owner@example.com"
    ]
    assert OneTimePassword.objects.get(email="fresh@example.com").used_at is not None


def _refused(api, owner, status, error_code=None, **body):
    response = assert_envelope(api.post("/setSelfUserProperties", persona=owner, **body), status)
    if error_code is not None:
        assert response.body.get("errorCode") == error_code
    assert User.objects.get(pk=owner.user.pk).email == "owner@example.com"
    assert not ArchivedEmail.objects.exists()
    return response.error


def test_an_oauth_user_cannot_change_the_email(api, owner, issue_code):
    SocialAccount.objects.create(user=owner.user, provider="discord", uid="d-1")
    error = _refused(
        api,
        owner,
        403,
        ErrorCode.ACCOUNTS_EMAIL_CHANGE_EXTERNAL_LOGIN,
        email="fresh@example.com",
        otp=issue_code("fresh@example.com"),
    )
    assert "external login provider" in error


def test_a_pro_user_cannot_change_the_email(api, owner, issue_code, monkeypatch):
    monkeypatch.setattr(
        "billing.entitlements.user_entitlement",
        lambda *, user: Entitlement(tier=2, tier_expiration=None, merchant_processor="", subscriptions=[]),
    )
    error = _refused(
        api,
        owner,
        403,
        ErrorCode.ACCOUNTS_EMAIL_CHANGE_PRO_TIER,
        email="fresh@example.com",
        otp=issue_code("fresh@example.com"),
    )
    assert "PRO tier" in error


def test_a_user_with_a_merchant_subscription_cannot_change_the_email(api, owner, issue_code, monkeypatch):
    monkeypatch.setattr(
        "billing.entitlements.user_entitlement",
        lambda *, user: Entitlement(
            tier=0,
            tier_expiration=None,
            merchant_processor="paypal",
            subscriptions=[{"merchantProcessor": "paypal", "tier": 0, "productID": "p"}],
        ),
    )
    error = _refused(
        api,
        owner,
        403,
        ErrorCode.ACCOUNTS_EMAIL_CHANGE_SUBSCRIPTION,
        email="fresh@example.com",
        otp=issue_code("fresh@example.com"),
    )
    assert "merchant processor" in error


def test_a_missing_otp_is_refused(api, owner):
    error = _refused(api, owner, 400, email="fresh@example.com")
    assert "'otp'" in error


def test_a_wrong_otp_is_refused_without_archiving(api, owner, issue_code):
    code = issue_code("fresh@example.com")
    error = _refused(
        api,
        owner,
        403,
        ErrorCode.ACCOUNTS_EMAIL_CHANGE_WRONG_OTP,
        email="fresh@example.com",
        otp="000000" if code != "000000" else "111111",
    )
    assert "wrong or expired" in error


def test_an_otp_of_another_address_is_refused(api, owner, issue_code):
    error = _refused(
        api,
        owner,
        403,
        ErrorCode.ACCOUNTS_EMAIL_CHANGE_WRONG_OTP,
        email="fresh@example.com",
        otp=issue_code("owner@example.com"),
    )
    assert "wrong or expired" in error


def test_a_target_email_that_lower_casing_lengthens_past_254_characters_is_a_400(api, owner):
    email = ("a" * 64) + "@" + ".".join(["\u0130" * 25] * 4) + ".com"

    error = _refused(api, owner, 400, email=email, otp="123456")

    assert "'email'" in error


def test_an_invalid_target_email_is_refused(api, owner, issue_code):
    error = _refused(api, owner, 400, email="not-an-address", otp="123456")
    assert "valid email" in error


def test_an_email_in_use_is_refused(api, owner, other_user, issue_code):
    error = _refused(api, owner, 409, email="OTHER@example.com", otp=issue_code("other@example.com"))
    assert "already in use" in error
    assert OneTimePassword.objects.get(email="other@example.com").used_at is None


def test_the_same_email_is_refused(api, owner, issue_code):
    error = _refused(api, owner, 400, email="Owner@example.com", otp=issue_code("owner@example.com"))
    assert "already your email" in error


def test_every_refusal_of_the_six_conditions_has_its_own_message(
    api, owner, other_user, issue_code, monkeypatch
):
    messages = {
        _refused(api, owner, 400, email="fresh@example.com"),
        _refused(api, owner, 403, email="fresh@example.com", otp="999999"),
        _refused(api, owner, 400, email="bad", otp="1"),
        _refused(api, owner, 409, email="other@example.com", otp="1"),
        _refused(api, owner, 400, email="owner@example.com", otp="1"),
    }
    monkeypatch.setattr(
        "billing.entitlements.user_entitlement",
        lambda *, user: Entitlement(
            tier=0, tier_expiration=None, merchant_processor="stripe", subscriptions=[]
        ),
    )
    messages.add(_refused(api, owner, 403, email="fresh@example.com", otp="1"))
    monkeypatch.setattr(
        "billing.entitlements.user_entitlement",
        lambda *, user: Entitlement(tier=1, tier_expiration=None, merchant_processor="", subscriptions=[]),
    )
    messages.add(_refused(api, owner, 403, email="fresh@example.com", otp="1"))
    SocialAccount.objects.create(user=owner.user, provider="github", uid="1")
    messages.add(_refused(api, owner, 403, email="fresh@example.com", otp="1"))
    assert len(messages) == 8


@pytest.mark.parametrize("field", ["username", "password", "email"])
def test_null_values_are_a_400(api, owner, field):
    assert_envelope(api.post("/setSelfUserProperties", persona=owner, **{field: None}), 400)


def test_the_whole_email_change_flow_through_request_otp(api, owner, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        assert_envelope(api.post("/requestOTP", persona=owner, email="moved@example.com", signUp=True), 200)
    code, _link = code_and_link_from(mail.outbox[0].body)
    response = api.post("/setSelfUserProperties", persona=owner, email="moved@example.com", otp=code)
    assert assert_envelope(response, 200).payload["email"] == "moved@example.com"
    again = api.post("/setSelfUserProperties", persona=owner, email="other-new@example.com", otp=code)
    assert_envelope(again, 403)
