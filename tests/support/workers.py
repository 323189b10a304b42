"""Real Celery worker processes for tests: ``celery -A aimg_site worker`` (no ``-Q``) on the test database.

Each runs in its own session (process group), so a test can SIGKILL the whole
worker (the main process and its pool children) with ``kill()``. The worker
sees the test database (``DATABASE_URL`` built from the test connection),
the test's media folder and this test process's Celery queue, so it never
takes another test process's tasks. A worker started with ``beat=True`` also
runs the beat schedule (the lease reclaimer every second). Output goes to a
log file whose tail is shown when a test fails.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import quote

from django.conf import settings
from django.db import connection

from aimg_site.celery import app as celery_app

ROOT = Path(__file__).resolve().parents[2]


def _database_url() -> str:
    db = connection.settings_dict
    auth = quote(db["USER"] or "")
    if db.get("PASSWORD"):
        auth += ":" + quote(db["PASSWORD"])
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


class WorkerProcess:
    """One ``celery worker`` process group; stop it with ``stop()`` (or ``kill()``: SIGKILL to the group)."""

    def __init__(
        self, name: str, *, beat: bool = False, concurrency: int = 1, env: dict[str, str] | None = None
    ):
        self.name = name
        self.log = Path(tempfile.mkstemp(prefix=f"aimg-worker-{name}-", suffix=".log")[1])
        environ = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "aimg_site.settings",
            "DATABASE_URL": _database_url(),
            "REDIS_URL": settings.REDIS_URL,
            "MEDIA_ROOT": str(settings.MEDIA_ROOT),
            "AIMG_CELERY_QUEUE": celery_app.conf.task_default_queue,
            # the test process keeps its cache (and the generation queue index) under its own prefix
            "AIMG_CACHE_KEY_PREFIX": settings.CACHES["default"].get("KEY_PREFIX", ""),
            "AIMG_CELERY_EAGER": "false",
            "LOG_LEVEL": "INFO",
            **(env or {}),
        }
        command = [
            sys.executable, "-m", "celery", "-A", "aimg_site", "worker",
            "-n", f"{name}-{os.getpid()}@%h", "--pool", "prefork", "-c", str(concurrency),
            "--without-gossip", "--without-mingle", "--without-heartbeat",
        ]  # fmt: skip
        if beat:
            self.schedule = tempfile.mkdtemp(prefix="aimg-beat-")
            command += ["-B", "-s", f"{self.schedule}/schedule"]
        with open(self.log, "wb") as out:
            self.process = subprocess.Popen(
                command, cwd=ROOT, env=environ, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
            )

    def kill(self) -> None:
        """SIGKILL the whole worker: its main process and every pool child."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(10)

    def stop(self) -> None:
        if self.process.poll() is None:
            try:
                os.killpg(self.process.pid, signal.SIGTERM)
                self.process.wait(15)
            except (ProcessLookupError, subprocess.TimeoutExpired):
                self.kill()
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)  # pool children left behind

    def tail(self, lines: int = 40) -> str:
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])

    def __enter__(self) -> WorkerProcess:
        return self

    def __exit__(self, *exc) -> None:
        self.stop()


def wait_for(predicate, *, timeout: float, interval: float = 0.1, workers: tuple[WorkerProcess, ...] = ()):
    """Poll ``predicate()`` until it returns something truthy; fail with the workers' logs after ``timeout``."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    logs = "\n\n".join(f"--- {w.name}\n{w.tail()}" for w in workers)
    raise AssertionError(f"condition not met within {timeout} s\n{logs}")
