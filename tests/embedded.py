"""Run Python in fresh processes on the embedded default (SQLite, no Redis), as ``make run`` does.

Some properties only show between real processes or real SQLite connections to
one file (a rate limit shared by two gunicorn workers, writers waiting for
SQLite's lock), which the test process itself, on an in-memory database and
whatever ``DATABASE_URL``/``REDIS_URL`` the suite runs with, cannot show.
``embedded_env`` is the environment of such a process: production settings
(``aimg_site.settings``), every embedded default, and everything under a
folder of the test's own.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

REPOSITORY = Path(__file__).resolve().parent.parent

#: Variables that would move a child process off the embedded default.
_NOT_INHERITED = (
    "DATABASE_URL",
    "REDIS_URL",
    "EMAIL_URL",
    "AIMG_RATELIMIT_STORAGE_URI",
    "AIMG_RATELIMIT_KEY_PREFIX",
    "AIMG_RATELIMIT_ENABLED",
    "AIMG_VAR_DIR",
    "DJANGO_SETTINGS_MODULE",
)


def embedded_env(var_dir: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in _NOT_INHERITED}
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "aimg_site.settings",
            "AIMG_VAR_DIR": str(var_dir),
            "AIMG_CELERY_EAGER": "true",
            "PYTHONPATH": str(REPOSITORY),
            **extra,
        }
    )
    return env


def start_python(code: str, env: dict[str, str]) -> subprocess.Popen:
    """Start ``code`` (dedented) in a new interpreter with Django set up; read its stdout at the end."""
    prelude = "import django\ndjango.setup()\n"
    return subprocess.Popen(
        [sys.executable, "-c", prelude + textwrap.dedent(code)],
        cwd=REPOSITORY,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def finish(process: subprocess.Popen, timeout: float = 120) -> object:
    """The JSON value the process printed on its last line (its failure, with stderr, fails the test)."""
    out, err = process.communicate(timeout=timeout)
    assert process.returncode == 0, f"exit {process.returncode}\n{err[-4000:]}"
    return json.loads(out.strip().splitlines()[-1])


def run_python(code: str, env: dict[str, str], timeout: float = 120) -> object:
    return finish(start_python(code, env), timeout=timeout)
