"""The session cache across processes: a real gunicorn with three workers on Redis, where each
worker keeps what it read in memory (``aimg_site.cache`` tracked reads). Signing out through any
worker stops the session on its very next request, whichever worker answers it."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from django.conf import settings

from tests.platform.test_gunicorn import _request
from tests.support.processes import gunicorn_running, production_environment

pytestmark = pytest.mark.skipif(not settings.REDIS_URL, reason="needs Redis (REDIS_URL)")

ROOT = Path(__file__).resolve().parents[2]
REQUESTS = 30  # per step: with three workers taking connections in turn, each answers several

MAKE_SESSION = """
import hashlib, uuid
from django.utils import timezone
from accounts.models import Session, User
from aimg_site.core.scoping import domain_context
from aimg_site.core.selectors import domain_for_host
domain = domain_for_host("127.0.0.1")
with domain_context(domain):
    user = User.objects.create_user(email="cached@example.com", username="cachedname")
    key = str(uuid.uuid4())
    # bulk_create: no post_save, so no tombstone keeps the new id out of the cache for a while.
    Session.objects.bulk_create([Session(
        domain=domain, key_digest=hashlib.sha256(key.encode()).hexdigest(), user=user,
        is_authenticated=True, last_seen_at=timezone.now(),
    )])
print(key)
"""


@pytest.fixture
def workers(tmp_path):
    """gunicorn aimg_site.wsgi with three workers, on a fresh SQLite database and the run's Redis."""
    env = production_environment(
        tmp_path,
        REDIS_URL=settings.REDIS_URL,
        AIMG_CACHE_KEY_PREFIX=f"test-workers-{uuid.uuid4().hex}",
        WEB_CONCURRENCY="3",
    )
    manage = [sys.executable, "manage.py"]
    subprocess.run([*manage, "migrate", "--noinput", "-v0"], cwd=ROOT, env=env, check=True, timeout=180)
    made = subprocess.run(
        [*manage, "shell", "-c", MAKE_SESSION], cwd=ROOT, env=env, check=True, timeout=60, capture_output=True
    )
    session_id = made.stdout.decode().strip().splitlines()[-1]
    with gunicorn_running(env, tmp_path / "gunicorn.log") as port:
        yield port, session_id, tmp_path / "db.sqlite3"


def _self_users(port: int, session_id: str) -> list[tuple[bool, str]]:
    answers = []
    for _ in range(REQUESTS):
        status, _, body = _request(port, "GET", "/getSelfUser", {"X-Session-ID": session_id})
        assert status == 200, body[:300]
        payload = json.loads(body)["payload"]
        answers.append((payload["isAuthenticated"], payload["username"]))
    return answers


def test_signing_out_through_one_worker_stops_the_session_on_every_worker(workers):
    port, session_id, database = workers
    assert set(_self_users(port, session_id)) == {(True, "cachedname")}
    # Changed behind the application's back (no signal, no tombstone): the workers still answer
    # what they cached, which shows the next step is answered by caches, not by the database.
    with sqlite3.connect(database) as db:
        db.execute("UPDATE accounts_user SET username = 'renamedbehind'")
    assert set(_self_users(port, session_id)) == {(True, "cachedname")}

    status, _, body = _request(
        port, "POST", "/signOutUser", {"X-Session-ID": session_id, "Content-Length": "0"}
    )
    assert status == 200 and json.loads(body)["payload"]["success"] is True, body[:300]
    assert set(_self_users(port, session_id)) == {(False, "")}
