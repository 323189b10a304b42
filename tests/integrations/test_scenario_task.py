"""One Item's upload task: retries, permanent failures, redelivery and resumption, races."""

from __future__ import annotations

from datetime import timedelta

import pytest
from celery.exceptions import Retry
from django.db import connection
from django.utils import timezone

from integrations.models import ScenarioSend, ScenarioUpload, UploadStatus
from integrations.scenario.client import ScenarioClient, ScenarioTransientError
from integrations.scenario.services import scenario_upload_run
from integrations.tasks import MAX_COUNTDOWN, retry_countdown, scenario_upload
from tests.support.concurrency import race
from tests.support.factories.library import ItemFactory

from .servers import Fault


@pytest.fixture
def upload(owner, connect):
    connect(owner.user)
    item = ItemFactory(owner=owner.user)
    send = ScenarioSend.objects.create(user=owner.user)
    return ScenarioUpload.objects.create(send=send, item=item, user=owner.user)


def reload(upload) -> ScenarioUpload:
    return ScenarioUpload.objects.get(pk=upload.pk)


def creates(scenario) -> int:
    return scenario.calls("POST", "/v1/uploads").count("/v1/uploads")


def test_the_task_uploads_and_records_the_asset(scenario, upload):
    assert scenario_upload.delay(str(upload.pk)).get() == UploadStatus.IMPORTED
    row = reload(upload)
    assert (
        row.status == UploadStatus.IMPORTED and row.asset_id.startswith("asset_") and row.lease_until is None
    )
    assert row.scenario_upload_id in scenario.uploads and row.attempts == 1


def test_a_redelivered_task_after_success_does_nothing(scenario, upload):
    scenario_upload.delay(str(upload.pk))
    assert scenario_upload.delay(str(upload.pk)).get() == "skipped"
    assert creates(scenario) == 1 and len(scenario.imported()) == 1


def test_a_task_delivered_while_another_holds_the_lease_does_nothing(scenario, upload):
    ScenarioUpload.objects.filter(pk=upload.pk).update(lease_until=timezone.now() + timedelta(minutes=5))
    assert scenario_upload_run(upload_id=upload.pk) == "skipped"
    assert scenario.requests == []


def test_a_dead_workers_upload_is_resumed_without_importing_twice(scenario, upload):
    # The dead worker had created Scenario's upload and sent one part of two, then died.
    client = ScenarioClient(api_key=scenario.api_key, api_secret=scenario.api_secret)
    stale = client.create_upload(
        file_name="x.png", content_type="image/png", file_size=20, parts=2, kind="image"
    )
    client.put_part(stale.parts[0], b"x" * 10)
    ScenarioUpload.objects.filter(pk=upload.pk).update(
        scenario_upload_id=stale.id,
        status=UploadStatus.UPLOADING,
        lease_until=timezone.now() - timedelta(seconds=1),
    )
    assert scenario_upload_run(upload_id=upload.pk) == UploadStatus.IMPORTED
    assert len(scenario.imported()) == 1 and scenario.uploads[stale.id]["status"] == "pending"
    assert reload(upload).scenario_upload_id != stale.id


def test_a_worker_that_died_after_completing_only_waits_for_the_import(scenario, upload):
    client = ScenarioClient(api_key=scenario.api_key, api_secret=scenario.api_secret)
    done = client.create_upload(
        file_name="x.png", content_type="image/png", file_size=3, parts=1, kind="image"
    )
    client.put_part(done.parts[0], b"abc")
    client.complete_upload(done.id)
    ScenarioUpload.objects.filter(pk=upload.pk).update(
        scenario_upload_id=done.id,
        status=UploadStatus.UPLOADING,
        lease_until=timezone.now() - timedelta(seconds=1),
    )
    before = creates(scenario)
    assert scenario_upload_run(upload_id=upload.pk) == UploadStatus.IMPORTED
    assert creates(scenario) == before and reload(upload).asset_id == scenario.uploads[done.id]["entityId"]


def test_expired_part_urls_start_a_new_upload(scenario, upload):
    scenario.expire_next_uploads = 1
    assert scenario_upload_run(upload_id=upload.pk) == UploadStatus.IMPORTED
    assert creates(scenario) == 2 and len(scenario.imported()) == 1


def test_part_urls_expiring_twice_are_retried_later(scenario, upload):
    scenario.expire_next_uploads = 2
    with pytest.raises(ScenarioTransientError):
        scenario_upload_run(upload_id=upload.pk)
    row = reload(upload)
    assert row.status in (UploadStatus.UPLOADING, UploadStatus.QUEUED) and row.lease_until is None
    assert "expired" in row.error_message
    assert scenario_upload_run(upload_id=upload.pk) == UploadStatus.IMPORTED


def deliver_until_done(upload_id) -> tuple[str, list[float]]:
    """Run the task as the broker would: each ``Retry`` is delivered again with ``retries + 1``."""
    countdowns: list[float] = []
    while True:
        try:
            return scenario_upload.apply(args=(str(upload_id),), retries=len(countdowns)).get(), countdowns
        except Retry as retry:
            countdowns.append(float(retry.when))


