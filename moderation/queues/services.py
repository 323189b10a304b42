"""Writes of report queues: seeding a domain with the default queues (idempotent)."""

from __future__ import annotations

from django.db import IntegrityError, transaction

from moderation.models import ReportQueue

from .defaults import DEFAULT_QUEUES


@transaction.atomic
def report_queues_load(*, domain) -> int:
    """Create the default queues ``domain`` lacks; existing rows (and console edits) are kept.

    Returns how many were created. Concurrent loads of one domain settle on the
    unique constraints (a queue created meanwhile is simply skipped).
    """
    created = 0
    for position, (name, kind, description, threshold) in enumerate(DEFAULT_QUEUES):
        exists = ReportQueue.all_domains.filter(domain=domain, name=name).exists()
        if not exists and kind != "user":
            exists = ReportQueue.all_domains.filter(domain=domain, kind=kind).exists()
        if exists:
            continue
        try:
            with transaction.atomic():
                ReportQueue.all_domains.create(
                    domain=domain,
                    name=name,
                    kind=kind,
                    description=description,
                    position=position,
                    threshold=threshold,
                )
        except IntegrityError:
            continue
        created += 1
    return created


def report_queue_for_check(*, domain, kind: str) -> ReportQueue:
    """The system queue of the automatic check ``kind`` in ``domain``, seeded when missing."""
    queue = ReportQueue.all_domains.filter(domain=domain, kind=kind).first()
    if queue is None:
        report_queues_load(domain=domain)
        queue = ReportQueue.all_domains.get(domain=domain, kind=kind)
    return queue
