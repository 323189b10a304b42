"""The dedicated connection pgQuery runs on: its own PostgreSQL role, never the application's.

Settings (environment variables, see the settings module): ``AIMG_PGQUERY_USER`` (default
``aimg_pgquery``), ``AIMG_PGQUERY_PASSWORD`` (default none: the dev and CI servers trust
loopback), ``AIMG_PGQUERY_HOST``/``AIMG_PGQUERY_PORT`` (default those of ``DATABASE_URL``). The
database is always the application's (the test database under pytest).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import connection


def pgquery_connect_kwargs() -> dict[str, Any]:
    db = connection.settings_dict
    kwargs: dict[str, Any] = {
        "dbname": db["NAME"],
        "user": settings.AIMG_PGQUERY_USER,
        "host": settings.AIMG_PGQUERY_HOST or db.get("HOST") or None,
        "port": settings.AIMG_PGQUERY_PORT or db.get("PORT") or None,
        "connect_timeout": 5,
        "application_name": "aimg-pgquery",
        # Belt and braces beside the role's own settings (manage.py pgquery_role).
        "options": (
            f"-c default_transaction_read_only=on -c statement_timeout={settings.AIMG_PGQUERY_TIMEOUT_MS} "
            f"-c idle_in_transaction_session_timeout={settings.AIMG_PGQUERY_TIMEOUT_MS * 2} "
            f"-c lock_timeout={settings.AIMG_PGQUERY_TIMEOUT_MS}"
        ),
    }
    if settings.AIMG_PGQUERY_PASSWORD:
        kwargs["password"] = settings.AIMG_PGQUERY_PASSWORD
    return {k: v for k, v in kwargs.items() if v is not None}
