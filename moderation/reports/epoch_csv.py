"""The CSV of ``downloadReportsForEpoch`` (and of the console's export): one row per report.

Columns (documented in docs/decisions.md, "Moderation"): what a payment
processor's compliance review asks for — the report, the item (with a URL to
see it), its author, and the decision. Cells that a spreadsheet would run as a
formula (starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return)
get a leading ``'``: prompts are user text.
"""

from __future__ import annotations

import csv
import io

from .selectors import report_payload

COLUMNS = [
    "report_id",
    "reported_date",
    "report_status",
    "report_queue",
    "reporter_id",
    "report_additional_information",
    "item_id",
    "item_url",
    "item_type",
    "item_deleted",
    "model_id",
    "workflow_used",
    "raw_positive_prompt",
    "filtered_positive_prompt",
    "author_id",
    "author_email",
    "author_username",
    "author_flagged_items",
    "author_abuse_level",
    "author_disabled",
    "processed_date",
    "approver_id",
    "approval_additional_information",
    "download_count",
    "download_last_date",
]

_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    text = str(value)
    if text.startswith(_FORMULA_STARTS):
        return "'" + text
    return text


def reports_csv(reports, *, request=None) -> str:
    """The CSV text (header + one row per report, in the given order) of decorated reports."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for report in reports:
        payload = report_payload(report, request=request)
        item_meta = payload.get("itemMetadata", {})
        author = payload.get("authorMetadata", {})
        row = {
            "report_id": payload["reportId"],
            "reported_date": payload["reportedDate"],
            "report_status": payload["reportStatus"],
            "report_queue": ", ".join(payload["reportQueues"]),
            "reporter_id": payload.get("reporterId"),
            "report_additional_information": payload.get("reportAdditionalInformation"),
            "item_id": payload["itemId"],
            "item_url": item_meta.get("url"),
            "item_type": report.item.mtype,
            "item_deleted": report.item.deleted_at is not None,
            "model_id": item_meta.get("modelId"),
            "workflow_used": item_meta.get("workflowUsed"),
            "raw_positive_prompt": item_meta.get("rawPositivePrompt"),
            "filtered_positive_prompt": item_meta.get("filteredPositivePrompt"),
            "author_id": author.get("userId"),
            "author_email": author.get("userEmail"),
            "author_username": author.get("username"),
            "author_flagged_items": author.get("flaggedItemsCount"),
            "author_abuse_level": author.get("abuse"),
            "author_disabled": author.get("isDisabled"),
            "processed_date": payload.get("reportProcessedDate"),
            "approver_id": payload.get("approverId"),
            "approval_additional_information": payload.get("approvalAdditionalInformation"),
            "download_count": payload["downloadCount"],
            "download_last_date": payload.get("downloadLastDate"),
        }
        writer.writerow([_cell(row[column]) for column in COLUMNS])
    return out.getvalue()


def csv_filename(prefix: str = "reports-for-epoch") -> str:
    from django.utils import timezone

    return f"{prefix}-{timezone.now():%Y%m%d-%H%M%S}.csv"
