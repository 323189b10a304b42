"""The moderators' console (``/console/``): approvals, reports, queues and users to restrict.

For staff with the ``moderator`` or ``admin`` role (and superusers). Pages:

* **Approval queue** (``PendingItem``): live items whose approval is pending, with
  thumbnails large enough to judge; bulk approve and bulk reject.
* **Approved items** (``ApprovedItem``): where an approval is taken back (reject).
* **Reports** (``ItemReport``): filtered by status (pending by default) and queue;
  accept or decline, with or without the related reports; CSV export (counts a download,
  as ``downloadReportsForEpoch`` does).
* **Report queues**: the categories (moderators look; Admins edit, e.g. the high-heat threshold).
* **Users (moderation)**: abuse level and profile-picture ban.

Every action goes through the same services as the API
(``library.items.services.items_set_approval``, ``moderation.reports.services``,
``accounts.users.services``) and is written to the audit log (``console:<action>``).
Nothing here deletes rows, and moderators reach no billing page, admin key or
audit-log deletion (those admins are not theirs: ``accounts.admin``).
"""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ActionForm
from django.db.models import Count, Q
from django.http import HttpResponse
from django.urls import reverse
from django.utils.html import format_html

from accounts.admin import RoleAccessMixin
from accounts.models import User
from accounts.users.services import user_set_abuse_level, user_set_profile_picture_banned
from aimg_site.core.services import audit_log_record
from library.items.media import item_media_is_public, item_url, signed_query, storage_is_local
from library.items.services import items_set_approval
from library.models import ApprovalStatus

from .checks.selectors import user_flag_counts
from .models import ApprovedItem, ItemReport, ModeratedUser, PendingItem, ReportQueue, ReportStatus
from .reports import services as report_services
from .reports.epoch_csv import csv_filename, reports_csv
from .reports.selectors import reports_for_export

MODERATORS = frozenset({User.Role.ADMIN, User.Role.MODERATOR})
THUMBNAIL_PX = 320


def _media_src(item) -> str:
    """Where the console's browser fetches an item's media: this site's media route (a relative
    URL, so it works whatever host serves the console), or the storage's own URL (S3)."""
    if storage_is_local():
        # Items under review are not publicly visible: their media URLs are signed (issue 13).
        url = reverse("library-media", kwargs={"name": item.media.name})
        return url if item_media_is_public(item) else url + signed_query(item.media.name)
    return item_url(item)


def _thumbnail(item, size: int = THUMBNAIL_PX):
    if item is None or not item.media:
        return "-"
    url = _media_src(item)
    if item.mtype == "video":
        return format_html(
            '<video src="{}" style="width:{}px;height:{}px;object-fit:contain" controls muted preload="metadata"></video>',
            url,
            size,
            size,
        )
    return format_html(
        '<a href="{}" target="_blank" rel="noopener"><img class="moderation-thumb" src="{}" alt="item {}" '
        'style="width:{}px;height:{}px;object-fit:contain"></a>',
        url,
        url,
        item.pk,
        size,
        size,
    )


class _ModeratorAccess(RoleAccessMixin):
    """Moderators and Admins look and act; nobody deletes; nothing is added by hand."""

    view_roles = MODERATORS
    change_roles = MODERATORS

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class NoteActionForm(ActionForm):
    """The action bar with a note recorded with report closures (``additionalInformation``)."""

    note = forms.CharField(
        required=False,
        max_length=report_services.MAX_INFORMATION_LENGTH,
        label="Note",
        widget=forms.TextInput(attrs={"size": 40, "placeholder": "Note recorded with the decision"}),
    )


# ---------------------------------------------------------------- approvals


