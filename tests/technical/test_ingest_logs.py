"""ingestLogs: front-end entries become one well-formed JSON log line each, nothing stored."""

from __future__ import annotations

import io
import json
import logging
import uuid
from contextlib import contextmanager

import pytest
from django.conf import settings

from aimg_site.api.logging import JsonFormatter, RequestIDFilter
from aimg_site.technical.logs.services import session_digest
from tests.support.assertions import assert_envelope
from tests.support.client import ApiClient
from tests.support.personas import Persona


@contextmanager
def frontend_lines():
    """The raw text the deployment's JSON handler writes for ``aimg.frontend`` meanwhile."""
    stream = io.StringIO()
    config = settings.LOGGING["formatters"]["json"]
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter(config["fmt"], rename_fields=config["rename_fields"]))
    handler.addFilter(RequestIDFilter())
    logger = logging.getLogger("aimg.frontend")
    old = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    holder: dict = {}
    try:
        yield holder
    finally:
        logger.removeHandler(handler)
        logger.setLevel(old)
        holder["text"] = stream.getvalue()
        holder["lines"] = [json.loads(line) for line in holder["text"].splitlines()]


def _post(persona, body, headers=None):
    return ApiClient().post("/ingestLogs", persona=persona, body=body, headers=headers or {})


def test_each_entry_is_one_tagged_json_line(owner):
    request_id = str(uuid.uuid4())
    with frontend_lines() as out:
        response = _post(
            owner,
            {
                "logs": [
                    {"message": "clicked", "timestamp": 1767225600000},
                    {
                        "message": "boom",
                        "level": "error",
                        "httpMethod": "POST",
                        "httpPath": "generateImage",
                        "errorName": "TypeError",
                        "errorStack": "at x\nat y",
                    },
                ]
            },
            headers={"X-Request-ID": request_id},
        )
    assert_envelope(response, 200)
    assert response.payload == {"success": True}
    first, second = out["lines"]
    assert first["level"] == "INFO" and second["level"] == "ERROR"
    assert first["service"] == "FrontEnd/Client/FreeJourney/prod" or first["service"].startswith(
        "FrontEnd/Client/"
    )
    assert first["request_id"] == request_id and first["domain"] == "freejourney.ai"
    assert first["user_id"] == owner.id
    assert first["session"] == session_digest(uuid.UUID(owner.session_id))
    assert owner.session_id not in out["text"]  # a session id is a credential: never logged
    assert first["entry"]["message"] == "clicked" and first["entry"]["level"] == "info"
    assert second["entry"]["errorStack"] == "at x\nat y"


def test_the_default_service_name_comes_from_the_domain(guest, domain):
    with frontend_lines() as out:
        assert_envelope(_post(guest, {"logs": [{"message": "hi"}]}), 200)
    assert out["lines"][0]["service"] == f"FrontEnd/Client/{domain.display_name}/{domain.environment}"
    assert out["lines"][0]["user_id"] is None


def test_a_given_service_name_is_used_when_well_formed(owner):
    with frontend_lines() as out:
        assert_envelope(
            _post(owner, {"serviceName": "FrontEnd/Admin/Sexy AI/staging", "logs": [{"message": "x"}]}), 200
        )
    assert out["lines"][0]["service"] == "FrontEnd/Admin/Sexy AI/staging"


@pytest.mark.parametrize(
    "name",
    [
        "BackEnd/API/x/prod",
        "FrontEnd/Client",
        "FrontEnd/a/b/c/d",
        "FrontEnd/a\nb/c/d",
        'FrontEnd/a/b/c"}',
        "",
    ],
)
def test_a_malformed_service_name_is_a_400(owner, name):
    response = _post(owner, {"serviceName": name, "logs": [{"message": "x"}]})
    assert_envelope(response, 400)
    assert "serviceName" in response.error


def test_log_injection_stays_on_one_line(owner):
    hostile = 'ok"}\n{"level": "ERROR", "message": "forged"}\r\n\u2028\x1b[31m'
    with frontend_lines() as out:
        assert_envelope(_post(owner, {"logs": [{"message": hostile, "errorMessage": hostile}]}), 200)
    assert out["text"].count("\n") == 1
    (line,) = out["lines"]
    assert line["entry"]["message"] == hostile and line["level"] == "INFO"


@pytest.mark.parametrize(
    "entry,named",
    [
        ({}, "message"),
        ({"message": 5}, "message"),
        ({"message": "x", "level": "debug"}, "level"),
        ({"message": "x", "httpMethod": "TRACE"}, "httpMethod"),
        ({"message": "x", "timestamp": "yesterday"}, "timestamp"),
        ({"message": "x", "timestamp": -1}, "timestamp"),
        ({"message": "x" * 10001}, "message"),
        ({"message": "x", "errorStack": "s" * 20001}, "errorStack"),
    ],
)
def test_bad_entries_are_a_400_naming_the_field(owner, entry, named):
    response = _post(owner, {"logs": [entry]})
    assert_envelope(response, 400)
    assert named in response.error


def test_the_number_of_entries_is_bounded(owner):
    assert_envelope(_post(owner, {"logs": []}), 400)
    response = _post(owner, {"logs": [{"message": "x"}] * 101})
    assert_envelope(response, 400)
    assert "logs" in response.error
    assert_envelope(_post(owner, {"logs": "not a list"}), 400)


def test_a_session_or_an_admin_key_is_needed(admin, api):
    response = api.post("/ingestLogs", body={"logs": [{"message": "x"}]})
    assert_envelope(response, 400)
    assert "X-Session-ID" in response.error
    key_only = Persona(session_id="", admin_key=admin.admin_key)
    response = api.post(
        "/ingestLogs", body={"logs": [{"message": "x"}]}, headers={"X-Administration-Key": admin.admin_key}
    )
    assert_envelope(response, 200)
    assert key_only.admin_key
    bad_key = api.post(
        "/ingestLogs", body={"logs": [{"message": "x"}]}, headers={"X-Administration-Key": "nope"}
    )
    assert_envelope(bad_key, 403)
    assert_envelope(_post(admin, {"logs": [{"message": "x"}]}), 200)


def test_nothing_is_stored(owner, django_assert_max_num_queries):
    with django_assert_max_num_queries(3):  # the session lookup only, no insert
        assert_envelope(_post(owner, {"logs": [{"message": "x"}] * 50}), 200)


def test_it_is_rate_limited_per_session_and_per_address(owner, other_user):
    for _ in range(60):
        assert _post(owner, {"logs": [{"message": "x"}]}).status == 200
    limited = _post(owner, {"logs": [{"message": "x"}]})
    assert_envelope(limited, 429)
    assert "Retry-After" in limited.headers
    # The address limit (120/minute) counts every call from the address, the refused one too (61).
    for _ in range(59):
        assert _post(other_user, {"logs": [{"message": "x"}]}).status == 200
    assert_envelope(_post(Persona(session_id=str(uuid.uuid4())), {"logs": [{"message": "x"}]}), 429)
