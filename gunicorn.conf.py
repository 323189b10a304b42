"""The production server's configuration: gunicorn reads this file when started from the
repository root (``gunicorn aimg_site.wsgi``), as the Dockerfile and docker compose do.
Command-line flags still win (e.g. ``--bind`` in tests).

Environment: ``PORT`` (8000) and ``GUNICORN_BIND_HOST`` (all interfaces: the container's port is
what gets published), ``WEB_CONCURRENCY`` (worker processes), ``GUNICORN_TIMEOUT`` (seconds).
"""

from __future__ import annotations

import json
import os
import uuid

from gunicorn import util as _gunicorn_util
from gunicorn.http import message as _http_message

bind = f"{os.environ.get('GUNICORN_BIND_HOST', '0.0.0.0')}:{os.environ.get('PORT', '8000')}"  # noqa: S104
# Sync workers: every request holds one process, so the count bounds concurrency (and database
# connections). Two per core plus one, at most 8, unless WEB_CONCURRENCY says otherwise.
workers = int(os.environ.get("WEB_CONCURRENCY") or min(2 * (os.cpu_count() or 1) + 1, 8))
worker_class = "sync"
# A request running longer than this is killed (the worker restarts); uploads stream within it.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "60"))
graceful_timeout = 30
keepalive = 5
# Recycle workers now and then, so a slow leak in any library cannot grow without bound. Not
# often: a new worker loads the whole application again (about a second of CPU) and starts with
# cold caches and connections; every 2,000 requests cost a busy worker a tenth of its time
# (bench/http.py). At a few hundred requests a second, 50,000 is a new worker every few minutes.
max_requests = 50_000
max_requests_jitter = 5_000

# No access log: the application logs requests itself (JSON, with their request id), so a second,
# plain-text line per request from gunicorn would only duplicate it. Gunicorn's own messages
# (start, worker exits) go to stderr.
accesslog = None
errorlog = "-"
# Gunicorn 25.1+ opens a runtime control socket under $HOME; nothing here uses it, and two servers
# on one machine (tests, the fuzz run) would contend for the same path.
control_socket_disable = True

# --- Request-line and header limits -------------------------------------------------------------
# The longest request the API's own caps allow is a list of 1,000 folder ids in a query string:
# getPublicFolders?folderIDs= with 1,000 x "p-<uuid>" (38 characters) each followed by an encoded
# ", " ("%2C%20", 6 bytes) is 44,000 bytes; with its other parameters at their longest (userID,
# a 60-digit paginationIndex, limit, skipCount, reversePagination) the line is 44,217 bytes.
# deleteItems with 1,000 UUIDs is 42,083. 64 KiB holds every valid request with a margin; a longer
# line is refused by gunicorn before it reaches Django. tests/platform/test_gunicorn.py computes
# the longest valid line of every endpoint from its query serializer and schema (so a new or
# longer parameter fails it) and sends the longest ones to a real gunicorn.
#
# Gunicorn caps limit_request_line at its MAX_REQUEST_LINE (8,190 bytes) and treats 0 as
# "unlimited" (an unbounded buffer per connection, which a single client could use to exhaust a
# worker's memory). Neither fits, so the cap itself is raised to our bound: gunicorn compares
# against the module's MAX_REQUEST_LINE when it parses each request, and the workers it forks
# inherit the raised value; the real-gunicorn test proves it with the installed version.
limit_request_line = 65536
_http_message.MAX_REQUEST_LINE = max(_http_message.MAX_REQUEST_LINE, limit_request_line)
# Headers keep gunicorn's protection: at most 100 fields of at most 8,190 bytes each. Ours are
# short (a UUID session id, a 50-character admin key); browsers' cookies for the console fit.
limit_request_fields = 100
limit_request_field_size = 8190


# --- Gunicorn's own answers are envelopes too ---------------------------------------------------
# A request gunicorn refuses before Django sees it (a line over the limit above: 414; headers over
# theirs: 431; malformed HTTP: 400) would get gunicorn's HTML page. Every response of the API is
# the envelope (CONTRACT.md), so gunicorn's error writer is replaced by one that writes it, with an
# X-Request-ID like every other response. The message is fixed per status: gunicorn's own text can
# repeat the request line. The worker calls ``gunicorn.util.write_error`` at the time of the error,
# so the replacement applies in every worker; the real-gunicorn test checks it.
_ERROR_MESSAGES = {
    400: "The request is not valid HTTP.",
    403: "The request is not allowed.",
    414: f"The request line is too long (at most {limit_request_line} bytes).",
    417: "The Expect header is not supported.",
    431: "The request headers are too large.",
    500: "We had a problem with our server. Try again later.",
    501: "The request's transfer coding is not supported.",
}


def _write_error_envelope(sock, status_int: int, reason: str, mesg: str) -> None:
    message = _ERROR_MESSAGES.get(status_int, _ERROR_MESSAGES[400 if status_int < 500 else 500])
    body = json.dumps({"hasError": True, "payload": None, "errorMessage": message}, separators=(",", ":"))
    head = (
        f"HTTP/1.1 {status_int} {reason}\r\n"
        "Connection: close\r\n"
        "Content-Type: application/json; charset=utf-8\r\n"
        f"Content-Length: {len(body)}\r\n"
        f"X-Request-ID: {uuid.uuid4()}\r\n"
        "\r\n"
    )
    _gunicorn_util.write_nonblock(sock, (head + body).encode("latin-1"))


_gunicorn_util.write_error = _write_error_envelope
