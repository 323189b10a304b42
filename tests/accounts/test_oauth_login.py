"""OAuth sign-in end to end: ``POST /auth/{loginProvider}``, the provider, allauth's callback.

The providers are played at the HTTP client boundary: allauth makes every
outgoing call through its adapter's ``get_requests_session()``; the
``providers`` fixture patches that allauth method (``autospec=True``) to
return a real ``requests.Session`` whose transport is ``FakeProviders``,
which behaves like the providers' OAuth 2.0 endpoints (a code only for the
registered client and redirect URI, single use, exchanged with the client
secret for the only token that opens the user-info endpoints). None of our
code is patched, and every test goes through the real callback.
"""

from __future__ import annotations

import base64
import json
import logging
import secrets
import time
import uuid
from dataclasses import dataclass, field
from unittest import mock
from urllib.parse import parse_qs, parse_qsl, urlencode, urlsplit

import jwt
import pytest
import requests
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from allauth.socialaccount.models import SocialAccount, SocialApp, SocialToken
from django.contrib.sessions.backends.db import SessionStore
from django.db import connection
from django.utils import timezone
from requests.structures import CaseInsensitiveDict

from accounts.models import Session, User, UserLoginProvider
from accounts.oauth.flowstate import flow_unseal
from accounts.oauth.selectors import oauth_login_providers
from accounts.oauth.services import oauth_tokens_revoke_for_user
from accounts.sessions.selectors import session_digest, session_resolve
from accounts.sessions.services import session_guest_user
from tests.support.assertions import assert_envelope
from tests.support.client import ApiClient
from tests.support.concurrency import race_calls
from tests.support.factories.library import ItemFactory
from tests.support.personas import Persona

# --- the providers ------------------------------------------------------------------------------

CLIENTS = {
    provider: (f"{provider}-client-id", f"{provider}-client-secret")
    for provider in ("google", "discord", "github")
}

AUTHORIZE_URLS = {
    "google": "https://accounts.google.com/o/oauth2/v2/auth",
    "discord": "https://discord.com/api/oauth2/authorize",
    "github": "https://github.com/login/oauth/authorize",
}
TOKEN_URLS = {
    "https://oauth2.googleapis.com/token": "google",
    "https://discord.com/api/oauth2/token": "discord",
    "https://github.com/login/oauth/access_token": "github",
}


def providers_setting(*, configured=("google", "discord", "github")) -> dict:
    """``SOCIALACCOUNT_PROVIDERS`` as the environment would give it, with client ids for ``configured``."""
    scopes = {
        "google": ["openid", "email", "profile"],
        "discord": ["identify", "email"],
        "github": ["read:user", "user:email"],
    }
    return {
        provider: {
            "APP": {
                "client_id": CLIENTS[provider][0] if provider in configured else "",
                "secret": CLIENTS[provider][1] if provider in configured else "",
            },
            "SCOPE": scopes[provider],
        }
        for provider in scopes
    }


@dataclass
class Identity:
    """Someone with an account at a provider."""

    provider: str
    uid: str
    email: str | None
    verified: bool = True
    username: str = "someone"
    name: str = "Some One"


@dataclass
class _Grant:
    identity: Identity
    client_id: str
    redirect_uri: str
    used: bool = False


@dataclass
class Consent:
    """Where the provider sends the browser back: the callback path and its query."""

    url: str
    path: str
    query: dict


