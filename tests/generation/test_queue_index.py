"""The Redis queue-order index: its positions are the SQL count's, through claims, cancels, retries, flushes, races."""

from __future__ import annotations

import datetime as dt

import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone

from aimg_site.celery import app
from generation import queues, selectors, services
from generation.models import GenerationJob, GenerationModel
from tests.conftest import assert_envelope
from tests.support.concurrency import race
from tests.support.factories.billing import give_tier

pytestmark = [
    pytest.mark.usefixtures("catalog"),
    pytest.mark.skipif(
        not settings.REDIS_URL or connection.vendor != "postgresql", reason="needs PostgreSQL and Redis"
    ),
]


@pytest.fixture
def no_worker():
    """Real commits and a real broker that no worker consumes: jobs stay queued, their messages wait.

    The messages left in this test process's Celery queue are purged afterwards.
    """
    app.conf.task_always_eager = False
    yield
    app.conf.task_always_eager = True
    app.control.purge()


@pytest.fixture
def generous(catalog):
    GenerationModel.objects.update(tier0_concurrent=100, tier1_concurrent=100, tier2_concurrent=100)


def queue(api, persona, n=1) -> list[str]:
    return [
        assert_envelope(api.post("/generateImage", persona=persona, body={"prompt": f"a fox {i}"})).payload[
            "imageID"
        ]
        for i in range(n)
    ]


def entry(job: GenerationJob) -> queues.QueueEntry:
    return queues.QueueEntry(job.pk, job.model_id, job.priority, job.turn, job.queued_at)


def assert_index_agrees(model_name: str = "f222") -> list[int]:
    """Every queued job's index position is present (no fallback) and equals the SQL count; returns them."""
    jobs = list(GenerationJob.objects.filter(model__name=model_name, status="queued"))
    index = [queues.index_position(entry=entry(job)) for job in jobs]
    sql = [selectors.sql_queue_position(job=job) for job in jobs]
    assert index == sql, list(zip(index, sql, strict=True))
    assert sorted(sql) == list(range(1, len(jobs) + 1))
    return sql


def statuses_agree(api, persona, item_ids) -> None:
    for item_id in item_ids:
        job = GenerationJob.objects.get(item_id=item_id)
        body = assert_envelope(api.get("/getItemStatus", persona=persona, imageID=item_id)).payload
        assert body.get("queuePosition") == selectors.sql_queue_position(job=job), body


@pytest.mark.django_db(transaction=True)
def test_index_positions_match_the_sql_count_through_claims_cancels_retries_and_reclaims(
    api, owner, other_user, make_user, no_worker, generous
):
    third = make_user("third@example.com")
    pro, pro2 = make_user("pro@example.com"), make_user("pro2@example.com")
    give_tier(pro.user, 1)
    give_tier(pro2.user, 2)
    mine = queue(api, owner, 4)
    pros = queue(api, pro, 2)
    theirs = queue(api, other_user, 2)
    queue(api, pro2, 1)
    queue(api, third, 1)
    mine += queue(api, owner, 1)
    assert GenerationJob.objects.filter(item_id__in=pros, priority=1).count() == 2
    positions = dict(zip(pros + mine, [1, 3, 4, 7, 9, 10, 11], strict=True))  # Pro first, then fair turns
    for item_id, expected in positions.items():
        assert selectors.sql_queue_position(job=GenerationJob.objects.get(item_id=item_id)) == expected
    assert_index_agrees()

    # two workers take the heads: Pro jobs, one per Pro user's turn
    model_pk = GenerationModel.objects.get(name="f222").pk
    first = GenerationJob.objects.filter(model_id=model_pk).first()
    assert first is not None
    for worker in ("w1", "w2"):
        assert services.job_run(job_id=first.pk, worker=worker) == "completed"
    assert GenerationJob.objects.filter(priority=1, status="completed").count() == 2
    assert_index_agrees()

    # the owner cancels a queued job
    assert_envelope(api.post("/cancelGeneration", persona=owner, body={"imageID": mine[1]}))
    assert_index_agrees()

    # a transient back-end failure puts a running job back (behind a backoff): still counted
    retried = GenerationJob.objects.get(item_id=theirs[0])
    assert services.job_claim(job_id=retried.pk, worker="w3")
    assert_index_agrees()
    retried.refresh_from_db()
    assert services._job_retry(job=retried, worker="w3", message="connection refused") == "retrying"
    retried.refresh_from_db()
    assert retried.status == "queued" and retried.available_at is not None
    assert_index_agrees()

    # a worker dies mid-run: the reclaimer queues its job again
    lost = GenerationJob.objects.get(item_id=mine[2])
    assert services.job_claim(job_id=lost.pk, worker="dead")
    GenerationJob.objects.filter(pk=lost.pk).update(lease_expires_at=timezone.now() - dt.timedelta(seconds=1))
    assert services.jobs_reclaim() == 1
    assert_index_agrees()
    statuses_agree(
        api,
        owner,
        GenerationJob.objects.filter(user=owner.user, status="queued").values_list("item_id", flat=True),
    )


