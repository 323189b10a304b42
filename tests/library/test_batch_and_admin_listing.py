"""getBatchItems (the caller's batch) and getItems (Admins: every live item, filtered)."""

import datetime as dt
import uuid

import pytest

from aimg_site.core.models import AuditLogEntry
from library.models import ApprovalStatus, Item
from tests.support.assertions import assert_envelope
from tests.support.factories.library import FolderFactory, ItemFactory

T0 = dt.datetime(2025, 3, 1, 12, 0, tzinfo=dt.UTC)


def at(seconds: float) -> dt.datetime:
    return T0 + dt.timedelta(seconds=seconds)


def ids(resp) -> list[str]:
    return [row["id"] for row in resp.payload]


def test_batch_items_are_the_callers_items_of_that_batch_as_image_info(api, owner, other_user):
    batch = uuid.uuid4()
    first = ItemFactory(owner=owner.user, batch_id=batch, completed_at=at(1))
    second = ItemFactory(owner=owner.user, batch_id=batch, completed_at=at(2))
    gone = ItemFactory(owner=owner.user, batch_id=batch, completed_at=at(3))
    Item.objects.filter(pk=gone.pk).update(deleted_at=at(4))
    ItemFactory(owner=owner.user, batch_id=uuid.uuid4())
    resp = assert_envelope(api.get("/getBatchItems", persona=owner, batchID=str(batch)))
    assert ids(resp) == [str(first.id), str(second.id)]
    assert resp.payload[0]["batchID"] == str(batch)
    assert resp.payload[0]["prompt"] == first.prompt
    assert resp.payload[0]["publicApprovalStatus"] == "none"
    # someone else's batch is simply empty
    assert assert_envelope(api.get("/getBatchItems", persona=other_user, batchID=str(batch))).payload == []


def test_batch_items_for_a_guest_without_items_is_empty_and_a_bad_id_is_a_400(api, guest):
    assert assert_envelope(api.get("/getBatchItems", persona=guest, batchID=str(uuid.uuid4()))).payload == []
    resp = assert_envelope(api.get("/getBatchItems", persona=guest, batchID="x"), 400)
    assert "batchID" in resp.error


@pytest.mark.parametrize("size", [2, 20])
def test_batch_items_cost_constant_queries(api, owner, django_assert_max_num_queries, size):
    batch = uuid.uuid4()
    ItemFactory.create_batch(size, owner=owner.user, batch_id=batch)
    with django_assert_max_num_queries(6):
        resp = assert_envelope(api.get("/getBatchItems", persona=owner, batchID=str(batch)))
    assert len(resp.payload) == size


@pytest.fixture
def items(owner, other_user):
    folder = FolderFactory(owner=other_user.user)
    made = {
        "a_root": ItemFactory(owner=owner.user, folder_added_at=at(1)),
        "a_pending": ItemFactory(owner=owner.user, folder_added_at=at(2), public_approval_status="pending"),
        "b_folder": ItemFactory(owner=other_user.user, folder=folder, folder_added_at=at(3), mtype="video"),
        "b_public": ItemFactory(owner=other_user.user, public=True, folder_added_at=at(4)),
    }
    gone = ItemFactory(owner=owner.user, folder_added_at=at(5))
    Item.objects.filter(pk=gone.pk).update(deleted_at=at(6))
    made["folder"] = folder
    return made


def test_get_items_needs_an_admin_key(api, owner, guest, items):
    assert_envelope(api.get("/getItems", persona=owner), 403)
    assert_envelope(api.get("/getItems", persona=guest), 403)
    bad = api.get("/getItems", persona=owner, headers={"X-Administration-Key": "nope"})
    assert_envelope(bad, 403)


def test_get_items_lists_every_live_item_with_status_and_audits_once(api, admin, items):
    before = AuditLogEntry.objects.filter(action="getItems").count()
    resp = assert_envelope(api.get("/getItems", persona=admin))
    assert ids(resp) == [str(items[k].id) for k in ("b_public", "b_folder", "a_pending", "a_root")]
    assert "totalCount" not in resp.metadata
    assert all("publicApprovalStatus" in row for row in resp.payload)
    assert AuditLogEntry.objects.filter(action="getItems").count() == before + 1


def test_get_items_filters(api, admin, owner, other_user, items):
    def get(**params):
        return ids(assert_envelope(api.get("/getItems", persona=admin, **params)))

    assert get(userID=str(owner.user.id)) == [str(items["a_pending"].id), str(items["a_root"].id)]
    assert get(publicApprovalStatus=ApprovalStatus.PENDING) == [str(items["a_pending"].id)]
    assert get(mtype="video") == [str(items["b_folder"].id)]
    assert get(isPublic="true") == [str(items["b_public"].id)]
    assert get(folderID=str(items["folder"].id)) == [str(items["b_folder"].id)]
    assert get(folderID="root", userID=str(owner.user.id)) == [
        str(items["a_pending"].id),
        str(items["a_root"].id),
    ]
    assert_envelope(api.get("/getItems", persona=admin, folderID=str(uuid.uuid4())), 404)


@pytest.mark.parametrize("limit", [2, 30])
def test_get_items_costs_constant_queries(api, admin, owner, django_assert_max_num_queries, limit):
    for i in range(30):
        ItemFactory(owner=owner.user, folder_added_at=at(i))
    with django_assert_max_num_queries(10):
        resp = assert_envelope(api.get("/getItems", persona=admin, limit=limit))
    assert len(resp.payload) == limit
