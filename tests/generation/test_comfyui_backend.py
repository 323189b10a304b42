"""The engine on the ``comfyui`` back end (a stand-in on loopback): completion, retries, failures, cancel."""

from __future__ import annotations

import datetime as dt
import io
import threading
import time

import pytest
from django.utils import timezone
from PIL import Image

from generation import services
from generation.models import GenerationEvent, GenerationJob, GenerationModel
from library.models import Item
from tests.conftest import assert_envelope
from tests.support.comfyui_standin import ComfyUIStandIn, free_port_unused

pytestmark = pytest.mark.usefixtures("catalog")


@pytest.fixture
def comfy(settings):
    with ComfyUIStandIn() as server:
        settings.AIMG_GENERATION_BACKEND = "comfyui"
        settings.COMFYUI_URL = server.url
        settings.COMFYUI_POLL_SECONDS = 0.01
        yield server


def queued(api, persona, **body) -> GenerationJob:
    payload = assert_envelope(
        api.post("/generateImage", persona=persona, body={"prompt": "a red fox", **body})
    ).payload
    return GenerationJob.objects.get(item_id=payload["imageID"])


def events(job) -> list[str]:
    return [e.status for e in GenerationEvent.objects.filter(job=job)]


def test_a_generation_runs_on_comfyui_and_the_item_gets_its_png(api, owner, comfy):
    job = queued(api, owner, seed=5, width=640, height=512, sampler="Euler a", steps=12)
    assert services.job_run(job_id=job.pk, worker="w1") == "completed"
    assert comfy.submitted == [str(job.pk)]
    graph = comfy.history[str(job.pk)]["prompt"][2]
    sampler = graph["3"]["inputs"]
    assert (sampler["seed"], sampler["steps"], sampler["sampler_name"]) == (5, 12, "euler_ancestral")
    assert graph["6"]["inputs"]["text"] == "a red fox"
    item = Item.objects.get(pk=job.item_id)
    assert Image.open(io.BytesIO(item.media.read())).size == (640, 512) == (item.width, item.height)
    assert item.media.name.endswith(".png")
    status = assert_envelope(api.get("/getItemStatus", persona=owner, imageID=str(item.pk))).payload
    assert status["status"] == "completed" and status["url"]
    assert events(job) == ["queued", "running", "completed"]


def test_a_model_may_name_its_own_back_end(api, owner, settings):
    with ComfyUIStandIn() as comfy:
        settings.COMFYUI_URL, settings.COMFYUI_POLL_SECONDS = comfy.url, 0.01
        assert settings.AIMG_GENERATION_BACKEND == "local"
        GenerationModel.objects.filter(name="f222").update(backend="comfyui")
        job = queued(api, owner)
        assert services.job_run(job_id=job.pk, worker="w1") == "completed"
        assert comfy.submitted == [str(job.pk)]


def test_a_transient_failure_is_retried_after_a_backoff_and_completes_once(api, owner, comfy, settings):
    settings.COMFYUI_URL = f"http://127.0.0.1:{free_port_unused()}"  # connection refused
    job = queued(api, owner)
    before = timezone.now()
    assert services.job_run(job_id=job.pk, worker="w1") == "retrying"
    job.refresh_from_db()
    assert job.status == "queued" and job.attempt == 1 and job.available_at > before
    retry = GenerationEvent.objects.get(job=job, status="retrying")
    assert "No ComfyUI server is reachable" in retry.message and retry.attempt == 1
    # during the backoff nobody claims it
    assert services.job_run(job_id=job.pk, worker="w2") == "skipped"
    settings.COMFYUI_URL = comfy.url
    GenerationJob.objects.filter(pk=job.pk).update(available_at=timezone.now())
    assert services.job_run(job_id=job.pk, worker="w2") == "completed"
    job.refresh_from_db()
    assert job.status == "completed" and job.attempt == 2
    assert events(job) == ["queued", "running", "retrying", "running", "completed"]
    assert comfy.submitted == [str(job.pk)]


def test_5xx_answers_are_retried_and_the_attempts_are_bounded(api, owner, comfy, settings):
    settings.AIMG_GENERATION_MAX_ATTEMPTS = 2
    comfy.fail_next(503, times=100)
    job = queued(api, owner)
    assert services.job_run(job_id=job.pk, worker="w1") == "retrying"
    GenerationJob.objects.filter(pk=job.pk).update(available_at=timezone.now())
    assert services.job_run(job_id=job.pk, worker="w1") == "failed"
    job.refresh_from_db()
    assert job.status == "failed" and "kept failing (2 attempts)" in job.error_message
    assert events(job) == ["queued", "running", "retrying", "running", "failed"]


