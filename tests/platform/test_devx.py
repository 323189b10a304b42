"""What a front-end developer meets first: answers that say what to do next."""

import json

import pytest
from django.test import Client

from tests.support.assertions import assert_envelope

pytestmark = pytest.mark.urls("tests.platform.urls")


def test_a_405_names_the_method_to_use(api, guest):
    response = assert_envelope(api.get("/createSelfFolder", persona=guest), 405)
    assert response.error == "Method GET is not allowed here. Use POST."
    response = assert_envelope(api.delete("/testEcho", persona=guest), 405)
    assert response.error == "Method DELETE is not allowed here. Use GET or POST."


@pytest.mark.parametrize(
    ("path", "hint"),
    [
        ("/", "The endpoints are listed at /api/docs/"),
        ("/admin/", "The admin console is at /console/."),
        ("/admin", "The admin console is at /console/."),
        ("/admin/accounts/user/", "The admin console is at /console/."),
        ("/getSelfUser/", "Did you mean /getSelfUser (endpoints have no trailing slash)?"),
        ("/health/", "Did you mean /health (endpoints have no trailing slash)?"),
        ("/api/docs", "Did you mean /api/docs/?"),
    ],
)
def test_a_404_points_where_the_caller_probably_meant_to_go(api, path, hint):
    response = assert_envelope(api.get(path), 404)
    assert response.error.startswith(f"No endpoint at {path}.")
    assert hint in response.error


def test_a_404_for_a_path_nothing_resembles_has_no_hint(api):
    assert assert_envelope(api.get("/getNothing/"), 404).error == "No endpoint at /getNothing/."
    assert assert_envelope(api.get("/getNothing"), 404).error == "No endpoint at /getNothing."


def test_the_hint_holds_with_debug_on_and_for_other_methods(settings):
    settings.DEBUG = True
    response = Client(HTTP_HOST="api.freejourney.ai").post("/createSelfFolder/", b"{}", "application/json")
    assert response.status_code == 404
    assert "Did you mean /createSelfFolder " in response.json()["errorMessage"]


def _form_post(path, body: bytes, session_id: str):
    client = Client(HTTP_HOST="api.freejourney.ai")
    return client.post(
        path, body, content_type="application/x-www-form-urlencoded", HTTP_X_SESSION_ID=session_id
    )


@pytest.mark.parametrize("body", [b'{"name": "Trips"}', b" [1, 2]\n", b'{"a": ' * 3000 + b"1" + b"}" * 3000])
def test_json_sent_as_a_form_is_a_415_that_says_which_header_to_send(owner, body):
    response = _form_post("/createSelfFolder", body, owner.session_id)
    assert response.status_code == 415
    message = response.json()["errorMessage"]
    assert "Content-Type: application/json" in message
    assert "application/x-www-form-urlencoded" in message


def test_a_real_form_body_is_still_parsed_as_a_form(guest):
    response = _form_post("/testEcho", b"count=3&flag=true", guest.session_id)
    assert response.status_code == 200
    assert response.json()["payload"]["data"] == {"count": 3, "flag": True}


def test_a_body_without_a_content_type_says_to_send_json(owner):
    response = Client(HTTP_HOST="api.freejourney.ai").generic(
        "POST", "/createSelfFolder", b'{"name": "x"}', content_type="", HTTP_X_SESSION_ID=owner.session_id
    )
    assert response.status_code == 415
    assert "Content-Type: application/json" in response.json()["errorMessage"]


def _cors_regexes(debug: str) -> list[str]:
    from tests.platform.test_deploy import _settings_in_subprocess

    result = _settings_in_subprocess(
        "import json, aimg_site.settings as s; print(json.dumps(s.CORS_ALLOWED_ORIGIN_REGEXES))", DEBUG=debug
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_with_debug_on_a_front_end_on_any_local_port_is_an_allowed_origin(settings):
    from aimg_site.settings import DEV_CORS_ORIGIN_REGEXES

    with_debug, without = _cors_regexes("true"), _cors_regexes("false")
    assert set(DEV_CORS_ORIGIN_REGEXES) <= set(with_debug)
    assert not set(DEV_CORS_ORIGIN_REGEXES) & set(without)
    settings.CORS_ALLOWED_ORIGIN_REGEXES = with_debug
    client = Client(HTTP_HOST="127.0.0.1")
    for origin in ("http://localhost:5173", "http://127.0.0.1:3000", "http://localhost"):
        response = client.options(
            "/getSelfUser",
            HTTP_ORIGIN=origin,
            HTTP_ACCESS_CONTROL_REQUEST_METHOD="GET",
            HTTP_ACCESS_CONTROL_REQUEST_HEADERS="x-session-id",
        )
        assert response.headers.get("Access-Control-Allow-Origin") == origin, origin
    for origin in (
        "http://localhost.evil.example",
        "http://evil.example/?http://localhost:1",
        "https://localhost:3000",
    ):
        response = client.options(
            "/getSelfUser", HTTP_ORIGIN=origin, HTTP_ACCESS_CONTROL_REQUEST_METHOD="GET"
        )
        assert "Access-Control-Allow-Origin" not in response.headers, origin
