"""ingestLogs' write: each entry one structured JSON log line, nothing in the database.

Lines go to the ``aimg.frontend`` logger, so the deployment's JSON handler (``LOGGING`` in the
settings) writes them: the entry is a nested object under ``entry``, beside ``service``,
``request_id`` (bound by ``RequestIDMiddleware``), ``session`` (a digest of the session id: a
session id is a credential and is never logged), ``user_id`` and ``domain``. JSON encoding escapes
newlines, quotes and control characters, so no message can start a second line or forge fields.
"""

from __future__ import annotations

import hashlib
import logging
import uuid
from typing import Any

frontend_logger = logging.getLogger("aimg.frontend")

_LEVELS = {"info": logging.INFO, "warn": logging.WARNING, "error": logging.ERROR}


def session_digest(session_key: uuid.UUID | None) -> str | None:
    """What a log line says of a session: enough to correlate lines, useless as a credential."""
    if session_key is None:
        return None
    return hashlib.sha256(f"aimg-log-session:{session_key}".encode()).hexdigest()[:16]


def default_service_name(*, display_name: str, environment: str) -> str:
    safe = "".join(c if c.isalnum() or c in " ._-" else "-" for c in display_name)[:64] or "Unknown"
    return f"FrontEnd/Client/{safe}/{environment}"


def logs_ingest(
    *,
    entries: list[dict[str, Any]],
    service_name: str,
    session_key: uuid.UUID | None,
    user_id: Any,
    domain_name: str,
) -> int:
    """Write one line per entry; returns how many were written."""
    context = {
        "service": service_name,
        "session": session_digest(session_key),
        "user_id": str(user_id) if user_id is not None else None,
        "domain": domain_name,
        "source": "ingestLogs",
    }
    for entry in entries:
        level = _LEVELS[entry.get("level") or "info"]
        frontend_logger.log(level, "frontend log", extra={**context, "entry": dict(entry)})
    return len(entries)
