"""Exactly once across worker processes: racing claims, lease reclaim, and a SIGKILLed worker (PostgreSQL, Redis)."""

from __future__ import annotations

import datetime as dt
import time
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from aimg_site.celery import app
from generation import services
from generation.models import GenerationEvent, GenerationJob, GenerationModel
from library.models import Item
from tests.conftest import assert_envelope
from tests.support.concurrency import race
from tests.support.workers import WorkerProcess, wait_for

pytestmark = pytest.mark.usefixtures("catalog")

needs_postgres_and_redis = pytest.mark.skipif(
    not settings.REDIS_URL or connection.vendor != "postgresql", reason="needs PostgreSQL and Redis"
)


def queued(api, persona, **body) -> GenerationJob:
    payload = assert_envelope(
        api.post("/generateImage", persona=persona, body={"prompt": "a lighthouse", **body})
    ).payload
    return GenerationJob.objects.get(item_id=payload["imageID"])


def statuses(job) -> list[str]:
    return [e.status for e in GenerationEvent.objects.filter(job=job)]


# ---------------------------------------------------------------- the reclaimer, in process


def test_an_expired_lease_is_reclaimed_and_the_job_completes_once(
    api, owner, django_capture_on_commit_callbacks
):
    job = queued(api, owner)
    assert services.job_claim(job_id=job.pk, worker="dead")
    GenerationJob.objects.filter(pk=job.pk).update(lease_expires_at=timezone.now() - dt.timedelta(seconds=1))
    with django_capture_on_commit_callbacks(execute=True):
        assert services.jobs_reclaim() == 1
    job.refresh_from_db()
    assert job.status == "completed" and job.attempt == 2
    assert statuses(job) == ["queued", "retrying", "running", "completed"]
    assert "dead" in GenerationEvent.objects.get(job=job, status="retrying").message
    # the dead worker comes back: it holds nothing any more and writes nothing
    late = services.OutputFile(content=b"late", filename="late.png", mime_type="image/png")
    assert services._job_complete(job=job, worker="dead", outputs=[late]) == "lost"
    assert statuses(job).count("completed") == 1


def test_a_live_lease_is_left_alone(api, owner):
    job = queued(api, owner)
    assert services.job_claim(job_id=job.pk, worker="alive")
    assert services.jobs_reclaim() == 0
    job.refresh_from_db()
    assert job.status == "running" and job.lease_owner == "alive"


def test_a_job_past_the_attempt_limit_fails_instead_of_being_reclaimed(api, owner, settings):
    settings.AIMG_GENERATION_MAX_ATTEMPTS = 1
    job = queued(api, owner)
    assert services.job_claim(job_id=job.pk, worker="dead")
    GenerationJob.objects.filter(pk=job.pk).update(lease_expires_at=timezone.now() - dt.timedelta(seconds=1))
    services.jobs_reclaim()
    job.refresh_from_db()
    assert job.status == "failed" and "giving up" in job.error_message
    assert statuses(job) == ["queued", "failed"]


def test_the_management_command_reclaims_too(api, owner):
    job = queued(api, owner)
    assert services.job_claim(job_id=job.pk, worker="dead")
    GenerationJob.objects.filter(pk=job.pk).update(lease_expires_at=timezone.now() - dt.timedelta(seconds=1))
    out = StringIO()
    call_command("reclaim_generation_jobs", stdout=out)
    assert "1 job(s) queued again" in out.getvalue()
    job.refresh_from_db()
    assert job.status == "queued"


def test_the_reclaimer_is_on_the_beat_schedule():
    entry = settings.CELERY_BEAT_SCHEDULE["reclaim-generation-jobs"]
    assert entry["task"] == "generation.reclaim_jobs" and entry["schedule"] <= 10
    app.loader.import_default_modules()  # what a worker does at start: find every app's tasks
    assert "generation.reclaim_jobs" in app.tasks


# ---------------------------------------------------------------- races on PostgreSQL


