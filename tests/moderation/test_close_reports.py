"""closeReports (Admins): accepted deletes the items, declined changes nothing else, related
reports, per-report failures, flagged counts, audit; moot reports are declined automatically."""

from __future__ import annotations

import uuid

import pytest

from library.items.services import items_delete
from library.models import Item, ItemTag, Tag
from moderation.checks.selectors import user_flag_counts
from moderation.models import ItemReport, ReportStatus
from tests.support.assertions import assert_envelope
from tests.support.factories.library import FolderFactory, ItemFactory
from tests.support.factories.moderation import ReportFactory, queue


def close(api, persona, reports, status, **body):
    return api.post(
        "/closeReports", persona=persona, reportIds=[str(r.pk) for r in reports], reportStatus=status, **body
    )


def refreshed(obj):
    obj.refresh_from_db()
    return obj


def test_users_guests_and_other_users_are_refused(api, owner, other_user, guest):
    report = ReportFactory(item=ItemFactory(owner=owner.user), reporter=owner.user)
    for persona in (owner, other_user, guest):
        assert_envelope(close(api, persona, [report], "accepted"), 403)
    assert refreshed(report).status == ReportStatus.PENDING


def test_accepting_deletes_the_item_out_of_its_folder_untagged_and_flags_the_author_once(
    api, admin, owner, audits
):
    folder = FolderFactory(owner=owner.user)
    item = ItemFactory(owner=owner.user, folder=folder)
    ItemTag.objects.create(item=item, tag=Tag.objects.create(name="fox"))
    first = ReportFactory(item=item)
    second = ReportFactory(item=item, queue=queue("Spam"))
    resp = assert_envelope(close(api, admin, [first, second], "accepted", additionalInformation="gone"))
    assert resp.payload == [{"id": str(first.pk), "success": True}, {"id": str(second.pk), "success": True}]
    item = Item.all_domains.get(pk=item.pk)
    assert item.deleted_at is not None and item.folder_id is None
    assert not ItemTag.objects.filter(item=item).exists()
    first = refreshed(first)
    assert first.status == ReportStatus.ACCEPTED and first.approver_id == admin.user.pk
    assert first.processed_at is not None and first.approval_additional_information == "gone"
    assert user_flag_counts(user=owner.user)["flaggedImagesCount"] == 1
    shown = assert_envelope(api.get("/getUser", persona=admin, userID=str(owner.user.pk))).payload
    assert shown["flaggedImagesCount"] == 1 and shown["highHeatImagesCount"] == 0
    assert audits("closeReports") == 1
    [row] = assert_envelope(api.get("/getReports", persona=admin, reportIds=str(first.pk))).payload
    assert row["approverId"] == str(admin.user.pk) and row["approvalAdditionalInformation"] == "gone"
    assert "reportProcessedDate" in row


def test_declining_changes_nothing_else(api, admin, owner):
    item = ItemFactory(owner=owner.user)
    report = ReportFactory(item=item)
    assert assert_envelope(close(api, admin, [report], "declined")).payload[0]["success"] is True
    assert refreshed(report).status == ReportStatus.DECLINED
    assert refreshed(item).deleted_at is None
    assert user_flag_counts(user=owner.user)["flaggedImagesCount"] == 0


def test_close_related_reports_extends_the_closure_to_every_pending_report_of_the_items(api, admin):
    item = ItemFactory()
    target = ReportFactory(item=item)
    related = [ReportFactory(item=item), ReportFactory(item=item, reporter=None, queue=queue("High Heat"))]
    closed_before = ReportFactory(item=item, status=ReportStatus.DECLINED)
    unrelated = ReportFactory()
    resp = assert_envelope(close(api, admin, [target], "declined", closeRelatedReports=True))
    assert [row["id"] for row in resp.payload] == [str(target.pk)] + [str(r.pk) for r in related]
    assert all(refreshed(r).status == ReportStatus.DECLINED for r in [target, *related])
    assert refreshed(closed_before).status == ReportStatus.DECLINED
    assert refreshed(unrelated).status == ReportStatus.PENDING


def test_accepting_without_related_declines_the_other_pending_reports_automatically(api, admin):
    item = ItemFactory()
    target, other = ReportFactory(item=item), ReportFactory(item=item)
    assert_envelope(close(api, admin, [target], "accepted"))
    assert refreshed(target).status == ReportStatus.ACCEPTED
    other = refreshed(other)
    assert other.status == ReportStatus.AUTOMATICALLY_DECLINED and other.processed_at is not None
    assert "deleted" in other.approval_additional_information


def test_already_closed_and_unknown_reports_fail_per_report(api, admin):
    done = ReportFactory(status=ReportStatus.ACCEPTED)
    pending = ReportFactory()
    missing = uuid.uuid4()
    resp = assert_envelope(
        api.post(
            "/closeReports",
            persona=admin,
            reportIds=[str(done.pk), str(pending.pk), str(missing)],
            reportStatus="declined",
        )
    )
    assert resp.payload == [
        {"id": str(done.pk), "success": False, "message": "The report is already closed (accepted)."},
        {"id": str(pending.pk), "success": True},
        {"id": str(missing), "success": False, "message": "Report not found."},
    ]


def test_a_protected_item_survives_an_accepted_report(api, admin):
    item = ItemFactory(is_protected=True)
    report = ReportFactory(item=item)
    assert_envelope(close(api, admin, [report], "accepted"))
    assert refreshed(report).status == ReportStatus.ACCEPTED and refreshed(item).deleted_at is None


@pytest.mark.parametrize(
    "body, parameter",
    [
        ({"reportStatus": "accepted"}, "reportIds"),
        ({"reportIds": [], "reportStatus": "accepted"}, "reportIds"),
        ({"reportIds": [str(uuid.uuid4())]}, "reportStatus"),
        ({"reportIds": [str(uuid.uuid4())], "reportStatus": "pending"}, "reportStatus"),
        ({"reportIds": [str(uuid.uuid4())], "reportStatus": "automaticallyDeclined"}, "reportStatus"),
        (
            {"reportIds": [str(uuid.uuid4())], "reportStatus": "declined", "closeRelatedReports": "x"},
            "closeRelatedReports",
        ),
        (
            {
                "reportIds": [str(uuid.uuid4())],
                "reportStatus": "declined",
                "additionalInformation": "x" * 2001,
            },
            "additionalInformation",
        ),
    ],
)
def test_bad_input_is_a_400_naming_the_parameter(api, admin, body, parameter):
    assert parameter in assert_envelope(api.post("/closeReports", persona=admin, body=body), 400).error


def test_the_owner_deleting_an_item_declines_its_pending_reports_automatically(api, owner):
    item = ItemFactory(owner=owner.user)
    pending = ReportFactory(item=item)
    declined = ReportFactory(item=item, status=ReportStatus.DECLINED)
    assert_envelope(api.delete("/deleteItems", persona=owner, imageIDs=str(item.pk)))
    assert refreshed(pending).status == ReportStatus.AUTOMATICALLY_DECLINED
    assert refreshed(declined).status == ReportStatus.DECLINED


def test_deleting_through_any_library_path_declines_pending_reports(owner):
    item = ItemFactory(owner=owner.user)
    report = ReportFactory(item=item)
    items_delete(actor=None, item_ids=[item.pk], as_admin=True)
    assert ItemReport.objects.get(pk=report.pk).status == ReportStatus.AUTOMATICALLY_DECLINED
