"""The worker path: the claim is exactly-once, and a real Celery worker completes a generation."""

from __future__ import annotations

import time

import pytest
from celery.contrib.testing.worker import start_worker

from aimg_site.celery import app
from generation import services
from generation.backends import local
from generation.models import GenerationEvent, GenerationJob
from tests.conftest import assert_envelope

pytestmark = pytest.mark.usefixtures("catalog")


def test_only_one_worker_claims_a_queued_job_and_a_second_run_is_skipped(api, owner):
    item_id = assert_envelope(api.post("/generateImage", persona=owner, body={"prompt": "a cat"})).payload[
        "imageID"
    ]
    job = GenerationJob.objects.get(item_id=item_id)
    assert services.job_claim(job_id=job.pk, worker="w1") is True
    assert services.job_claim(job_id=job.pk, worker="w2") is False
    assert services.job_run(job_id=job.pk, worker="w2") == "skipped"
    job.refresh_from_db()
    assert job.status == "running" and job.lease_owner == "w1" and job.lease_expires_at is not None


def test_a_completed_job_is_not_run_again(api, owner, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        payload = assert_envelope(api.post("/generateImage", persona=owner, body={"prompt": "a cat"})).payload
    job = GenerationJob.objects.get(item_id=payload["imageID"])
    assert services.job_run(job_id=job.pk, worker="again") == "skipped"
    assert GenerationEvent.objects.filter(job=job, status="completed").count() == 1


def test_a_failing_render_fails_the_job_with_a_readable_message(api, owner, monkeypatch):
    item_id = assert_envelope(api.post("/generateImage", persona=owner, body={"prompt": "a cat"})).payload[
        "imageID"
    ]
    job = GenerationJob.objects.get(item_id=item_id)

    def broken(**kwargs):
        raise ValueError("out of paint")

    monkeypatch.setattr(local, "render_image", broken)
    assert services.job_run(job_id=job.pk, worker="w1") == "failed"
    job.refresh_from_db()
    assert job.status == "failed" and "out of paint" in job.error_message
    status = assert_envelope(api.get("/getItemStatus", persona=owner, imageID=item_id)).payload
    assert status["status"] == "failed" and "url" not in status


@pytest.mark.django_db(transaction=True)
def test_a_real_celery_worker_completes_a_generation_queued_on_commit(api, owner):
    app.conf.task_always_eager = False
    try:
        with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
            body = {"prompt": "a lighthouse", "seed": 7}
            item_id = assert_envelope(api.post("/generateImage", persona=owner, body=body)).payload["imageID"]
            deadline = time.monotonic() + 30
            status = None
            while time.monotonic() < deadline:
                status = assert_envelope(api.get("/getItemStatus", persona=owner, imageID=item_id)).payload
                if status["status"] == "completed":
                    break
                time.sleep(0.1)
    finally:
        app.conf.task_always_eager = True
    assert status is not None and status["status"] == "completed" and status["url"]


def test_the_generation_task_goes_to_the_queue_a_worker_without_q_consumes():
    route = app.amqp.router.route({}, "generation.run_generation")
    assert route["queue"].name == app.conf.task_default_queue
