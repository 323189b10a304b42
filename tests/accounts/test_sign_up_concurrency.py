"""Concurrent sign-ups and sign-ins on PostgreSQL: one account per email, bans win races."""

from __future__ import annotations

import uuid

import pytest
from django.db import connection

from accounts.models import Session, User
from accounts.signin.services import user_sign_in, user_sign_up
from accounts.users.services import user_set_abuse_level
from aimg_site.core.scoping import domain_context
from aimg_site.core.selectors import domain_get
from tests.support.concurrency import race as _race

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="real concurrency needs PostgreSQL (SQLite locks the file)"
    ),
]


def test_eight_concurrent_sign_ups_of_one_email_make_one_account(settings):
    settings.AIMG_RATELIMIT_ENABLED = False
    results = _race(
        8,
        lambda i: user_sign_up(
            email="same@example.com", password="Sunny-Day-42", otp=None, old_session_key=uuid.uuid4()
        ),
    )
    winners = [r for r in results if isinstance(r, tuple)]
    assert len(winners) == 1, results
    assert all(type(r).__name__ == "Conflict" for r in results if not isinstance(r, tuple)), results
    assert User.all_domains.filter(email="same@example.com").count() == 1


def test_a_ban_racing_sign_ins_leaves_no_live_session():
    with domain_context(domain_get("freejourney.ai")):
        user = User.objects.create_user(email="racer@example.com")

    def act(i: int):
        if i == 0:
            return user_set_abuse_level(user=user, level=9)
        return user_sign_in(user=user, old_session_key=None, login_provider="OTP")

    for _ in range(3):
        _race(6, act)
        assert not Session.all_domains.filter(user=user).exists()
        User.all_domains.filter(pk=user.pk).update(abuse_level=0)
