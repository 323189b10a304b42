"""Writes of reports: filing (users and automatic checks), closing, moot reports, downloads.

Lock order, the same everywhere so that no two writers deadlock: folders, then
items (the library's order, ``library.items.services``), then reports, each in
id order. Filing locks the items reported; closing locks the items of the
reports (and their folders) before the reports; an item's deletion (any path of
the library) declines its pending reports while the library holds the items.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.db.models import Count, F
from django.utils import timezone

from aimg_site.api.exceptions import NotFound
from library.items.services import items_delete, items_lock_for_change
from library.models import ApprovalStatus, Item
from moderation.models import (
    DEFAULT_HIGH_HEAT_THRESHOLD,
    ItemReport,
    QueueKind,
    ReportQueue,
    ReportStatus,
)
from moderation.queues.services import report_queue_for_check

#: Most items one ``reportItems`` call may name, and longest ``additionalInformation``.
MAX_REPORT_ITEMS = 100
MAX_INFORMATION_LENGTH = 2000
#: Most reports one ``closeReports`` / ``downloadReportsForEpoch`` call may name.
MAX_REPORT_IDS = 1000

NOT_FOUND = "Item not found."
MOOT_MESSAGE = "Closed automatically: the item was deleted before the report was reviewed."


@dataclass
class ReportOutcome:
    """One item's result of ``reportItems``: ``{"id", "reportId", "success", "message"?}``."""

    id: str
    report_id: str | None
    success: bool
    message: str | None = None

    def as_dict(self) -> dict:
        data: dict = {"id": self.id, "reportId": self.report_id, "success": self.success}
        if self.message is not None:
            data["message"] = self.message
        return data


@dataclass
class CloseOutcome:
    """One report's result of ``closeReports``: ``{"id", "success", "message"?}``."""

    id: str
    success: bool
    message: str | None = None

    def as_dict(self) -> dict:
        data: dict = {"id": self.id, "success": self.success}
        if self.message is not None:
            data["message"] = self.message
        return data


# ---------------------------------------------------------------- filing


@transaction.atomic
def items_report(
    *, reporter, item_ids: list[uuid.UUID], queue: ReportQueue, additional_information: str = ""
) -> list[ReportOutcome]:
    """``reportItems``: one pending report per item ``reporter`` may see, in ``queue``.

    Refused per item (``success`` false, ``reportId`` null, a message): items the
    reporter cannot see ("not found": another user's private item looks like a
    missing one), protected items, approved items, and items the reporter already
    has an open report on (also when two requests race: the partial unique
    constraint settles it). Then the high-heat check runs on the items reported.
    """
    visible = set(Item.objects.visible_to(reporter).filter(pk__in=item_ids).values_list("pk", flat=True))
    locked = {
        item.pk: item
        for item in Item.objects.select_for_update()
        .filter(pk__in=visible, deleted_at__isnull=True)
        .order_by("pk")
    }
    already = set(
        ItemReport.objects.filter(
            item_id__in=list(locked), reporter_id=reporter.pk, status=ReportStatus.PENDING
        ).values_list("item_id", flat=True)
    )
    outcomes: list[ReportOutcome] = []
    reported: list[uuid.UUID] = []
    for item_id in item_ids:
        item = locked.get(item_id)
        if item is None:
            outcomes.append(ReportOutcome(str(item_id), None, False, NOT_FOUND))
        elif item.is_protected:
            outcomes.append(
                ReportOutcome(str(item_id), None, False, "The item is protected; contact an Admin.")
            )
        elif item.public_approval_status == ApprovalStatus.APPROVED:
            outcomes.append(
                ReportOutcome(
                    str(item_id), None, False, "The item is approved for public display; contact an Admin."
                )
            )
        elif item_id in already:
            outcomes.append(ReportOutcome(str(item_id), None, False, _ALREADY))
        else:
            try:
                with transaction.atomic():
                    report = ItemReport.objects.create(
                        item=item,
                        reporter_id=reporter.pk,
                        queue=queue,
                        additional_information=additional_information,
                    )
            except IntegrityError:
                outcomes.append(ReportOutcome(str(item_id), None, False, _ALREADY))
                continue
            reported.append(item_id)
            outcomes.append(ReportOutcome(str(item_id), str(report.pk), True))
    if reported:
        high_heat_check(item_ids=reported)
    return outcomes


_ALREADY = "You already reported this item and your report is still open."


def high_heat_check(*, item_ids: list[uuid.UUID]) -> list[uuid.UUID]:
    """File a high-heat system report on each item that has reached the high-heat queue's
    ``threshold`` of open user reports (one open high-heat report per item at most).

    The caller holds a transaction and the items' locks. Returns the items that got one.
    """
    from aimg_site.core.scoping import current_domain

    queue = report_queue_for_check(domain=current_domain(), kind=QueueKind.HIGH_HEAT)
    threshold = queue.threshold or DEFAULT_HIGH_HEAT_THRESHOLD
    counts = (
        ItemReport.objects.filter(item_id__in=item_ids, status=ReportStatus.PENDING, reporter__isnull=False)
        .values("item_id")
        .annotate(n=Count("id"))
        .filter(n__gte=threshold)
    )
    hot = {row["item_id"]: row["n"] for row in counts}
    if not hot:
        return []
    ItemReport.objects.bulk_create(
        [
            ItemReport(
                item_id=item_id,
                queue=queue,
                additional_information=f"{n} open user reports (threshold {threshold}).",
            )
            for item_id, n in hot.items()
        ],
        ignore_conflicts=True,
    )
    return list(hot)


