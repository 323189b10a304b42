"""Concurrent OTP use on PostgreSQL: the per-email check limit and single use hold under races."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

import accounts.signin.otp as otp_module
from accounts.signin.otp import otp_consume, otp_create
from aimg_site.api.exceptions import RateLimited
from tests.support.concurrency import race as _race

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="real concurrency needs PostgreSQL (SQLite locks the file)"
    ),
]


def test_sixteen_concurrent_wrong_guesses_check_no_more_codes_than_the_limit(monkeypatch):
    _row, code = otp_create(email="race@example.com")
    wrong = [f"{n:06d}" for n in range(100) if f"{n:06d}" != code][:16]
    checked = []
    lock = threading.Lock()

    real_digest = otp_module.otp_digest

    def counting_digest(**kwargs):
        with lock:
            checked.append(kwargs["code"])
        return real_digest(**kwargs)

    monkeypatch.setattr(otp_module, "otp_digest", counting_digest)

    results = _race(16, lambda i: otp_consume(email="race@example.com", code=wrong[i]))

    limited = [r for r in results if isinstance(r, RateLimited)]
    assert all(r is False or isinstance(r, RateLimited) for r in results), results
    assert len(checked) <= 10
    assert len(limited) == 16 - len(checked) >= 6


def test_a_code_used_by_eight_concurrent_requests_signs_in_exactly_one(settings):
    settings.AIMG_RATELIMIT_ENABLED = False
    _row, code = otp_create(email="once-race@example.com")
    results = _race(8, lambda i: otp_consume(email="once-race@example.com", code=code))
    assert sorted(results) == [False] * 7 + [True], results
