"""Reads of the generation app: the catalog, sample prompts, queue lengths (bound domain)."""

from __future__ import annotations

import datetime as dt
import random

from django.db import connection
from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from aimg_site.api.exceptions import NotFound
from library.items.media import item_url, media_url

from . import queues
from .models import GenerationJob, GenerationModel, JobStatus, SamplePrompt
from .queues import model_queue_names


def models_list(*, names: list[str] | None = None) -> QuerySet[GenerationModel]:
    """Active models in ``getModels`` order, optionally only those named (``modelIDs``)."""
    qs = GenerationModel.objects.filter(is_active=True).order_by("ordering", "name")
    if names:
        qs = qs.filter(name__in=names)
    return qs


def sample_prompts_list(*, random_one: bool = False) -> list[SamplePrompt]:
    """Active sample prompts in catalog order, or one picked at random (an empty list when there are none)."""
    qs = SamplePrompt.objects.filter(is_active=True).order_by("ordering", "id")
    if not random_one:
        return list(qs)
    ids = list(qs.values_list("pk", flat=True))
    if not ids:
        return []
    return [qs.get(pk=random.choice(ids))]


def queues_lengths(*, names: list[str] | None = None) -> list[dict]:
    """Every queue of the listed models (Pro first per model) with its number of queued jobs.

    One grouped query over the partial index of active jobs; queues with no
    job report 0.
    """
    models = list(models_list(names=names).values_list("pk", "name"))
    counts = {
        (row["model_id"], row["priority"]): row["n"]
        for row in GenerationJob.objects.filter(
            model_id__in=[pk for pk, _ in models], status=JobStatus.QUEUED
        )
        .values("model_id", "priority")
        .annotate(n=Count("pk"))
    }
    return [
        {"modelID": name, "queueID": queue, "queueLength": counts.get((pk, priority), 0)}
        for pk, name in models
        for priority, queue in model_queue_names(name)
    ]


def job_for_item(*, item_id, user, is_admin: bool = False) -> GenerationJob:
    """The generation job of ``user``'s item ``item_id`` (any user's for an Admin); else a 404.

    Ownership is the Item's, not the requester's: what a guest generated and
    took into the account it signed up to (or a migrated library) is the new
    owner's to follow and cancel. ``item_id`` may be the job's first item or
    any item of its batch (API2 workflow runs make several).
    """
    qs = GenerationJob.objects.select_related("item", "item__folder")
    if not is_admin:
        if user is None:
            raise NotFound("Item not found.")
        qs = qs.filter(item__owner_id=user.pk)
    job = qs.filter(item_id=item_id).first() or qs.filter(items__id=item_id).first()
    if job is None:
        raise NotFound("Item not found.")
    return job


def queue_order(*, model_id: int) -> QuerySet[GenerationJob]:
    """A model's claimable queued jobs in the order they start: Pro before free, then by turn, then age.

    A job's ``turn`` is fixed when it is queued (``services.next_turn``): one
    past the user's last active job of the class, and never before the
    queue's current head. So users take turns (round robin), a user's 50 jobs
    delay another user's single job by at most one turn, and the order does not
    change as jobs start (a user whose job just started does not go again
    before the others). Jobs waiting out a retry backoff are left out until
    their time. One index range (``generation_job_queue_idx``).
    """
    now = timezone.now()
    qs = GenerationJob.objects.filter(model_id=model_id, status=JobStatus.QUEUED).filter(
        Q(available_at__isnull=True) | Q(available_at__lte=now)
    )
    return qs.order_by("-priority", "turn", "queued_at", "id")


_POSITION_SQL = """
SELECT
  (SELECT count(*) FROM generation_generationjob
    WHERE model_id = %(model)s AND status = 'queued' AND priority > %(priority)s)
  +
  (SELECT count(*) FROM generation_generationjob
    WHERE model_id = %(model)s AND status = 'queued' AND priority = %(priority)s
      AND (turn, queued_at, id) < (%(turn)s, %(queued_at)s, %(id)s))
"""


