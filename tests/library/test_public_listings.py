"""getPublicCreations, getLatestItems, getSampleItems: only publicly visible items, for everyone."""

import datetime as dt
import uuid

import pytest

from library.models import ApprovalStatus, Item
from tests.support.assertions import assert_envelope
from tests.support.factories.library import FolderFactory, ItemFactory

T0 = dt.datetime(2025, 3, 1, 12, 0, tzinfo=dt.UTC)


def at(seconds: float) -> dt.datetime:
    return T0 + dt.timedelta(seconds=seconds)


def ids(resp) -> list[str]:
    return [row["id"] for row in resp.payload]


@pytest.fixture
def world(owner, other_user):
    """Two users' public folders with visible items, plus items that must never show."""
    a, b = owner.user, other_user.user
    fa = FolderFactory(owner=a, is_public=True)
    fb = FolderFactory(owner=b, is_public=True)
    visible = {
        "a1": ItemFactory(owner=a, public=True, folder=fa, folder_added_at=at(1), completed_at=at(30)),
        "a2": ItemFactory(
            owner=a, public=True, folder=fa, folder_added_at=at(2), completed_at=at(10), mtype="video"
        ),
        "b1": ItemFactory(owner=b, public=True, folder=fb, folder_added_at=at(3), completed_at=at(20)),
    }
    hidden = [
        ItemFactory(owner=a, folder=fa, folder_added_at=at(4)),  # not approved
        ItemFactory(
            owner=a,
            folder=fa,
            is_public=False,
            public_approval_status=ApprovalStatus.APPROVED,
            folder_added_at=at(5),
        ),
        ItemFactory(
            owner=a,
            folder=FolderFactory(owner=a),
            is_public=True,
            public_approval_status=ApprovalStatus.APPROVED,
            folder_added_at=at(6),
        ),
        ItemFactory(
            owner=a, is_public=True, public_approval_status=ApprovalStatus.APPROVED, folder_added_at=at(7)
        ),
        ItemFactory(owner=b, public=True, folder=fb, folder_added_at=at(8)),
    ]
    Item.objects.filter(pk=hidden[-1].pk).update(deleted_at=at(9))
    return {"visible": visible, "fa": fa, "fb": fb}


def test_public_creations_lists_only_publicly_visible_items_with_exact_total(api, guest, world):
    v = world["visible"]
    resp = assert_envelope(api.get("/getPublicCreations", persona=guest))
    # newest completion first (completedDate is the reference timestamp), not folder-added order
    assert ids(resp) == [str(v["a1"].id), str(v["b1"].id), str(v["a2"].id)]
    assert resp.metadata["totalCount"] == 3
    assert all("publicApprovalStatus" not in row for row in resp.payload)
    assert all(row["isPubliclyVisible"] for row in resp.payload)


def test_public_creations_of_one_user(api, other_user, owner, world):
    v = world["visible"]
    resp = assert_envelope(api.get("/getPublicCreations", persona=other_user, userID=str(owner.user.id)))
    assert ids(resp) == [str(v["a1"].id), str(v["a2"].id)]
    assert resp.metadata["totalCount"] == 2
    # the owner too sees only the public ones here, with the status since they own them
    resp = assert_envelope(api.get("/getPublicCreations", persona=owner, userID=str(owner.user.id)))
    assert len(resp.payload) == 2 and resp.payload[0]["publicApprovalStatus"] == "approved"


def test_public_creations_of_one_folder_and_mtype_does_not_change_the_total(api, guest, world):
    v = world["visible"]
    resp = assert_envelope(api.get("/getPublicCreations", persona=guest, folderID=f"p-{world['fa'].id}"))
    assert ids(resp) == [str(v["a1"].id), str(v["a2"].id)]
    assert resp.metadata["totalCount"] == 2
    resp = assert_envelope(
        api.get("/getPublicCreations", persona=guest, folderID=f"p-{world['fa'].id}", mtype="video")
    )
    assert ids(resp) == [str(v["a2"].id)]
    assert resp.metadata["totalCount"] == 2
    resp = assert_envelope(api.get("/getPublicCreations", persona=guest, mtype="image"))
    assert len(resp.payload) == 2 and resp.metadata["totalCount"] == 3


def test_public_creations_of_a_private_or_unknown_folder_is_a_404(api, owner, world):
    private = FolderFactory(owner=owner.user)
    assert_envelope(api.get("/getPublicCreations", persona=owner, folderID=f"p-{private.id}"), 404)
    assert_envelope(api.get("/getPublicCreations", persona=owner, folderID=f"p-{uuid.uuid4()}"), 404)
    # the bare form names a private folder: not accepted here, even for a public folder's UUID
    resp = assert_envelope(api.get("/getPublicCreations", persona=owner, folderID=str(world["fa"].id)), 400)
    assert "folderID" in resp.error
    resp = assert_envelope(api.get("/getPublicCreations", persona=owner, folderID="root"), 400)
    assert "folderID" in resp.error
    resp = assert_envelope(api.get("/getPublicCreations", persona=owner, userID="nope"), 400)
    assert "userID" in resp.error


def test_public_creations_paginate_exactly_once(api, guest, owner):
    folder = FolderFactory(owner=owner.user, is_public=True)
    made = {
        str(ItemFactory(owner=owner.user, public=True, folder=folder, folder_added_at=at(1)).id)
        for _ in range(9)
    }
    seen, index = [], None
    while True:
        resp = assert_envelope(api.get("/getPublicCreations", persona=guest, limit=4, paginationIndex=index))
        seen += ids(resp)
        index = resp.metadata["nextPaginationIndex"]
        if index is None:
            break
    assert sorted(seen) == sorted(made)


