"""JSON log lines: one per request (``aimg.request``), each line of a request with its id.

``RequestIDMiddleware`` binds the request id and writes the request's line
(``access_log``): method, path, status, duration. The path is logged without
its query string: OAuth callbacks carry codes there, and any client may put a
secret in a query. Headers (session ids, admin keys, cookies) and bodies
(passwords, OTPs) are never logged, nor are Celery task arguments.
"""

from __future__ import annotations

import logging
from contextvars import ContextVar

from django.conf import settings
from pythonjsonlogger.core import RESERVED_ATTRS
from pythonjsonlogger.json import JsonFormatter as _JsonFormatter

_request_id: ContextVar[str | None] = ContextVar("aimg_request_id", default=None)

access_logger = logging.getLogger("aimg.request")

#: Longest path written to a log line (unknown paths can be as long as the request line allows).
MAX_LOGGED_PATH = 512


def current_request_id() -> str | None:
    return _request_id.get()


def bind_request_id(value: str | None):
    return _request_id.set(value)


def unbind_request_id(token) -> None:
    _request_id.reset(token)


class RequestIDFilter(logging.Filter):
    """Adds ``request_id`` to every record written during a request (none outside one:
    the worker's, the server's own lines)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            request_id = _request_id.get()
            if request_id is not None:
                record.request_id = request_id
        return True


class RunserverAccessFilter(logging.Filter):
    """Drops the development server's own line per request (``"GET / HTTP/1.1" 404 67``):
    ``aimg.request`` writes that request's line. Kept: its line for a static file (served
    before Django's middleware, so no other line), and its other lines (a request it could
    not parse, TLS spoken to it), for requests that never reach Django."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.msg != '"%s" %s %s' or not record.args:
            return True
        request_line = str(record.args[0]).split(" ")  # type: ignore[index]
        path = request_line[1] if len(request_line) > 1 else ""
        return path.startswith(settings.STATIC_URL)


#: What of Celery's ``data`` extra (task lines) is written: never the arguments or the result,
#: which can be secrets (``send_otp_email`` takes the code).
CELERY_DATA_KEPT = ("id", "name", "runtime")


class JsonFormatter(_JsonFormatter):
    """python-json-logger's formatter, without the ``extra`` that does not belong in a line:
    Django's ``request`` (runserver's socket, or an ``HttpRequest`` whose repr holds the query
    string) and ``server_time`` (the line has ``time``), and the task arguments and results in
    Celery's ``data``."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("reserved_attrs", [*RESERVED_ATTRS, "request", "server_time"])
        super().__init__(*args, **kwargs)

    def process_log_record(self, log_data):
        data = log_data.get("data")
        if isinstance(data, dict) and str(log_data.get("logger", "")).startswith("celery"):
            log_data["data"] = {key: data[key] for key in CELERY_DATA_KEPT if key in data}
        return log_data


def access_log(*, method: str, path: str, status: int, duration_ms: float) -> None:
    """The request's one line: INFO, WARNING for a 4xx, ERROR for a 5xx."""
    level = logging.ERROR if status >= 500 else logging.WARNING if status >= 400 else logging.INFO
    if not access_logger.isEnabledFor(level):
        return
    path = path[:MAX_LOGGED_PATH]
    duration_ms = round(duration_ms, 1)
    access_logger.log(
        level,
        "%s %s %s %.1fms",
        method,
        path,
        status,
        duration_ms,
        extra={"method": method, "path": path, "status": status, "duration_ms": duration_ms},
    )