@dataclass
class FakeProviders(requests.adapters.BaseAdapter):
    grants: dict[str, _Grant] = field(default_factory=dict)
    tokens: dict[str, Identity] = field(default_factory=dict)
    calls: list[tuple[str, str]] = field(default_factory=list)
    token_endpoint_down: bool = False
    #: The user-info endpoints answer a profile without its ``id`` (allauth cannot parse it).
    profile_without_id: bool = False

    def __post_init__(self):
        super().__init__()

    def __hash__(self):
        return id(self)

    # --- the browser's side -------------------------------------------------------------------

    def consent(self, authorize_url: str, identity: Identity) -> Consent:
        """The user signs in at the provider and approves: returns the redirect to the callback."""
        parts = urlsplit(authorize_url)
        base = f"{parts.scheme}://{parts.netloc}{parts.path}"
        assert base == AUTHORIZE_URLS[identity.provider], authorize_url
        query = dict(parse_qsl(parts.query))
        assert query["client_id"] == CLIENTS[identity.provider][0]
        assert query["response_type"] == "code"
        assert query["state"]
        code = secrets.token_urlsafe(16)
        self.grants[code] = _Grant(identity, query["client_id"], query["redirect_uri"])
        return self._back(query["redirect_uri"], {"code": code, "state": query["state"]})

    def deny(self, authorize_url: str) -> Consent:
        """The user clicks "Cancel" at the provider."""
        query = dict(parse_qsl(urlsplit(authorize_url).query))
        return self._back(query["redirect_uri"], {"error": "access_denied", "state": query["state"]})

    @staticmethod
    def _back(redirect_uri: str, query: dict) -> Consent:
        parts = urlsplit(redirect_uri)
        return Consent(url=redirect_uri, path=parts.path, query=query)

    # --- the server's side (requests transport) -----------------------------------------------

    def send(self, request, **kwargs):
        url = request.url.split("?", 1)[0]
        self.calls.append((request.method, url))
        if url in TOKEN_URLS and request.method == "POST":
            return self._token(request, TOKEN_URLS[url])
        identity = self._bearer(request)
        if identity is None:
            return self._response(request, 401, {"message": "Bad credentials"})
        if url == "https://api.github.com/user":
            public_email = identity.email if identity.verified else None
            profile = {
                "id": int(identity.uid),
                "login": identity.username,
                "name": identity.name,
                "email": public_email,
            }
            if self.profile_without_id:
                del profile["id"]
            return self._response(request, 200, profile)
        if url == "https://api.github.com/user/emails":
            emails = (
                [{"email": identity.email, "primary": True, "verified": identity.verified}]
                if identity.email
                else []
            )
            return self._response(request, 200, emails)
        if url == "https://discord.com/api/users/@me":
            profile = {
                "id": identity.uid,
                "username": identity.username,
                "email": identity.email,
                "verified": identity.verified,
            }
            if self.profile_without_id:
                del profile["id"]
            return self._response(request, 200, profile)
        return self._response(request, 404, {"error": "not found"})

    def close(self):
        pass

    def _token(self, request, provider: str):
        if self.token_endpoint_down:
            return self._response(request, 500, {"error": "server_error"})
        form = {key: values[0] for key, values in parse_qs(request.body or "").items()}
        grant = self.grants.get(form.get("code", ""))
        client_id, secret = CLIENTS[provider]
        if (
            grant is None
            or grant.used
            or grant.identity.provider != provider
            or form.get("grant_type") != "authorization_code"
            or form.get("client_id") != client_id
            or form.get("client_secret") != secret
            or form.get("redirect_uri") != grant.redirect_uri
        ):
            return self._response(request, 400, {"error": "invalid_grant"})
        grant.used = True
        access_token = secrets.token_urlsafe(24)
        self.tokens[access_token] = grant.identity
        if provider == "github":  # GitHub answers form-encoded unless asked for JSON
            body = f"access_token={access_token}&scope=read%3Auser%2Cuser%3Aemail&token_type=bearer"
            return self._raw(request, 200, body.encode(), "application/x-www-form-urlencoded")
        data = {"access_token": access_token, "token_type": "Bearer", "expires_in": 3600}
        if provider == "google":
            now = int(time.time())
            data["id_token"] = jwt.encode(
                {
                    "iss": "https://accounts.google.com",
                    "aud": client_id,
                    "sub": grant.identity.uid,
                    "email": grant.identity.email,
                    "email_verified": grant.identity.verified,
                    "given_name": grant.identity.name.split(" ")[0],
                    "family_name": grant.identity.name.split(" ")[-1],
                    "iat": now,
                    "exp": now + 3600,
                },
                "google-signing-key-the-test-does-not-share",
                algorithm="HS256",
            )
        return self._response(request, 200, data)

    def _bearer(self, request) -> Identity | None:
        header = request.headers.get("Authorization", "")
        scheme, _, token = header.partition(" ")
        if scheme.lower() not in ("bearer", "token"):
            return None
        return self.tokens.get(token)

    def _response(self, request, status: int, data) -> requests.Response:
        return self._raw(request, status, json.dumps(data).encode(), "application/json")

    @staticmethod
    def _raw(request, status: int, body: bytes, content_type: str) -> requests.Response:
        response = requests.Response()
        response.status_code = status
        response._content = body
        response.headers = CaseInsensitiveDict({"Content-Type": content_type})
        response.url = request.url
        response.request = request
        response.encoding = "utf-8"
        return response


def decode_b(value: str) -> dict:
    return json.loads(base64.urlsafe_b64decode(value + "=" * (-len(value) % 4)))


# --- fixtures and helpers ---------------------------------------------------------------------

