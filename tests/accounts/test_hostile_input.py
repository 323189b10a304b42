"""Hostile input on the accounts endpoints: a 4xx envelope naming the problem, never a 500.

Wrong JSON types (numbers, booleans, objects, arrays where a string is
expected), NUL characters, lone surrogates and over-long strings, in every
string parameter of every JSON body; non-object bodies; odd query strings.
"""

from __future__ import annotations

import json

import pytest

from tests.support.assertions import assert_envelope

#: (path, a valid body, its string parameters, who calls: "user" or "admin")
BODIES = [
    ("/createUser", {"email": "new@example.com", "password": "Aa1!aaaaa"}, ["email", "password", "otp", "username", "rs"], "user"),
    ("/authenticateUser", {"email": "new@example.com", "otp": "123456"}, ["email", "password", "otp"], "user"),
    ("/requestOTP", {"email": "new@example.com"}, ["email"], "user"),
    ("/setSelfUserProperties", {"username": "x"}, ["username", "password", "email", "otp"], "user"),
    ("/setSelfUserProfilePicture", {"profilePicture": ""}, ["profilePicture"], "user"),
    ("/setUserKVP", {"key": "k", "value": "v"}, ["key", "value"], "user"),
    ("/setProfilePictureBanned", {"email": "owner@example.com"}, ["userID", "email"], "admin"),
    ("/setUserAdditionalInformation", {"email": "owner@example.com"}, ["userID", "email", "additionalInformation"], "admin"),
    ("/setUserAbuseLevel", {"email": "owner@example.com"}, ["userID", "email"], "admin"),
]  # fmt: skip

WRONG_TYPES = [123456, 0, -1, 1e308, True, False, {"a": "b"}, ["x"], []]
BAD_STRINGS = ["a\x00b", "\ud800", "x" * 100_000]


def _post(api, persona, path, body):
    headers = {"X-Session-ID": persona.session_id}
    if persona.admin_key:
        headers["X-Administration-Key"] = persona.admin_key
    raw = json.dumps(body) if not isinstance(body, str) else body
    return api.post(path, headers=headers, body=raw.encode("utf-8", "surrogatepass"))


def _cases():
    for path, valid, names, who in BODIES:
        for name in names:
            yield pytest.param(path, valid, name, who, id=f"{path[1:]}-{name}")


@pytest.mark.parametrize(("path", "valid", "name", "who"), list(_cases()))
def test_a_number_boolean_object_or_array_for_a_string_is_a_400_naming_it(
    api, owner, admin, path, valid, name, who
):
    persona = admin if who == "admin" else owner
    for value in WRONG_TYPES:
        response = assert_envelope(_post(api, persona, path, {**valid, name: value}), 400)
        assert f"'{name}'" in response.error, (value, response)


@pytest.mark.parametrize(("path", "valid", "name", "who"), list(_cases()))
def test_nul_characters_surrogates_and_huge_strings_are_4xx_envelopes(
    api, owner, admin, path, valid, name, who
):
    persona = admin if who == "admin" else owner
    for value in BAD_STRINGS:
        response = _post(api, persona, path, {**valid, name: value})
        assert 400 <= response.status < 500, (name, value[:20], response)
        assert_envelope(response, response.status)


@pytest.mark.parametrize("path", sorted({path for path, _v, _n, _w in BODIES}))
@pytest.mark.parametrize("body", ["", "{", "null", "[]", "[1]", '"text"', "1", "true", '{"a": NaN}'])
def test_bodies_that_are_not_json_objects_are_400s(api, owner, admin, path, body):
    persona = admin if path in {p for p, _v, _n, w in BODIES if w == "admin"} else owner
    assert_envelope(_post(api, persona, path, body), 400)


def test_an_otp_sent_as_a_number_is_a_400_not_a_wrong_code(api, guest, issue_code):
    issue_code("numeric@example.com")

    response = assert_envelope(
        api.post("/authenticateUser", persona=guest, email="numeric@example.com", otp=12345), 400
    )

    assert "'otp'" in response.error and "string" in response.error


@pytest.mark.parametrize(
    "query",
    [
        "/getUserKVP?key=%00",
        "/getUserKVP?key=%ED%A0%80",
        "/getUserKVP?key=" + "k" * 200,
        "/getUserKVP?key=a&key=b",
        "/deleteUserKVP?key=%ff%fe",
        "/getUser?userID=%00",
        "/getUser?userID=" + "1" * 100,
        "/getUser?userID=%ED%A0%80",
        "/getSelfUser?profilePicture=2",
        "/getSelfUser?isAtLeast18Confirmed=%00",
        "/deleteUser?deleteItems=maybe",
    ],
)
def test_odd_query_strings_are_4xx_envelopes(api, owner, query):
    method = api.client.delete if query.startswith("/deleteU") else api.client.get
    response = method(query, headers={"X-Session-ID": owner.session_id})
    assert 400 <= response.status_code < 500, (query, response.content[:200])
    body = response.json()
    assert body["hasError"] is True and body["payload"] is None and body["errorMessage"]


@pytest.mark.parametrize("name", ["redirectURL", "rs"])
def test_the_oauth_start_refuses_a_non_string_naming_it(api, name):
    body = {"redirectURL": "https://freejourney.ai/done", name: 5}

    response = assert_envelope(api.post("/auth/github", body=body), 400)

    assert f"'{name}'" in response.error
