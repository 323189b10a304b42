"""Moderation tables: report queues and item reports (the reference's ItemReport).

A report is filed on one item, in one queue: by a user (``reportItems``, in a
user-visible queue) or by the system (an automatic check, in a system queue,
with no reporter). It stays ``pending`` until an Admin or moderator closes it
(``accepted``: the item is deleted; ``declined``: nothing else changes), or
until it becomes moot and is closed ``automaticallyDeclined`` (its item was
deleted by another path; see ``moderation.reports.services``).
"""

from __future__ import annotations

import uuid
from typing import Any, ClassVar

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from accounts.models import User
from aimg_site.core.scoping import DomainScopedManager, DomainScopedModel
from library.models import Item


class QueueKind(models.TextChoices):
    """What files reports into a queue: users, or one of the automatic checks."""

    USER = "user", "User reports"
    PROMPT_FILTER = "prompt_filter", "System: prompt filter"
    HIGH_HEAT = "high_heat", "System: high heat"


#: The default number of open user reports on one item that files a high-heat report.
DEFAULT_HIGH_HEAT_THRESHOLD = 5


class ReportQueue(DomainScopedModel):
    """A report category of one domain (``reportQueue`` / ``reportQueues`` on the wire).

    User queues (``kind`` user) are the ones ``reportItems`` accepts and
    ``getReportQueues`` lists for everyone; system queues are filled by the
    automatic checks and listed for Admins only. Rows are seeded by a
    migration and by ``manage.py load_report_queues``, and editable in the
    console (``name`` is the wire value; the checks find their queue by
    ``kind``, so renaming one is safe). ``threshold`` is the high-heat queue's
    number of open user reports on one item that files a report into it.
    """

    name = models.CharField(max_length=64, help_text="The wire value, e.g. 'Not Specified'.")
    kind = models.CharField(max_length=20, choices=QueueKind.choices, default=QueueKind.USER)
    description = models.CharField(max_length=300, blank=True, default="")
    position = models.IntegerField(default=0, help_text="Listing order.")
    is_active = models.BooleanField(default=True, help_text="Inactive user queues refuse new reports.")
    threshold = models.PositiveIntegerField(
        null=True,
        blank=True,
        help_text="High-heat queue only: open user reports on one item that file a high-heat report.",
    )

    class Meta:
        ordering = ["position", "name"]
        constraints = [
            models.UniqueConstraint(fields=["domain", "name"], name="moderation_queue_name_unique"),
            # One queue per automatic check and domain: the checks look theirs up by kind.
            models.UniqueConstraint(
                fields=["domain", "kind"],
                condition=~Q(kind="user"),
                name="moderation_queue_one_per_check",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_system(self) -> bool:
        return self.kind != QueueKind.USER


class ReportStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    ACCEPTED = "accepted", "Accepted"
    DECLINED = "declined", "Declined"
    AUTOMATICALLY_DECLINED = "automaticallyDeclined", "Automatically declined"


PENDING = Q(status=ReportStatus.PENDING)


class ItemReport(DomainScopedModel):
    """One report of one item (``ItemReport``); ``reporter`` is empty for system reports.

    The partial unique constraints are what make "no second open report by
    the same user on the same item" (and one open system report per item and
    queue) hold under concurrent requests.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    item = models.ForeignKey(Item, on_delete=models.CASCADE, related_name="reports")
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    queue = models.ForeignKey(ReportQueue, on_delete=models.PROTECT, related_name="reports")
    status = models.CharField(max_length=24, choices=ReportStatus.choices, default=ReportStatus.PENDING)
    additional_information = models.TextField(blank=True, default="", help_text="The reporter's words.")
    approval_additional_information = models.TextField(
        blank=True, default="", help_text="The moderator's words on closing."
    )
    approver = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    processed_at = models.DateTimeField(null=True, blank=True)
    download_count = models.PositiveIntegerField(default=0)
    download_last_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    # Not columns: set on listed rows by ``moderation.reports.selectors.reports_with_details``.
    generation_job: Any
    author_flagged_count: int

    objects: ClassVar[DomainScopedManager] = DomainScopedManager()
    all_domains: ClassVar[models.Manager] = models.Manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["item", "reporter"],
                condition=Q(status="pending", reporter__isnull=False),
                name="moderation_one_open_report_per_user",
            ),
            models.UniqueConstraint(
                fields=["item", "queue"],
                condition=Q(status="pending", reporter__isnull=True),
                name="moderation_one_open_system_report",
            ),
        ]
        indexes = [
            # getReports newest first, and its status / queue filters
            models.Index(fields=["domain", "created_at", "id"], name="moderation_report_created_idx"),
            models.Index(
                fields=["domain", "status", "created_at", "id"], name="moderation_report_status_idx"
            ),
            # reports of an item (related reports, moot reports, counts)
            models.Index(fields=["item", "status"], name="moderation_report_item_idx"),
        ]

    def __str__(self) -> str:
        return f"report {self.id} of {self.item_id} ({self.status})"

    @property
    def is_open(self) -> bool:
        return self.status == ReportStatus.PENDING


# ---------------------------------------------------------------- console views (proxies)
# The moderators' console shows the library's items and the accounts' users through these
# proxies, so that its pages (and their permissions) belong to moderation; no table of their own.


class PendingItem(Item):
    """An item waiting for approval (the console's approval queue)."""

    class Meta:
        proxy = True
        verbose_name = "item waiting for approval"
        verbose_name_plural = "approval queue"


class ApprovedItem(Item):
    """An approved item (the console's list where an approval can be taken back)."""

    class Meta:
        proxy = True
        verbose_name = "approved item"
        verbose_name_plural = "approved items"


class ModeratedUser(User):
    """A user as moderators see and restrict them (abuse level, profile-picture ban)."""

    class Meta:
        proxy = True
        verbose_name = "user (moderation)"
        verbose_name_plural = "users (moderation)"
