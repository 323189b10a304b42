"""Reads of the generation app: the catalog, sample prompts, queue lengths (bound domain)."""

from __future__ import annotations

import datetime as dt
import random

from django.db.models import Count, F, Q, QuerySet, Window
from django.db.models.functions import RowNumber
from django.utils import timezone

from aimg_site.api.exceptions import NotFound
from library.items.media import item_url, media_url

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
    """The generation job of ``user``'s item ``item_id`` (any user's for an Admin); else a 404."""
    qs = GenerationJob.objects.select_related("item", "item__folder")
    if not is_admin:
        if user is None:
            raise NotFound("Item not found.")
        qs = qs.filter(user_id=user.pk)
    # the job's first item, else any item of its batch (API2 workflow runs make several)
    job = qs.filter(item_id=item_id).first() or qs.filter(items__id=item_id).first()
    if job is None:
        raise NotFound("Item not found.")
    return job


def _with_turns(qs: QuerySet[GenerationJob]) -> QuerySet[GenerationJob]:
    """Annotate ``turn``: a job's rank among its user's queued jobs of the same model and class (1 = first)."""
    return qs.annotate(
        turn=Window(
            RowNumber(),
            partition_by=[F("user_id"), F("model_id"), F("priority")],
            order_by=[F("queued_at").asc(), F("id").asc()],
        )
    )


def queue_order(*, model_id: int) -> QuerySet[GenerationJob]:
    """A model's queued jobs in the order they start: Pro before free, then fair turns between users.

    Jobs waiting out a retry backoff are left out until their time.
    Within a class, every user's first queued job comes before anyone's
    second, and so on (round robin); jobs of the same turn start oldest first.
    So one user's 50 jobs delay another user's single job by at most one turn.
    """
    now = timezone.now()
    qs = GenerationJob.objects.filter(model_id=model_id, status=JobStatus.QUEUED).filter(
        Q(available_at__isnull=True) | Q(available_at__lte=now)
    )
    return _with_turns(qs).order_by("-priority", "turn", "queued_at", "id")  # type: ignore[misc]


def queue_position(*, job: GenerationJob) -> int | None:
    """1-based place of a queued job in ``queue_order`` (``None`` for a job that is not queued)."""
    if job.status != JobStatus.QUEUED:
        return None
    same_class = GenerationJob.objects.filter(
        model_id=job.model_id, status=JobStatus.QUEUED, priority=job.priority
    )
    turn = (
        same_class.filter(user_id=job.user_id)
        .filter(Q(queued_at__lt=job.queued_at) | Q(queued_at=job.queued_at, id__lt=job.id))
        .count()
        + 1
    )
    higher = GenerationJob.objects.filter(
        model_id=job.model_id, status=JobStatus.QUEUED, priority__gt=job.priority
    ).count()
    ahead = (
        _with_turns(same_class)
        .filter(
            Q(turn__lt=turn)
            | Q(turn=turn, queued_at__lt=job.queued_at)
            | Q(turn=turn, queued_at=job.queued_at, id__lt=job.id)
        )
        .count()
    )
    return higher + ahead + 1


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
