"""Shared fixtures: an API client that speaks the envelope, personas, domains.

Personas (``owner``, ``other_user``, ``guest``, ``admin``) are ``Persona``
objects: a user (or none, for a guest before it writes anything), the
session id that signs them in, and for the admin a valid administration key.
Call the API with ``api.get("/getItem", persona=owner, imageID=...)``.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field

import pytest
from django.test import Client

from accounts.admin_keys.services import admin_key_create
from accounts.models import User
from accounts.sessions import cache as session_cache
from accounts.sessions.services import session_rotate
from aimg_site.api import ratelimit
from aimg_site.core.defaults import DOMAINS
from aimg_site.core.models import Domain
from aimg_site.core.scoping import bind_domain, unbind_domain
from aimg_site.core.selectors import domain_clear_cache, domain_get

HOSTS = {"freejourney.ai": "api.freejourney.ai", "sexy.ai": "api.sexy.ai"}


@dataclass
class Persona:
    """Someone calling the API: their session id, their user (if any), their admin key (if any)."""

    session_id: str
    user: User | None = None
    admin_key: str | None = None
    headers: dict = field(default_factory=dict)

    @property
    def id(self) -> str:
        return str(self.user.id) if self.user else ""


@dataclass
class ApiResponse:
    status: int
    body: dict
    headers: dict
    raw: object

    @property
    def payload(self):
        return self.body.get("payload")

    @property
    def error(self) -> str | None:
        return self.body.get("errorMessage")

    @property
    def metadata(self):
        return self.body.get("metadata")

    def __repr__(self) -> str:
        return f"<ApiResponse {self.status} {json.dumps(self.body)[:500]}>"


class ApiClient:
    """Calls endpoints like a front end: JSON bodies for POST, query strings for GET/DELETE.

    Every response is checked to be the envelope; ``host`` picks the domain.
    """

    def __init__(self, host: str = "api.freejourney.ai"):
        self.client = Client(HTTP_HOST=host)
        self.host = host

    def request(
        self, method: str, path: str, *, persona: Persona | None = None, headers=None, body=None, **params
    ):
        all_headers = {}
        if persona is not None:
            all_headers["X-Session-ID"] = persona.session_id
            if persona.admin_key:
                all_headers["X-Administration-Key"] = persona.admin_key
            all_headers.update(persona.headers)
        all_headers.update(headers or {})
        kwargs = {"headers": all_headers}
        method = method.upper()
        if method in ("GET", "DELETE"):
            query = {
                k: (",".join(map(str, v)) if isinstance(v, list | tuple) else v) for k, v in params.items()
            }
            query = {
                k: (str(v).lower() if isinstance(v, bool) else v) for k, v in query.items() if v is not None
            }
            if method == "GET":
                response = self.client.get(path, query, **kwargs)
            else:
                from urllib.parse import urlencode

                response = self.client.delete(f"{path}?{urlencode(query)}" if query else path, **kwargs)
        else:
            data = body if body is not None else params
            response = self.client.generic(
                method,
                path,
                json.dumps(data) if not isinstance(data, str | bytes) else data,
                content_type="application/json",
                **kwargs,
            )
        content = response.content
        try:
            parsed = json.loads(content) if content else {}
        except ValueError:
            parsed = {"_raw": content[:200]}
        return ApiResponse(
            status=response.status_code, body=parsed, headers=dict(response.headers), raw=response
        )

    def get(self, path, **kw):
        return self.request("GET", path, **kw)

    def post(self, path, **kw):
        return self.request("POST", path, **kw)

    def delete(self, path, **kw):
        return self.request("DELETE", path, **kw)


def assert_envelope(response: ApiResponse, status: int = 200) -> ApiResponse:
    """The response has ``status`` and is a well-formed envelope (error or success)."""
    assert response.status == status, response
    assert isinstance(response.body.get("hasError"), bool), response
    assert "payload" in response.body, response
    if status >= 400:
        assert response.body["hasError"] is True and response.body["payload"] is None, response
        assert isinstance(response.body.get("errorMessage"), str) and response.body["errorMessage"], response
    else:
        assert response.body["hasError"] is False, response
    return response


@pytest.fixture(autouse=True)
def _domain_bound(db):
    """Bind the default domain while a test's own code runs (requests bind their own).

    Transactional tests flush every table afterwards, the migration-seeded domains
    included, so they are put back when missing.
    """
    domain_clear_cache()
    if not Domain.objects.exists():
        for row in DOMAINS:
            Domain.objects.create(**row)
    token = bind_domain(domain_get("freejourney.ai"))
    yield
    unbind_domain(token)
    domain_clear_cache()


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    ratelimit.reset_storage()
    yield


@pytest.fixture(autouse=True)
def _fresh_session_cache():
    """A test's database rows are rolled back without signals: no cached session outlives them."""
    session_cache.version += 1
    yield


@pytest.fixture
def domain():
    return domain_get("freejourney.ai")


@pytest.fixture
def other_domain():
    return domain_get("sexy.ai")


@pytest.fixture
def api() -> ApiClient:
    return ApiClient()


@pytest.fixture
def make_user(db):
    """Make a signed-in user with a session: ``make_user(email=..., **fields)`` → Persona."""

    def make(email: str | None = None, *, password: str | None = None, **fields) -> Persona:
        email = email or f"user-{uuid.uuid4().hex[:8]}@example.com"
        user = User.objects.create_user(email=email, password=password, **fields)
        key, _guest = session_rotate(old_key=None, user=user)
        return Persona(session_id=str(key), user=user)

    return make


@pytest.fixture
def owner(make_user) -> Persona:
    return make_user("owner@example.com", username="owner")


@pytest.fixture
def other_user(make_user) -> Persona:
    return make_user("other@example.com", username="other")


@pytest.fixture
def guest() -> Persona:
    """An anonymous session (no row until it writes); ``guest.user`` stays None."""
    return Persona(session_id=str(uuid.uuid4()))


@pytest.fixture
def admin(make_user) -> Persona:
    """A staff member calling with a valid X-Administration-Key (on their own signed-in session)."""
    persona = make_user("admin@example.com", username="admin", is_staff=True, roles=["admin"])
    _key, raw = admin_key_create(email="admin@example.com")
    persona.admin_key = raw
    return persona