@pytest.mark.django_db(transaction=True)
def test_after_a_redis_flush_readers_get_the_sql_count_and_the_index_is_rebuilt(
    api, owner, other_user, no_worker, generous
):
    ids = queue(api, owner, 3) + queue(api, other_user, 2)
    assert_index_agrees()
    assert queues.index_clear() > 0
    job = GenerationJob.objects.get(item_id=ids[1])
    assert queues.index_position(entry=entry(job)) is None  # the index cannot say
    body = assert_envelope(api.get("/getItemStatus", persona=owner, imageID=ids[1])).payload
    assert body["queuePosition"] == 3  # owner's 2nd job is behind other_user's 1st
    assert len(assert_index_agrees()) == 5  # rebuilt by that read: every member is back


@pytest.mark.django_db(transaction=True)
def test_a_member_left_behind_is_found_by_the_reclaim_pass_resync(
    api, owner, other_user, no_worker, generous
):
    ids = queue(api, owner, 2) + queue(api, other_user, 2)
    # a job leaves the queue behind the engine's back (as when a removal from Redis was lost)
    GenerationJob.objects.filter(item_id=ids[0]).update(status="cancelled")
    later = GenerationJob.objects.get(item_id=ids[3])
    assert queues.index_position(entry=entry(later)) == 4  # stale: the SQL count says 3
    assert selectors.sql_queue_position(job=later) == 3
    services.jobs_reclaim()  # every reclaim pass resyncs the index
    assert len(assert_index_agrees()) == 3
    assert queues.index_position(entry=entry(later)) == 3


@pytest.mark.django_db(transaction=True)
def test_without_a_reachable_redis_positions_are_the_sql_count(api, owner, other_user, no_worker, generous):
    ids = queue(api, owner, 2) + queue(api, other_user, 1)
    assert_index_agrees()
    nothing_listens = "redis://127.0.0.1:18399/0"
    settings.REDIS_URL, real = nothing_listens, settings.REDIS_URL
    try:
        job = GenerationJob.objects.get(item_id=ids[1])
        assert queues.index_position(entry=entry(job)) is None
        body = assert_envelope(api.get("/getItemStatus", persona=owner, imageID=ids[1])).payload
        assert body["queuePosition"] == 3
    finally:
        settings.REDIS_URL = real


@pytest.mark.django_db(transaction=True)
def test_concurrent_enqueues_get_distinct_positions_that_match_the_sql_count(make_user, no_worker, generous):
    users = [make_user(f"racer{i}@example.com").user for i in range(8)]
    for user in users[:3]:
        give_tier(user, 1)

    def enqueue(i):
        req = services.ImageRequest(prompt=f"a racing fox {i}")
        return services.generation_request(owner=users[i], signed_in=True, req=req)

    results = race(8, enqueue)
    assert all(isinstance(r, GenerationJob) for r in results), results
    positions = assert_index_agrees()
    assert len(positions) == 8
    pro_positions = sorted(
        queues.index_position(entry=entry(job))
        for job in GenerationJob.objects.filter(user__in=users[:3], status="queued")
    )
    assert pro_positions == [1, 2, 3]
