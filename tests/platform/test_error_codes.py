"""One registry of errorCode values, and one table from exception to status and message.

The registry: each number is used once and lies in the range of the app its
name starts with; nothing raises a number outside it. The table: DRF's
handler, Django's error views and the middleware answer the same exception
with the same status and message.
"""

import json
import re
from pathlib import Path

import pytest
from django.core.exceptions import (
    DisallowedHost,
    PermissionDenied,
    RequestDataTooBig,
    SuspiciousOperation,
    TooManyFieldsSent,
    TooManyFilesSent,
)
from django.http import Http404
from django.test import Client, RequestFactory

from aimg_site.api import handlers
from aimg_site.api.errors import ERROR_CODE_RANGES, ErrorCode
from aimg_site.api.exceptions import (
    BODY_TOO_LARGE,
    TOO_MANY_PARAMETERS,
    Conflict,
    envelope_exception_handler,
)

ROOT = Path(__file__).resolve().parents[2]
APP_DIRS = ("aimg_site", "accounts", "billing", "library", "moderation", "generation", "integrations")


def test_every_error_code_value_is_used_once():
    values = [member.value for member in ErrorCode.__members__.values()]  # aliases included
    assert len(values) == len(set(values))


@pytest.mark.parametrize("code", list(ErrorCode), ids=lambda code: code.name)
def test_each_code_lies_in_the_range_of_the_app_its_name_starts_with(code):
    app = code.name.split("_", 1)[0].lower()
    assert app in ERROR_CODE_RANGES, f"{code.name}: its name must start with an app of ERROR_CODE_RANGES"
    assert code.value in ERROR_CODE_RANGES[app]
    assert code.app == app


def test_the_app_ranges_do_not_overlap():
    taken: set[int] = set()
    for app, numbers in ERROR_CODE_RANGES.items():
        assert taken.isdisjoint(numbers), app
        taken.update(numbers)


def test_a_number_outside_the_registry_is_refused_where_it_is_raised():
    with pytest.raises(ValueError):
        Conflict("Already there.", error_code=4091)
    assert Conflict("Already there.", error_code=1201).error_code is ErrorCode.LIBRARY_PENDING_APPROVAL_LIMIT


def test_no_raise_site_writes_an_error_code_as_a_bare_number():
    offenders = []
    for app in APP_DIRS:
        for path in (ROOT / app).rglob("*.py"):
            text = path.read_text()
            if re.search(r"error_code\s*=\s*\d", text) or re.search(r"[\"']errorCode[\"']\s*:\s*\d", text):
                offenders.append(str(path.relative_to(ROOT)))
    assert offenders == []


def test_the_decisions_record_lists_every_code_with_its_name():
    text = (ROOT / "docs" / "decisions.md").read_text()
    section = text.split("## Error codes", 1)[1].split("\n## ", 1)[0]
    rows = dict(re.findall(r"^\| (\d{4}) \| `(\w+)` \|", section, flags=re.MULTILINE))
    assert rows == {str(code.value): code.name for code in ErrorCode}


# --- One table, every path ----------------------------------------------------------


@pytest.mark.parametrize(
    ("exception", "status", "message"),
    [
        (RequestDataTooBig("too big"), 413, BODY_TOO_LARGE),
        (TooManyFieldsSent("fields"), 400, TOO_MANY_PARAMETERS),
        (TooManyFilesSent("files"), 400, TOO_MANY_PARAMETERS),
        (DisallowedHost("evil"), 400, "The Host header is not allowed."),
        (SuspiciousOperation("odd"), 400, "The request is invalid."),
        (PermissionDenied(), 403, "You are not allowed to do this."),
    ],
    ids=lambda value: type(value).__name__ if isinstance(value, Exception) else None,
)
def test_drf_and_djangos_error_views_answer_an_exception_alike(exception, status, message):
    request = RequestFactory().get("/somewhere")
    drf = envelope_exception_handler(exception, {"request": request, "view": None})
    django_view = handlers.permission_denied if status == 403 else handlers.bad_request
    django = django_view(request, exception)
    expected = {"hasError": True, "payload": None, "errorMessage": message}
    assert (drf.status_code, drf.data) == (status, expected)
    assert (django.status_code, json.loads(django.content)) == (status, expected)


def test_http404_is_a_404_envelope_through_drf():
    response = envelope_exception_handler(Http404(), {"request": RequestFactory().get("/x")})
    assert response.status_code == 404 and response.data["hasError"] is True


@pytest.mark.urls("tests.platform.urls")
def test_too_many_form_fields_on_djangos_path_is_the_400_drf_answers_too(guest):
    client = Client(HTTP_HOST="api.freejourney.ai", raise_request_exception=False)
    fields = {f"f{i}": "1" for i in range(2100)}
    through_django = client.post("/console/login/", fields)
    query = "&".join(f"p{i}=1" for i in range(2100))
    through_drf = client.get(f"/testEcho?{query}", HTTP_X_SESSION_ID=guest.session_id)
    assert through_django.status_code == through_drf.status_code == 400
    assert through_django.json() == through_drf.json()
    assert through_drf.json()["errorMessage"] == TOO_MANY_PARAMETERS


@pytest.mark.urls("tests.platform.urls")
def test_every_413_says_the_body_is_too_large(settings, guest):
    client = Client(HTTP_HOST="api.freejourney.ai", raise_request_exception=False)
    settings.AIMG_MAX_JSON_BYTES = 1000
    by_middleware = client.post(
        "/testEcho", "x" * 2000, content_type="application/json", HTTP_X_SESSION_ID=guest.session_id
    )
    settings.AIMG_MAX_JSON_BYTES = 10_000
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 100
    by_django = client.post("/console/login/", {"username": "x" * 500, "password": "y"})
    assert by_middleware.status_code == by_django.status_code == 413
    assert by_middleware.json()["errorMessage"] == f"{BODY_TOO_LARGE} At most 1000 bytes are accepted."
    assert by_django.json()["errorMessage"] == BODY_TOO_LARGE
