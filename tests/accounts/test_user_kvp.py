"""getUserKVP, setUserKVP, deleteUserKVP: per user, with limits on keys, values and count."""

from __future__ import annotations

import pytest
from django.db import connection
from drf_spectacular.generators import SchemaGenerator

from accounts.kvp.services import KVP_MAX_PER_USER, kvp_set
from accounts.models import User, UserKVP
from aimg_site.api.errors import ErrorCode
from aimg_site.core.scoping import domain_context
from aimg_site.core.selectors import domain_get
from tests.support.assertions import assert_envelope
from tests.support.concurrency import race


def test_it_sets_gets_replaces_and_deletes_a_value(api, owner):
    assert assert_envelope(
        api.post("/setUserKVP", persona=owner, key="theme", value="dark"), 200
    ).payload == {
        "key": "theme",
        "value": "dark",
    }
    assert api.get("/getUserKVP", persona=owner, key="theme").payload == {"key": "theme", "value": "dark"}
    api.post("/setUserKVP", persona=owner, key="theme", value="light")
    assert api.get("/getUserKVP", persona=owner, key="theme").payload["value"] == "light"
    assert UserKVP.objects.filter(user=owner.user).count() == 1
    assert assert_envelope(api.delete("/deleteUserKVP", persona=owner, key="theme"), 200).payload == {
        "success": True
    }
    assert_envelope(api.get("/getUserKVP", persona=owner, key="theme"), 404)


def test_keys_are_case_sensitive_and_kept_verbatim(api, owner):
    api.post("/setUserKVP", persona=owner, key=" Theme ", value="x")
    assert_envelope(api.get("/getUserKVP", persona=owner, key="theme"), 404)
    assert api.get("/getUserKVP", persona=owner, key=" Theme ").payload["value"] == "x"


def test_values_are_kept_verbatim_including_empty_and_unicode(api, owner):
    for value in ["", "  padded  ", '{"json": [1, 2]}', "émoji 🎨"]:
        api.post("/setUserKVP", persona=owner, key="k", value=value)
        assert api.get("/getUserKVP", persona=owner, key="k").payload["value"] == value


def test_another_users_key_is_a_404(api, owner, other_user):
    api.post("/setUserKVP", persona=owner, key="secret", value="mine")
    assert_envelope(api.get("/getUserKVP", persona=other_user, key="secret"), 404)
    assert_envelope(api.delete("/deleteUserKVP", persona=other_user, key="secret"), 404)
    assert api.get("/getUserKVP", persona=owner, key="secret").payload["value"] == "mine"


def test_a_missing_key_is_a_404_on_get_and_delete(api, owner):
    assert_envelope(api.get("/getUserKVP", persona=owner, key="nothing"), 404)
    assert_envelope(api.delete("/deleteUserKVP", persona=owner, key="nothing"), 404)


@pytest.mark.parametrize(
    ("method", "path", "params"),
    [
        ("get", "/getUserKVP", {"key": "k"}),
        ("post", "/setUserKVP", {"key": "k", "value": "v"}),
        ("delete", "/deleteUserKVP", {"key": "k"}),
    ],
)
def test_guests_get_a_401(api, guest, method, path, params):
    assert_envelope(getattr(api, method)(path, persona=guest, **params), 401)


def test_the_key_is_required(api, owner):
    assert "key" in assert_envelope(api.get("/getUserKVP", persona=owner), 400).error
    assert "value" in assert_envelope(api.post("/setUserKVP", persona=owner, key="k"), 400).error


def test_a_key_longer_than_128_characters_is_a_400(api, owner):
    assert_envelope(api.post("/setUserKVP", persona=owner, key="k" * 129, value="v"), 400)
    assert_envelope(api.post("/setUserKVP", persona=owner, key="k" * 128, value="v"), 200)


def test_a_key_with_control_characters_is_a_400(api, owner):
    assert (
        "control"
        in assert_envelope(api.post("/setUserKVP", persona=owner, key="a\x07b", value="v"), 400).error
    )


def test_a_value_above_64_kib_is_a_413(api, owner):
    assert_envelope(api.post("/setUserKVP", persona=owner, key="big", value="é" * 32_769), 413)
    assert_envelope(api.post("/setUserKVP", persona=owner, key="big", value="x" * 65_536), 200)


def test_a_user_may_hold_at_most_200_keys_but_may_still_replace_them(api, owner):
    UserKVP.objects.bulk_create(
        [
            UserKVP(user=owner.user, key=f"k{n}", value="v", domain=owner.user.domain)
            for n in range(KVP_MAX_PER_USER)
        ]
    )
    response = assert_envelope(api.post("/setUserKVP", persona=owner, key="one-more", value="v"), 409)
    assert "200" in response.error
    assert response.body["errorCode"] == ErrorCode.ACCOUNTS_KVP_LIMIT == 1010
    assert_envelope(api.post("/setUserKVP", persona=owner, key="k7", value="new"), 200)


@pytest.mark.django_db(transaction=True)
def test_concurrent_new_keys_never_exceed_the_limit():
    if connection.vendor != "postgresql":
        pytest.skip("real concurrency needs PostgreSQL")

    domain = domain_get("freejourney.ai")
    with domain_context(domain):
        user = User.objects.create_user(email="kvp-race@example.com")
        UserKVP.objects.bulk_create(
            [UserKVP(user=user, key=f"k{n}", value="v", domain=domain) for n in range(KVP_MAX_PER_USER - 3)]
        )
    results = race(8, lambda n: kvp_set(user=user, key=f"race-{n}", value="v"))
    outcomes = [type(r).__name__ if isinstance(r, Exception) else "ok" for r in results]
    assert sorted(outcomes) == ["Conflict"] * 5 + ["ok"] * 3
    assert UserKVP.all_domains.filter(user=user).count() == KVP_MAX_PER_USER


def test_a_body_that_is_not_json_is_a_415_envelope_the_schema_documents(api, owner):
    response = api.client.post(
        "/setUserKVP", "key=a&value=b", content_type="text/plain", headers={"X-Session-ID": owner.session_id}
    )

    assert response.status_code == 415
    assert response.json()["hasError"] is True and response.json()["payload"] is None
    operation = SchemaGenerator().get_schema(request=None, public=True)["paths"]["/setUserKVP"]["post"]
    assert "415" in operation["responses"]