def queue_position(*, job: GenerationJob) -> int | None:
    """1-based place of a queued job in the queue order (``None`` for a job that is not queued).

    From the queue-order index (``queues.index_position``: a Redis sorted set
    per model and class, one round trip whatever the queue's length) when
    there is one; else, or when the index is behind the rows, the SQL count
    (``sql_queue_position``), and the model's sets are rebuilt from the rows
    so that the next read is an index read again.
    """
    if job.status != JobStatus.QUEUED:
        return None
    if not queues.index_enabled():
        return sql_queue_position(job=job)
    entry = queues.QueueEntry(
        job_id=job.pk, model_id=job.model_id, priority=job.priority, turn=job.turn, queued_at=job.queued_at
    )
    position = queues.index_position(entry=entry)
    if position is not None:
        return position
    queues.index_rebuild(model_id=job.model_id)
    return sql_queue_position(job=job)


def sql_queue_position(*, job: GenerationJob) -> int | None:
    """The queue position counted over the rows: the reference the index must agree with.

    Two counts over the queue index (jobs of a higher class, and jobs of its
    class before it in (turn, queued_at, id) order), a row comparison
    PostgreSQL answers with one index range scan: it grows with the jobs
    ahead. (A model belongs to one domain.)
    """
    if job.status != JobStatus.QUEUED:
        return None
    if connection.vendor != "postgresql":
        same = GenerationJob.objects.filter(model_id=job.model_id, status=JobStatus.QUEUED)
        ahead = (
            same.filter(priority__gt=job.priority).count()
            + same.filter(priority=job.priority)
            .filter(
                Q(turn__lt=job.turn)
                | Q(turn=job.turn, queued_at__lt=job.queued_at)
                | Q(turn=job.turn, queued_at=job.queued_at, id__lt=job.id)
            )
            .count()
        )
        return ahead + 1
    with connection.cursor() as cursor:
        cursor.execute(
            _POSITION_SQL,
            {
                "model": job.model_id,
                "priority": job.priority,
                "turn": job.turn,
                "queued_at": job.queued_at,
                "id": job.id,
            },
        )
        (ahead,) = cursor.fetchone()
    return int(ahead) + 1


#: Completed runs of a model that the ETA averages over.
ETA_SAMPLE = 20
#: Seconds a run is assumed to take when the model has no completed run yet.
DEFAULT_RUN_SECONDS = 5.0


def model_run_seconds(*, model_id: int) -> float:
    """Mean duration of the model's recent completed runs (started → finished)."""
    rows = (
        GenerationJob.objects.filter(
            model_id=model_id, status=JobStatus.COMPLETED, started_at__isnull=False, finished_at__isnull=False
        )
        .order_by("-finished_at")
        .values_list("started_at", "finished_at")[:ETA_SAMPLE]
    )
    durations = [(end - start).total_seconds() for start, end in rows]
    return sum(durations) / len(durations) if durations else DEFAULT_RUN_SECONDS


def generation_status(*, job: GenerationJob, request=None, with_events: bool = False, item_id=None) -> dict:
    """The GenerationStatus of ``job`` (for its item ``item_id``; default its first item).

    ``url`` once completed; ``queuePosition`` and ``estimatedStartTime`` while
    queued (the ETA: one mean recent run of the model per job ahead);
    ``progress`` while running; ``events`` (the audit trail) for Admins.
    """
    item = job.item
    if item_id is not None and str(item_id) != str(job.item_id):
        item = job.items.select_related("folder").get(pk=item_id)
    data: dict = {
        "imageID": str(item.pk),
        "status": job.status,
        "ignoredWords": ", ".join(job.ignored_words),
        "mtype": item.mtype,
    }
    if item.folder_id is not None and item.folder is not None:
        data["folderID"] = item.folder.public_id
    if job.status == JobStatus.COMPLETED:
        data["url"] = item_url(item, request)
        if item.mtype == "video":
            count = len(job.frames)
            data["frames"] = [
                {"frameCount": count, "frameNumber": n, "frameUrl": media_url(name, request)}
                for n, name in enumerate(job.frames)
            ]
    position = queue_position(job=job)
    if position is not None:
        data["queuePosition"] = position
        seconds = (position - 1) * model_run_seconds(model_id=job.model_id)
        data["estimatedStartTime"] = (timezone.now() + dt.timedelta(seconds=seconds)).isoformat()
    if job.status == JobStatus.RUNNING and job.progress is not None:
        data["progress"] = job.progress
    if job.status == JobStatus.FAILED and job.error_message:
        data["errorMessage"] = job.error_message
    if with_events:
        data["events"] = [
            {"status": e.status, "attempt": e.attempt, "message": e.message, "time": e.created_at.isoformat()}
            for e in job.events.all()
        ]
    return data
