"""A task enqueued after commit runs on a real Celery worker through the configured broker
(Redis in CI, the folder broker of the embedded default locally)."""

import datetime as dt
import time
import uuid

import pytest
from celery.contrib.testing.worker import start_worker
from django.db import transaction
from django.utils import timezone

from accounts.models import Session
from accounts.tasks import purge_expired_sessions
from aimg_site.celery import app


@pytest.fixture
def real_worker(settings):
    app.conf.task_always_eager = False
    try:
        with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
            yield
    finally:
        app.conf.task_always_eager = True


def test_the_app_speaks_json_only_and_has_time_limits():
    assert app.conf.task_serializer == "json" and app.conf.accept_content == ["json"]
    assert 0 < app.conf.task_soft_time_limit < app.conf.task_time_limit
    assert app.conf.task_acks_late is True


@pytest.mark.django_db(transaction=True)
def test_a_task_enqueued_on_commit_runs_on_a_real_worker(real_worker):
    old = timezone.now() - dt.timedelta(days=365)
    stale = Session.objects.create(key_digest=uuid.uuid4().hex * 2, last_seen_at=old)
    fresh = Session.objects.create(key_digest=uuid.uuid4().hex * 2, last_seen_at=timezone.now())
    with transaction.atomic():
        transaction.on_commit(purge_expired_sessions.delay)
    deadline = time.monotonic() + 20
    while Session.all_domains.filter(pk=stale.pk).exists() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not Session.all_domains.filter(pk=stale.pk).exists()
    assert Session.all_domains.filter(pk=fresh.pk).exists()