class _ItemDecisionAdmin(_ModeratorAccess, admin.ModelAdmin):
    status: str = ""
    list_display = ("thumbnail", "id_link", "owner", "mtype", "model_id", "prompt_text", "completed_at")
    list_display_links = None
    list_select_related = ("owner",)
    list_per_page = 24
    search_fields = ("=id", "owner__email", "=owner__id", "prompt")
    ordering = ("-completed_at", "-id")
    show_full_result_count = False
    fields = (
        "preview",
        "id",
        "owner",
        "mtype",
        "model_id",
        "prompt",
        "negprompt",
        "public_approval_status",
        "is_public",
        "folder",
        "completed_at",
    )
    readonly_fields = fields

    def get_queryset(self, request):
        return (
            super().get_queryset(request).filter(deleted_at__isnull=True, public_approval_status=self.status)
        )

    def has_change_permission(self, request, obj=None):
        # The form is read-only: decisions are the actions of the list.
        if obj is not None:
            return False
        return super().has_change_permission(request, obj)

    @admin.display(description="Item")
    def thumbnail(self, obj):
        return _thumbnail(obj)

    @admin.display(description="Preview")
    def preview(self, obj):
        return _thumbnail(obj, size=768)

    @admin.display(description="Id")
    def id_link(self, obj):
        return format_html('<a href="{}/change/">{}</a>', obj.pk, obj.pk)

    @admin.display(description="Prompt")
    def prompt_text(self, obj):
        text = obj.prompt or ""
        return text if len(text) <= 200 else text[:200] + "…"

    def _decide(self, request, queryset, status: str) -> None:
        ids = list(queryset.values_list("pk", flat=True))
        results = items_set_approval(item_ids=ids, status=status)
        done = [result.id for result in results if result.success]
        audit_log_record(
            request=request,
            action="console:setPublicApprovalStatus",
            target_type="Item",
            target_id=done[0] if len(done) == 1 else "",
            actor=request.user,
            details={"status": status, "imageIDs": done},
        )
        verb = "Approved" if status == ApprovalStatus.APPROVED else "Rejected"
        self.message_user(request, f"{verb} {len(done)} item(s).", messages.SUCCESS)
        failed = [result for result in results if not result.success]
        if failed:
            self.message_user(request, f"{len(failed)} item(s) could not change.", messages.WARNING)


@admin.register(PendingItem)
class PendingItemAdmin(_ItemDecisionAdmin):
    """Items waiting for approval, oldest submission last; approve or reject them in bulk."""

    status = ApprovalStatus.PENDING
    actions = ("approve_items", "reject_items")

    @admin.action(description="Approve the selected items (they become public)", permissions=["change"])
    def approve_items(self, request, queryset):
        self._decide(request, queryset, ApprovalStatus.APPROVED)

    @admin.action(description="Reject the selected items", permissions=["change"])
    def reject_items(self, request, queryset):
        self._decide(request, queryset, ApprovalStatus.REJECTED)


@admin.register(ApprovedItem)
class ApprovedItemAdmin(_ItemDecisionAdmin):
    """Approved items; rejecting one makes it private again ("Rejecting an Item after Approval")."""

    status = ApprovalStatus.APPROVED
    actions = ("reject_items",)

    @admin.action(description="Reject the selected items (they become private)", permissions=["change"])
    def reject_items(self, request, queryset):
        self._decide(request, queryset, ApprovalStatus.REJECTED)


# ---------------------------------------------------------------- reports


class ReportStatusFilter(admin.SimpleListFilter):
    """Report status, pending unless another is chosen."""

    title = "status"
    parameter_name = "status"

    def lookups(self, request, model_admin):
        return [*ReportStatus.choices, ("all", "All")]

    def choices(self, changelist):
        value = self.value() or ReportStatus.PENDING
        for lookup, title in self.lookup_choices:
            yield {
                "selected": value == lookup,
                "query_string": changelist.get_query_string({self.parameter_name: lookup}),
                "display": title,
            }

    def queryset(self, request, queryset):
        value = self.value() or ReportStatus.PENDING
        if value == "all":
            return queryset
        return queryset.filter(status=value)