FRONT = "https://freejourney.ai/auth/done?from=oauth"
SEXY_FRONT = "https://sexy.ai/auth/done"


@pytest.fixture
def providers(settings):
    """Every provider configured with a client id, and allauth's HTTP client answered by ``FakeProviders``."""
    settings.SOCIALACCOUNT_PROVIDERS = providers_setting()
    fake = FakeProviders()

    def session(_adapter):
        http = requests.Session()
        http.mount("https://", fake)
        http.mount("http://", fake)
        return http

    with mock.patch.object(
        DefaultSocialAccountAdapter, "get_requests_session", autospec=True, side_effect=session
    ):
        yield fake


@dataclass
class Login:
    """The end of a login: the callback's redirect to the front end and its decoded ``b``."""

    status: int
    location: str
    envelope: dict

    @property
    def payload(self) -> dict:
        return self.envelope["payload"]

    @property
    def session_id(self) -> str:
        return self.payload["sessionID"]


def start(api: ApiClient, provider: str = "github", *, persona: Persona | None = None, **body):
    body.setdefault("redirectURL", FRONT)
    return api.post(f"/auth/{provider}", persona=persona, **body)


def callback(api: ApiClient, consent: Consent) -> Login:
    response = api.client.get(consent.path, consent.query)
    location = response.get("Location", "")
    query = dict(parse_qsl(urlsplit(location).query))
    return Login(response.status_code, location, decode_b(query["b"]) if "b" in query else {})


def login(api: ApiClient, fake: FakeProviders, identity: Identity, *, persona=None, **body) -> Login:
    started = start(api, identity.provider, persona=persona, **body)
    assert started.status == 302, started
    return callback(api, fake.consent(started.headers["Location"], identity))


def github(uid="583231", email="octo@example.com", **fields) -> Identity:
    return Identity("github", uid, email, **{"username": "octocat", "name": "The Octocat", **fields})


def assert_signed_in(result: Login, *, front: str = FRONT) -> dict:
    assert result.status == 302
    assert result.location.startswith(front.split("?")[0]), result.location
    assert result.envelope["hasError"] is False, result.envelope
    return result.payload


def assert_refused(result: Login, *, front: str = FRONT, says: str = "") -> str:
    assert result.status == 302
    assert result.location.startswith(front.split("?")[0]), result.location
    assert result.envelope["hasError"] is True and result.envelope["payload"] is None, result.envelope
    message = result.envelope["errorMessage"]
    assert isinstance(message, str) and says.lower() in message.lower(), message
    return message


def user_count(email: str) -> int:
    return User.objects.filter(email__iexact=email).count()


# --- starting a login -------------------------------------------------------------------------


def test_it_redirects_to_the_providers_authorization_page_with_a_state(api, providers):
    response = start(api, "github")

    assert response.status == 302
    location = urlsplit(response.headers["Location"])
    assert (
        f"{location.scheme}://{location.netloc}{location.path}" == "https://github.com/login/oauth/authorize"
    )
    query = dict(parse_qsl(location.query))
    assert query["client_id"] == "github-client-id"
    assert query["redirect_uri"] == "https://api.freejourney.ai/accounts/github/login/callback/"
    assert len(query["state"]) >= 16
    assert set(query["scope"].split()) == {"read:user", "user:email"}
    assert "X-Session-ID" not in response.headers
    assert providers.calls == []  # nothing is fetched before the user comes back


@pytest.mark.parametrize("provider", ["google", "discord"])
def test_it_redirects_to_google_and_discord_too(api, providers, provider):
    response = start(api, provider)

    assert response.status == 302
    assert response.headers["Location"].startswith(AUTHORIZE_URLS[provider] + "?")


def test_it_keeps_the_login_server_side_and_sealed(api, providers, guest):
    response = start(api, "github", persona=guest, rs="affiliate-7")

    state = dict(parse_qsl(urlsplit(response.headers["Location"]).query))["state"]
    assert guest.session_id not in response.headers["Location"]
    assert FRONT not in response.headers["Location"]
    stored = SessionStore(session_key=api.client.cookies["sessionid"].value).load()
    stashed = stored["socialaccount_states"][state][0]
    assert guest.session_id not in json.dumps(stored) and "affiliate-7" not in json.dumps(stored)
    assert flow_unseal(stashed["data"]).session_key == guest.session_id


def test_an_unsupported_provider_is_a_400_envelope(api, providers):
    response = assert_envelope(start(api, "facebook"), 400)

    assert "loginProvider" in response.error


