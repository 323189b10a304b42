"""Input and output shapes of the report endpoints (names are unique in the schema).

Statuses are plain strings checked by the fields (an enum per field name would
collide in the schema: ``reportStatus`` has four values in ItemReport and two in
closeReports).
"""

from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from aimg_site.api.fields import BoolParam, CommaListField, UUIDListField
from aimg_site.api.pagination import PaginationQuery
from moderation.models import ReportStatus

from .services import MAX_INFORMATION_LENGTH, MAX_REPORT_IDS, MAX_REPORT_ITEMS

CLOSING_STATUSES = (ReportStatus.ACCEPTED.value, ReportStatus.DECLINED.value)
ALL_STATUSES = tuple(status.value for status in ReportStatus)


class _Choice(serializers.CharField):
    """A string that must be one of ``choices`` (the message lists them)."""

    def __init__(self, *, choices: tuple[str, ...], **kwargs):
        self.choices_allowed = choices
        kwargs.setdefault("help_text", ", ".join(choices) + ".")
        super().__init__(max_length=max(len(c) for c in choices), **kwargs)

    def to_internal_value(self, data):
        value = super().to_internal_value(data)
        if value not in self.choices_allowed:
            raise serializers.ValidationError(f"must be one of: {', '.join(self.choices_allowed)}")
        return value


class ReportStatusListField(CommaListField):
    """Comma-separated report statuses."""

    item_pattern = "(?:" + "|".join(ALL_STATUSES) + ")"
    item_max_length = max(len(status) for status in ALL_STATUSES)

    def to_internal_value(self, data):
        items = super().to_internal_value(data)
        unknown = [item for item in items if item not in ALL_STATUSES]
        if unknown:
            raise serializers.ValidationError(
                f"holds an unknown status '{unknown[0][:40]}' (possible: {', '.join(ALL_STATUSES)})"
            )
        return list(dict.fromkeys(items))


@extend_schema_field({"type": "string", "format": "date-time", "maxLength": 40})
class DateTimeParam(serializers.DateTimeField):
    """An ISO 8601 date and time (a date alone is its midnight); at most 40 characters."""

    def to_internal_value(self, value):
        if isinstance(value, str) and len(value) > 40:
            raise serializers.ValidationError("must be an ISO 8601 date of at most 40 characters")
        return super().to_internal_value(value)


class QueueNameListField(CommaListField):
    """Comma-separated report queue names (see getReportQueues)."""

    item_max_length = 64


# ---------------------------------------------------------------- reportItems


class ReportItemsInput(serializers.Serializer):
    """reportItems body."""

    itemIds = UUIDListField(
        max_items=MAX_REPORT_ITEMS, allow_empty=False, help_text=f"At most {MAX_REPORT_ITEMS} item ids."
    )
    reportQueue = serializers.CharField(
        required=False, max_length=64, help_text="A user queue of getReportQueues; default 'Not Specified'."
    )
    additionalInformation = serializers.CharField(
        required=False, allow_blank=True, max_length=MAX_INFORMATION_LENGTH, trim_whitespace=True
    )


class ReportOutcomeOutput(serializers.Serializer):
    """One item's outcome of reportItems."""

    id = serializers.CharField(help_text="The item's id.")
    reportId = serializers.CharField(allow_null=True, help_text="The new report's id, or null.")
    success = serializers.BooleanField()
    message = serializers.CharField(required=False, help_text="Why the item was not reported.")


# ---------------------------------------------------------------- getReports


class GetReportsQuery(PaginationQuery):
    """getReports query (newest first; the Annex's pagination by the reported date)."""

    reportIds = UUIDListField(max_items=MAX_REPORT_IDS, required=False)
    reportStatus = ReportStatusListField(max_items=len(ALL_STATUSES) * 2, required=False)
    reportQueues = QueueNameListField(max_items=20, required=False)
    createdAfter = DateTimeParam(required=False, help_text="ISO 8601, inclusive.")
    createdBefore = DateTimeParam(required=False, help_text="ISO 8601, inclusive.")
    authorId = serializers.UUIDField(required=False, help_text="The reported items' author.")

    def validate(self, attrs):
        after, before = attrs.get("createdAfter"), attrs.get("createdBefore")
        if after is not None and before is not None and after > before:
            raise serializers.ValidationError({"createdAfter": "must not be later than createdBefore"})
        return attrs


class ItemReportItemMetadataOutput(serializers.Serializer):
    """ItemReport.itemMetadata."""

    rawPositivePrompt = serializers.CharField(required=False)
    filteredPositivePrompt = serializers.CharField(required=False)
    rawNegativePrompt = serializers.CharField(required=False)
    filteredNegativePrompt = serializers.CharField(required=False)
    workflowUsed = serializers.CharField(required=False)
    modelId = serializers.CharField(required=False)
    url = serializers.CharField(required=False)


class ItemReportAuthorMetadataOutput(serializers.Serializer):
    """ItemReport.authorMetadata."""

    userId = serializers.CharField(required=False)
    userEmail = serializers.CharField(required=False)
    username = serializers.CharField(required=False)
    flaggedItemsCount = serializers.IntegerField(required=False)
    abuse = serializers.IntegerField(required=False)
    isDisabled = serializers.BooleanField(required=False)


class ItemReportOutput(serializers.Serializer):
    """ItemReport."""

    itemId = serializers.CharField()
    reporterId = serializers.CharField(required=False, help_text="Absent for system reports.")
    reportId = serializers.CharField()
    reportedDate = serializers.CharField()
    reportStatus = serializers.CharField(help_text=", ".join(ALL_STATUSES) + ".")
    reportQueues = serializers.ListField(child=serializers.CharField())
    reportAdditionalInformation = serializers.CharField(required=False)
    approvalAdditionalInformation = serializers.CharField(required=False)
    reportProcessedDate = serializers.CharField(required=False)
    approverId = serializers.CharField(required=False)
    downloadCount = serializers.IntegerField()
    downloadLastDate = serializers.CharField(required=False)
    itemMetadata = ItemReportItemMetadataOutput(required=False)
    authorMetadata = ItemReportAuthorMetadataOutput(required=False)


# ---------------------------------------------------------------- closeReports


class CloseReportsInput(serializers.Serializer):
    """closeReports body."""

    reportIds = UUIDListField(
        max_items=MAX_REPORT_IDS, allow_empty=False, help_text=f"At most {MAX_REPORT_IDS} report ids."
    )
    reportStatus = _Choice(choices=CLOSING_STATUSES)
    additionalInformation = serializers.CharField(
        required=False, allow_blank=True, max_length=MAX_INFORMATION_LENGTH
    )
    closeRelatedReports = BoolParam(
        required=False, help_text="Also close the other reports of the same items."
    )


class CloseOutcomeOutput(serializers.Serializer):
    """One report's outcome of closeReports."""

    id = serializers.CharField(help_text="The report's id.")
    success = serializers.BooleanField()
    message = serializers.CharField(required=False)


# ---------------------------------------------------------------- downloadReportsForEpoch


class DownloadReportsQuery(serializers.Serializer):
    """downloadReportsForEpoch query."""

    reportIds = UUIDListField(max_items=MAX_REPORT_IDS, allow_empty=False)
