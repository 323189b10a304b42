"""The moderators' console (Django admin) through Django's test client: pages, actions, audit,
and what moderators cannot reach. The same flows in a real browser: test_console_browser.py."""

from __future__ import annotations

import pytest
from django.test import Client

from aimg_site.core.models import AuditLogEntry
from library.models import ApprovalStatus, Item
from moderation.models import ItemReport, ReportStatus
from tests.support.factories.accounts import UserFactory
from tests.support.factories.library import ItemFactory
from tests.support.factories.moderation import ReportFactory, queue


def console_for(user) -> Client:
    client = Client(HTTP_HOST="api.freejourney.ai")
    client.force_login(user)
    return client


@pytest.fixture
def moderator(make_user):
    return make_user("mod@example.com", is_staff=True, roles=["moderator"]).user


@pytest.fixture
def console(moderator):
    return console_for(moderator)


def act(console, path, action, ids, **extra):
    return console.post(
        path,
        {"action": action, "_selected_action": [str(i) for i in ids], "index": "0", **extra},
        follow=True,
    )


def test_the_index_shows_the_moderation_pages(console):
    page = console.get("/console/")
    assert page.status_code == 200
    for text in ("Approval queue", "Approved items", "Item reports", "Report queues", "Users (moderation)"):
        assert text in page.text


def test_the_approval_queue_lists_live_pending_items_with_large_thumbnails(console):
    pending = ItemFactory(public_approval_status=ApprovalStatus.PENDING)
    ItemFactory(public_approval_status=ApprovalStatus.PENDING, deleted=True)
    ItemFactory(public_approval_status=ApprovalStatus.NONE)
    page = console.get("/console/moderation/pendingitem/")
    assert page.status_code == 200
    assert page.text.count('class="moderation-thumb"') == 1
    assert f"/media/{pending.media.name}" in page.text and "width:320px;height:320px" in page.text


def test_bulk_approve_and_reject_go_through_the_service_and_the_audit_log(console):
    a, b, c = (ItemFactory(public_approval_status=ApprovalStatus.PENDING) for _ in range(3))
    page = act(console, "/console/moderation/pendingitem/", "approve_items", [a.pk, b.pk])
    assert "Approved 2 item(s)." in page.text
    act(console, "/console/moderation/pendingitem/", "reject_items", [c.pk])
    states = {i.pk: (i.public_approval_status, i.is_public) for i in Item.objects.all()}
    assert states[a.pk] == ("approved", True) and states[b.pk] == ("approved", True)
    assert states[c.pk] == ("rejected", False)
    entries = AuditLogEntry.objects.filter(action="console:setPublicApprovalStatus").order_by("created_at")
    assert [e.details["status"] for e in entries] == ["approved", "rejected"]
    assert entries[0].actor.email == "mod@example.com"


def test_an_approved_item_can_be_rejected_from_the_approved_list(console):
    item = ItemFactory(public=True)
    page = console.get("/console/moderation/approveditem/")
    assert str(item.pk) in page.text
    act(console, "/console/moderation/approveditem/", "reject_items", [item.pk])
    item.refresh_from_db()
    assert item.public_approval_status == "rejected" and item.is_public is False


def test_reports_are_filtered_pending_first_and_by_queue(console):
    pending = ReportFactory()
    declined = ReportFactory(status=ReportStatus.DECLINED)
    page = console.get("/console/moderation/itemreport/")
    assert str(pending.pk) in page.text and str(declined.pk) not in page.text
    page = console.get("/console/moderation/itemreport/", {"status": "declined"})
    assert str(declined.pk) in page.text and str(pending.pk) not in page.text
    spam = ReportFactory(queue=queue("Spam"))
    page = console.get("/console/moderation/itemreport/", {"queue": str(spam.queue_id)})
    assert str(spam.pk) in page.text and str(pending.pk) not in page.text


def test_accepting_with_related_reports_deletes_the_item_and_records_the_note(console, moderator):
    item = ItemFactory()
    target, related = ReportFactory(item=item), ReportFactory(item=item)
    page = act(console, "/console/moderation/itemreport/", "accept_with_related", [target.pk], note="abuse")
    assert "Accepted 2 report(s)." in page.text
    for report in (target, related):
        report.refresh_from_db()
        assert report.status == ReportStatus.ACCEPTED and report.approver_id == moderator.pk
        assert report.approval_additional_information == "abuse"
    assert Item.all_domains.get(pk=item.pk).deleted_at is not None
    entry = AuditLogEntry.objects.get(action="console:closeReports")
    assert entry.details["closeRelatedReports"] is True and len(entry.details["reportIds"]) == 2


