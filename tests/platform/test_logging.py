"""One JSON log line per request, and nothing in the logs that should not be there.

Each request writes one ``aimg.request`` line (successes too) with its id,
method, path, status and duration; Django writes no second line for it; no
line holds ``"request_id": null``, a socket or request repr, a query string,
or a secret from the headers or the body.
"""

import io
import json
import logging
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from contextlib import closing, contextmanager, suppress
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client

from aimg_site.api.logging import JsonFormatter, RequestIDFilter, RunserverAccessFilter
from tests.support.processes import clean_environment

pytestmark = pytest.mark.urls("tests.platform.urls")

ROOT = Path(__file__).resolve().parents[2]


@contextmanager
def json_log_lines():
    """Every line the project's logging writes meanwhile, formatted as the console handler does."""
    stream = io.StringIO()
    config = settings.LOGGING["formatters"]["json"]
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter(config["fmt"], rename_fields=config["rename_fields"]))
    handler.addFilter(RequestIDFilter())
    root = logging.getLogger()
    old_level = root.level
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    lines: list[dict] = []
    try:
        yield lines
    finally:
        root.removeHandler(handler)
        root.setLevel(old_level)
        lines.extend(json.loads(line) for line in stream.getvalue().splitlines())


def _client():
    return Client(HTTP_HOST="api.freejourney.ai", raise_request_exception=False)


def test_a_successful_request_writes_one_line_with_its_id_method_path_status_and_duration(guest):
    with json_log_lines() as lines:
        _client().get(
            "/testEcho", {"count": "3"}, HTTP_X_SESSION_ID=guest.session_id, HTTP_X_REQUEST_ID="ok-1"
        )
    (line,) = lines
    assert line["logger"] == "aimg.request" and line["level"] == "INFO"
    assert line["request_id"] == "ok-1"
    assert (line["method"], line["path"], line["status"]) == ("GET", "/testEcho", 200)
    assert isinstance(line["duration_ms"], float) and line["duration_ms"] >= 0
    assert line["message"].startswith("GET /testEcho 200 ")


@pytest.mark.parametrize(("path", "status"), [("/nowhere", 404), ("/testFail?kind=bad", 400)])
def test_a_4xx_is_one_warning_line_and_django_adds_none(path, status):
    with json_log_lines() as lines:
        _client().get(path, HTTP_X_REQUEST_ID="four-oh")
    assert [(line["logger"], line["level"], line["status"]) for line in lines] == [
        ("aimg.request", "WARNING", status)
    ]


def test_a_500_logs_its_traceback_once_then_the_request_line():
    with json_log_lines() as lines:
        _client().get("/testFail", {"kind": "boom"}, HTTP_X_REQUEST_ID="five-oh")
    ours = [line for line in lines if line["logger"] != "aimg.test"]
    assert [line["logger"] for line in ours] == ["aimg.api", "aimg.request"]
    assert "secret internal detail" in ours[0]["exc_info"]
    assert ours[1]["status"] == 500 and ours[1]["level"] == "ERROR"
    assert all(line["request_id"] == "five-oh" for line in lines)


def test_a_fault_outside_drf_has_no_request_repr_in_its_line():
    with json_log_lines() as lines:
        _client().get("/plainBoom", {"otp": "424242"}, HTTP_X_REQUEST_ID="plain")
    assert [line["logger"] for line in lines] == ["django.request", "aimg.request"]
    assert "request" not in lines[0] and "WSGIRequest" not in json.dumps(lines)
    assert "424242" not in json.dumps(lines)


def test_no_secret_reaches_a_log_line(owner, admin):
    secrets = {"otp": "918273", "password": "Pa55-w0rd-Secret!", "code": "oauth-code-xyz", "b": "bXlsaW5r"}
    client = _client()
    client.cookies["sessionid"] = "cookie-secret-value"
    with json_log_lines() as lines:
        client.get(
            "/getSelfUser",
            secrets,
            HTTP_X_SESSION_ID=owner.session_id,
            HTTP_X_ADMINISTRATION_KEY=admin.admin_key,
        )
        client.post(
            "/authenticateUser",
            json.dumps({"email": "owner@example.com", "password": secrets["password"], "otp": "000000"}),
            content_type="application/json",
            HTTP_X_SESSION_ID=owner.session_id,
        )
        client.get("/accounts/google/login/callback/", {"code": secrets["code"], "state": "st-secret"})
    text = json.dumps(lines)
    assert len([line for line in lines if line["logger"] == "aimg.request"]) == 3
    for secret in [*secrets.values(), owner.session_id, admin.admin_key, "cookie-secret-value", "st-secret"]:
        assert secret not in text
    assert "?" not in "".join(line.get("path", "") for line in lines)