def test_a_provider_without_a_client_id_is_a_400_envelope(api, providers, settings):
    settings.SOCIALACCOUNT_PROVIDERS = providers_setting(configured=("google",))

    response = assert_envelope(start(api, "discord"), 400)

    assert "Discord" in response.error and "not available" in response.error


def test_a_missing_redirect_url_is_a_400_envelope(api, providers):
    response = assert_envelope(api.post("/auth/github", rs="x"), 400)

    assert "redirectURL" in response.error


@pytest.mark.parametrize(
    "url",
    [
        "https://evil.example/steal",
        "https://freejourney.ai.evil.example/",
        "https://evilfreejourney.ai/",
        "http://freejourney.ai/auth",  # the front end only over https
        "https://evil.example\\@freejourney.ai/",
        "https://freejourney.ai@evil.example/",
        "https://user:pass@freejourney.ai/",
        "https://sexy.ai/auth",  # another site's front end
        "javascript:alert(1)//freejourney.ai",
        "//freejourney.ai/auth",
        "/auth/done",
        "https://freejourney.ai/a b",
        "https://freejourney.ai:99999/",
        "http://localhost:3000/auth",  # not allowed unless AIMG_OAUTH_REDIRECT_HOSTS says so
    ],
)
def test_a_redirect_url_outside_the_sites_front_end_is_a_400_envelope(api, providers, url):
    response = assert_envelope(start(api, "github", redirectURL=url), 400)

    assert "redirectURL" in response.error
    assert "Location" not in response.headers


@pytest.mark.parametrize(
    "url",
    ["https://freejourney.ai/auth", "https://www.freejourney.ai/x?y=1#z", "https://staging.freejourney.ai/"],
)
def test_the_front_end_and_its_subdomains_are_allowed(api, providers, url):
    assert start(api, "github", redirectURL=url).status == 302


def test_hosts_of_the_setting_are_allowed_for_local_development(api, providers, settings):
    settings.AIMG_OAUTH_REDIRECT_HOSTS = ["localhost"]

    assert start(api, "github", redirectURL="http://localhost:3000/auth").status == 302
    assert start(api, "github", redirectURL="http://127.0.0.1:3000/auth").status == 400


def test_a_malformed_session_header_is_a_400_envelope(api, providers):
    response = assert_envelope(start(api, "github", headers={"X-Session-ID": "not-a-uuid"}), 400)

    assert "X-Session-ID" in response.error


def test_it_accepts_an_html_form_post(api, providers):
    response = api.client.post(
        "/auth/github",
        urlencode({"redirectURL": FRONT, "isAtLeast18Confirmed": "true", "refList": "a.com, b.com"}),
        content_type="application/x-www-form-urlencoded",
    )

    assert response.status_code == 302
    assert response["Location"].startswith(AUTHORIZE_URLS["github"])


# --- the round trip -----------------------------------------------------------------------------


def test_a_new_github_user_is_created_and_signed_in(api, providers):
    result = login(api, providers, github())

    payload = assert_signed_in(result)
    assert set(payload) >= {
        "sessionID",
        "userID",
        "email",
        "username",
        "isAuthenticated",
        "isAtLeast18Confirmed",
        "tier",
        "merchantProcessor",
        "subscriptions",
        "itemCount",
        "rootFolderItemCount",
    }
    assert payload["email"] == "octo@example.com"
    assert payload["username"] == "octocat"
    assert payload["isAuthenticated"] is True
    user = User.objects.get(email="octo@example.com")
    assert payload["userID"] == str(user.pk)
    assert not user.has_usable_password()
    account = SocialAccount.objects.get(user=user)
    assert (account.provider, account.uid) == ("github:freejourney.ai", "583231")
    assert SocialToken.objects.filter(account=account).count() == 1


def test_the_result_keeps_the_front_ends_query_and_carries_the_new_session_header(api, providers):
    started = start(api, "github", redirectURL="https://freejourney.ai/done?x=1&b=stale")
    response = api.client.get(*_consent_args(providers.consent(started.headers["Location"], github())))

    location = urlsplit(response["Location"])
    query = parse_qs(location.query)
    assert (location.scheme, location.netloc, location.path) == ("https", "freejourney.ai", "/done")
    assert query["x"] == ["1"] and len(query["b"]) == 1
    assert "=" not in query["b"][0]  # base64url without padding
    envelope = decode_b(query["b"][0])
    assert response["X-Session-ID"] == envelope["payload"]["sessionID"]
    assert response["Cache-Control"] == "no-store"


def _consent_args(consent: Consent):
    return consent.path, consent.query


