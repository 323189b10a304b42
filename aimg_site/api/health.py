"""``GET /health``: is the database, the cache and the broker reachable?

The worked example of an endpoint in the README: a serializer for the
output, a selector-like check function, and a view of a few lines.
"""

from __future__ import annotations

import time
import uuid

from django.core.cache import cache
from django.db import connection
from rest_framework import serializers

from aimg_site.celery import app

from .envelope import ok
from .exceptions import ServiceUnavailable
from .views import ApiView, SessionPolicy


class HealthComponentOutput(serializers.Serializer):
    ok = serializers.BooleanField()
    latencyMs = serializers.FloatField()
    error = serializers.CharField(required=False)


class HealthOutput(serializers.Serializer):
    status = serializers.ChoiceField(choices=["ok"])
    database = HealthComponentOutput()
    cache = HealthComponentOutput()
    broker = HealthComponentOutput()


def _timed(check) -> dict:
    started = time.perf_counter()
    try:
        check()
    except Exception as exc:  # any failure means "not reachable"; the message says why
        return {"ok": False, "latencyMs": _ms(started), "error": f"{type(exc).__name__}: {exc}"[:200]}
    return {"ok": True, "latencyMs": _ms(started)}


def _ms(started: float) -> float:
    return round((time.perf_counter() - started) * 1000, 2)


def _check_database() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()


def _check_cache() -> None:
    key = f"health:{uuid.uuid4()}"
    cache.set(key, "1", timeout=5)
    if cache.get(key) != "1":
        raise RuntimeError("the cache did not return what was stored")
    cache.delete(key)


def _check_broker() -> None:

    with app.connection_for_write() as conn:
        conn.ensure_connection(max_retries=1, timeout=2)


def health_report() -> dict:
    return {
        "database": _timed(_check_database),
        "cache": _timed(_check_cache),
        "broker": _timed(_check_broker),
    }


class HealthApi(ApiView):
    """Reports whether the database, the cache and the Celery broker answer. 503 when one does not."""

    operation_id = "health"
    session_policy = SessionPolicy.NONE
    output_serializer = HealthOutput
    errors = (503,)
    tags = ("technical",)

    def get(self, request):
        report = health_report()
        failed = [name for name, result in report.items() if not result["ok"]]
        if failed:
            raise ServiceUnavailable(
                "Unavailable: " + "; ".join(f"{name} ({report[name].get('error', '')})" for name in failed)
            )
        return ok({"status": "ok", **report})
