"""getSelfFolders / getPublicFolders: who sees what, counts, previews, pagination, query counts."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from django.utils import timezone

from aimg_site.core.scoping import domain_context
from library.models import ApprovalStatus, Folder, FolderThumbnail, Item
from tests.library.conftest_folders import live_count, make_folder, make_item, tag_folder, wire_id
from tests.support.assertions import assert_envelope
from tests.support.factories.accounts import UserFactory

T0 = timezone.now() - dt.timedelta(days=1)


def _ids(resp) -> list[str]:
    return [folder["id"] for folder in assert_envelope(resp).payload]


def _folders(owner, n, *, is_public=False, same_time=False):
    """``n`` folders created one second apart (or all at one instant), oldest first."""
    return [
        make_folder(owner, is_public=is_public, created_at=T0 if same_time else T0 + dt.timedelta(seconds=i))
        for i in range(n)
    ]


# --- getSelfFolders ---------------------------------------------------------------------------


def test_self_folders_lists_only_the_callers_private_folders_newest_first(api, owner, other_user):
    mine = _folders(owner, 3)
    make_folder(owner, is_public=True)
    make_folder(other_user)
    resp = api.get("/getSelfFolders", persona=owner)
    assert _ids(resp) == [str(f.id) for f in reversed(mine)]
    assert resp.metadata["totalCount"] == 3 and resp.metadata["count"] == 3
    assert resp.metadata["nextPaginationIndex"] is None and resp.metadata["paginationIndex"] == "0"


def test_a_guest_without_folders_gets_an_empty_page(api, guest):
    resp = api.get("/getSelfFolders", persona=guest)
    assert _ids(resp) == [] and resp.metadata["totalCount"] == 0


def test_an_admin_sees_only_their_own_folders(api, owner, admin):
    make_folder(owner)
    assert _ids(api.get("/getSelfFolders", persona=admin)) == []


def test_folder_ids_filter_the_listing(api, owner, other_user):
    a, _b, c = _folders(owner, 3)
    theirs = make_folder(other_user)
    resp = api.get("/getSelfFolders", persona=owner, folderIDs=f"{a.id},{c.id},{theirs.id}")
    assert _ids(resp) == [str(c.id), str(a.id)] and resp.metadata["totalCount"] == 2


@pytest.mark.parametrize(
    "op, value",
    [
        ("/getSelfFolders", "p-{id}"),
        ("/getSelfFolders", "nope"),
        ("/getPublicFolders", "{id}"),
        ("/getPublicFolders", "p-nope"),
    ],
)
def test_a_folder_id_of_the_wrong_form_in_the_filter_is_a_400(api, owner, op, value):
    resp = api.get(op, persona=owner, folderIDs=value.format(id=uuid.uuid4()))
    assert "'folderIDs'" in assert_envelope(resp, 400).error


def test_image_count_is_exact_and_ignores_deleted_items(api, owner):
    folder = make_folder(owner)
    for _ in range(5):
        make_item(owner, folder=folder)
    make_item(owner, folder=folder, deleted_at=timezone.now())
    payload = assert_envelope(api.get("/getSelfFolders", persona=owner)).payload
    assert payload[0]["imageCount"] == 5 == live_count(folder)


def test_sample_images_are_the_four_most_recently_added_live_items(api, owner):
    folder = make_folder(owner)
    items = [make_item(owner, folder=folder, folder_added_at=T0 + dt.timedelta(minutes=i)) for i in range(6)]
    make_item(owner, folder=folder, folder_added_at=T0 + dt.timedelta(hours=1), deleted_at=timezone.now())
    payload = assert_envelope(api.get("/getSelfFolders", persona=owner)).payload[0]
    assert [s["imageID"] for s in payload["sampleImages"]] == [str(i.id) for i in reversed(items[2:])]
    assert all(
        s["url"].startswith("http") and s["url"].split("?")[0].endswith(".png")
        for s in payload["sampleImages"]
    )
    assert set(payload["sampleImages"][0]) == {"imageID", "url"}


def test_the_sample_image_url_serves_the_media(api, owner):
    folder = make_folder(owner)
    make_item(owner, folder=folder)
    url = api.get("/getSelfFolders", persona=owner).payload[0]["sampleImages"][0]["url"]
    path = url.split("://", 1)[1].split("/", 1)[1]
    response = api.client.get("/" + path)
    assert response.status_code == 200 and b"".join(response.streaming_content).startswith(b"\x89PNG")


def test_folder_tags_are_listed_sorted(api, owner):
    folder = make_folder(owner)
    tag_folder(folder, "zebra", "ant")
    assert api.get("/getSelfFolders", persona=owner).payload[0]["tags"] == ["ant", "zebra"]


@pytest.mark.parametrize("op", ["/getSelfFolders", "/getPublicFolders"])
def test_paging_with_next_index_returns_every_folder_exactly_once_even_at_one_instant(api, owner, op):
    is_public = op == "/getPublicFolders"
    folders = _folders(owner, 7, is_public=is_public, same_time=True) + _folders(
        owner, 4, is_public=is_public
    )
    seen, index = [], None
    for _ in range(20):
        resp = assert_envelope(api.get(op, persona=owner, userID=owner.id, limit=3, paginationIndex=index))
        assert resp.metadata["totalCount"] == 11 and resp.metadata["limit"] == 3
        seen += [f["id"] for f in resp.payload]
        index = resp.metadata["nextPaginationIndex"]
        if index is None:
            break
    assert sorted(seen) == sorted(wire_id(f) for f in folders) and len(seen) == 11


def test_pagination_index_is_the_creation_time_in_milliseconds(api, owner):
    folders = _folders(owner, 4)
    cut = int(folders[2].created_at.timestamp() * 1000)
    resp = api.get("/getSelfFolders", persona=owner, paginationIndex=str(cut))
    assert _ids(resp) == [str(folders[1].id), str(folders[0].id)]
    assert resp.metadata["paginationIndex"] == str(cut)
    resp = api.get("/getSelfFolders", persona=owner, paginationIndex=str(cut), reversePagination=True)
    assert _ids(resp) == [str(folders[3].id)]


def test_reverse_pagination_and_skip_count(api, owner):
    folders = _folders(owner, 5)
    resp = api.get("/getSelfFolders", persona=owner, reversePagination=True, skipCount=1, limit=2)
    assert _ids(resp) == [str(folders[1].id), str(folders[2].id)]
    assert resp.metadata["reversePagination"] is True and resp.metadata["skipCount"] == 1
    assert resp.metadata["totalCount"] == 5


@pytest.mark.parametrize(
    "params", [{"limit": 1001}, {"limit": 0}, {"skipCount": -1}, {"paginationIndex": "x"}]
)
def test_bad_pagination_parameters_are_a_400(api, owner, params):
    resp = assert_envelope(api.get("/getSelfFolders", persona=owner, **params), 400)
    assert f"'{next(iter(params))}'" in resp.error


# --- getPublicFolders -------------------------------------------------------------------------


def test_public_folders_without_user_lists_only_folders_with_a_publicly_visible_item(api, owner, other_user):
    shown = make_folder(owner, is_public=True, created_at=T0)
    make_item(owner, public=True, folder=shown)
    empty = make_folder(owner, is_public=True)
    not_approved = make_folder(owner, is_public=True)
    make_item(owner, folder=not_approved, is_public=True, public_approval_status=ApprovalStatus.PENDING)
    only_deleted = make_folder(owner, is_public=True)
    make_item(owner, public=True, folder=only_deleted, deleted_at=timezone.now())
    private = make_folder(owner)
    make_item(owner, public=True, folder=private)
    theirs = make_folder(other_user, is_public=True, created_at=T0 + dt.timedelta(seconds=1))
    make_item(other_user, public=True, folder=theirs)

    for persona in (owner, other_user):
        resp = api.get("/getPublicFolders", persona=persona)
        assert _ids(resp) == [wire_id(theirs), wire_id(shown)]
        assert resp.metadata["totalCount"] == 2
    all_of_mine = _ids(api.get("/getPublicFolders", persona=owner, userID=owner.id))
    assert {wire_id(empty), wire_id(not_approved), wire_id(only_deleted)} < set(all_of_mine)


def test_a_guest_can_browse_public_folders(api, owner, guest):
    folder = make_folder(owner, is_public=True)
    make_item(owner, public=True, folder=folder)
    assert _ids(api.get("/getPublicFolders", persona=guest)) == [wire_id(folder)]


def test_the_public_view_counts_and_previews_only_publicly_visible_items(api, owner, other_user):
    folder = make_folder(owner, is_public=True)
    visible = make_item(owner, public=True, folder=folder, folder_added_at=T0)
    hidden = make_item(owner, public=True, folder=folder, folder_added_at=T0 + dt.timedelta(minutes=1))
    Item.objects.filter(pk=hidden.pk).update(is_public=False)
    seen = api.get("/getPublicFolders", persona=other_user).payload[0]
    assert seen["imageCount"] == 1
    assert [s["imageID"] for s in seen["sampleImages"]] == [str(visible.id)]
    mine = api.get("/getPublicFolders", persona=owner, userID=owner.id).payload[0]
    assert mine["imageCount"] == 2 == live_count(folder)
    assert [s["imageID"] for s in mine["sampleImages"]] == [str(hidden.id), str(visible.id)]


def test_the_owner_sees_all_their_public_folders_empty_ones_too_by_naming_themselves(api, owner, other_user):
    empty = make_folder(owner, is_public=True, created_at=T0)
    full = make_folder(owner, is_public=True, created_at=T0 + dt.timedelta(seconds=1))
    make_item(owner, public=True, folder=full)
    make_folder(owner)  # private: never here
    make_folder(other_user, is_public=True)
    resp = api.get("/getPublicFolders", persona=owner, userID=owner.id)
    assert _ids(resp) == [wire_id(full), wire_id(empty)] and resp.metadata["totalCount"] == 2
    assert _ids(api.get("/getPublicFolders", persona=owner)) == [wire_id(full)]


def test_another_users_public_folders_show_only_when_they_hold_public_items(api, owner, other_user, admin):
    empty = make_folder(owner, is_public=True)
    full = make_folder(owner, is_public=True)
    make_item(owner, public=True, folder=full)
    for persona in (other_user, admin):
        resp = api.get("/getPublicFolders", persona=persona, userID=owner.id)
        assert _ids(resp) == [wire_id(full)] and resp.metadata["totalCount"] == 1
    assert wire_id(empty) in _ids(api.get("/getPublicFolders", persona=owner, userID=owner.id))
    assert _ids(api.get("/getPublicFolders", persona=owner, userID=str(uuid.uuid4()))) == []


def test_a_malformed_user_id_is_a_400(api, owner):
    assert "'userID'" in assert_envelope(api.get("/getPublicFolders", persona=owner, userID="me"), 400).error


def test_public_folder_ids_filter_the_public_listing(api, owner):
    a, b = make_folder(owner, is_public=True), make_folder(owner, is_public=True)
    for folder in (a, b):
        make_item(owner, public=True, folder=folder)
    assert _ids(api.get("/getPublicFolders", persona=owner, folderIDs=wire_id(b))) == [wire_id(b)]


def test_public_folders_of_another_domain_are_not_listed(api, owner, other_domain):
    with domain_context(other_domain):
        stranger = UserFactory()
        folder = Folder.objects.create(owner=stranger, is_public=True, name="there")
        make_item(stranger, public=True, folder=folder)
    assert _ids(api.get("/getPublicFolders", persona=owner)) == []


# --- query counts -----------------------------------------------------------------------------


def _rich_folders(owner, n, *, is_public):
    for i in range(n):
        folder = make_folder(owner, is_public=is_public, created_at=T0 + dt.timedelta(seconds=i))
        items = [make_item(owner, public=True, folder=folder) for _ in range(5)]
        for position, item in enumerate(items[:2]):
            FolderThumbnail.objects.create(folder=folder, item=item, position=position)
        tag_folder(folder, f"t{i}", "shared")


@pytest.mark.parametrize(
    "op, own", [("/getSelfFolders", True), ("/getPublicFolders", True), ("/getPublicFolders", False)]
)
def test_a_page_costs_the_same_few_queries_whatever_its_size(
    api, owner, other_user, django_assert_max_num_queries, op, own
):
    _rich_folders(owner, 12, is_public=op == "/getPublicFolders")
    viewer = owner if own else other_user
    params = {"userID": owner.id} if own else {}
    for limit in (2, 12):
        # session, COUNT, page, then one query each for samples, thumbnails and tags
        with django_assert_max_num_queries(6):
            resp = assert_envelope(api.get(op, persona=viewer, limit=limit, **params))
        assert len(resp.payload) == limit
        assert all(len(f["sampleImages"]) == 4 and len(f["thumbnails"]) == 2 for f in resp.payload)
        assert all(len(f["tags"]) == 2 and f["imageCount"] == 5 for f in resp.payload)