@pytest.mark.parametrize("limit", [3, 30])
def test_public_creations_page_costs_constant_queries(
    api, guest, owner, django_assert_max_num_queries, limit
):
    folder = FolderFactory(owner=owner.user, is_public=True)
    for i in range(30):
        ItemFactory(owner=owner.user, public=True, folder=folder, folder_added_at=at(i))
    with django_assert_max_num_queries(6):
        resp = assert_envelope(api.get("/getPublicCreations", persona=guest, limit=limit))
    assert len(resp.payload) == limit
    with django_assert_max_num_queries(7):
        resp = assert_envelope(
            api.get("/getPublicCreations", persona=guest, limit=limit, folderID=f"p-{folder.id}")
        )
    assert len(resp.payload) == limit


def test_latest_items_are_public_items_by_completion_time_without_total(api, guest, world):
    v = world["visible"]
    resp = assert_envelope(api.get("/getLatestItems", persona=guest))
    assert ids(resp) == [str(v["a1"].id), str(v["b1"].id), str(v["a2"].id)]
    assert "totalCount" not in resp.metadata
    assert set(resp.payload[0]) >= {"id", "url", "mtype", "mediaType", "isPublic", "completedDate"}
    assert "publicApprovalStatus" not in resp.payload[0]
    resp = assert_envelope(api.get("/getLatestItems", persona=guest, limit=1))
    assert ids(resp) == [str(v["a1"].id)]
    nxt = resp.metadata["nextPaginationIndex"]
    assert nxt == str(int(at(30).timestamp() * 1000))
    resp = assert_envelope(api.get("/getLatestItems", persona=guest, paginationIndex=nxt))
    assert ids(resp) == [str(v["b1"].id), str(v["a2"].id)]


@pytest.mark.parametrize("limit", [2, 20])
def test_latest_items_page_costs_constant_queries(api, guest, owner, django_assert_max_num_queries, limit):
    folder = FolderFactory(owner=owner.user, is_public=True)
    for i in range(20):
        ItemFactory(owner=owner.user, public=True, folder=folder, completed_at=at(i))
    with django_assert_max_num_queries(5):
        resp = assert_envelope(api.get("/getLatestItems", persona=guest, limit=limit))
    assert len(resp.payload) == limit


def test_sample_items_are_a_random_subset_of_public_items(api, guest, world):
    visible = {str(item.id) for item in world["visible"].values()}
    resp = assert_envelope(api.get("/getSampleItems", persona=guest))
    assert set(ids(resp)) == visible
    resp = assert_envelope(api.get("/getSampleItems", persona=guest, limit=2))
    assert len(resp.payload) == 2 and set(ids(resp)) <= visible
    assert resp.metadata is None
    assert_envelope(api.get("/getSampleItems", persona=guest, limit=0), 400)
    assert_envelope(api.get("/getSampleItems", persona=guest, limit=1001), 400)


@pytest.mark.parametrize("limit", [2, 20])
def test_sample_items_cost_constant_queries(api, guest, owner, django_assert_max_num_queries, limit):
    folder = FolderFactory(owner=owner.user, is_public=True)
    for _ in range(20):
        ItemFactory(owner=owner.user, public=True, folder=folder)
    with django_assert_max_num_queries(4):
        resp = assert_envelope(api.get("/getSampleItems", persona=guest, limit=limit))
    assert len(resp.payload) == limit


def test_listings_need_a_session_header(api):
    assert_envelope(api.get("/getPublicCreations"), 400)
    assert_envelope(api.get("/getLatestItems"), 400)


def test_a_front_end_pages_on_by_the_last_items_completed_date(api, guest, world):
    """The Annex and CONTRACT.md: front ends derive paginationIndex from completedDate."""
    v = world["visible"]
    first = assert_envelope(api.get("/getPublicCreations", persona=guest, limit=1))
    assert ids(first) == [str(v["a1"].id)]
    seen = ids(first)
    index = str(first.payload[-1]["completedDate"])
    while True:
        page = assert_envelope(api.get("/getPublicCreations", persona=guest, limit=1, paginationIndex=index))
        if not page.payload:
            break
        seen += ids(page)
        index = str(page.payload[-1]["completedDate"])
    assert seen == [str(v["a1"].id), str(v["b1"].id), str(v["a2"].id)]


def test_a_public_page_and_its_total_are_one_query_and_totals_beyond_the_cap_are_counted(
    api, owner, monkeypatch
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from library.items import selectors

    public = FolderFactory(owner=owner.user, is_public=True)
    ItemFactory.create_batch(
        5, owner=owner.user, folder=public, is_public=True, public_approval_status=ApprovalStatus.APPROVED
    )
    with CaptureQueriesContext(connection) as captured:
        resp = assert_envelope(api.get("/getPublicCreations", persona=owner, limit=2))
    assert resp.metadata["totalCount"] == 5 and len(resp.payload) == 2
    assert sum('"library_item"' in query["sql"] for query in captured.captured_queries) == 1
    past_the_end = str(int(dt.datetime(2000, 1, 1, tzinfo=dt.UTC).timestamp() * 1000))
    resp = assert_envelope(
        api.get("/getPublicCreations", persona=owner, limit=2, paginationIndex=past_the_end)
    )
    assert resp.payload == [] and resp.metadata["totalCount"] == 5
    monkeypatch.setattr(selectors, "EXACT_COUNT_LIMIT", 3)
    resp = assert_envelope(api.get("/getPublicCreations", persona=owner, userID=str(owner.user.pk), limit=1))
    assert resp.metadata["totalCount"] == 5
