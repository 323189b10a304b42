"""getMyCreations: the caller's library, its filters, pagination and totals."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from library.items import selectors
from library.models import ApprovalStatus, Item
from tests.support.assertions import assert_envelope
from tests.support.factories.library import FolderFactory, ItemFactory

T0 = dt.datetime(2025, 3, 1, 12, 0, tzinfo=dt.UTC)


def at(seconds: float) -> dt.datetime:
    return T0 + dt.timedelta(seconds=seconds)


def ids(resp) -> list[str]:
    return [row["id"] for row in resp.payload]


@pytest.fixture
def library(owner, other_user):
    """Owner: 3 root items, 2 in a private folder, 1 approved public in a public folder, 1 deleted."""
    user = owner.user
    private = FolderFactory(owner=user)
    public = FolderFactory(owner=user, is_public=True)
    items = {
        "root1": ItemFactory(owner=user, folder_added_at=at(1)),
        "root2": ItemFactory(owner=user, folder_added_at=at(2), mtype="video", media_type="Video"),
        "root3": ItemFactory(
            owner=user, folder_added_at=at(3), public_approval_status=ApprovalStatus.PENDING
        ),
        "f1": ItemFactory(owner=user, folder=private, folder_added_at=at(4)),
        "f2": ItemFactory(owner=user, folder=private, folder_added_at=at(5)),
        "pub": ItemFactory(
            owner=user,
            folder=public,
            folder_added_at=at(6),
            is_public=True,
            public_approval_status=ApprovalStatus.APPROVED,
        ),
        "gone": ItemFactory(owner=user, folder_added_at=at(7)),
    }
    Item.objects.filter(pk=items["gone"].pk).update(deleted_at=at(8))
    ItemFactory(owner=other_user.user, folder_added_at=at(9))
    return {"items": items, "private": private, "public": public}


def test_it_lists_the_callers_live_items_newest_first_with_total(api, owner, library):
    resp = assert_envelope(api.get("/getMyCreations", persona=owner))
    it = library["items"]
    assert ids(resp) == [str(it[k].id) for k in ("pub", "f2", "f1", "root3", "root2", "root1")]
    assert resp.metadata["totalCount"] == 6
    assert resp.metadata["count"] == 6
    assert resp.metadata["paginationIndex"] == "0"
    assert resp.metadata["nextPaginationIndex"] is None
    assert resp.metadata["limit"] == 100 and resp.metadata["skipCount"] == 0
    assert resp.payload[0]["publicApprovalStatus"] == "approved"


def test_another_user_sees_only_their_own(api, other_user, library):
    resp = assert_envelope(api.get("/getMyCreations", persona=other_user))
    assert resp.metadata["totalCount"] == 1 and len(resp.payload) == 1


def test_a_guest_without_a_library_gets_an_empty_page(api, guest, library):
    resp = assert_envelope(api.get("/getMyCreations", persona=guest))
    assert resp.payload == [] and resp.metadata["totalCount"] == 0


def test_root_lists_items_without_a_folder_and_totals_the_root_folder(api, owner, library):
    resp = assert_envelope(api.get("/getMyCreations", persona=owner, folderID="root"))
    it = library["items"]
    assert ids(resp) == [str(it[k].id) for k in ("root3", "root2", "root1")]
    assert resp.metadata["totalCount"] == 3


def test_a_private_folder_by_uuid_and_a_public_folder_by_p_id(api, owner, library):
    it = library["items"]
    resp = assert_envelope(api.get("/getMyCreations", persona=owner, folderID=str(library["private"].id)))
    assert ids(resp) == [str(it["f2"].id), str(it["f1"].id)]
    assert resp.metadata["totalCount"] == 2
    resp = assert_envelope(api.get("/getMyCreations", persona=owner, folderID=f"p-{library['public'].id}"))
    assert ids(resp) == [str(it["pub"].id)]
    assert resp.payload[0]["folderID"] == f"p-{library['public'].id}"


def test_another_users_folder_is_a_404(api, other_user, library):
    assert_envelope(api.get("/getMyCreations", persona=other_user, folderID=str(library["private"].id)), 404)


def test_the_id_form_must_match_the_folder_kind(api, owner, library):
    assert_envelope(api.get("/getMyCreations", persona=owner, folderID=f"p-{library['private'].id}"), 404)
    assert_envelope(api.get("/getMyCreations", persona=owner, folderID=str(library["public"].id)), 404)


def test_a_malformed_folder_id_is_a_400_naming_it(api, owner, library):
    resp = assert_envelope(api.get("/getMyCreations", persona=owner, folderID="p-nonsense"), 400)
    assert "folderID" in resp.error


def test_filters_do_not_change_the_total(api, owner, library):
    it = library["items"]
    resp = assert_envelope(api.get("/getMyCreations", persona=owner, mtype="video"))
    assert ids(resp) == [str(it["root2"].id)] and resp.metadata["totalCount"] == 6
    resp = assert_envelope(api.get("/getMyCreations", persona=owner, isPublic="true"))
    assert ids(resp) == [str(it["pub"].id)] and resp.metadata["totalCount"] == 6
    resp = assert_envelope(api.get("/getMyCreations", persona=owner, isPublic="0"))
    assert len(resp.payload) == 5
    resp = assert_envelope(api.get("/getMyCreations", persona=owner, publicApprovalStatus="pending"))
    assert ids(resp) == [str(it["root3"].id)] and resp.metadata["totalCount"] == 6
    resp = assert_envelope(api.get("/getMyCreations", persona=owner, folderID="root", mtype="image"))
    assert ids(resp) == [str(it["root3"].id), str(it["root1"].id)] and resp.metadata["totalCount"] == 3


@pytest.mark.parametrize(
    "params",
    [
        {"mtype": "gif"},
        {"isPublic": "maybe"},
        {"publicApprovalStatus": "waiting"},
        {"limit": "0"},
        {"limit": "1001"},
        {"skipCount": "-1"},
        {"paginationIndex": "yesterday"},
    ],
)
def test_bad_parameters_are_400s_naming_them(api, owner, params):
    resp = assert_envelope(api.get("/getMyCreations", persona=owner, **params), 400)
    assert next(iter(params)) in resp.error


def test_paging_by_index_returns_each_item_once_even_with_equal_timestamps(api, owner):
    same = at(100)
    made = {str(ItemFactory(owner=owner.user, folder_added_at=same).id) for _ in range(7)}
    made |= {str(ItemFactory(owner=owner.user, folder_added_at=at(50 + i)).id) for i in range(5)}
    seen, index = [], None
    for _ in range(10):
        resp = assert_envelope(api.get("/getMyCreations", persona=owner, limit=3, paginationIndex=index))
        seen += ids(resp)
        index = resp.metadata["nextPaginationIndex"]
        if index is None:
            break
    assert sorted(seen) == sorted(made) and len(seen) == 12


def test_paging_by_plain_millisecond_index_and_in_reverse(api, owner, library):
    it = library["items"]
    index = str(int(at(4).timestamp() * 1000))
    resp = assert_envelope(api.get("/getMyCreations", persona=owner, paginationIndex=index))
    assert ids(resp) == [str(it[k].id) for k in ("root3", "root2", "root1")]
    assert resp.metadata["paginationIndex"] == index
    resp = assert_envelope(
        api.get("/getMyCreations", persona=owner, paginationIndex=index, reversePagination="true")
    )
    assert ids(resp) == [str(it[k].id) for k in ("f2", "pub")]
    resp = assert_envelope(api.get("/getMyCreations", persona=owner, reversePagination="true", limit=2))
    assert ids(resp) == [str(it["root1"].id), str(it["root2"].id)]
    assert resp.metadata["reversePagination"] is True


def test_paging_by_skip_count(api, owner, library):
    it = library["items"]
    resp = assert_envelope(api.get("/getMyCreations", persona=owner, skipCount=2, limit=2))
    assert ids(resp) == [str(it["f1"].id), str(it["root3"].id)]
    assert resp.metadata["skipCount"] == 2 and resp.metadata["totalCount"] == 6


def test_the_total_above_the_exact_limit_is_still_right(api, owner, monkeypatch):
    monkeypatch.setattr(selectors, "EXACT_COUNT_LIMIT", 3)
    ItemFactory.create_batch(5, owner=owner.user)
    resp = assert_envelope(api.get("/getMyCreations", persona=owner, limit=1))
    assert resp.metadata["totalCount"] == 5


@pytest.mark.parametrize("limit", [5, 40])
def test_a_page_costs_a_constant_number_of_queries(api, owner, django_assert_max_num_queries, limit):
    folder = FolderFactory(owner=owner.user, is_public=True)
    for i in range(40):
        ItemFactory(owner=owner.user, folder=folder if i % 2 else None, folder_added_at=at(i))
    with django_assert_max_num_queries(8):
        resp = assert_envelope(api.get("/getMyCreations", persona=owner, limit=limit))
    assert len(resp.payload) == limit
    with django_assert_max_num_queries(9):
        resp = assert_envelope(
            api.get("/getMyCreations", persona=owner, limit=limit, folderID=f"p-{folder.id}")
        )
    assert len(resp.payload) == min(limit, 20)


def test_a_page_and_its_total_are_one_query_and_an_empty_page_still_has_its_total(api, owner):
    """The rows carry the owner's counts (``user_item_counts``), so a page of the whole library or of
    its root reads the library once; a page past the end has no rows and reads the counts itself."""
    folder = FolderFactory(owner=owner.user)
    for i in range(5):
        ItemFactory(owner=owner.user, folder=folder if i < 2 else None, completed_at=at(i))
    for params, total in (({}, 5), ({"folderID": "root"}, 3)):
        with CaptureQueriesContext(connection) as captured:
            resp = assert_envelope(api.get("/getMyCreations", persona=owner, limit=2, **params))
        assert sum('"library_' in query["sql"] for query in captured.captured_queries) == 1
        assert resp.metadata["totalCount"] == total and len(resp.payload) == 2
        past_the_end = str(int(at(-10).timestamp() * 1000))
        resp = assert_envelope(
            api.get("/getMyCreations", persona=owner, limit=2, paginationIndex=past_the_end, **params)
        )
        assert resp.payload == [] and resp.metadata["totalCount"] == total
