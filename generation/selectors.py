"""Reads of the generation app: the catalog, sample prompts, queue lengths (bound domain)."""

from __future__ import annotations

import random

from django.db.models import Count, Q, QuerySet

from aimg_site.api.exceptions import NotFound
from library.items.media import item_url

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


def job_for_item(*, item_id, user) -> GenerationJob:
    """The generation job of ``user``'s item ``item_id``; anyone else's (or none) is a 404."""
    job = (
        GenerationJob.objects.select_related("item", "item__folder")
        .filter(item_id=item_id, user_id=getattr(user, "pk", None))
        .first()
    )
    if user is None or job is None:
        raise NotFound("Item not found.")
    return job


def queue_position(*, job: GenerationJob) -> int | None:
    """1-based place of a queued job among the model's queued jobs: Pro before free, then oldest first.

    ``None`` for a job that is not queued.
    """
    if job.status != JobStatus.QUEUED:
        return None
    ahead = GenerationJob.objects.filter(model_id=job.model_id, status=JobStatus.QUEUED).filter(
        Q(priority__gt=job.priority) | Q(priority=job.priority, queued_at__lt=job.queued_at)
    )
    return ahead.count() + 1


def generation_status(*, job: GenerationJob, request=None) -> dict:
    """The GenerationStatus of ``job`` (``url`` once completed, ``queuePosition`` while queued)."""
    item = job.item
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
    position = queue_position(job=job)
    if position is not None:
        data["queuePosition"] = position
    return data
