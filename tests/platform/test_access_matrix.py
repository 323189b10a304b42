"""The access matrix: every routed ``ApiView`` endpoint, found through the URL resolver, is checked
for its declared session and admin policies, its methods and the envelope.

Nobody writes a case per endpoint: a new endpoint is picked up by walking ``get_resolver()``. The
cases are one parametrized test, each one request with no body or parameters (the session and
admin checks run before input validation).

Sign-in: views call ``identity.require_signed_in()`` today; a declared caller policy
(``caller = Caller.SIGNED_IN`` on the view) is read with ``getattr`` when it lands (see
``_needs_sign_in``). Until then ``SIGNED_IN_TODAY`` lists the endpoints that answer a guest 401 (``GUEST_INPUT`` gives
the few that validate their input first a valid one).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from aimg_site.api.views import AdminPolicy, ApiView, SessionPolicy
from tests.accounts.conftest import image_data_uri
from tests.support.assertions import assert_envelope
from tests.support.client import ApiClient
from tests.support.personas import Persona

#: Routed endpoints on the day the matrix was written; it must find at least these many.
ENDPOINTS_ROUTED_WHEN_WRITTEN = 61

ENVELOPE_METHODS = ("get", "post", "delete", "put", "patch")


@dataclass(frozen=True)
class Endpoint:
    path: str
    view: type[ApiView]

    @property
    def methods(self) -> tuple[str, ...]:
        return tuple(m for m in ENVELOPE_METHODS if hasattr(self.view, m))

    @property
    def method(self) -> str:
        return self.methods[0]

    @property
    def other_method(self) -> str:
        return next(m for m in ("get", "post", "delete", "patch") if m not in self.methods)

    def __str__(self) -> str:
        return self.view.operation_id or self.path


def _walk(patterns, prefix: str = ""):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from _walk(pattern.url_patterns, prefix + str(pattern.pattern))
        elif isinstance(pattern, URLPattern):
            view = getattr(pattern.callback, "view_class", None) or getattr(pattern.callback, "cls", None)
            if isinstance(view, type) and issubclass(view, ApiView):
                yield Endpoint(path="/" + prefix + str(pattern.pattern), view=view)


def routed_endpoints() -> list[Endpoint]:
    found = {e.path: e for e in _walk(get_resolver().url_patterns)}
    return sorted(found.values(), key=lambda e: e.path)


#: Endpoints whose views call ``identity.require_signed_in()`` before reading their input, so a
#: guest with no parameters gets 401. Replaced by the declared caller policy once views have one.
SIGNED_IN_TODAY: frozenset[str] = frozenset(
    {
        "deleteUser",
        "deleteUserKVP",
        "getUserKVP",
        "getUserSession",
        "setSelfUserProfilePicture",
        "setSelfUserProperties",
        "setUserKVP",
    }
)

#: Valid input for sign-in endpoints that validate it before asking for a signed-in user.
GUEST_INPUT: dict[str, dict] = {
    "getUserKVP": {"key": "colour"},
    "deleteUserKVP": {"key": "colour"},
    "setUserKVP": {"key": "colour", "value": "blue"},
    "setSelfUserProfilePicture": {"profilePicture": image_data_uri()},
}


def _needs_sign_in(view: type[ApiView]) -> bool | None:
    """True/False from a declared caller policy (``caller = Caller.SIGNED_IN``), None if undeclared."""
    caller = getattr(view, "caller", None)
    if caller is None:
        return None
    return getattr(caller, "name", str(caller)).upper() == "SIGNED_IN"


def _cases():
    for endpoint in routed_endpoints():
        view = endpoint.view
        checks = ["envelope_405"]
        if view.session_policy is SessionPolicy.REQUIRED:
            checks += ["no_session_400"]
        if view.session_policy is not SessionPolicy.NONE:
            checks += ["malformed_session_400"]
        if view.admin_policy is AdminPolicy.REQUIRED:
            checks += ["no_admin_key_403", "invalid_admin_key_403"]
        if view.admin_policy is AdminPolicy.OPTIONAL:
            checks += ["invalid_admin_key_403"]
        declared = _needs_sign_in(view)
        if declared or (declared is None and view.operation_id in SIGNED_IN_TODAY):
            checks += ["guest_401"]
        for check in checks:
            yield pytest.param(endpoint, check, id=f"{endpoint}-{check}")


CASES = list(_cases())


def test_matrix_finds_every_routed_endpoint():
    endpoints = routed_endpoints()
    assert len(endpoints) >= ENDPOINTS_ROUTED_WHEN_WRITTEN, [str(e) for e in endpoints]
    assert all(e.methods for e in endpoints)
    assert len({e.view.operation_id for e in endpoints}) == len(endpoints), "operation ids repeat"


def test_declared_caller_policy_is_read():
    """The hook for ``caller = Caller.SIGNED_IN``: a declaration wins over ``SIGNED_IN_TODAY``."""

    class SignedIn:
        name = "SIGNED_IN"

    class Anyone:
        name = "ANYONE"

    assert _needs_sign_in(type("V", (ApiView,), {"caller": SignedIn()})) is True
    assert _needs_sign_in(type("V", (ApiView,), {"caller": Anyone()})) is False
    assert _needs_sign_in(ApiView) is None


@pytest.mark.parametrize(("endpoint", "check"), CASES)
def test_access_matrix(endpoint: Endpoint, check: str, api: ApiClient, owner: Persona, admin: Persona):
    """One request per (endpoint, check); every answer is the envelope."""
    method = endpoint.method
    headers: dict[str, str] = {}
    persona: Persona | None = owner
    if check == "envelope_405":
        persona, method = admin, endpoint.other_method
        status = 405
    elif check == "no_session_400":
        persona, status = None, 400
    elif check == "malformed_session_400":
        persona, headers, status = None, {"X-Session-ID": "not-a-session-id"}, 400
    elif check == "no_admin_key_403":
        status = 403
    elif check == "invalid_admin_key_403":
        headers, status = {"X-Administration-Key": "invalid-" + uuid.uuid4().hex}, 403
    elif check == "guest_401":
        persona, status = Persona(session_id=str(uuid.uuid4())), 401
    else:  # pragma: no cover
        raise AssertionError(check)
    params = GUEST_INPUT.get(endpoint.view.operation_id, {}) if check == "guest_401" else {}
    response = api.request(method, endpoint.path, persona=persona, headers=headers, **params)
    assert_envelope(response, status)
    assert set(response.body) >= {"hasError", "payload", "errorMessage"}, response
    if check == "no_session_400":
        assert "X-Session-ID" in response.error, response
