"""Environments for the project's own processes started by tests (gunicorn, runserver, a settings import).

A subprocess must see the settings a test means, not the developer's or CI's:
``clean_environment`` drops every ``AIMG_*``/``DJANGO_*`` variable and the named
connection settings from this process's environment; ``production_environment``
adds what a production start needs on a fresh SQLite database of the test's own.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

#: Settings read from the environment that a test process may have set for itself.
CONNECTION_SETTINGS = ("DATABASE_URL", "REDIS_URL", "EMAIL_URL", "SECRET_KEY", "DEBUG")


def clean_environment(*, drop: tuple[str, ...] = CONNECTION_SETTINGS, **values: str) -> dict[str, str]:
    """This process's environment without the project's settings and ``drop``, plus ``values``."""
    env = {key: value for key, value in os.environ.items() if not key.startswith(("AIMG_", "DJANGO_"))}
    for name in drop:
        env.pop(name, None)
    env.update(values)
    return env


def production_environment(work: Path, **values: str) -> dict[str, str]:
    """A production start (DEBUG off, a fresh secret key) on ``work``'s SQLite database and var folder."""
    defaults = {
        "DJANGO_SETTINGS_MODULE": "aimg_site.settings",
        "SECRET_KEY": secrets.token_urlsafe(48),
        "DATABASE_URL": f"sqlite:///{work / 'db.sqlite3'}",
        "AIMG_VAR_DIR": str(work / "var"),
        "WEB_CONCURRENCY": "1",
    }
    return clean_environment(**{**defaults, **values})
