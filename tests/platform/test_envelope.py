"""The envelope on success, on every error status, and on what Django answers before DRF."""

import json
import logging
import uuid

import pytest
from django.test import Client

from tests.support.assertions import assert_envelope

pytestmark = pytest.mark.urls("tests.platform.urls")


def test_it_wraps_a_success_in_the_envelope(api, guest):
    response = assert_envelope(api.get("/testEcho", persona=guest, flag="1", count=3))
    assert response.body == {
        "hasError": False,
        "payload": {"data": {"flag": True, "count": 3}, "user": None, "isAdmin": False},
    }


@pytest.mark.parametrize(
    ("kind", "status", "message"),
    [
        ("bad", 400, "Something is off."),
        ("param", 400, "Parameter 'imageID' must be a valid UUID."),
        ("unauth", 401, "You are not signed in."),
        ("forbidden", 403, "You are not allowed to do this."),
        ("missing", 404, "No such item."),
        ("conflict", 409, "Already there."),
        ("big", 413, "The request body is too large."),
        ("slow", 429, "Too many requests. Slow down. Try again in 7 seconds."),
    ],
)
def test_it_renders_each_domain_error_with_its_status(api, kind, status, message):
    response = assert_envelope(api.get("/testFail", kind=kind), status)
    assert response.error == message


def test_it_carries_the_error_code_when_there_is_one(api):
    assert api.get("/testFail", kind="conflict").body["errorCode"] == 1201


def test_it_sends_retry_after_with_a_429(api):
    assert api.get("/testFail", kind="slow").headers["Retry-After"] == "7"


def test_an_unexpected_exception_is_a_500_envelope_without_details(api, caplog):
    with caplog.at_level(logging.ERROR, logger="aimg.api"):
        response = assert_envelope(api.get("/testFail", kind="boom"), 500)
    assert "secret internal detail" not in json.dumps(response.body)
    assert "Traceback" not in json.dumps(response.body)
    assert any("Unhandled error" in record.getMessage() for record in caplog.records)


def test_it_names_the_parameter_that_failed_validation(api, guest):
    response = assert_envelope(api.get("/testEcho", persona=guest, count="eleven"), 400)
    assert "'count'" in response.error
    response = assert_envelope(api.get("/testEcho", persona=guest, flag="maybe"), 400)
    assert "'flag'" in response.error and "boolean" in response.error
    response = assert_envelope(api.get("/testEcho", persona=guest, ids="not-a-uuid"), 400)
    assert "'ids'" in response.error


def test_lists_accept_a_json_array_or_a_comma_separated_string(api, guest):
    a, b = uuid.uuid4(), uuid.uuid4()
    by_string = assert_envelope(api.get("/testEcho", persona=guest, ids=f" {a} , {b},"))
    by_array = assert_envelope(api.post("/testEcho", persona=guest, ids=[str(a), str(b)]))
    assert by_string.payload["data"]["ids"] == by_array.payload["data"]["ids"] == [str(a), str(b)]


def test_too_many_list_items_is_a_400(api, guest):
    response = assert_envelope(
        api.post("/testEcho", persona=guest, ids=[str(uuid.uuid4()) for _ in range(4)]), 400
    )
    assert "'ids'" in response.error and "3" in response.error


def test_malformed_json_is_a_400(api, guest):
    response = api.post("/testEcho", persona=guest, body="{not json")
    assert_envelope(response, 400)
    assert "not valid" in response.error


def test_a_json_body_that_is_not_an_object_is_a_400(api, guest):
    assert_envelope(api.post("/testEcho", persona=guest, body=[1, 2]), 400)


def test_a_wrong_method_is_a_405_envelope(api, guest):
    response = assert_envelope(api.delete("/testEcho", persona=guest), 405)
    assert "DELETE" in response.error
    assert_envelope(api.post("/health"), 405)


def test_an_unknown_path_is_a_404_envelope(api):
    response = assert_envelope(api.get("/noSuchEndpoint"), 404)
    assert "/noSuchEndpoint" in response.error


def test_an_unknown_path_is_a_404_envelope_with_debug_on(api, settings):
    settings.DEBUG = True
    assert_envelope(api.get("/getSelfUser/extra/segments"), 404)


def test_a_trailing_slash_is_not_the_documented_path(api):
    assert_envelope(api.get("/health/"), 404)


def test_a_body_larger_than_the_limit_is_a_413_before_it_is_read(api, guest, settings):
    settings.AIMG_MAX_JSON_BYTES = 1000
    response = api.post("/testEcho", persona=guest, body={"padding": "x" * 2000})
    assert_envelope(response, 413)


def test_djangos_own_body_limit_is_a_413_envelope(settings, guest):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 100
    client = Client(HTTP_HOST="api.freejourney.ai", raise_request_exception=False)
    response = client.post("/console/login/", {"username": "x" * 500, "password": "y"})
    assert response.status_code == 413
    body = response.json()
    assert body["hasError"] is True and body["payload"] is None