def test_the_new_session_id_works_and_the_old_one_no_longer_carries_anyone(api, providers, guest):
    guest_user = session_guest_user(key=uuid.UUID(guest.session_id))

    result = login(api, providers, github(), persona=guest)

    payload = assert_signed_in(result)
    assert payload["sessionID"] != guest.session_id
    me = assert_envelope(api.get("/getSelfUser", persona=Persona(session_id=payload["sessionID"])))
    assert me.payload["userID"] == payload["userID"] and me.payload["isAuthenticated"] is True
    session = session_resolve(key=uuid.UUID(payload["sessionID"]))
    assert session.user_id == uuid.UUID(payload["userID"]) and session.is_authenticated
    assert session.login_provider == "GitHub"
    assert session_resolve(key=uuid.UUID(guest.session_id)) is None
    old = assert_envelope(api.get("/getSelfUser", persona=guest))
    assert old.payload["userID"] == "" and old.payload["isAuthenticated"] is False
    assert guest_user.pk != uuid.UUID(payload["userID"])


def test_what_the_guest_made_moves_to_the_account(api, providers, guest):
    guest_user = session_guest_user(key=uuid.UUID(guest.session_id))
    item = ItemFactory(owner=guest_user)

    payload = assert_signed_in(login(api, providers, github(), persona=guest))

    item.refresh_from_db()
    assert str(item.owner_id) == payload["userID"]
    assert payload["itemCount"] == 1


def test_a_signed_in_users_session_is_replaced_too(api, providers, owner):
    result = login(api, providers, github(email="owner@example.com"), persona=owner)

    payload = assert_signed_in(result)
    assert payload["userID"] == owner.id
    assert session_resolve(key=uuid.UUID(owner.session_id)) is None


def test_logging_in_twice_gives_the_same_user(api, providers):
    first = assert_signed_in(login(api, providers, github()))
    second = assert_signed_in(login(ApiClient(), providers, github()))

    assert first["userID"] == second["userID"]
    assert first["sessionID"] != second["sessionID"]
    assert user_count("octo@example.com") == 1
    assert SocialAccount.objects.filter(uid="583231").count() == 1
    assert SocialToken.objects.filter(account__uid="583231").count() == 1


def test_two_providers_with_the_same_email_give_the_same_user(api, providers):
    first = assert_signed_in(login(api, providers, github(email="Same@Example.com")))
    second = assert_signed_in(
        login(api, providers, Identity("discord", "80351110224678912", "same@example.com"))
    )

    assert first["userID"] == second["userID"]
    assert sorted(SocialAccount.objects.values_list("provider", flat=True)) == [
        "discord:freejourney.ai",
        "github:freejourney.ai",
    ]


def test_an_existing_otp_user_with_that_email_is_linked_and_keeps_everything(api, providers, make_user):
    existing = make_user("member@example.com", password="Sunny-Day-42", username="member")
    UserLoginProvider.objects.create(user=existing.user, provider_id="OTP", last_used_at=timezone.now())

    payload = assert_signed_in(login(api, providers, github(email="MEMBER@example.com")))

    assert payload["userID"] == existing.id
    assert payload["username"] == "member"  # the provider's name does not replace it
    assert user_count("member@example.com") == 1
    existing.user.refresh_from_db()
    assert existing.user.check_password("Sunny-Day-42")
    assert session_resolve(key=uuid.UUID(existing.session_id)) is not None
    assert SocialAccount.objects.get(user=existing.user).uid == "583231"


def test_linking_an_account_nobody_proved_the_email_of_removes_its_password_and_sessions(
    api, providers, make_user
):
    squatter = make_user("victim@example.com", password="Sunny-Day-42")

    payload = assert_signed_in(login(api, providers, github(email="victim@example.com")))

    assert payload["userID"] == squatter.id
    squatter.user.refresh_from_db()
    assert not squatter.user.has_usable_password()
    assert session_resolve(key=uuid.UUID(squatter.session_id)) is None
    assert session_resolve(key=uuid.UUID(payload["sessionID"])) is not None


def test_the_sign_up_extras_are_recorded_on_a_new_user(api, providers):
    result = login(
        api,
        providers,
        github(),
        refList="https://a.example/x, https://b.example",
        rs="aff-42",
        isAtLeast18Confirmed=True,
    )

    payload = assert_signed_in(result)
    assert payload["isAtLeast18Confirmed"] is True
    user = User.objects.get(pk=payload["userID"])
    assert user.ref_list == ["https://a.example/x", "https://b.example"]
    assert user.rs == "aff-42"
    assert user.is_at_least_18_confirmed is True