def test_log_lines_outside_a_request_carry_no_request_id_key():
    with json_log_lines() as lines:
        logging.getLogger("aimg.test").warning("outside any request")
    assert "request_id" not in lines[-1]


def test_djangos_plain_text_console_handler_is_gone():
    assert logging.getLogger("django").handlers == []


def _runserver_record(request_line: str, status: str) -> logging.LogRecord:
    return logging.LogRecord(
        "django.server", logging.INFO, "", 0, '"%s" %s %s', (request_line, status, "12"), None
    )


def test_the_development_servers_own_request_line_is_dropped_but_not_its_other_lines():
    keep = RunserverAccessFilter().filter
    assert not keep(_runserver_record("GET /getSelfUser HTTP/1.1", "200"))
    assert keep(_runserver_record("GET /static/drf_spectacular_sidecar/x.js HTTP/1.1", "200"))
    record = logging.LogRecord(
        "django.server", logging.ERROR, "", 0, "code %d, message %s", (400, "Bad"), None
    )
    assert keep(record)


def _free_port() -> int:
    for port in range(18230, 18300):
        with closing(socket.socket()) as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    pytest.skip("no free port")


@pytest.mark.django_db(transaction=True)
def test_make_runs_server_writes_one_json_line_per_request_and_nothing_else(tmp_path):
    """The development server as ``make run`` starts it (DEBUG on): every stderr line is JSON."""
    port = _free_port()
    env = clean_environment(
        drop=("DATABASE_URL", "REDIS_URL"),
        DEBUG="true",
        AIMG_VAR_DIR=str(tmp_path),
        DJANGO_SETTINGS_MODULE="aimg_site.settings",
    )
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput"],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
    )
    server = subprocess.Popen(
        [sys.executable, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload", "--skip-checks"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(f"{base}/health", timeout=2)
                break
            except (urllib.error.URLError, ConnectionError):
                if time.monotonic() > deadline or server.poll() is not None:
                    raise
                time.sleep(0.3)
        session = str(uuid.uuid4())
        for path in ("/getSelfUser?otp=555111", "/admin/", "/createSelfFolder"):
            request = urllib.request.Request(f"{base}{path}", headers={"X-Session-ID": session})
            with suppress(urllib.error.HTTPError):
                urllib.request.urlopen(request, timeout=10)
    finally:
        server.terminate()
        _out, err = server.communicate(timeout=30)
    lines = [json.loads(line) for line in err.splitlines() if line.strip()]  # every line is JSON
    requests = [line for line in lines if line["logger"] == "aimg.request"]
    assert [(r["path"], r["status"]) for r in requests][-3:] == [
        ("/getSelfUser", 200),
        ("/admin/", 404),
        ("/createSelfFolder", 405),
    ]
    assert all(isinstance(r["request_id"], str) for r in requests)
    text = err
    assert "null" not in text and "socket" not in text and "555111" not in text and session not in text
    assert not [line for line in lines if line["logger"] in ("django.server", "django.request")]


def test_a_celery_worker_logs_json_lines_too():
    """``celery worker`` sets its logging up through the setup_logging signal: Django's LOGGING."""
    code = (
        "import logging\n"
        "from aimg_site.celery import app\n"
        "app.log.setup(loglevel='INFO')\n"
        "logging.getLogger('celery.worker.strategy').info('Task x received')\n"
        # As celery.app.trace logs a task's success: its arguments (here an OTP) in ``data``.
        "logging.getLogger('celery.app.trace').info('Task x succeeded', extra={'data': {\n"
        "    'id': 't-1', 'name': 'accounts.tasks.send_otp_email', 'runtime': 0.1,\n"
        "    'args': \"('row-id', '530024')\", 'kwargs': '{}', 'return_value': 'True'}})\n"
    )
    env = clean_environment(drop=(), AIMG_VAR_DIR=str(ROOT / "var"))
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    received, succeeded = [json.loads(text) for text in result.stderr.splitlines() if text.strip()]
    assert received["logger"] == "celery.worker.strategy" and received["message"] == "Task x received"
    assert "request_id" not in received
    assert succeeded["data"] == {"id": "t-1", "name": "accounts.tasks.send_otp_email", "runtime": 0.1}
    assert "530024" not in result.stderr
