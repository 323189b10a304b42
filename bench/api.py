"""Per-request cost of the shared layer and of everyday endpoints, on PostgreSQL.

Run: ``DATABASE_URL=postgres://USER@127.0.0.1:5432/aimg_bench .venv/bin/python bench/api.py``
(``REDIS_URL`` too, to measure with the production cache and rate-limit store).

It reuses the database of ``bench/library.py`` when that one is seeded (10,000
users, 1,000,000 items) and otherwise makes a small one, signs in a user with
an ordinary library, and calls each endpoint through Django's full stack (the
test client: middleware, authentication, envelope, serializers), printing the
median and p99 latency and the number of SQL queries per request.
"""

from __future__ import annotations

import sys
from pathlib import Path

# Run as a script, this folder comes first on sys.path, where bench/http.py would shadow the
# standard library's http package (which Django imports): take the folder off.
if sys.path and Path(sys.path[0] or ".").resolve() == Path(__file__).resolve().parent:
    sys.path.pop(0)

import os
import statistics
import time
import uuid

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "aimg_site.settings")
os.environ.setdefault("DEBUG", "false")
os.environ.setdefault("AIMG_RATELIMIT_ENABLED", "false")

RUNS = 300


def measure(
    client, method: str, path: str, headers: dict, body: str | None = None
) -> tuple[float, float, int]:
    from django.core.signals import request_started
    from django.db import connection, reset_queries
    from django.test.utils import CaptureQueriesContext

    # Django empties the query log when a request starts; keep it while counting.
    request_started.disconnect(reset_queries)

    def call():
        if method == "GET":
            return client.get(path, headers=headers)
        return client.generic(method, path, body or "{}", content_type="application/json", headers=headers)

    for _ in range(5):
        response = call()
        assert response.status_code == 200, (path, response.status_code, response.content[:300])
    with CaptureQueriesContext(connection) as captured:
        call()
    queries = len(captured)  # read now: the log is emptied again by the next request
    request_started.connect(reset_queries)
    timings = []
    for _ in range(RUNS):
        started = time.perf_counter()
        response = call()
        timings.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, (path, response.content[:300])
    timings.sort()
    return statistics.median(timings), timings[round(0.99 * (len(timings) - 1))], queries


def main() -> None:
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.test import Client

    from accounts.admin_keys.services import admin_key_create
    from accounts.models import User
    from accounts.sessions.services import session_rotate
    from aimg_site.core.scoping import domain_context
    from aimg_site.core.selectors import domain_get
    from library.models import Item

    if not settings.DATABASES["default"]["ENGINE"].endswith("postgresql"):
        sys.exit("Set DATABASE_URL to a PostgreSQL database.")
    call_command("migrate", verbosity=0)
    with domain_context(domain_get("freejourney.ai")):
        user = User.objects.filter(email="bench-42@bench.invalid").first()
        if user is None:
            user = User.objects.create_user(email="bench-42@bench.invalid", username="bench42")
        item = Item.objects.filter(owner=user, deleted_at__isnull=True).first()
        key, _ = session_rotate(old_key=None, user=user)
        _admin, raw_admin_key = admin_key_create(email="bench-admin@bench.invalid")

    client = Client(HTTP_HOST="api.freejourney.ai")
    signed_in = {"X-Session-ID": str(key)}
    anonymous = {"X-Session-ID": str(uuid.uuid4())}
    admin = {**signed_in, "X-Administration-Key": raw_admin_key}
    cases = [
        ("GET /health (database, cache, broker)", "GET", "/health", {}, None),
        ("GET /getSelfUser, anonymous session", "GET", "/getSelfUser", anonymous, None),
        ("GET /getSelfUser, signed in", "GET", "/getSelfUser", signed_in, None),
        ("GET /getMyCreations?limit=100, signed in", "GET", "/getMyCreations?limit=100", signed_in, None),
        ("GET /getSelfFolders, signed in", "GET", "/getSelfFolders", signed_in, None),
        ("GET /getUser?email=…, Admin", "GET", "/getUser?email=bench-42@bench.invalid", admin, None),
        (
            "POST /setUserKVP, signed in",
            "POST",
            "/setUserKVP",
            signed_in,
            '{"key": "theme", "value": "dark"}',
        ),
    ]
    if item is not None:
        cases.insert(4, ("GET /getItem, owner", "GET", f"/getItem?imageID={item.pk}", signed_in, None))
    print(
        f"{RUNS} calls per case through the full Django stack; cache: {settings.CACHES['default']['BACKEND']}"
    )
    print(f"{'case':<48} {'median ms':>10} {'p99 ms':>8} {'queries':>8}")
    for name, method, path, headers, body in cases:
        median, p99, queries = measure(client, method, path, headers, body)
        print(f"{name:<48} {median:>10.2f} {p99:>8.2f} {queries:>8}")


if __name__ == "__main__":
    main()
