"""Reads of report queues (the bound domain's)."""

from __future__ import annotations

from django.db.models import QuerySet

from aimg_site.api.exceptions import InvalidParameter
from moderation.models import QueueKind, ReportQueue


def report_queues_listed(*, include_system: bool) -> QuerySet[ReportQueue]:
    """``getReportQueues``: the active user queues; for Admins every queue (system ones, and user
    queues no longer open to new reports, whose old reports ``getReports`` may still filter by)."""
    queues = ReportQueue.objects.order_by("position", "name")
    if include_system:
        return queues
    return queues.filter(kind=QueueKind.USER, is_active=True)


def report_queue_user_get(*, name: str, parameter: str = "reportQueue") -> ReportQueue:
    """The active user queue called ``name`` (case-insensitive); a 400 naming it otherwise."""
    queue = ReportQueue.objects.filter(name__iexact=name.strip(), kind=QueueKind.USER, is_active=True).first()
    if queue is None:
        raise InvalidParameter(
            parameter, f"'{name[:64]}' is not a report queue users can report into (see getReportQueues)"
        )
    return queue


def report_queues_named(*, names: list[str], parameter: str = "reportQueues") -> list[ReportQueue]:
    """The queues (user or system, active or not) called ``names``; a 400 naming any unknown one."""
    wanted = {name.strip().lower(): name for name in names}
    found = [queue for queue in ReportQueue.objects.all() if queue.name.lower() in wanted]
    missing = sorted(set(wanted) - {queue.name.lower() for queue in found})
    if missing:
        raise InvalidParameter(
            parameter, f"holds unknown report queues: {', '.join(wanted[m][:64] for m in missing)}"
        )
    return found
