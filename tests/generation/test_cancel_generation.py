from __future__ import annotations

import pytest

from generation import services
from generation.models import GenerationEvent, GenerationJob
from tests.conftest import assert_envelope

pytestmark = pytest.mark.usefixtures("catalog")


def queued(api, persona) -> str:
    return assert_envelope(api.post("/generateImage", persona=persona, body={"prompt": "a fox"})).payload[
        "imageID"
    ]


def test_the_owner_cancels_a_queued_job_and_no_worker_runs_it(api, owner):
    item_id = queued(api, owner)
    payload = assert_envelope(api.post("/cancelGeneration", persona=owner, body={"imageID": item_id})).payload
    assert payload["status"] == "cancelled" and "queuePosition" not in payload
    job = GenerationJob.objects.get(item_id=item_id)
    assert services.job_run(job_id=job.pk, worker="w1") == "skipped"
    assert [e.status for e in GenerationEvent.objects.filter(job=job)] == ["queued", "cancelled"]


def test_a_cancelled_running_job_stops_at_its_next_step_and_writes_no_result(api, owner):
    item_id = queued(api, owner)
    job = GenerationJob.objects.get(item_id=item_id)
    assert services.job_claim(job_id=job.pk, worker="w1")
    assert_envelope(api.post("/cancelGeneration", persona=owner, body={"imageID": item_id}))
    job.refresh_from_db()
    png = services.OutputFile(content=b"not stored", filename="x.png", mime_type="image/png")
    assert services._job_complete(job=job, worker="w1", outputs=[png]) == "lost"
    job.refresh_from_db()
    assert job.status == "cancelled"
    assert not GenerationEvent.objects.filter(job=job, status="completed").exists()


def test_cancelling_a_finished_job_is_a_409_and_another_users_a_404(api, owner, other_user):
    item_id = queued(api, owner)
    assert_envelope(api.post("/cancelGeneration", persona=other_user, body={"imageID": item_id}), 404)
    assert_envelope(api.post("/cancelGeneration", persona=owner, body={"imageID": item_id}))
    assert_envelope(api.post("/cancelGeneration", persona=owner, body={"imageID": item_id}), 409)
