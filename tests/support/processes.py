"""Environments for the project's own processes started by tests (gunicorn, runserver, a settings import).

A subprocess must see the settings a test means, not the developer's or CI's:
``clean_environment`` drops every ``AIMG_*``/``DJANGO_*`` variable and the named
connection settings from this process's environment; ``production_environment``
adds what a production start needs on a fresh SQLite database of the test's own.
"""

from __future__ import annotations

import contextlib
import http.client
import os
import secrets
import socket
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

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


def free_port() -> int:
    """A loopback port nothing listens on at this moment."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _health_status(port: int) -> int:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    try:
        connection.request("GET", "/health", headers={"Host": "127.0.0.1"})
        return connection.getresponse().status
    finally:
        connection.close()


@contextlib.contextmanager
def gunicorn_running(env: dict[str, str], log_path: Path, *, ready_seconds: float = 30):
    """``gunicorn aimg_site.wsgi`` started from the repository root (so ``gunicorn.conf.py`` applies)
    on a free loopback port, with ``env``; yields the port once ``/health`` answers 200, and stops
    it afterwards. Its output goes to ``log_path``, shown when it fails to start."""
    port = free_port()
    with open(log_path, "w+") as log:
        process = subprocess.Popen(
            [str(Path(sys.executable).parent / "gunicorn"), "aimg_site.wsgi", "--bind", f"127.0.0.1:{port}"],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            deadline = time.monotonic() + ready_seconds
            while True:
                assert process.poll() is None, log_path.read_text()
                try:
                    if _health_status(port) == 200:
                        break
                except OSError:
                    pass
                assert time.monotonic() < deadline, log_path.read_text()
                time.sleep(0.1)
            yield port
        finally:
            process.terminate()
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
