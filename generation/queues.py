"""Generation queue names: one per model and priority class, Pro queues contain ``-p1-`` (the reference's convention)."""

from __future__ import annotations

from .models import PriorityClass

QUEUE_SUFFIX = "main"


def queue_name(*, model_name: str, priority: int) -> str:
    """``f222-p0-main`` for free jobs of ``f222``, ``f222-p1-main`` for Pro ones."""
    return f"{model_name}-p{int(priority)}-{QUEUE_SUFFIX}"


def model_queue_names(model_name: str) -> list[tuple[int, str]]:
    """The (priority, queue name) pairs of one model, Pro first."""
    return [
        (priority, queue_name(model_name=model_name, priority=priority))
        for priority in sorted(PriorityClass.values, reverse=True)
    ]