def test_the_backoff_grows_exponentially_with_jitter_up_to_a_cap(settings):
    settings.AIMG_GENERATION_RETRY_BASE_SECONDS, settings.AIMG_GENERATION_RETRY_MAX_SECONDS = 2, 10
    for attempt, ceiling in [(1, 2), (2, 4), (3, 8), (4, 10), (9, 10)]:
        delays = {services.retry_delay(attempt) for _ in range(50)}
        assert all(ceiling / 2 <= d <= ceiling for d in delays) and len(delays) > 1


def test_an_execution_error_fails_the_job_at_once_with_a_readable_message(api, owner, comfy):
    comfy.fail_node = "KSampler"
    job = queued(api, owner)
    assert services.job_run(job_id=job.pk, worker="w1") == "failed"
    status = assert_envelope(api.get("/getItemStatus", persona=owner, imageID=str(job.item_id))).payload
    assert status["status"] == "failed" and "url" not in status
    assert "node 3 (KSampler)" in status["errorMessage"]
    assert events(job) == ["queued", "running", "failed"]


def test_a_workflow_the_server_refuses_fails_the_job_at_once(api, owner, comfy):
    GenerationModel.objects.filter(name="f222").update(workflow_template="txt2img-sdxl")
    job = queued(api, owner, steps=1)
    GenerationJob.objects.filter(pk=job.pk).update(parameters={**job.parameters, "steps": 0})
    assert services.job_run(job_id=job.pk, worker="w1") == "failed"
    job.refresh_from_db()
    assert "ComfyUI refused the workflow" in job.error_message and "steps" in job.error_message
    assert comfy.submitted == []


def test_a_model_without_a_template_file_fails_with_a_message(api, owner, comfy):
    GenerationModel.objects.filter(name="f222").update(workflow_template="nope")
    job = queued(api, owner)
    assert services.job_run(job_id=job.pk, worker="w1") == "failed"
    job.refresh_from_db()
    assert "template 'nope' does not exist" in job.error_message


def test_overdue_retries_get_a_new_message_from_the_reclaimer(
    api, owner, comfy, django_capture_on_commit_callbacks
):
    job = queued(api, owner)
    GenerationJob.objects.filter(pk=job.pk).update(available_at=timezone.now() - dt.timedelta(minutes=5))
    with django_capture_on_commit_callbacks(execute=True):
        assert services.jobs_reclaim() == 1
    job.refresh_from_db()
    # tests run Celery eagerly: the new message ran the job
    assert job.status == "completed" and job.available_at is None


@pytest.mark.django_db(transaction=True)
def test_cancelling_a_running_comfyui_job_interrupts_it_on_the_server(api, owner, comfy, monkeypatch):
    monkeypatch.setattr(services, "_enqueue", lambda *args, **kwargs: None)  # the thread below is the worker
    comfy.seconds_per_step = 0.05
    GenerationModel.objects.filter(name="f222").update(max_steps=50)
    job = queued(api, owner, steps=50)
    results: list = []
    worker = threading.Thread(target=lambda: results.append(run_in_thread(job.pk)))
    worker.start()
    comfy.wait_until_running(str(job.pk))
    assert_envelope(api.post("/cancelGeneration", persona=owner, body={"imageID": str(job.item_id)}))
    worker.join(20)
    assert results == ["lost"]
    deadline = time.monotonic() + 5
    while str(job.pk) not in comfy.history and time.monotonic() < deadline:
        time.sleep(0.02)
    messages = [m[0] for m in comfy.history[str(job.pk)]["status"]["messages"]]
    assert "execution_interrupted" in messages
    job.refresh_from_db()
    assert (
        job.status == "cancelled" and not GenerationEvent.objects.filter(job=job, status="completed").exists()
    )


def run_in_thread(job_id):
    from django.db import connection

    try:
        return services.job_run(job_id=job_id, worker="thread")
    finally:
        connection.close()


@pytest.mark.django_db(transaction=True)
def test_a_running_comfyui_job_shows_the_websockets_progress_in_its_status(api, owner, comfy, monkeypatch):
    monkeypatch.setattr(services, "_enqueue", lambda *args, **kwargs: None)  # the thread below is the worker
    comfy.seconds_per_step = 0.05
    job = queued(api, owner, steps=40)
    results: list = []
    worker = threading.Thread(target=lambda: results.append(run_in_thread(job.pk)))
    worker.start()
    seen: list[float] = []
    deadline = time.monotonic() + 30
    while worker.is_alive() and time.monotonic() < deadline:
        status = assert_envelope(api.get("/getItemStatus", persona=owner, imageID=str(job.item_id))).payload
        if status["status"] == "running" and "progress" in status:
            seen.append(status["progress"])
        time.sleep(0.05)
    worker.join(10)
    assert results == ["completed"]
    mid_run = [p for p in seen if 0 < p < 1]
    assert mid_run and mid_run == sorted(mid_run), seen
    assert ("GET", "/ws") in comfy.requests
