"""Queue order: Pro before free, fair turns between users within a class; positions, ETA, events."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from generation import queues, services
from generation.models import GenerationJob, GenerationModel
from generation.selectors import queue_order
from tests.conftest import assert_envelope

pytestmark = pytest.mark.usefixtures("catalog")


@pytest.fixture(autouse=True)
def _generous_limits(catalog):
    GenerationModel.objects.update(tier0_concurrent=100)


def queue(api, persona, n=1, *, pro=False) -> list[str]:
    """Queue ``n`` jobs for ``persona`` (no worker runs: on-commit callbacks do not fire in tests)."""
    ids = []
    for _ in range(n):
        ids.append(
            assert_envelope(api.post("/generateImage", persona=persona, body={"prompt": "a fox"})).payload[
                "imageID"
            ]
        )
    if pro:
        GenerationJob.objects.filter(item_id__in=ids).update(priority=1, queue_name="f222-p1-main")
        queues.index_resync()  # the rows changed class behind the engine: the beat's resync catches it
    return ids


def position(api, persona, item_id) -> int:
    return assert_envelope(api.get("/getItemStatus", persona=persona, imageID=item_id)).payload[
        "queuePosition"
    ]


def test_one_users_many_jobs_delay_another_users_single_job_by_one_turn_at_most(api, owner, other_user):
    many = queue(api, owner, 5)
    single = queue(api, other_user, 1)[0]
    assert position(api, other_user, single) == 2
    assert [position(api, owner, i) for i in many] == [1, 3, 4, 5, 6]
    model = GenerationModel.objects.get(name="f222")
    order = [str(i) for i in queue_order(model_id=model.pk).values_list("item_id", flat=True)]
    assert order == [many[0], single, *many[1:]]


def test_pro_jobs_start_before_free_jobs_queued_earlier(api, owner, other_user, make_user):
    free = queue(api, owner, 2)
    pro_user = make_user("pro@example.com")
    pro = queue(api, pro_user, 1, pro=True)[0]
    assert position(api, pro_user, pro) == 1
    assert [position(api, owner, i) for i in free] == [2, 3]
    lengths = assert_envelope(api.get("/getQueuesLength", persona=owner, modelIDs="f222")).payload
    assert {q["queueID"]: q["queueLength"] for q in lengths} == {"f222-p1-main": 1, "f222-p0-main": 2}


def test_workers_take_jobs_in_queue_order_not_in_message_order(api, owner, make_user):
    free = queue(api, owner, 2)
    pro_user = make_user("pro@example.com")
    pro = queue(api, pro_user, 1, pro=True)[0]
    first_message = GenerationJob.objects.get(item_id=free[0]).pk
    assert services.job_run(job_id=first_message, worker="w1") == "completed"
    assert GenerationJob.objects.get(item_id=pro).status == "completed"
    assert GenerationJob.objects.get(item_id=free[0]).status == "queued"


def test_the_eta_grows_with_the_models_recent_run_times(api, owner):
    ids = queue(api, owner, 3)
    now = timezone.now()
    done = GenerationJob.objects.get(item_id=ids[0])
    assert services.job_claim(job_id=done.pk, worker="w1")
    done.refresh_from_db()
    done.status, done.started_at, done.finished_at = "completed", now - dt.timedelta(seconds=40), now
    done.save()
    body = assert_envelope(api.get("/getItemStatus", persona=owner, imageID=ids[2])).payload
    assert body["queuePosition"] == 2
    eta = dt.datetime.fromisoformat(body["estimatedStartTime"])
    assert now + dt.timedelta(seconds=35) < eta < now + dt.timedelta(seconds=60)


def test_admins_see_the_events_of_any_job_and_others_do_not(api, owner, other_user, admin):
    item_id = queue(api, owner, 1)[0]
    mine = assert_envelope(api.get("/getItemStatus", persona=owner, imageID=item_id)).payload
    assert "events" not in mine
    seen = assert_envelope(api.get("/getItemStatus", persona=admin, imageID=item_id)).payload
    assert [e["status"] for e in seen["events"]] == ["queued"] and seen["events"][0]["attempt"] == 0
    assert_envelope(api.get("/getItemStatus", persona=other_user, imageID=item_id), 404)


def test_the_order_holds_while_jobs_start_a_user_whose_job_started_does_not_go_again_first(
    api, owner, other_user
):
    many = queue(api, owner, 4)
    single = queue(api, other_user, 1)[0]
    model = GenerationModel.objects.get(name="f222")
    assert services.job_run(job_id=GenerationJob.objects.get(item_id=many[0]).pk, worker="w1") == "completed"
    assert position(api, other_user, single) == 1
    order = [str(i) for i in queue_order(model_id=model.pk).values_list("item_id", flat=True)]
    assert order == [single, *many[1:]]


def test_a_newcomer_joins_the_current_round_behind_at_most_one_job_per_user(
    api, owner, other_user, make_user
):
    many = queue(api, owner, 6)
    for item_id in many[:3]:  # three of them ran already: the queue is at round 4
        services.job_run(job_id=GenerationJob.objects.get(item_id=item_id).pk, worker="w1")
    third = make_user("third@example.com")
    late = queue(api, third, 2)
    assert position(api, third, late[0]) == 2  # behind owner's round-4 job only
    assert position(api, third, late[1]) == 4
    assert GenerationJob.objects.get(item_id=late[0]).turn == GenerationJob.objects.get(item_id=many[3]).turn
