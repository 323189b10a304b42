"""reportItems: per-item outcomes, the reference's refusals, queues, bounds, rate limit."""

from __future__ import annotations

import uuid

import pytest

from moderation.models import ItemReport, ReportStatus
from tests.support.assertions import assert_envelope
from tests.support.factories.library import ItemFactory
from tests.support.factories.moderation import ReportFactory, queue


def report(api, persona, ids, **body):
    return api.post("/reportItems", persona=persona, itemIds=[str(i) for i in ids], **body)


def test_owner_reports_an_own_item_into_not_specified_by_default(api, owner):
    item = ItemFactory(owner=owner.user)
    resp = assert_envelope(report(api, owner, [item.id], additionalInformation="  looks wrong  "))
    [outcome] = resp.payload
    assert outcome["id"] == str(item.id) and outcome["success"] is True and "message" not in outcome
    stored = ItemReport.objects.get(pk=outcome["reportId"])
    assert stored.reporter_id == owner.user.pk and stored.status == ReportStatus.PENDING
    assert stored.queue.name == "Not Specified" and stored.additional_information == "looks wrong"


def test_a_named_user_queue_is_used_case_insensitively(api, owner):
    item = ItemFactory(owner=owner.user)
    resp = assert_envelope(report(api, owner, [item.id], reportQueue="underage"))
    assert ItemReport.objects.get(pk=resp.payload[0]["reportId"]).queue.name == "Underage"


@pytest.mark.parametrize("name", ["High Heat", "Prompt Filter", "No Such Queue"])
def test_system_and_unknown_queues_are_a_400_naming_the_parameter(api, owner, name):
    item = ItemFactory(owner=owner.user)
    resp = assert_envelope(report(api, owner, [item.id], reportQueue=name), 400)
    assert "reportQueue" in resp.error and name in resp.error
    assert not ItemReport.objects.exists()


def test_an_inactive_user_queue_refuses_reports(api, owner):
    spam = queue("Spam")
    spam.is_active = False
    spam.save()
    item = ItemFactory(owner=owner.user)
    assert "reportQueue" in assert_envelope(report(api, owner, [item.id], reportQueue="Spam"), 400).error


def test_protected_approved_and_already_reported_items_are_refused_per_item(api, owner, other_user):
    protected = ItemFactory(owner=owner.user, is_protected=True)
    approved = ItemFactory(owner=owner.user, public=True)
    fine = ItemFactory(owner=owner.user)
    private_of_other = ItemFactory(owner=other_user.user)
    deleted = ItemFactory(owner=owner.user, deleted=True)
    missing = uuid.uuid4()
    assert_envelope(report(api, owner, [fine.id]))
    resp = assert_envelope(
        report(api, owner, [protected.id, approved.id, fine.id, private_of_other.id, deleted.id, missing])
    )
    by_id = {row["id"]: row for row in resp.payload}
    assert [row["id"] for row in resp.payload] == [
        str(i) for i in (protected.id, approved.id, fine.id, private_of_other.id, deleted.id, missing)
    ]
    assert all(row["success"] is False and row["reportId"] is None for row in resp.payload)
    assert "protected" in by_id[str(protected.id)]["message"]
    assert "approved" in by_id[str(approved.id)]["message"]
    assert "already reported" in by_id[str(fine.id)]["message"]
    for hidden in (private_of_other.id, deleted.id, missing):
        assert by_id[str(hidden)]["message"] == "Item not found."
    assert ItemReport.objects.count() == 1


def test_another_report_is_possible_once_the_first_is_closed(api, owner):
    item = ItemFactory(owner=owner.user)
    ReportFactory(item=item, reporter=owner.user, status=ReportStatus.DECLINED)
    assert assert_envelope(report(api, owner, [item.id])).payload[0]["success"] is True


def test_the_public_item_of_another_user_is_refused_as_approved(api, owner, other_user):
    item = ItemFactory(owner=owner.user, public=True)
    [row] = assert_envelope(report(api, other_user, [item.id])).payload
    assert row["success"] is False and "approved" in row["message"]


def test_an_anonymous_session_reports_its_own_guest_item_and_nothing_else(api, guest, owner):
    others = ItemFactory(owner=owner.user)
    [row] = assert_envelope(report(api, guest, [others.id])).payload
    assert row == {"id": str(others.id), "reportId": None, "success": False, "message": "Item not found."}


def test_admin_key_changes_nothing_for_reporting(api, admin, owner):
    item = ItemFactory(owner=owner.user)
    [row] = assert_envelope(report(api, admin, [item.id])).payload
    assert row["success"] is False and row["message"] == "Item not found."


@pytest.mark.parametrize(
    "body, parameter",
    [
        ({}, "itemIds"),
        ({"itemIds": []}, "itemIds"),
        ({"itemIds": ["not-a-uuid"]}, "itemIds"),
        ({"itemIds": [str(uuid.uuid4()) for _ in range(101)]}, "itemIds"),
        ({"itemIds": [str(uuid.uuid4())], "additionalInformation": "x" * 2001}, "additionalInformation"),
        ({"itemIds": [str(uuid.uuid4())], "reportQueue": 12}, "reportQueue"),
    ],
)
def test_bad_input_is_a_400_naming_the_parameter(api, owner, body, parameter):
    resp = assert_envelope(api.post("/reportItems", persona=owner, body=body), 400)
    assert parameter in resp.error


def test_reports_are_rate_limited_per_user(api, owner):
    item = ItemFactory(owner=owner.user)
    for _ in range(20):
        assert_envelope(report(api, owner, [item.id]))
    resp = assert_envelope(report(api, owner, [item.id]), 429)
    assert "Too many reports" in resp.error


def test_reports_belong_to_their_domain(owner):
    from tests.support.client import ApiClient

    item = ItemFactory(owner=owner.user)
    other_site = ApiClient(host="api.sexy.ai")
    [row] = assert_envelope(other_site.post("/reportItems", persona=owner, itemIds=[str(item.id)])).payload
    assert row["success"] is False