class ReportQueueFilter(admin.SimpleListFilter):
    title = "queue"
    parameter_name = "queue"

    def lookups(self, request, model_admin):
        return [(str(queue.pk), queue.name) for queue in ReportQueue.objects.order_by("position", "name")]

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(queue_id=self.value())
        return queryset


@admin.register(ItemReport)
class ItemReportAdmin(_ModeratorAccess, admin.ModelAdmin):
    """Reports, pending ones first by default; accept (deletes the items) or decline them."""

    action_form = NoteActionForm
    list_display = (
        "thumbnail",
        "report_link",
        "queue",
        "status",
        "item_reports",
        "author",
        "reporter",
        "created_at",
        "reason",
    )
    list_display_links = None
    list_filter = (ReportStatusFilter, ReportQueueFilter)
    list_select_related = ("item", "item__owner", "queue", "reporter")
    list_per_page = 25
    search_fields = ("=id", "=item__id", "item__owner__email", "additional_information")
    ordering = ("-created_at", "-id")
    show_full_result_count = False
    actions = (
        "accept_with_related",
        "accept_only",
        "decline_with_related",
        "decline_only",
        "export_csv",
    )
    fields = (
        "preview",
        "id",
        "item",
        "queue",
        "status",
        "reporter",
        "additional_information",
        "created_at",
        "approver",
        "processed_at",
        "approval_additional_information",
        "download_count",
        "download_last_at",
    )
    readonly_fields = fields

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(
                open_on_item=Count("item__reports", filter=Q(item__reports__status=ReportStatus.PENDING))
            )
        )

    def has_change_permission(self, request, obj=None):
        if obj is not None:
            return False  # read-only form: decisions are the list's actions
        return super().has_change_permission(request, obj)

    @admin.display(description="Item")
    def thumbnail(self, obj):
        return _thumbnail(obj.item, size=240)

    @admin.display(description="Preview")
    def preview(self, obj):
        return _thumbnail(obj.item, size=768)

    @admin.display(description="Report")
    def report_link(self, obj):
        return format_html('<a href="{}/change/">{}</a>', obj.pk, obj.pk)

    @admin.display(description="Open reports on the item")
    def item_reports(self, obj):
        return getattr(obj, "open_on_item", 0)

    @admin.display(description="Author")
    def author(self, obj):
        return obj.item.owner

    @admin.display(description="Reason")
    def reason(self, obj):
        text = obj.additional_information or ""
        return text if len(text) <= 200 else text[:200] + "…"

    def _close(self, request, queryset, status: str, related: bool) -> None:
        note = (request.POST.get("note") or "").strip()[: report_services.MAX_INFORMATION_LENGTH]
        ids = list(queryset.order_by("created_at", "pk").values_list("pk", flat=True))
        results = report_services.reports_close(
            report_ids=ids,
            status=status,
            approver=request.user,
            additional_information=note,
            close_related=related,
        )
        done = [result.id for result in results if result.success]
        audit_log_record(
            request=request,
            action="console:closeReports",
            target_type="ItemReport",
            target_id=done[0] if len(done) == 1 else "",
            actor=request.user,
            details={"status": status, "closeRelatedReports": related, "reportIds": done},
        )
        verb = "Accepted" if status == ReportStatus.ACCEPTED else "Declined"
        self.message_user(request, f"{verb} {len(done)} report(s).", messages.SUCCESS)
        failed = [result for result in results if not result.success]
        if failed:
            self.message_user(
                request,
                f"{len(failed)} report(s) not closed: {failed[0].message}",
                messages.WARNING,
            )

    @admin.action(description="Accept the selected reports and their related reports", permissions=["change"])
    def accept_with_related(self, request, queryset):
        self._close(request, queryset, ReportStatus.ACCEPTED, related=True)

    @admin.action(description="Accept the selected reports only", permissions=["change"])
    def accept_only(self, request, queryset):
        self._close(request, queryset, ReportStatus.ACCEPTED, related=False)

    @admin.action(
        description="Decline the selected reports and their related reports", permissions=["change"]
    )
    def decline_with_related(self, request, queryset):
        self._close(request, queryset, ReportStatus.DECLINED, related=True)

    @admin.action(description="Decline the selected reports only", permissions=["change"])
    def decline_only(self, request, queryset):
        self._close(request, queryset, ReportStatus.DECLINED, related=False)

    @admin.action(description="Export the selected reports as CSV (for Epoch)", permissions=["view"])
    def export_csv(self, request, queryset):
        ids = report_services.reports_download(report_ids=list(queryset.values_list("pk", flat=True)))
        audit_log_record(
            request=request,
            action="console:downloadReportsForEpoch",
            target_type="ItemReport",
            actor=request.user,
            details={"reportIds": [str(report_id) for report_id in ids]},
        )
        response = HttpResponse(
            reports_csv(reports_for_export(report_ids=ids), request=request),
            content_type="text/csv; charset=utf-8",
        )
        response["Content-Disposition"] = f'attachment; filename="{csv_filename()}"'
        return response