@needs_postgres_and_redis
@pytest.mark.django_db(transaction=True)
def test_racing_claims_and_reclaimers_take_a_job_once(api, owner, monkeypatch):
    sent: list = []
    monkeypatch.setattr(services, "_enqueue", lambda job_id, countdown=None: sent.append(job_id))
    job = queued(api, owner)
    results = race(8, lambda i: services.job_claim(job_id=job.pk, worker=f"w{i}"))
    assert results.count(True) == 1
    GenerationJob.objects.filter(pk=job.pk).update(lease_expires_at=timezone.now() - dt.timedelta(seconds=1))
    counts = race(6, lambda i: services.jobs_reclaim())
    assert sum(counts) == 1 and sent == [job.pk, job.pk]  # queued once, reclaimed once
    assert statuses(job).count("retrying") == 1


# ---------------------------------------------------------------- real worker processes


def _media_files() -> set[str]:
    root = Path(settings.MEDIA_ROOT)
    return {str(p.relative_to(root)) for p in (root / "items").rglob("*") if p.is_file()}


@needs_postgres_and_redis
@pytest.mark.django_db(transaction=True)
def test_several_worker_processes_run_every_job_exactly_once(api, owner, other_user, make_user):
    GenerationModel.objects.update(tier0_concurrent=100)
    app.conf.task_always_eager = False
    workers = [WorkerProcess(f"w{i}", env={"AIMG_LOCAL_SECONDS_PER_STEP": "0.02"}) for i in range(3)]
    try:
        people = [owner, other_user, make_user("third@example.com")]
        jobs = [queued(api, people[i % 3], steps=10) for i in range(9)]
        for job in jobs:  # a duplicate message for every job: still one run each
            services._enqueue(job.pk)

        def all_done():
            return GenerationJob.objects.filter(pk__in=[j.pk for j in jobs], status="completed").count() == 9

        wait_for(all_done, timeout=120, workers=tuple(workers))
    finally:
        app.conf.task_always_eager = True
        for worker in workers:
            worker.stop()
    for job in jobs:
        job.refresh_from_db()
        assert job.attempt == 1 and statuses(job) == ["queued", "running", "completed"]
    owners = {GenerationEvent.objects.get(job=j, status="running").message.split(":")[1] for j in jobs}
    assert len(owners) >= 2  # the work was spread over several processes


@needs_postgres_and_redis
@pytest.mark.django_db(transaction=True)
def test_a_sigkilled_worker_process_job_is_finished_once_by_another_worker_within_30_s(api, owner):
    GenerationModel.objects.filter(name="f222").update(max_steps=50)
    env = {
        "AIMG_LOCAL_SECONDS_PER_STEP": "0.2",
        "AIMG_GENERATION_LEASE_SECONDS": "3",
        "AIMG_GENERATION_RECLAIM_SECONDS": "1",
    }
    app.conf.task_always_eager = False
    first = WorkerProcess("doomed", env=env)
    second = None
    try:
        job = queued(api, owner, steps=20)
        files_before = _media_files()

        def running_with_progress():
            job.refresh_from_db()
            return job.status == "running" and (job.progress or 0) > 0

        wait_for(running_with_progress, timeout=60, workers=(first,))
        doomed_owner = job.lease_owner
        second = WorkerProcess("rescuer", beat=True, env=env)
        first.kill()  # the whole worker: main process and pool child
        killed_at = time.monotonic()

        def completed():
            job.refresh_from_db()
            return job.status == "completed"

        wait_for(completed, timeout=60, workers=(first, second))
        took = time.monotonic() - killed_at
    finally:
        app.conf.task_always_eager = True
        first.stop()
        if second is not None:
            second.stop()
    assert took < 30, f"taken up and finished {took:.1f} s after the kill"
    assert job.attempt == 2 and job.lease_owner != doomed_owner
    assert statuses(job) == ["queued", "running", "retrying", "running", "completed"]
    item = Item.objects.get(pk=job.item_id)
    new_files = _media_files() - files_before
    assert new_files == {item.media.name}  # one set of output files; the placeholder is gone
    assert item.media.name not in files_before and (item.width, item.height) == (512, 512)