def test_an_existing_user_keeps_their_first_attribution(api, providers, make_user):
    existing = make_user("member@example.com", ref_list=["https://first.example"], rs="first")
    UserLoginProvider.objects.create(user=existing.user, provider_id="OTP", last_used_at=timezone.now())

    login(
        api,
        providers,
        github(email="member@example.com"),
        refList="https://late.example",
        rs="late",
        isAtLeast18Confirmed=True,
    )

    existing.user.refresh_from_db()
    assert existing.user.ref_list == ["https://first.example"] and existing.user.rs == "first"
    assert existing.user.is_at_least_18_confirmed is True


def test_discord_and_google_logins_work_end_to_end(api, providers):
    discord = assert_signed_in(
        login(api, providers, Identity("discord", "80351110224678912", "d@example.com", username="nelly"))
    )
    google = assert_signed_in(
        login(api, providers, Identity("google", "108561234567890", "g@example.com", name="Grace Hopper"))
    )

    assert discord["username"] == "nelly" and discord["email"] == "d@example.com"
    assert google["username"] == "Grace Hopper" and google["email"] == "g@example.com"
    assert SocialAccount.objects.get(uid="108561234567890").provider == "google:freejourney.ai"
    assert session_resolve(key=uuid.UUID(google["sessionID"])).login_provider == "Google"


def test_login_providers_are_listed_as_the_reference_names_them(api, providers):
    payload = assert_signed_in(login(api, providers, github()))
    login(api, providers, Identity("google", "108561234567890", "octo@example.com"))

    user = User.objects.get(pk=payload["userID"])
    assert oauth_login_providers(user=user) == [
        {"providerType": "oauth", "providerId": "GitHub", "userId": "583231"},
        {"providerType": "oauth", "providerId": "Google", "userId": "108561234567890"},
    ]


# --- failed logins go back to the front end with an error envelope ---------------------------


def test_a_cancelled_login_redirects_with_an_error_envelope(api, providers):
    started = start(api, "github")

    result = callback(api, providers.deny(started.headers["Location"]))

    assert_refused(result, says="cancelled")
    assert not User.objects.filter(is_guest=False).exists()
    assert providers.calls == []


def test_a_provider_error_redirects_with_an_error_envelope(api, providers):
    started = start(api, "github")
    consent = providers.deny(started.headers["Location"])
    consent.query["error"] = "server_error"

    assert_refused(callback(api, consent), says="failed")


def test_a_bad_state_goes_back_to_the_sites_front_end_with_an_error_envelope(api, providers):
    started = start(api, "github", redirectURL="https://freejourney.ai/wanted")
    consent = providers.consent(started.headers["Location"], github())
    consent.query["state"] = "forged-state-value"

    result = callback(api, consent)

    assert_refused(result, front="https://freejourney.ai", says="start it again")
    assert not User.objects.filter(email="octo@example.com").exists()
    assert not any(
        url.startswith("https://github.com/login/oauth/access_token") for _m, url in providers.calls
    )


def test_a_callback_in_another_browser_is_refused(api, providers):
    started = start(api, "github")
    consent = providers.consent(started.headers["Location"], github())

    result = callback(ApiClient(), consent)  # no cookie of the browser that started it

    assert_refused(result, front="https://freejourney.ai", says="start it again")
    assert not User.objects.filter(email="octo@example.com").exists()


def test_a_state_is_used_once(api, providers):
    started = start(api, "github")
    consent = providers.consent(started.headers["Location"], github())
    assert_signed_in(callback(api, consent))

    replay = callback(api, consent)

    assert_refused(replay, front="https://freejourney.ai", says="start it again")


def test_the_callback_query_cannot_choose_where_the_result_goes(api, providers):
    started = start(api, "github")
    consent = providers.consent(started.headers["Location"], github())
    consent.query.update({"redirectURL": "https://evil.example/", "next": "https://evil.example/"})

    assert_signed_in(callback(api, consent))


def test_a_failed_code_exchange_redirects_with_an_error_envelope(api, providers):
    providers.token_endpoint_down = True

    assert_refused(login(api, providers, github()), says="failed")
    assert not User.objects.filter(email="octo@example.com").exists()