def test_a_csrf_failure_is_a_403_envelope():
    client = Client(HTTP_HOST="api.freejourney.ai", enforce_csrf_checks=True)
    response = client.post("/console/login/", {"username": "a@b.c", "password": "x"})
    assert response.status_code == 403
    assert response.json()["hasError"] is True
    assert "CSRF" in response.json()["errorMessage"]


def test_a_disallowed_host_is_a_400_envelope():
    response = Client(HTTP_HOST="evil.example.net").get("/health")
    assert response.status_code == 400
    assert response.json() == {
        "hasError": True,
        "payload": None,
        "errorMessage": "The Host header is not allowed.",
    }


def test_a_non_numeric_content_length_is_a_400():
    response = Client(HTTP_HOST="api.freejourney.ai").generic(
        "POST", "/testEcho", b"{}", CONTENT_LENGTH="abc", content_type="application/json"
    )
    assert response.status_code == 400
    assert response.json()["hasError"] is True


def test_it_answers_json_whatever_the_accept_header_says(api, guest):
    response = api.get("/testEcho", persona=guest, headers={"Accept": "text/html"})
    assert response.status == 200
    assert response.headers["Content-Type"].startswith("application/json")


def test_a_fault_outside_drf_is_a_500_envelope_through_handler500():
    client = Client(HTTP_HOST="api.freejourney.ai", raise_request_exception=False)
    response = client.get("/plainBoom", headers={"X-Request-ID": "plain-500"})
    assert response.status_code == 500
    assert response.json() == {
        "hasError": True,
        "payload": None,
        "errorMessage": "We had a problem with our server. Try again later.",
    }
    assert response.headers["X-Request-ID"] == "plain-500"


def test_every_response_carries_the_browser_security_headers(api, owner):
    response = api.get("/getSelfUser", persona=owner)
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Referrer-Policy"] == "same-origin"


@pytest.mark.parametrize(
    "body",
    ['{"ids": ' + "[" * 100_000 + "]" * 100_000 + "}", "[" * 50_000, '{"a": ' * 30_000 + "1" + "}" * 30_000],
    ids=["nested-arrays", "unclosed-arrays", "nested-objects"],
)
def test_a_deeply_nested_json_body_is_a_400_not_a_500(api, guest, body):
    response = api.post("/testEcho", persona=guest, body=body)
    assert_envelope(response, 400)
    assert "nested" in response.error


def test_thousands_of_query_parameters_are_a_400_not_a_500(guest):
    client = Client(HTTP_HOST="api.freejourney.ai", raise_request_exception=False)
    query = "&".join(f"p{i}=1" for i in range(5000))
    response = client.get(f"/testEcho?{query}", HTTP_X_SESSION_ID=guest.session_id)
    assert response.status_code == 400
    assert response.json()["hasError"] is True and "parameters" in response.json()["errorMessage"]


@pytest.mark.parametrize("method", ["POST", "PUT", "PATCH", "DELETE"])
def test_an_unknown_path_is_a_404_envelope_for_every_method_not_a_csrf_failure(method):
    client = Client(HTTP_HOST="api.freejourney.ai", enforce_csrf_checks=True)
    response = client.generic(method, "/getNothing", b"{}", content_type="application/json")
    assert response.status_code == 404
    assert response.json()["errorMessage"] == "No endpoint at /getNothing."


def test_the_embedded_email_default_writes_files_under_var_mail(settings):
    import os

    assert os.path.isabs(settings.EMAIL_FILE_PATH) and settings.EMAIL_FILE_PATH.endswith("mail")


def test_the_fast_json_renderer_writes_the_bytes_drf_writes():
    """``EnvelopeJSONRenderer`` renders with orjson; for every kind of value a payload holds it
    writes exactly what DRF's own JSONRenderer writes, and what orjson cannot write goes to DRF."""
    import datetime as dt
    import decimal
    import uuid as uuid_module

    from django.utils.translation import gettext_lazy
    from rest_framework.renderers import JSONRenderer

    from aimg_site.api.envelope import Envelope, EnvelopeJSONRenderer
    from library.models import ApprovalStatus

    payload = {
        "text": 'plain, ünïcödé, emoji 🎨, quotes " and \\ and line separators \u2028 \u2029',
        "when": dt.datetime(2026, 12, 2, 14, 3, 4, 567891, tzinfo=dt.UTC),
        "day": dt.date(2026, 12, 2),
        "id": uuid_module.UUID(int=7),
        "price": decimal.Decimal("4.99"),
        "lazy": gettext_lazy("Folder not found."),
        "status": ApprovalStatus.APPROVED,
        "numbers": [0, -1, 2**63 - 1, 1.5, True, False, None],
        7: "an integer key",
        "nested": [{"a": []}, {}],
    }
    envelope = Envelope(hasError=False, payload=payload)
    assert EnvelopeJSONRenderer().render(envelope) == JSONRenderer().render(envelope)
    beyond = Envelope(hasError=False, payload={"big": 2**70})
    assert EnvelopeJSONRenderer().render(beyond) == JSONRenderer().render(beyond)
