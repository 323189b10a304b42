"""Real HTTP servers the integration tests start on loopback: a Scenario stand-in and a toy server.

Ports come from this engineer's range (18700-18799); every server stops when its test ends.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import json
import os
import random
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

PORTS = range(18700, 18800)


def bind_server(handler_class) -> ThreadingHTTPServer:
    """A ThreadingHTTPServer on 127.0.0.1 at a free port of ``PORTS`` (tried in random order)."""
    ports = list(PORTS)
    random.Random(os.getpid() ^ time.monotonic_ns()).shuffle(ports)
    last: OSError | None = None
    for port in ports:
        try:
            server = ThreadingHTTPServer(("127.0.0.1", port), handler_class)
        except OSError as exc:
            last = exc
            continue
        server.daemon_threads = True
        return server
    raise RuntimeError(f"no free port in {PORTS}: {last}")


@contextlib.contextmanager
def running(server: ThreadingHTTPServer):
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


# ---------------------------------------------------------------- a toy server for the SSRF tests


class ToyServer:
    """Answers each path with what ``routes[path]`` says: ``handler(request_handler)``; counts hits."""

    def __init__(self):
        self.routes: dict[str, Callable[[BaseHTTPRequestHandler], None]] = {}
        self.hits: list[str] = []
        toy = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_GET(self):
                path = urlsplit(self.path).path
                toy.hits.append(path)
                route = toy.routes.get(path)
                if route is None:
                    self.send_response(404)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                route(self)

            do_POST = do_PUT = do_GET

        self.server = bind_server(Handler)
        self.port = self.server.server_address[1]

    def url(self, path: str, host: str = "127.0.0.1", scheme: str = "http") -> str:
        return f"{scheme}://{host}:{self.port}{path}"


# ---------------------------------------------------------------- Scenario


@dataclass
class Fault:
    """Answer requests matching ``method`` and ``path_contains`` ``times`` times with ``status``
    (or drop the connection without an answer when ``drop``)."""

    method: str
    path_contains: str
    status: int = 500
    times: int = 1
    headers: dict = field(default_factory=dict)
    body: dict | None = None
    drop: bool = False


STATUS_FIELDS = ("pending", "validating", "validated", "imported", "complete", "failed")


class ScenarioStandIn:
    """Scenario's uploads API as documented (shared/spec/scenario-uploads*.txt and the public
    "Trigger Action" page), with presigned part URLs served by the same server ("S3").

    ``POST /v1/uploads`` → ``{"upload": {... "status": "pending", "parts": [{number, url, expires}]}}``;
    ``PUT /s3/<upload>/<n>?X-Amz-Expires=...&X-Amz-Signature=...`` stores a part (403 with S3's
    "Request has expired" XML once the URL expired, 403 on a bad signature);
    ``POST /v1/uploads/<id>/action`` ``{"action": "complete"}`` → ``validating`` (400 when a part
    is missing); ``GET /v1/uploads/<id>`` turns ``validating`` into ``imported`` (with an
    ``entityId``) after ``polls_until_done`` reads, or ``failed`` with ``fail_with``.
    Wrong Basic credentials are a 401. ``faults`` inject 5xx, 429 (``Retry-After``) and dropped
    connections.
    """

    def __init__(self, *, api_key: str = "sk-test-key", api_secret: str = "sk-test-secret"):
        self.api_key = api_key
        self.api_secret = api_secret
        self.uploads: dict[str, dict] = {}
        self.parts: dict[tuple[str, int], bytes] = {}
        self.signatures: dict[str, str] = {}
        self.requests: list[tuple[str, str, dict]] = []
        self.faults: list[Fault] = []
        self.expire_next_uploads = 0
        self.polls_until_done = 1
        self.fail_with: str | None = None
        self.lock = threading.Lock()
        standin = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def _reply(self, status: int, body=None, headers=None, raw: bytes | None = None):
                data = raw if raw is not None else (json.dumps(body).encode() if body is not None else b"")
                self.send_response(status)
                for name, value in (headers or {}).items():
                    self.send_header(name, value)
                if raw is None and body is not None:
                    self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def _body(self) -> bytes:
                length = int(self.headers.get("Content-Length") or 0)
                return self.rfile.read(length) if length else b""

            def _handle(self, method: str):
                body = self._body()
                parts = urlsplit(self.path)
                with standin.lock:
                    standin.requests.append((method, parts.path, dict(self.headers)))
                    fault = next(
                        (
                            f
                            for f in standin.faults
                            if f.method == method and f.path_contains in parts.path and f.times > 0
                        ),
                        None,
                    )
                    if fault is not None:
                        fault.times -= 1
                if fault is not None:
                    if fault.drop:
                        self.close_connection = True
                        with contextlib.suppress(OSError):
                            self.connection.shutdown(2)
                        return
                    return self._reply(
                        fault.status, fault.body or {"message": "injected fault"}, fault.headers
                    )
                status, answer, headers, raw = standin.route(
                    method, parts.path, parse_qs(parts.query), self.headers, body
                )
                self._reply(status, answer, headers, raw)

            def do_GET(self):
                self._handle("GET")

            def do_POST(self):
                self._handle("POST")

            def do_PUT(self):
                self._handle("PUT")

        self.server = bind_server(Handler)
        self.port = self.server.server_address[1]
        self.base_url = f"http://127.0.0.1:{self.port}/v1"

    # -------------------------------------------------------------- helpers for tests

    def calls(self, method: str, path_contains: str = "") -> list[str]:
        with self.lock:
            return [p for m, p, _h in self.requests if m == method and path_contains in p]

    def file_of(self, upload_id: str) -> bytes:
        upload = self.uploads[upload_id]
        return b"".join(self.parts.get((upload_id, n), b"") for n in range(1, upload["partsCount"] + 1))

    def imported(self) -> list[dict]:
        return [u for u in self.uploads.values() if u["status"] == "imported"]

    # -------------------------------------------------------------- the API

    def _authorized(self, headers) -> bool:
        value = headers.get("Authorization", "")
        if not value.startswith("Basic "):
            return False
        try:
            key, _, secret = base64.b64decode(value[6:]).decode().partition(":")
        except ValueError:
            return False
        return key == self.api_key and secret == self.api_secret

    def _shape(self, upload: dict) -> dict:
        return {"upload": {k: v for k, v in upload.items() if not k.startswith("_")}}

    def route(self, method: str, path: str, query: dict, headers, body: bytes):
        if path.startswith("/s3/") and method == "PUT":
            return self._put_part(path, query, body)
        if not path.startswith("/v1/"):
            return 404, {"message": "Not found"}, None, None
        if not self._authorized(headers):
            return 401, {"message": "Unauthorized"}, None, None
        segments = path[len("/v1/") :].strip("/").split("/")
        with self.lock:
            if segments == ["uploads"] and method == "POST":
                return self._create(body)
            if len(segments) == 2 and segments[0] == "uploads" and method == "GET":
                upload = self.uploads.get(segments[1])
                if upload is None:
                    return 404, {"message": "Upload not found"}, None, None
                self._advance(upload)
                return 200, self._shape(upload), None, None
            if (
                len(segments) == 3
                and segments[0] == "uploads"
                and segments[2] == "action"
                and method == "POST"
            ):
                return self._action(segments[1], body)
        return 404, {"message": "Not found"}, None, None

    def _create(self, body: bytes):
        try:
            data = json.loads(body or b"{}")
        except ValueError:
            return 400, {"message": "Invalid JSON"}, None, None
        missing = [k for k in ("kind", "fileName", "contentType", "fileSize", "parts") if k not in data]
        if missing:
            return 400, {"message": f"Missing {', '.join(missing)} for a multipart upload"}, None, None
        parts = data["parts"]
        if not isinstance(parts, int) or not 1 <= parts <= 10000:
            return 400, {"message": "parts must be between 1 and 10000"}, None, None
        if data["kind"] not in ("3d", "asset", "audio", "avatar", "image", "model", "video"):
            return 400, {"message": "Invalid kind"}, None, None
        upload_id = f"upload_{uuid.uuid4().hex[:16]}"
        expired = self.expire_next_uploads > 0
        if expired:
            self.expire_next_uploads -= 1
        expires_at = datetime.now(UTC) + (timedelta(seconds=-60) if expired else timedelta(hours=1))
        signature = hashlib.sha256(upload_id.encode()).hexdigest()
        self.signatures[upload_id] = signature
        epoch = int(expires_at.timestamp())
        now = datetime.now(UTC).isoformat()
        upload = {
            "id": upload_id,
            "authorId": "author_1",
            "createdAt": now,
            "fileName": data["fileName"],
            "kind": data["kind"],
            "ownerId": "owner_1",
            "source": "multipart",
            "status": "pending",
            "updatedAt": now,
            "contentType": data["contentType"],
            "fileSize": data["fileSize"],
            "originalFileName": data["fileName"],
            "partsCount": parts,
            "parts": [
                {
                    "number": n,
                    "url": f"http://127.0.0.1:{self.port}/s3/{upload_id}/{n}?X-Amz-Expires={epoch}&X-Amz-Signature={signature}",
                    "expires": expires_at.isoformat(),
                }
                for n in range(1, parts + 1)
            ],
            "_polls": 0,
        }
        self.uploads[upload_id] = upload
        return 200, self._shape(upload), None, None

    def _put_part(self, path: str, query: dict, body: bytes):
        try:
            _s3, upload_id, number = path.strip("/").split("/")
            number_int = int(number)
        except ValueError:
            return 404, None, None, b"<Error><Code>NoSuchKey</Code></Error>"
        with self.lock:
            upload = self.uploads.get(upload_id)
            if upload is None or query.get("X-Amz-Signature", [""])[0] != self.signatures.get(upload_id):
                return (
                    403,
                    None,
                    {"Content-Type": "application/xml"},
                    b"<Error><Code>SignatureDoesNotMatch</Code></Error>",
                )
            if int(query.get("X-Amz-Expires", ["0"])[0]) < time.time():
                return (
                    403,
                    None,
                    {"Content-Type": "application/xml"},
                    b"<Error><Code>AccessDenied</Code><Message>Request has expired</Message></Error>",
                )
            self.parts[(upload_id, number_int)] = body
        return 200, None, {"ETag": f'"{hashlib.md5(body).hexdigest()}"'}, b""

    def _action(self, upload_id: str, body: bytes):
        upload = self.uploads.get(upload_id)
        if upload is None:
            return 404, {"message": "Upload not found"}, None, None
        try:
            data = json.loads(body or b"{}")
        except ValueError:
            data = {}
        if data != {"action": "complete"}:
            return 400, {"message": "action must be 'complete'"}, None, None
        if upload["status"] != "pending":
            return 400, {"message": f"Upload is {upload['status']}"}, None, None
        missing = [n for n in range(1, upload["partsCount"] + 1) if (upload_id, n) not in self.parts]
        if missing:
            return 400, {"message": f"Missing parts {missing}"}, None, None
        upload["status"] = "validating"
        return 200, self._shape(upload), None, None

    def _advance(self, upload: dict) -> None:
        if upload["status"] != "validating":
            return
        upload["_polls"] += 1
        if upload["_polls"] < self.polls_until_done:
            return
        if self.fail_with:
            upload["status"] = "failed"
            upload["errorMessage"] = self.fail_with
        else:
            upload["status"] = "imported"
            upload["entityId"] = f"asset_{uuid.uuid4().hex[:12]}"
