"""The report endpoints: reportItems (users), getReports, closeReports and
downloadReportsForEpoch (Admins). One view per documented endpoint."""

from __future__ import annotations

from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse

from aimg_site.api import ratelimit
from aimg_site.api.pagination import PageRequest, paginate
from aimg_site.api.schema import EnvelopeAutoSchema
from aimg_site.api.views import AdminPolicy, ApiView, Caller, Limit, LimitKey
from library.items.media import media_url_builder
from moderation.queues.defaults import DEFAULT_USER_QUEUE
from moderation.queues.selectors import report_queue_user_get, report_queues_named

from . import selectors, services
from .epoch_csv import csv_filename, reports_csv
from .serializers import (
    CloseOutcomeOutput,
    CloseReportsInput,
    DownloadReportsQuery,
    GetReportsQuery,
    ItemReportOutput,
    ReportItemsInput,
    ReportOutcomeOutput,
)

#: reportItems calls one user (or session) may make, and one client address, per hour.
REPORTS_PER_USER = "20/hour"
REPORTS_PER_ADDRESS = "60/hour"
ratelimit.register("report-items-user", REPORTS_PER_USER, "Too many reports from this account.")
ratelimit.register("report-items-address", REPORTS_PER_ADDRESS, "Too many reports from this address.")


class ReportItemsApi(ApiView):
    """Report items for review by the moderators, in a user-visible report queue (default
    'Not Specified'). No report is made on protected or approved items, on items the caller
    cannot see, or when the caller's own report of the item is still open: each item has its
    outcome."""

    operation_id = "reportItems"
    caller = Caller.USER_OR_GUEST
    body_serializer = ReportItemsInput
    output_serializer = ReportOutcomeOutput
    output_many = True
    rate_limits = (
        Limit("report-items-user", by=LimitKey.USER),
        Limit("report-items-address", by=LimitKey.ADDRESS),
    )
    tags = ("reports",)

    def post(self, request):
        data = self.input()
        queue = report_queue_user_get(name=data.get("reportQueue") or DEFAULT_USER_QUEUE)
        results = services.items_report(
            reporter=self.caller_user,
            item_ids=data["itemIds"],
            queue=queue,
            additional_information=data.get("additionalInformation") or "",
        )
        return self.respond([result.as_dict() for result in results])


class GetReportsApi(ApiView):
    """The reports matching every given filter (Admins), newest first, paged as the Annex says
    (``paginationIndex`` is the reported date in epoch milliseconds); ``totalCount`` counts
    every matching report."""

    operation_id = "getReports"
    admin_policy = AdminPolicy.REQUIRED
    query_serializer = GetReportsQuery
    output_serializer = ItemReportOutput
    paginated = True
    tags = ("reports",)

    def get(self, request):
        data = self.input()
        queues = report_queues_named(names=data["reportQueues"]) if data.get("reportQueues") else None
        qs = selectors.reports_filtered(
            report_ids=data.get("reportIds"),
            statuses=data.get("reportStatus"),
            queues=queues,
            created_after=data.get("createdAfter"),
            created_before=data.get("createdBefore"),
            author_id=data.get("authorId"),
        )
        page = paginate(qs, PageRequest.from_input(data), time_field="created_at", total_count=qs.count())
        reports = selectors.reports_with_details(page.rows)
        build = media_url_builder(request)
        payload = [selectors.report_payload(report, url_builder=build) for report in reports]
        return self.respond(payload, metadata=page.metadata)


class CloseReportsApi(ApiView):
    """Close reports (Admins): ``accepted`` deletes their items (out of their folders, tags
    cleared) and counts one flagged item for each author; ``declined`` changes nothing else.
    ``closeRelatedReports`` also closes every other pending report of the same items (they are
    listed in the answer). A report already closed is a failure in its outcome."""

    operation_id = "closeReports"
    audit_action = "closeReports"
    admin_policy = AdminPolicy.REQUIRED
    body_serializer = CloseReportsInput
    output_serializer = CloseOutcomeOutput
    output_many = True
    tags = ("reports",)

    def post(self, request):
        data = self.input()
        approver = self.identity.admin_key.user if self.identity.admin_key is not None else None
        results = services.reports_close(
            report_ids=data["reportIds"],
            status=data["reportStatus"],
            approver=approver,
            additional_information=data.get("additionalInformation") or "",
            close_related=bool(data.get("closeRelatedReports")),
        )
        self.audit(
            status=data["reportStatus"],
            closeRelatedReports=bool(data.get("closeRelatedReports")),
            reportIds=[result.id for result in results if result.success],
        )
        return self.respond([result.as_dict() for result in results])


class _CsvSchema(EnvelopeAutoSchema):
    """The 200 answer is a CSV attachment; errors stay JSON envelopes."""

    def get_response_serializers(self):
        responses = super().get_response_serializers()
        responses.pop(200, None)
        return {
            (200, "text/csv"): OpenApiResponse(
                OpenApiTypes.STR, description="The reports as CSV (see docs/decisions.md for the columns)."
            ),
            **responses,
        }


class DownloadReportsForEpochApi(ApiView):
    """The given reports as a CSV attachment for Epoch's compliance review (Admins); each
    download adds one to the reports' ``downloadCount`` and sets ``downloadLastDate``. Unknown
    report ids are a 404 (nothing is counted)."""

    operation_id = "downloadReportsForEpoch"
    audit_action = "downloadReportsForEpoch"
    admin_policy = AdminPolicy.REQUIRED
    query_serializer = DownloadReportsQuery
    schema = _CsvSchema()
    errors = (404,)
    tags = ("reports",)

    def get(self, request):
        data = self.input()
        ids = services.reports_download(report_ids=data["reportIds"])
        reports = selectors.reports_for_export(report_ids=ids)
        self.audit(reportIds=[str(report_id) for report_id in ids])
        response = HttpResponse(reports_csv(reports, request=request), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{csv_filename()}"'
        return response