@admin.register(ReportQueue)
class ReportQueueAdmin(RoleAccessMixin, admin.ModelAdmin):
    """Report categories: moderators look, Admins edit (names, order, the high-heat threshold)."""

    view_roles = MODERATORS
    list_display = ("name", "kind", "is_active", "position", "threshold", "description")
    list_filter = ("kind", "is_active")
    ordering = ("position", "name")
    readonly_fields = ("kind",)

    def get_fields(self, request, obj=None):
        return ("name", "kind", "description", "position", "is_active", "threshold")

    def has_add_permission(self, request):
        return False  # user queues come from load_report_queues; system queues are fixed

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        audit_log_record(
            request=request,
            action="console:change_report_queue",
            target=obj,
            actor=request.user,
            details={field: form.cleaned_data.get(field) for field in sorted(form.changed_data)},
        )


# ---------------------------------------------------------------- users


class ModeratedUserForm(forms.ModelForm):
    class Meta:
        model = ModeratedUser
        fields = ("abuse_level", "profile_picture_banned")


@admin.register(ModeratedUser)
class ModeratedUserAdmin(_ModeratorAccess, admin.ModelAdmin):
    """Abuse level and profile-picture ban of users, through the accounts services."""

    form = ModeratedUserForm
    list_display = ("email", "username", "abuse_level", "profile_picture_banned", "is_disabled", "created_at")
    list_filter = ("abuse_level", "profile_picture_banned", "is_disabled")
    search_fields = ("email", "username", "=id")
    ordering = ("-created_at",)
    show_full_result_count = False
    fields = (
        "id",
        "email",
        "username",
        "is_disabled",
        "flag_counts",
        "abuse_level",
        "profile_picture_banned",
        "created_at",
    )
    readonly_fields = ("id", "email", "username", "is_disabled", "flag_counts", "created_at")

    def get_queryset(self, request):
        return super().get_queryset(request).filter(is_guest=False)

    @admin.display(description="Flagged / high-heat items")
    def flag_counts(self, obj):
        counts = user_flag_counts(user=obj)
        return f"{counts['flaggedImagesCount']} flagged, {counts['highHeatImagesCount']} high heat"

    def save_model(self, request, obj, form, change):
        changed = {"abuse_level", "profile_picture_banned"} & set(form.changed_data)
        if "abuse_level" in changed:
            user_set_abuse_level(user=obj, level=form.cleaned_data["abuse_level"])
        if "profile_picture_banned" in changed:
            user_set_profile_picture_banned(user=obj, banned=form.cleaned_data["profile_picture_banned"])
        if changed:
            audit_log_record(
                request=request,
                action="console:moderate_user",
                target=obj,
                target_type="User",
                actor=request.user,
                details={field: form.cleaned_data.get(field) for field in sorted(changed)},
            )

    def save_related(self, request, form, formsets, change):
        return None