def prompt_filter_report(*, domain, item_id, filtered_words: list[str]) -> None:
    """File a prompt-filter system report on ``item_id`` (its generation's prompt held
    ``filtered_words``). Runs in the caller's transaction; a second open one is not filed."""
    queue = report_queue_for_check(domain=domain, kind=QueueKind.PROMPT_FILTER)
    words = ", ".join(str(word) for word in filtered_words)
    ItemReport.all_domains.bulk_create(
        [
            ItemReport(
                domain=domain,
                item_id=item_id,
                queue=queue,
                additional_information=f"Filtered words in the prompt: {words}"[:MAX_INFORMATION_LENGTH],
            )
        ],
        ignore_conflicts=True,
    )


# ---------------------------------------------------------------- moot reports


def reports_decline_for_deleted_items(*, item_ids) -> int:
    """Close the pending reports of ``item_ids`` as ``automaticallyDeclined`` (the items were deleted).

    Called by the library's ``items_soft_deleted`` signal, inside the deleting
    transaction (items locked), so a report never stays pending on a deleted item.
    """
    return ItemReport.all_domains.filter(item_id__in=list(item_ids), status=ReportStatus.PENDING).update(
        status=ReportStatus.AUTOMATICALLY_DECLINED,
        processed_at=timezone.now(),
        approval_additional_information=MOOT_MESSAGE,
    )


# ---------------------------------------------------------------- closing


@transaction.atomic
def reports_close(
    *,
    report_ids: list[uuid.UUID],
    status: str,
    approver,
    additional_information: str = "",
    close_related: bool = False,
) -> list[CloseOutcome]:
    """``closeReports``: close each pending report ``accepted`` or ``declined``.

    ``accepted`` soft-deletes the reports' items (out of their folders, tags
    cleared; protected items are kept), which raises each author's flagged
    count once per item (``moderation.checks.selectors``); ``declined`` changes
    nothing else. ``close_related`` adds every other pending report of the same
    items. Approver, processed date and ``additional_information`` are recorded.
    A report already closed (also by a concurrent call: the rows are locked) or
    unknown is a per-report failure. A pending report of an accepted item that
    is not closed with it becomes ``automaticallyDeclined`` (its item is deleted).
    """
    if status not in (ReportStatus.ACCEPTED, ReportStatus.DECLINED):
        raise ValueError(status)
    requested = list(dict.fromkeys(report_ids))
    item_of = dict(ItemReport.objects.filter(pk__in=requested).values_list("pk", "item_id"))
    items_lock_for_change(item_ids=set(item_of.values()))
    ids = list(requested)
    if close_related and item_of:
        related = (
            ItemReport.objects.filter(item_id__in=set(item_of.values()), status=ReportStatus.PENDING)
            .exclude(pk__in=requested)
            .order_by("created_at", "pk")
            .values_list("pk", flat=True)
        )
        ids += list(related)
    locked = {
        report.pk: report
        for report in ItemReport.objects.select_for_update().filter(pk__in=ids).order_by("pk")
    }
    outcomes: list[CloseOutcome] = []
    closing: list[uuid.UUID] = []
    for report_id in ids:
        report = locked.get(report_id)
        if report is None:
            outcomes.append(CloseOutcome(str(report_id), False, "Report not found."))
        elif report.status != ReportStatus.PENDING:
            outcomes.append(
                CloseOutcome(str(report_id), False, f"The report is already closed ({report.status}).")
            )
        else:
            closing.append(report_id)
            outcomes.append(CloseOutcome(str(report_id), True))
    if closing:
        ItemReport.objects.filter(pk__in=closing, status=ReportStatus.PENDING).update(
            status=status,
            approver_id=getattr(approver, "pk", None),
            processed_at=timezone.now(),
            approval_additional_information=additional_information,
        )
        if status == ReportStatus.ACCEPTED:
            items = sorted({locked[report_id].item_id for report_id in closing})
            items_delete(actor=None, item_ids=items, as_admin=True)
    return outcomes


# ---------------------------------------------------------------- downloads


@transaction.atomic
def reports_download(*, report_ids: list[uuid.UUID]) -> list[uuid.UUID]:
    """Count one CSV download of each report (``downloadCount`` + 1, ``downloadLastDate`` now).

    One ``UPDATE ... SET download_count = download_count + 1``: concurrent
    downloads each count. Every id must be a report of the domain (``NotFound``
    naming the unknown ones otherwise, and nothing is counted).
    """
    wanted = list(dict.fromkeys(report_ids))
    found = set(ItemReport.objects.filter(pk__in=wanted).values_list("pk", flat=True))
    missing = [str(report_id) for report_id in wanted if report_id not in found]
    if missing:
        shown = ", ".join(missing[:5]) + (" …" if len(missing) > 5 else "")
        raise NotFound(f"Report not found: {shown}.")
    ItemReport.objects.filter(pk__in=wanted).update(
        download_count=F("download_count") + 1, download_last_at=timezone.now()
    )
    return wanted
