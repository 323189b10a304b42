"""X-Request-ID: echoed when valid, made otherwise, and present in the request's log lines."""

import logging
import uuid

import pytest

from aimg_site.api.logging import RequestIDFilter

pytestmark = pytest.mark.urls("tests.platform.urls")


def test_a_valid_request_id_is_echoed(api):
    assert api.get("/health", headers={"X-Request-ID": "abc-123"}).headers["X-Request-ID"] == "abc-123"


@pytest.mark.parametrize("bad", ["", "has spaces", "x" * 65, "semi;colon", "abc\n", "abc-123\n"])
def test_an_invalid_or_missing_request_id_is_replaced_by_a_uuid(api, bad):
    headers = {"X-Request-ID": bad} if bad else {}
    assert uuid.UUID(api.get("/health", headers=headers).headers["X-Request-ID"])


def test_errors_carry_the_request_id_too(api):
    assert api.get("/nowhere", headers={"X-Request-ID": "req-404"}).headers["X-Request-ID"] == "req-404"
    assert (
        api.get("/testFail", kind="boom", headers={"X-Request-ID": "req-500"}).headers["X-Request-ID"]
        == "req-500"
    )


def test_log_lines_of_a_request_carry_its_id(api, caplog):
    caplog.handler.addFilter(RequestIDFilter())
    with caplog.at_level(logging.WARNING):
        api.get("/testFail", kind="boom", headers={"X-Request-ID": "trace-me"})
    ours = [r for r in caplog.records if r.name in ("aimg.test", "aimg.api")]
    assert ours and all(r.request_id == "trace-me" for r in ours)


def test_log_lines_outside_a_request_have_no_id(caplog):
    caplog.handler.addFilter(RequestIDFilter())
    with caplog.at_level(logging.WARNING):
        logging.getLogger("aimg.test").warning("outside")
    assert not hasattr(caplog.records[-1], "request_id")  # no "request_id": null in the JSON line


def test_the_json_formatter_writes_the_request_id():
    import json

    from pythonjsonlogger.json import JsonFormatter

    formatter = JsonFormatter("%(levelname)s %(message)s %(request_id)s")
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "hello", None, None)
    RequestIDFilter().filter(record)
    record.request_id = "r-1"
    assert json.loads(formatter.format(record))["request_id"] == "r-1"