@pytest.mark.parametrize(
    "identity",
    [github(), Identity("discord", "80351110224678912", "octo@example.com")],
    ids=["github", "discord"],
)
def test_a_profile_allauth_cannot_parse_redirects_with_an_error_envelope_and_logs_the_request_id(
    api, providers, guest, caplog, identity
):
    providers.profile_without_id = True
    started = start(api, identity.provider, persona=guest)
    consent = providers.consent(started.headers["Location"], identity)

    with caplog.at_level(logging.ERROR, logger="accounts.oauth.callbacks"):
        response = api.client.get(consent.path, consent.query, HTTP_X_REQUEST_ID="oauth-callback-req-1")

    assert response.status_code == 302
    location = response["Location"]
    assert location.startswith(FRONT.split("?")[0]), location
    query = dict(parse_qsl(urlsplit(location).query))
    assert query["from"] == "oauth"
    envelope = decode_b(query["b"])
    assert envelope["hasError"] is True and envelope["payload"] is None
    assert "failed" in envelope["errorMessage"]
    assert "Traceback" not in envelope["errorMessage"] and "KeyError" not in envelope["errorMessage"]
    assert response["X-Request-ID"] == "oauth-callback-req-1"
    assert "X-Session-ID" not in response
    records = [r for r in caplog.records if r.name == "accounts.oauth.callbacks"]
    assert records and records[0].request_id == "oauth-callback-req-1" and records[0].exc_info
    assert not User.objects.filter(email="octo@example.com").exists()
    assert not SocialAccount.objects.exists()
    assert session_resolve(key=uuid.UUID(guest.session_id)) is None or not (
        session_resolve(key=uuid.UUID(guest.session_id)).is_authenticated
    )


def test_an_unexpected_failure_without_a_known_login_goes_to_the_sites_front_end(api, providers):
    providers.profile_without_id = True
    started = start(api, "github")
    consent = providers.consent(started.headers["Location"], github())
    store = SessionStore(session_key=api.client.cookies["sessionid"].value)
    states = store["socialaccount_states"]
    stashed = states[consent.query["state"]]
    # The browser's session keeps allauth's state (so allauth proceeds) but not our sealed login.
    stashed[0]["data"] = "unreadable"
    store["socialaccount_states"] = states
    store.save()

    result = callback(api, consent)

    assert result.status == 302
    assert result.location.startswith("https://freejourney.ai"), result.location
    assert result.envelope["hasError"] is True


def test_an_unverified_provider_email_is_refused(api, providers, make_user):
    existing = make_user("taken@example.com")
    identity = Identity("discord", "80351110224678912", "taken@example.com", verified=False)

    message = assert_refused(login(api, providers, identity), says="verified email")

    assert "Discord" in message
    assert not SocialAccount.objects.filter(user=existing.user).exists()


@pytest.mark.parametrize(
    ("fields", "says"), [({"is_disabled": True}, "deleted or disabled"), ({"abuse_level": 9}, "not allowed")]
)
def test_a_refused_user_gets_an_error_envelope_and_no_session(api, providers, make_user, guest, fields, says):
    existing = make_user("member@example.com", **fields)
    UserLoginProvider.objects.create(user=existing.user, provider_id="OTP", last_used_at=timezone.now())
    guest_user = session_guest_user(key=uuid.UUID(guest.session_id))

    assert_refused(login(api, providers, github(email="member@example.com"), persona=guest), says=says)

    assert (
        not Session.objects.filter(user=existing.user, is_authenticated=True)
        .exclude(key_digest=session_digest(uuid.UUID(existing.session_id)))
        .exists()
    )
    assert not SocialAccount.objects.filter(user=existing.user).exists()  # the link was rolled back
    assert session_resolve(key=uuid.UUID(guest.session_id)).user_id == guest_user.pk


def test_a_stashed_login_that_no_longer_opens_is_refused(api, providers):
    started = start(api, "github")
    state = dict(parse_qsl(urlsplit(started.headers["Location"]).query))["state"]
    store = SessionStore(session_key=api.client.cookies["sessionid"].value)
    states = store["socialaccount_states"]
    states[state][0]["data"] = "expired-or-forged-seal"
    store["socialaccount_states"] = states
    store.save()

    result = callback(api, providers.consent(started.headers["Location"], github()))

    assert_refused(result, front="https://freejourney.ai", says="start it again")
    assert not User.objects.filter(email="octo@example.com").exists()


@pytest.mark.parametrize(
    "path", ["/accounts/github/login/", "/accounts/signup/", "/accounts/login/", "/accounts/password/reset/"]
)
def test_allauths_own_pages_are_not_served(api, providers, path):
    assert_envelope(api.get(path), 404)


# --- domains are separate ----------------------------------------------------------------------


