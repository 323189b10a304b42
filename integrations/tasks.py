"""Celery tasks of the integrations: thin, they take an id and call a service."""

from __future__ import annotations

import random
import uuid

from celery import shared_task
from django.conf import settings

from .scenario import services
from .scenario.client import ScenarioTransientError

#: Longest wait between two attempts of one upload (seconds).
MAX_COUNTDOWN = 15 * 60


def retry_countdown(*, retries: int, retry_after: float | None) -> int:
    """Seconds before the next attempt: Scenario's ``Retry-After`` when it gave one, else
    exponential backoff (30 s, 60 s, 120 s...) with jitter, capped at ``MAX_COUNTDOWN``."""
    if retry_after is not None:
        return int(min(MAX_COUNTDOWN, max(1.0, retry_after)))
    backoff = min(MAX_COUNTDOWN, 30 * (2**retries))
    return int(backoff + random.uniform(0, backoff / 4))


@shared_task(name="integrations.scenario_upload", bind=True, max_retries=None)
def scenario_upload(self, upload_id: str) -> str:
    """Upload one Item to Scenario (``services.scenario_upload_run``); redelivery-safe.

    Transient failures are retried up to ``AIMG_SCENARIO_TASK_RETRIES`` times (after the
    client's own quick retries), then the upload fails with the last reason.
    """
    try:
        return services.scenario_upload_run(upload_id=uuid.UUID(upload_id))
    except ScenarioTransientError as exc:
        if self.request.retries >= settings.AIMG_SCENARIO_TASK_RETRIES:
            services.scenario_upload_fail(
                upload_id=uuid.UUID(upload_id),
                message=f"Scenario kept failing; gave up after {self.request.retries + 1} attempts: {exc.message}",
            )
            return "failed"
        raise self.retry(
            countdown=retry_countdown(retries=self.request.retries, retry_after=exc.retry_after)
        ) from exc
