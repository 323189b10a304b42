"""Fixtures of the technical endpoints: a real S3 server on loopback (moto's server mode), a legacy
file server of the test's own, pgQuery's role in the test database, and upload helpers."""

from __future__ import annotations

import http.server
import io
import logging
import threading
import uuid

import boto3
import pytest
from django.core.management import call_command
from django.db import connection
from django.test import Client, override_settings
from moto.moto_server.threaded_moto_server import ThreadedMotoServer
from PIL import Image

from tests.support.client import ApiResponse
from tests.support.personas import Persona

#: Loopback ports (+ xdist index): S3 from 18580, the legacy file server from 18590, the top of
#: 18500-18599, whose bottom the console's live server takes first (AIMG_TEST_PORTS).
S3_PORT_BASE = 18580
LEGACY_PORT_BASE = 18590


def _worker_index(worker_id: str) -> int:
    return int(worker_id[2:]) if worker_id.startswith("gw") else 0


@pytest.fixture(scope="session")
def s3_server(worker_id):
    """moto's S3 server on 127.0.0.1, for the whole test process; stopped at the end."""
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # one line per S3 call otherwise
    server = ThreadedMotoServer(
        ip_address="127.0.0.1", port=S3_PORT_BASE + _worker_index(worker_id), verbose=False
    )
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture
def s3_storage(s3_server):
    """Django's default storage on the S3 server, in a fresh bucket for the test."""
    bucket = f"aimg-test-{uuid.uuid4().hex[:12]}"
    credentials = {
        "aws_access_key_id": "testing",
        "aws_secret_access_key": "testing",
        "region_name": "us-east-1",
    }
    boto3.client("s3", endpoint_url=s3_server, **credentials).create_bucket(Bucket=bucket)
    storages = {
        "default": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                "bucket_name": bucket,
                "endpoint_url": s3_server,
                "region_name": "us-east-1",
                "access_key": "testing",
                "secret_key": "testing",
                "default_acl": None,
                "querystring_auth": True,
                "file_overwrite": False,
            },
        },
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    with override_settings(STORAGES=storages):
        yield boto3.client("s3", endpoint_url=s3_server, **credentials), bucket


@pytest.fixture(params=["local", "s3"])
def any_storage(request):
    """Each test using it runs on local files and on the S3 server."""
    if request.param == "s3":
        request.getfixturevalue("s3_storage")
    return request.param


class LegacyHandler(http.server.BaseHTTPRequestHandler):
    files: dict[str, bytes] = {}
    seen: list[str] = []

    def do_GET(self):
        LegacyHandler.seen.append(self.path)
        name = self.path.removeprefix("/legacy/")
        if name == "slow":
            self.send_response(200)
            self.send_header("Content-Length", "1000000")
            self.end_headers()
            import time

            for _ in range(50):
                self.wfile.write(b"x" * 1000)
                self.wfile.flush()
                time.sleep(0.1)
            return
        if name == "broken":
            self.send_response(500)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        if name == "chunked":  # no Content-Length: the cap is counted while reading
            self.send_response(200)
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            for _ in range(20):
                self.wfile.write(b"1000\r\n" + b"y" * 0x1000 + b"\r\n")
            self.wfile.write(b"0\r\n\r\n")
            return
        if name == "redirect":
            self.send_response(302)
            self.send_header("Location", "http://127.0.0.1:1/elsewhere")
            self.end_headers()
            return
        body = LegacyHandler.files.get(name)
        if body is None:
            self.send_response(404)
            self.end_headers()
            return
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture(scope="session")
def legacy_server(worker_id):
    server = http.server.ThreadingHTTPServer(
        ("127.0.0.1", LEGACY_PORT_BASE + _worker_index(worker_id)), LegacyHandler
    )
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/legacy"
    server.shutdown()
    server.server_close()


@pytest.fixture
def legacy(legacy_server, settings):
    settings.AIMG_LEGACY_FILE_SERVER_URL = legacy_server
    LegacyHandler.files = {}
    LegacyHandler.seen = []
    return LegacyHandler


@pytest.fixture(scope="session")
def pgquery_role(django_db_setup, django_db_blocker):
    """pgQuery's role and grants in this process's test database (PostgreSQL only)."""
    with django_db_blocker.unblock():
        if connection.vendor != "postgresql":
            pytest.skip("pgQuery needs PostgreSQL")
        call_command("pgquery_role", stdout=io.StringIO())


def image_bytes(fmt: str = "PNG", size=(64, 48), color=(200, 30, 30)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, color).save(buffer, fmt)
    return buffer.getvalue()


def upload(
    persona: Persona | None, content: bytes, *, name: str = "picture.png", headers=None, **fields
) -> ApiResponse:
    """POST /uploadFile as multipart, as a front end's form does."""
    import json

    client = Client(HTTP_HOST="api.freejourney.ai")
    all_headers = {}
    if persona is not None:
        all_headers["X-Session-ID"] = persona.session_id
        if persona.admin_key:
            all_headers["X-Administration-Key"] = persona.admin_key
    all_headers.update(headers or {})
    part = io.BytesIO(content)
    part.name = name
    response = client.post("/uploadFile", {"file": part, **fields}, headers=all_headers)
    body = json.loads(response.content) if response.content else {}
    return ApiResponse(status=response.status_code, body=body, headers=dict(response.headers), raw=response)


def get_file(headers=None, **params):
    """GET /getFile (no session, no key: as an <img> tag does); the Django response."""
    client = Client(HTTP_HOST="api.freejourney.ai")
    return client.get("/getFile", params, headers=headers or {})


def body_of(response) -> bytes:
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content)
    return response.content