def test_a_sexy_ai_login_does_not_link_the_freejourney_user_with_the_same_email(
    api, providers, domain, other_domain
):
    on_freejourney = assert_signed_in(login(api, providers, github()))
    sexy = ApiClient("api.sexy.ai")

    on_sexy = assert_signed_in(login(sexy, providers, github(), redirectURL=SEXY_FRONT), front=SEXY_FRONT)

    assert on_sexy["userID"] != on_freejourney["userID"]
    assert on_sexy["email"] == on_freejourney["email"] == "octo@example.com"
    sexy_user = User.all_domains.get(pk=on_sexy["userID"])
    assert sexy_user.domain_id == other_domain.pk
    assert SocialAccount.objects.get(user=sexy_user).provider == "github:sexy.ai"
    assert User.all_domains.get(pk=on_freejourney["userID"]).domain_id == domain.pk
    again = assert_signed_in(login(sexy, providers, github(), redirectURL=SEXY_FRONT), front=SEXY_FRONT)
    assert again["userID"] == on_sexy["userID"]
    # The freejourney.ai session does not work on sexy.ai.
    other = assert_envelope(sexy.get("/getSelfUser", persona=Persona(session_id=on_freejourney["sessionID"])))
    assert other.payload["userID"] == ""


def test_a_login_started_on_one_site_cannot_finish_on_another(api, providers):
    started = start(api, "github")
    consent = providers.consent(started.headers["Location"], github())
    sexy = ApiClient("api.sexy.ai")
    sexy.client.cookies = api.client.cookies  # even with the same browser cookies

    result = callback(sexy, consent)

    assert result.envelope["hasError"] is True
    assert not User.all_domains.filter(email="octo@example.com").exists()


# --- tokens ---------------------------------------------------------------------------------------


def test_revoking_deletes_the_users_stored_tokens(api, providers):
    payload = assert_signed_in(login(api, providers, github()))
    login(api, providers, Identity("discord", "80351110224678912", "octo@example.com"))
    user = User.objects.get(pk=payload["userID"])
    other = assert_signed_in(login(api, providers, github(uid="9", email="else@example.com")))

    assert oauth_tokens_revoke_for_user(user=user, login_provider="Discord") == 1
    assert SocialToken.objects.filter(account__user=user).count() == 1
    assert oauth_tokens_revoke_for_user(user=user) == 1
    assert not SocialToken.objects.filter(account__user=user).exists()
    assert SocialToken.objects.filter(account__user_id=other["userID"]).count() == 1
    assert SocialAccount.objects.filter(user=user).count() == 2  # the links stay


# --- concurrency ----------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("existing", [None, "otp", "password"])
def test_concurrent_first_logins_make_one_user_and_one_link(providers, existing):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: SQLite serializes writers, so there is no race to test")
    if existing is not None:
        user = User.objects.create_user(email="octo@example.com", password="Sunny-Day-42")
        if existing == "otp":
            UserLoginProvider.objects.create(user=user, provider_id="OTP", last_used_at=timezone.now())
    browsers = [ApiClient() for _ in range(4)]
    consents = []
    for browser in browsers:
        started = start(browser, "github")
        consents.append(providers.consent(started.headers["Location"], github()))
    results = race_calls([lambda i=i: callback(browsers[i], consents[i]) for i in range(len(browsers))])

    payloads = [assert_signed_in(result) for result in results]
    assert len({p["userID"] for p in payloads}) == 1
    assert len({p["sessionID"] for p in payloads}) == len(browsers)
    assert user_count("octo@example.com") == 1
    assert SocialAccount.objects.filter(uid="583231").count() == 1
    if existing is not None:
        assert payloads[0]["userID"] == str(user.pk)
        user.refresh_from_db()
        assert user.has_usable_password() is (existing == "otp")
    if existing is not None:
        assert payloads[0]["userID"] == str(user.pk)
        user.refresh_from_db()
        assert user.has_usable_password() is (existing == "otp")


# --- per-domain OAuth clients -----------------------------------------------------------------------


def test_a_social_app_for_one_domain_replaces_the_environments_client_there_only(api, providers):
    SocialApp.objects.create(
        provider="github",
        provider_id="github:sexy.ai",
        name="GitHub for sexy.ai",
        client_id="sexy-github",
        secret="s",
    )

    on_sexy = start(ApiClient("api.sexy.ai"), "github", redirectURL=SEXY_FRONT)
    on_freejourney = start(api, "github")

    assert dict(parse_qsl(urlsplit(on_sexy.headers["Location"]).query))["client_id"] == "sexy-github"
    assert (
        dict(parse_qsl(urlsplit(on_freejourney.headers["Location"]).query))["client_id"] == "github-client-id"
    )
