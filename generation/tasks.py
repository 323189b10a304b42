"""Celery tasks of the generation engine: thin, they take a job id and call a service."""

from __future__ import annotations

import os
import socket
import uuid

from celery import shared_task

from . import services


def _worker_name() -> str:
    """This run's lease owner: host, process and a token unique to the run (a re-claim is a new owner)."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


@shared_task(name="generation.run_generation")
def run_generation(job_id: str) -> str:
    """Claim and run the job ``job_id``; a job already claimed, finished or deleted is skipped."""
    try:
        return services.job_run(job_id=uuid.UUID(job_id), worker=_worker_name())
    except services.GenerationJob.DoesNotExist:
        return "missing"


@shared_task(name="generation.reclaim_jobs")
def reclaim_jobs() -> int:
    """Beat: queue again the running jobs whose worker stopped renewing its lease."""
    return services.jobs_reclaim()
