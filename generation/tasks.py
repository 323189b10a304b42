"""Celery tasks of the generation engine: thin, they take a job id and call a service."""

from __future__ import annotations

import os
import socket
import uuid

from celery import shared_task

from . import services


def _worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


@shared_task(name="generation.run_generation")
def run_generation(job_id: str) -> str:
    """Claim and run the job ``job_id``; a job already claimed, finished or deleted is skipped."""
    try:
        return services.job_run(job_id=uuid.UUID(job_id), worker=_worker_name())
    except services.GenerationJob.DoesNotExist:
        return "missing"
