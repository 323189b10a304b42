"""The PostgreSQL backend checks a reused connection's health only after it was idle a while."""

from __future__ import annotations

import pytest
from django.db import connections

from aimg_site.db.postgresql import base

connection = connections["default"]
pytestmark = pytest.mark.skipif(connection.vendor != "postgresql", reason="the PostgreSQL backend")


@pytest.fixture
def health_checks(monkeypatch):
    checks: list[bool] = []
    real = type(connection).is_usable

    def counting(self):
        checks.append(True)
        return real(self)

    monkeypatch.setattr(type(connection), "is_usable", counting)
    monkeypatch.setattr(connection, "health_check_enabled", True)
    return checks


def _next_request():
    # What Django does between two requests (request_finished, then request_started).
    connection.health_check_done = False


def test_a_connection_used_a_moment_ago_is_not_checked(health_checks):
    assert isinstance(connection, base.DatabaseWrapper)
    connection.ensure_connection()
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    _next_request()
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    assert health_checks == []


def test_a_connection_idle_longer_is_checked(health_checks, monkeypatch):
    connection.ensure_connection()
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    monkeypatch.setattr(
        connection, "last_used_at", connection.last_used_at - base.HEALTH_CHECK_GRACE_SECONDS - 1
    )
    _next_request()
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    assert health_checks == [True]
