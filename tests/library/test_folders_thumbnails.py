"""add/remove/setThumbnailImagesFor…Folder: at most 4 items of the folder, with modified/actual."""

from __future__ import annotations

import uuid

import pytest
from django.utils import timezone

from library.models import Item
from tests.library.conftest_folders import KINDS, PUBLIC, make_folder, make_item, thumbnail_ids, when, wire_id
from tests.support.assertions import assert_envelope

ADD = "addThumbnailImagesFor{kind}Folder"
REMOVE = "removeThumbnailImagesFor{kind}Folder"
SET = "setThumbnailImagesFor{kind}Folder"


def _call(api, persona, kind, op, folder, items):
    ids = [str(getattr(i, "id", i)) for i in items]
    return api.post(kind.op(op), persona=persona, folderID=wire_id(folder), imageIDs=ids)


@pytest.fixture(params=KINDS, ids=str)
def kind(request):
    return request.param


@pytest.fixture
def folder(owner, kind):
    return make_folder(owner, is_public=kind.is_public)


@pytest.fixture
def items(owner, folder):
    return [make_item(owner, public=True, folder=folder) for _ in range(6)]


def test_adding_fills_up_to_four_in_the_order_given(api, owner, kind, folder, items):
    resp = assert_envelope(_call(api, owner, kind, ADD, folder, items[:3]))
    ids = [str(i.id) for i in items]
    assert resp.payload == {"success": True, "modified": ids[:3], "actual": ids[:3]}
    resp = assert_envelope(_call(api, owner, kind, ADD, folder, [items[4], items[0], items[5]]))
    assert resp.payload == {"success": True, "modified": [ids[4]], "actual": [*ids[:3], ids[4]]}
    resp = assert_envelope(_call(api, owner, kind, ADD, folder, [items[5]]))
    assert resp.payload == {"success": False, "modified": [], "actual": [*ids[:3], ids[4]]}
    assert thumbnail_ids(folder) == [*ids[:3], ids[4]]


def test_the_folder_shows_its_thumbnails_in_order_and_updated_date_moves(api, owner, kind, folder, items):
    listing = kind.op("get{kind}Folders")
    before = api.get(listing, persona=owner, userID=owner.id).payload[0]
    _call(api, owner, kind, ADD, folder, [items[2], items[1]])
    after = api.get(listing, persona=owner, userID=owner.id).payload[0]
    assert [t["imageID"] for t in after["thumbnails"]] == [str(items[2].id), str(items[1].id)]
    assert all(t["url"].startswith("http") for t in after["thumbnails"])
    assert when(after["updatedDate"]) > when(before["updatedDate"])


def test_only_live_items_in_the_folder_can_be_thumbnails(api, owner, other_user, kind, folder, items):
    outside = make_item(owner, public=True)
    theirs = make_item(other_user, public=True, folder=make_folder(other_user, is_public=kind.is_public))
    gone = make_item(owner, public=True, folder=folder, deleted_at=timezone.now())
    bad = [outside, theirs, gone, uuid.uuid4()]
    resp = assert_envelope(_call(api, owner, kind, ADD, folder, bad))
    assert resp.payload == {"success": False, "modified": [], "actual": []}
    resp = assert_envelope(_call(api, owner, kind, ADD, folder, [*bad, items[0]]))
    assert resp.payload["modified"] == [str(items[0].id)]


def test_removing_reports_what_was_removed(api, owner, kind, folder, items):
    ids = [str(i.id) for i in items]
    _call(api, owner, kind, ADD, folder, items[:4])
    resp = assert_envelope(_call(api, owner, kind, REMOVE, folder, [items[1], items[5], items[3]]))
    assert resp.payload == {"success": True, "modified": [ids[1], ids[3]], "actual": [ids[0], ids[2]]}
    resp = assert_envelope(_call(api, owner, kind, REMOVE, folder, [items[5]]))
    assert resp.payload == {"success": False, "modified": [], "actual": [ids[0], ids[2]]}
    assert thumbnail_ids(folder) == [ids[0], ids[2]]


def test_setting_replaces_the_thumbnails(api, owner, kind, folder, items):
    ids = [str(i.id) for i in items]
    _call(api, owner, kind, ADD, folder, items[:2])
    resp = assert_envelope(_call(api, owner, kind, SET, folder, [items[1], items[4], items[5]]))
    assert resp.payload == {"success": True, "modified": [ids[4], ids[5]], "actual": [ids[1], ids[4], ids[5]]}
    assert thumbnail_ids(folder) == [ids[1], ids[4], ids[5]]


def test_setting_more_than_four_is_a_400_and_changes_nothing(api, owner, kind, folder, items):
    _call(api, owner, kind, ADD, folder, items[:1])
    resp = assert_envelope(_call(api, owner, kind, SET, folder, items[:5]), 400)
    assert "'imageIDs'" in resp.error
    assert thumbnail_ids(folder) == [str(items[0].id)]


def test_setting_an_empty_list_clears_them(api, owner, kind, folder, items):
    _call(api, owner, kind, ADD, folder, items[:3])
    resp = assert_envelope(_call(api, owner, kind, SET, folder, []))
    assert resp.payload == {"success": True, "modified": [], "actual": []}
    assert thumbnail_ids(folder) == []


def test_setting_only_invalid_ids_fails_and_keeps_the_thumbnails(api, owner, kind, folder, items):
    _call(api, owner, kind, ADD, folder, items[:2])
    resp = assert_envelope(_call(api, owner, kind, SET, folder, [make_item(owner), uuid.uuid4()]))
    assert resp.payload == {"success": False, "modified": [], "actual": [str(items[0].id), str(items[1].id)]}


def test_an_item_that_leaves_or_is_deleted_stops_being_a_thumbnail(api, owner, kind, folder, items):
    _call(api, owner, kind, ADD, folder, items[:3])
    api.post(
        kind.op("removeImagesFrom{kind}Folder"),
        persona=owner,
        folderID=wire_id(folder),
        imageIDs=[str(items[0].id)],
    )
    Item.objects.filter(pk=items[1].pk).update(deleted_at=timezone.now())
    listing = api.get(kind.op("get{kind}Folders"), persona=owner, userID=owner.id).payload[0]
    assert [t["imageID"] for t in listing["thumbnails"]] == [str(items[2].id)]
    resp = assert_envelope(_call(api, owner, kind, ADD, folder, items[3:6]))
    assert len(resp.payload["actual"]) == 4  # the stale places were freed


@pytest.mark.parametrize("op", [ADD, REMOVE, SET])
def test_only_the_owner_can_change_thumbnails(api, owner, other_user, guest, admin, kind, folder, items, op):
    _call(api, owner, kind, ADD, folder, items[:1])
    for persona in (other_user, guest, admin):
        assert_envelope(_call(api, persona, kind, op, folder, items[1:3]), 404)
    assert thumbnail_ids(folder) == [str(items[0].id)]


def test_public_viewers_see_only_publicly_visible_thumbnails(api, owner, other_user):
    folder = make_folder(owner, is_public=True)
    items = [make_item(owner, public=True, folder=folder) for _ in range(2)]
    _call(api, owner, PUBLIC, ADD, folder, items)
    Item.objects.filter(pk=items[0].pk).update(is_public=False)
    seen = api.get("/getPublicFolders", persona=other_user).payload[0]
    assert [t["imageID"] for t in seen["thumbnails"]] == [str(items[1].id)]
    mine = api.get("/getPublicFolders", persona=owner, userID=owner.id).payload[0]
    assert len(mine["thumbnails"]) == 2
