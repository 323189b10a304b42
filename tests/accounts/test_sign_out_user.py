"""signOutUser: ends the session (and the OAuth tokens of the provider it was opened with)."""

from __future__ import annotations

import uuid

from allauth.socialaccount.models import SocialAccount, SocialApp, SocialToken

from accounts.signin.services import user_sign_in
from tests.support.assertions import assert_envelope
from tests.support.personas import Persona


def test_it_ends_the_current_session_only(api, owner):
    other_key = user_sign_in(user=owner.user, old_session_key=None, login_provider="Password")
    response = assert_envelope(api.post("/signOutUser", persona=owner), 200)
    assert response.payload["success"] is True and response.payload["message"]
    assert api.get("/getSelfUser", persona=owner).payload["isAuthenticated"] is False
    assert (
        api.get("/getSelfUser", persona=Persona(session_id=str(other_key))).payload["isAuthenticated"] is True
    )


def test_an_unknown_session_answers_success_false(api, guest):
    response = assert_envelope(api.post("/signOutUser", persona=guest), 200)
    assert response.payload["success"] is False


def test_signing_out_twice_answers_false_the_second_time(api, owner):
    assert api.post("/signOutUser", persona=owner).payload["success"] is True
    assert api.post("/signOutUser", persona=owner).payload["success"] is False


def test_the_session_header_is_required(api):
    assert_envelope(api.post("/signOutUser"), 400)


def test_it_deletes_the_stored_tokens_of_the_oauth_provider_used(api, owner):
    app = SocialApp.objects.create(provider="google", name="Google", client_id="id", secret="s")
    google = SocialAccount.objects.create(user=owner.user, provider="google", uid="g-1")
    github = SocialAccount.objects.create(user=owner.user, provider="github", uid="h-1")
    SocialToken.objects.create(app=app, account=google, token="t1")
    other_app = SocialApp.objects.create(provider="github", name="GitHub", client_id="id2", secret="s2")
    SocialToken.objects.create(app=other_app, account=github, token="t2")
    key = user_sign_in(user=owner.user, old_session_key=uuid.uuid4(), login_provider="google")

    assert_envelope(api.post("/signOutUser", persona=Persona(session_id=str(key))), 200)

    assert list(SocialToken.objects.values_list("token", flat=True)) == ["t2"]


def test_it_deletes_the_tokens_of_a_per_domain_provider_account(api, owner):
    """OAuth accounts are stored as "<provider>:<domain>" (accounts/oauth/providers.py)."""
    app = SocialApp.objects.create(provider="github", name="GitHub", client_id="id", secret="s")
    github = SocialAccount.objects.create(user=owner.user, provider="github:freejourney.ai", uid="h-1")
    google = SocialAccount.objects.create(user=owner.user, provider="google:freejourney.ai", uid="g-1")
    SocialToken.objects.create(app=app, account=github, token="gh")
    SocialToken.objects.create(app=app, account=google, token="go")
    key = user_sign_in(user=owner.user, old_session_key=uuid.uuid4(), login_provider="GitHub")

    assert_envelope(api.post("/signOutUser", persona=Persona(session_id=str(key))), 200)

    assert list(SocialToken.objects.values_list("token", flat=True)) == ["go"]
