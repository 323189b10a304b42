"""Reads of the generation app: the catalog, sample prompts, queue lengths (bound domain)."""

from __future__ import annotations

import random

from django.db.models import Count, QuerySet

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