def test_transient_failures_are_retried_by_the_task_until_they_pass(scenario, upload, settings):
    settings.AIMG_SCENARIO_RETRY_ATTEMPTS = 2
    scenario.faults.append(Fault("POST", "/v1/uploads", status=503, times=3))
    result, countdowns = deliver_until_done(upload.pk)
    assert result == UploadStatus.IMPORTED and len(countdowns) == 1 and 30 <= countdowns[0] <= 38
    row = reload(upload)
    assert row.status == UploadStatus.IMPORTED and row.attempts == 2


def test_the_task_waits_as_long_as_a_long_retry_after_says(scenario, upload):
    scenario.faults.append(Fault("POST", "/v1/uploads", status=429, headers={"Retry-After": "300"}))
    result, countdowns = deliver_until_done(upload.pk)
    assert result == UploadStatus.IMPORTED and countdowns == [300.0]


def test_a_429_is_retried_after_its_retry_after(scenario, upload):
    scenario.faults.append(Fault("POST", "/v1/uploads", status=429, headers={"Retry-After": "0"}))
    assert scenario_upload_run(upload_id=upload.pk) == UploadStatus.IMPORTED


def test_the_task_gives_up_after_its_retries_with_a_readable_message(scenario, upload, settings):
    settings.AIMG_SCENARIO_RETRY_ATTEMPTS = 1
    settings.AIMG_SCENARIO_TASK_RETRIES = 2
    scenario.faults.append(Fault("POST", "/v1/uploads", status=500, times=100))
    result, countdowns = deliver_until_done(upload.pk)
    assert result == "failed" and len(countdowns) == 2
    row = reload(upload)
    assert row.status == UploadStatus.FAILED and "gave up after 3 attempts" in row.error_message
    assert "HTTP 500" in row.error_message and creates(scenario) == 3


def test_a_permanent_refusal_fails_at_once(scenario, upload):
    scenario.faults.append(Fault("POST", "/v1/uploads", status=422, body={"message": "Quota exceeded"}))
    assert scenario_upload_run(upload_id=upload.pk) == UploadStatus.FAILED
    row = reload(upload)
    assert row.error_message == "Scenario refused creating the upload (HTTP 422): Quota exceeded"
    assert creates(scenario) == 1


def test_a_revoked_key_fails_with_a_message_to_reconnect(scenario, upload):
    scenario.api_secret = "revoked"
    assert scenario_upload_run(upload_id=upload.pk) == UploadStatus.FAILED
    assert "connect Scenario again" in reload(upload).error_message


def test_a_disconnected_user_or_a_deleted_item_fails_cleanly(scenario, upload, owner):
    upload.item.deleted_at = timezone.now()
    upload.item.save(update_fields=["deleted_at"])
    assert scenario_upload_run(upload_id=upload.pk) == UploadStatus.FAILED
    assert reload(upload).error_message == "The item was deleted before it was sent."
    other = ScenarioUpload.objects.create(
        send=upload.send, item=ItemFactory(owner=owner.user), user=owner.user
    )
    owner.user.scenario_connection.delete()
    assert scenario_upload_run(upload_id=other.pk) == UploadStatus.FAILED
    assert "disconnected" in reload(other).error_message
    assert scenario.requests == []


def test_a_slow_import_is_left_for_a_later_attempt(scenario, upload, settings):
    settings.AIMG_SCENARIO_POLL_SECONDS = 0.05
    scenario.polls_until_done = 10_000
    with pytest.raises(ScenarioTransientError) as caught:
        scenario_upload_run(upload_id=upload.pk)
    assert caught.value.retry_after == 0.05
    assert reload(upload).status == UploadStatus.PROCESSING
    scenario.polls_until_done = 1
    assert scenario_upload_run(upload_id=upload.pk) == UploadStatus.IMPORTED
    assert creates(scenario) == 1


def test_a_missing_upload_row_is_ignored():
    import uuid

    assert scenario_upload_run(upload_id=uuid.uuid4()) == "missing"


def test_the_countdown_follows_retry_after_else_backs_off_with_a_cap():
    assert retry_countdown(retries=0, retry_after=120) == 120
    assert retry_countdown(retries=0, retry_after=0.2) == 1
    first, third = retry_countdown(retries=0, retry_after=None), retry_countdown(retries=2, retry_after=None)
    assert 30 <= first <= 38 and 120 <= third <= 150
    assert retry_countdown(retries=30, retry_after=None) <= MAX_COUNTDOWN * 1.25
    assert retry_countdown(retries=0, retry_after=10**6) == MAX_COUNTDOWN


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="concurrent writers need PostgreSQL")
def test_two_deliveries_at_once_upload_the_item_once(scenario, upload):
    results = race(2, lambda _i: scenario_upload_run(upload_id=upload.pk))
    assert sorted(map(str, results)) == ["imported", "skipped"]
    assert creates(scenario) == 1 and len(scenario.imported()) == 1
