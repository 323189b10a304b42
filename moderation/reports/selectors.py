"""Reads of reports (the bound domain's): the filtered listing and the ItemReport payloads."""

from __future__ import annotations

import datetime as dt
import uuid

from django.db.models import QuerySet

from generation.models import GenerationJob
from library.items.media import media_url_builder
from moderation.checks.selectors import users_flagged_counts
from moderation.models import ItemReport, ReportQueue


def reports_filtered(
    *,
    report_ids: list[uuid.UUID] | None = None,
    statuses: list[str] | None = None,
    queues: list[ReportQueue] | None = None,
    created_after: dt.datetime | None = None,
    created_before: dt.datetime | None = None,
    author_id: uuid.UUID | None = None,
) -> QuerySet[ItemReport]:
    """``getReports``' filters (each optional; the dates inclusive); the caller orders and pages."""
    qs = ItemReport.objects.all()
    if report_ids:
        qs = qs.filter(pk__in=report_ids)
    if statuses:
        qs = qs.filter(status__in=statuses)
    if queues:
        qs = qs.filter(queue__in=queues)
    if created_after is not None:
        qs = qs.filter(created_at__gte=created_after)
    if created_before is not None:
        qs = qs.filter(created_at__lte=created_before)
    if author_id is not None:
        qs = qs.filter(item__owner_id=author_id)
    return qs


def reports_with_details(reports: list[ItemReport]) -> list[ItemReport]:
    """Load what ``ItemReport`` payloads show for ``reports`` (a page): a fixed number of queries."""
    if not reports:
        return reports
    ids = [report.pk for report in reports]
    full = {
        report.pk: report
        for report in ItemReport.objects.select_related("item", "item__owner", "queue").filter(pk__in=ids)
    }
    reports = [full[report_id] for report_id in ids if report_id in full]
    item_ids = {report.item_id for report in reports}
    jobs: dict = {}
    for job in (
        GenerationJob.all_domains.filter(items__in=item_ids)
        .prefetch_related("items")
        .only("id", "raw_prompt", "prompt", "raw_negprompt", "negprompt")
    ):
        for item in job.items.all():
            if item.pk in item_ids:
                jobs[item.pk] = job
    flagged = users_flagged_counts(user_ids={report.item.owner_id for report in reports})
    for report in reports:
        report.generation_job = jobs.get(report.item_id)
        report.author_flagged_count = flagged.get(report.item.owner_id, 0)
    return reports


def _iso(value: dt.datetime | None) -> str | None:
    if value is None:
        return None
    return value.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")


def report_payload(report: ItemReport, *, request=None, url_builder=None) -> dict:
    """The reference's ItemReport for ``report`` (decorated by ``reports_with_details``).

    Optional values that are unknown are left out. Without a generation job
    (an uploaded item), the raw and filtered prompts are both the item's.
    """
    item = report.item
    author = item.owner
    build = url_builder or media_url_builder(request)
    job = getattr(report, "generation_job", None)
    raw_positive = job.raw_prompt if job is not None else item.prompt
    filtered_positive = job.prompt if job is not None else item.prompt
    raw_negative = job.raw_negprompt if job is not None else item.negprompt
    filtered_negative = job.negprompt if job is not None else item.negprompt
    item_metadata = {
        "rawPositivePrompt": raw_positive,
        "filteredPositivePrompt": filtered_positive,
        "rawNegativePrompt": raw_negative,
        "filteredNegativePrompt": filtered_negative,
        "workflowUsed": item.workflow_template_name or None,
        "modelId": item.model_id or None,
        "url": build(item) if item.media else None,
    }
    author_metadata = {
        "userId": str(author.pk),
        "userEmail": author.email or "",
        "username": author.username,
        "flaggedItemsCount": getattr(report, "author_flagged_count", 0),
        "abuse": author.abuse_level,
        "isDisabled": author.is_disabled,
    }
    payload = {
        "itemId": str(report.item_id),
        "reporterId": str(report.reporter_id) if report.reporter_id else None,
        "reportId": str(report.pk),
        "reportedDate": _iso(report.created_at),
        "reportStatus": report.status,
        "reportQueues": [report.queue.name],
        "reportAdditionalInformation": report.additional_information or None,
        "approvalAdditionalInformation": report.approval_additional_information or None,
        "reportProcessedDate": _iso(report.processed_at),
        "approverId": str(report.approver_id) if report.approver_id else None,
        "downloadCount": report.download_count,
        "downloadLastDate": _iso(report.download_last_at),
        "itemMetadata": {k: v for k, v in item_metadata.items() if v is not None},
        "authorMetadata": author_metadata,
    }
    return {k: v for k, v in payload.items() if v is not None}


def reports_for_export(*, report_ids: list[uuid.UUID]) -> list[ItemReport]:
    """The reports ``report_ids`` (decorated), oldest first, for the CSV."""
    rows = list(ItemReport.objects.filter(pk__in=report_ids).order_by("created_at", "pk"))
    return reports_with_details(rows)