def test_declining_only_the_selected_report_keeps_the_others_pending(console):
    item = ItemFactory()
    target, other = ReportFactory(item=item), ReportFactory(item=item)
    act(console, "/console/moderation/itemreport/", "decline_only", [target.pk])
    assert ItemReport.objects.get(pk=target.pk).status == ReportStatus.DECLINED
    assert ItemReport.objects.get(pk=other.pk).status == ReportStatus.PENDING
    assert Item.objects.get(pk=item.pk).deleted_at is None


def test_csv_export_counts_a_download(console):
    report = ReportFactory()
    response = console.post(
        "/console/moderation/itemreport/",
        {"action": "export_csv", "_selected_action": [str(report.pk)], "index": "0"},
    )
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    assert str(report.pk) in response.content.decode()
    assert ItemReport.objects.get(pk=report.pk).download_count == 1
    assert AuditLogEntry.objects.filter(action="console:downloadReportsForEpoch").count() == 1


def test_a_moderator_sets_abuse_level_and_profile_picture_ban_through_the_services(console):
    user = UserFactory(email="bad@example.com")
    page = console.get(f"/console/moderation/moderateduser/{user.pk}/change/")
    assert page.status_code == 200 and "0 flagged, 0 high heat" in page.text
    response = console.post(
        f"/console/moderation/moderateduser/{user.pk}/change/",
        {"abuse_level": "9", "profile_picture_banned": "on"},
    )
    assert response.status_code == 302, response.content[:2000]
    user.refresh_from_db()
    assert user.abuse_level == 9 and user.profile_picture_banned is True
    entry = AuditLogEntry.objects.get(action="console:moderate_user")
    assert entry.details == {"abuse_level": 9, "profile_picture_banned": True}


def test_a_moderator_cannot_reach_billing_admin_keys_or_delete_audit_entries(console, moderator):
    assert console.get("/console/billing/").status_code in (403, 404)
    assert console.get("/console/accounts/adminkey/").status_code == 403
    assert console.get("/console/generation/generationjob/").status_code == 403
    entry = AuditLogEntry.objects.create(action="x", actor=moderator)
    assert console.get(f"/console/core/auditlogentry/{entry.pk}/delete/").status_code == 403
    assert console.post(f"/console/core/auditlogentry/{entry.pk}/delete/", {"post": "yes"}).status_code == 403
    assert AuditLogEntry.objects.filter(pk=entry.pk).exists()
    report = ReportFactory()
    assert console.get(f"/console/moderation/itemreport/{report.pk}/delete/").status_code == 403
    page = console.get("/console/")
    assert "Admin keys" not in page.text and "Billing" not in page.text


def test_a_moderator_sees_report_queues_but_only_admins_edit_them(console, make_user):
    hot = queue("High Heat")
    assert console.get("/console/moderation/reportqueue/").status_code == 200
    console.post(
        f"/console/moderation/reportqueue/{hot.pk}/change/", {"name": "Hot", "position": 1, "threshold": 2}
    )
    hot.refresh_from_db()
    assert hot.name == "High Heat"
    admin_console = console_for(make_user("boss@example.com", is_staff=True, roles=["admin"]).user)
    response = admin_console.post(
        f"/console/moderation/reportqueue/{hot.pk}/change/",
        {"name": "High Heat", "description": "", "position": 10, "is_active": "on", "threshold": 2},
    )
    assert response.status_code == 302
    hot.refresh_from_db()
    assert hot.threshold == 2
    assert AuditLogEntry.objects.filter(action="console:change_report_queue").count() == 1


def test_users_without_a_role_and_non_staff_are_kept_out(make_user):
    plain_staff = console_for(make_user("staff@example.com", is_staff=True, roles=[]).user)
    assert plain_staff.get("/console/moderation/pendingitem/").status_code == 403
    user = console_for(make_user("user@example.com").user)
    assert user.get("/console/moderation/pendingitem/").status_code == 302  # to the login page
