"""getReports (Admins): every filter, newest first, paging, the ItemReport shape."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from django.utils import timezone

from moderation.models import ReportStatus
from tests.support.assertions import assert_envelope
from tests.support.factories.accounts import UserFactory
from tests.support.factories.library import ItemFactory
from tests.support.factories.moderation import ReportFactory, queue

T0 = dt.datetime(2026, 11, 1, 12, 0, tzinfo=dt.UTC)


def ids(resp) -> list[str]:
    return [row["reportId"] for row in resp.payload]


def test_users_guests_and_other_users_are_refused(api, owner, other_user, guest):
    ReportFactory(item=ItemFactory(owner=owner.user), reporter=owner.user)
    for persona in (owner, other_user, guest):
        assert_envelope(api.get("/getReports", persona=persona), 403)


def test_admins_get_every_report_newest_first_with_pagination_metadata(api, admin):
    reports = [ReportFactory(created_at=T0 + dt.timedelta(minutes=i)) for i in range(3)]
    resp = assert_envelope(api.get("/getReports", persona=admin))
    assert ids(resp) == [str(r.pk) for r in reversed(reports)]
    meta = resp.metadata
    assert meta["count"] == 3 and meta["totalCount"] == 3 and meta["limit"] == 100
    assert meta["nextPaginationIndex"] is None


def test_paging_returns_every_report_once_even_within_one_millisecond(api, admin):
    same = [ReportFactory(created_at=T0) for _ in range(5)]
    ReportFactory(created_at=T0 - dt.timedelta(days=1))
    seen: list[str] = []
    index = None
    for _ in range(10):
        resp = assert_envelope(api.get("/getReports", persona=admin, limit=2, paginationIndex=index))
        seen += ids(resp)
        index = resp.metadata["nextPaginationIndex"]
        if index is None:
            break
    assert len(seen) == 6 == len(set(seen))
    assert set(seen[:5]) == {str(r.pk) for r in same}


def test_limit_above_1000_is_a_400(api, admin):
    assert "limit" in assert_envelope(api.get("/getReports", persona=admin, limit=1001), 400).error


def test_filters_by_ids_status_queue_dates_and_author(api, admin):
    alice = UserFactory()
    a = ReportFactory(item=ItemFactory(owner=alice), created_at=T0, queue=queue("Spam"))
    b = ReportFactory(created_at=T0 + dt.timedelta(hours=1), status=ReportStatus.DECLINED)
    c = ReportFactory(created_at=T0 + dt.timedelta(hours=2), reporter=None, queue=queue("High Heat"))

    def got(**params):
        return set(ids(assert_envelope(api.get("/getReports", persona=admin, **params))))

    assert got(reportIds=f"{a.pk}, {c.pk}") == {str(a.pk), str(c.pk)}
    assert got(reportStatus="declined") == {str(b.pk)}
    assert got(reportStatus="pending,declined") == {str(a.pk), str(b.pk), str(c.pk)}
    assert got(reportQueues="spam, High Heat") == {str(a.pk), str(c.pk)}
    # Both dates inclusive
    assert got(createdAfter=(T0 + dt.timedelta(hours=1)).isoformat()) == {str(b.pk), str(c.pk)}
    assert got(createdBefore=(T0 + dt.timedelta(hours=1)).isoformat()) == {str(a.pk), str(b.pk)}
    assert got(
        createdAfter=(T0 + dt.timedelta(hours=1)).isoformat(),
        createdBefore=(T0 + dt.timedelta(hours=1)).isoformat(),
    ) == {str(b.pk)}
    assert got(authorId=str(alice.pk)) == {str(a.pk)}
    assert got(authorId=str(uuid.uuid4())) == set()


@pytest.mark.parametrize(
    "params, parameter",
    [
        ({"reportStatus": "open"}, "reportStatus"),
        ({"reportQueues": "Nope"}, "reportQueues"),
        ({"reportIds": "x"}, "reportIds"),
        ({"createdAfter": "yesterday"}, "createdAfter"),
        ({"createdAfter": "2026-11-02T00:00:00Z", "createdBefore": "2026-11-01T00:00:00Z"}, "createdAfter"),
        ({"authorId": "42"}, "authorId"),
        ({"paginationIndex": "abc"}, "paginationIndex"),
    ],
)
def test_bad_filters_are_a_400_naming_the_parameter(api, admin, params, parameter):
    assert parameter in assert_envelope(api.get("/getReports", persona=admin, **params), 400).error


def test_the_item_report_shape_with_item_and_author_metadata(api, admin, owner):
    owner.user.abuse_level = 1
    owner.user.username = "alice"
    owner.user.save()
    item = ItemFactory(owner=owner.user, prompt="a fox", negprompt="blurry", workflow_template_name="txt2img")
    report = ReportFactory(item=item, reporter=owner.user, additional_information="why")
    accepted_item = ItemFactory(owner=owner.user)
    ReportFactory(item=accepted_item, status=ReportStatus.ACCEPTED, processed_at=timezone.now())
    resp = assert_envelope(api.get("/getReports", persona=admin, reportIds=str(report.pk)))
    [row] = resp.payload
    assert row["itemId"] == str(item.pk) and row["reporterId"] == str(owner.user.pk)
    assert row["reportStatus"] == "pending" and row["reportQueues"] == ["Not Specified"]
    assert row["reportAdditionalInformation"] == "why" and row["downloadCount"] == 0
    assert row["reportedDate"].endswith("Z")
    for absent in ("approverId", "reportProcessedDate", "downloadLastDate", "approvalAdditionalInformation"):
        assert absent not in row
    meta = row["itemMetadata"]
    assert meta["rawPositivePrompt"] == meta["filteredPositivePrompt"] == "a fox"
    assert meta["rawNegativePrompt"] == "blurry" and meta["workflowUsed"] == "txt2img"
    assert meta["modelId"] == "f222" and "/media/items/" in meta["url"]
    assert row["authorMetadata"] == {
        "userId": str(owner.user.pk),
        "userEmail": "owner@example.com",
        "username": "alice",
        "flaggedItemsCount": 1,
        "abuse": 1,
        "isDisabled": False,
    }


def test_system_reports_have_no_reporter(api, admin):
    report = ReportFactory(reporter=None, queue=queue("High Heat"))
    [row] = assert_envelope(api.get("/getReports", persona=admin, reportIds=str(report.pk))).payload
    assert "reporterId" not in row and row["reportQueues"] == ["High Heat"]


def test_reports_of_another_domain_are_not_listed(api, admin, other_domain):
    from aimg_site.core.scoping import domain_context

    with domain_context(other_domain):
        ReportFactory()
    assert assert_envelope(api.get("/getReports", persona=admin)).payload == []
