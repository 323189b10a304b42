"""addTagsToItem / removeTagsFromItem / setTagsForItem on items and folders."""

from __future__ import annotations

import uuid

import pytest
from django.utils import timezone

from library.models import FolderTag, ItemTag, Tag
from tests.library.conftest_folders import make_folder, make_item, tag_item, when, wire_id
from tests.support.assertions import assert_envelope


def _item_tags(item) -> list[str]:
    return sorted(ItemTag.objects.filter(item=item).values_list("tag__name", flat=True))


def _folder_tags(folder) -> list[str]:
    return sorted(FolderTag.objects.filter(folder=folder).values_list("tag__name", flat=True))


def test_adding_lower_cases_tags_and_reports_modified_and_actual(api, owner):
    item = make_item(owner)
    tag_item(item, "fox")
    resp = api.post(
        "/addTagsToItem", persona=owner, imageID=str(item.id), tags=["Night", "FOX", "sky", "night"]
    )
    assert assert_envelope(resp).payload == {
        "success": True,
        "modified": ["night", "sky"],
        "actual": ["fox", "night", "sky"],
    }
    assert _item_tags(item) == ["fox", "night", "sky"]


def test_adding_tags_already_there_is_not_a_success(api, owner):
    item = make_item(owner)
    tag_item(item, "fox")
    resp = api.post("/addTagsToItem", persona=owner, imageID=str(item.id), tags=["fox"])
    assert assert_envelope(resp).payload == {"success": False, "modified": [], "actual": ["fox"]}


def test_tags_may_be_a_comma_separated_string(api, owner):
    item = make_item(owner)
    resp = api.post("/addTagsToItem", persona=owner, imageID=str(item.id), tags="a, b")
    assert assert_envelope(resp).payload["actual"] == ["a", "b"]


def test_every_allowed_character_is_accepted_literally(api, owner):
    item = make_item(owner)
    tags = ["$-_.+!*'()", "a" * 32, "0123456789", "z"]
    resp = api.post("/setTagsForItem", persona=owner, imageID=str(item.id), tags=tags)
    assert assert_envelope(resp).payload == {"success": True, "actual": sorted(tags)}


@pytest.mark.parametrize(
    "bad",
    [
        "a" * 33,
        "%",
        "a&b",
        "a,b" + "",
        "a/b",
        "a:b",
        "a@b",
        "a[b",
        "a^b",
        "a b",
        "é",
        "a;b",
        "a<b",
        "a?b",
        "tag#",
    ],
)
def test_a_tag_outside_the_rule_is_a_400_naming_the_parameter_and_the_tag(api, owner, bad):
    item = make_item(owner)
    resp = assert_envelope(
        api.post("/addTagsToItem", persona=owner, imageID=str(item.id), tags=["ok", bad]), 400
    )
    assert "'tags'" in resp.error and bad[:40] in resp.error
    assert _item_tags(item) == []


def test_the_kelvin_sign_is_not_lower_cased_into_a_k(api, owner):
    item = make_item(owner)
    assert_envelope(api.post("/addTagsToItem", persona=owner, imageID=str(item.id), tags=["\u212a"]), 400)


def test_adding_stops_at_ten_tags(api, owner):
    item = make_item(owner)
    tag_item(item, *[f"t{i}" for i in range(8)])
    resp = api.post("/addTagsToItem", persona=owner, imageID=str(item.id), tags=["x", "y", "z"])
    payload = assert_envelope(resp).payload
    assert payload["success"] is True and payload["modified"] == ["x", "y"] and len(payload["actual"]) == 10
    resp = api.post("/addTagsToItem", persona=owner, imageID=str(item.id), tags=["z"])
    assert resp.payload["success"] is False and len(_item_tags(item)) == 10


def test_removing_reports_what_was_removed(api, owner):
    item = make_item(owner)
    tag_item(item, "a", "b", "c")
    resp = api.post("/removeTagsFromItem", persona=owner, imageID=str(item.id), tags=["C", "a", "zz"])
    assert assert_envelope(resp).payload == {"success": True, "modified": ["c", "a"], "actual": ["b"]}
    resp = api.post("/removeTagsFromItem", persona=owner, imageID=str(item.id), tags=["zz"])
    assert resp.payload == {"success": False, "modified": [], "actual": ["b"]}


def test_setting_replaces_all_tags_and_an_empty_list_clears_them(api, owner):
    item = make_item(owner)
    tag_item(item, "old", "keep")
    resp = api.post("/setTagsForItem", persona=owner, imageID=str(item.id), tags=["keep", "New"])
    assert assert_envelope(resp).payload == {"success": True, "actual": ["keep", "new"]}
    resp = api.post("/setTagsForItem", persona=owner, imageID=str(item.id), tags=[])
    assert assert_envelope(resp).payload == {"success": True, "actual": []}
    assert _item_tags(item) == []


def test_setting_more_than_ten_tags_is_a_400(api, owner):
    item = make_item(owner)
    tag_item(item, "kept")
    resp = api.post("/setTagsForItem", persona=owner, imageID=str(item.id), tags=[f"t{i}" for i in range(11)])
    assert "'tags'" in assert_envelope(resp, 400).error
    assert _item_tags(item) == ["kept"]


@pytest.mark.parametrize("op", ["/addTagsToItem", "/removeTagsFromItem"])
def test_adding_or_removing_needs_at_least_one_tag(api, owner, op):
    item = make_item(owner)
    assert "'tags'" in assert_envelope(api.post(op, persona=owner, imageID=str(item.id), tags=[]), 400).error
    assert "'tags'" in assert_envelope(api.post(op, persona=owner, imageID=str(item.id)), 400).error


@pytest.mark.parametrize("op", ["/addTagsToItem", "/removeTagsFromItem", "/setTagsForItem"])
def test_an_item_or_a_folder_must_be_named(api, owner, op):
    resp = assert_envelope(api.post(op, persona=owner, tags=["a"]), 400)
    assert "'imageID'" in resp.error


@pytest.mark.parametrize(
    "body, parameter",
    [({"imageID": "nope"}, "imageID"), ({"folderID": "nope"}, "folderID"), ({"folderID": "p-x"}, "folderID")],
)
def test_malformed_targets_are_a_400(api, owner, body, parameter):
    resp = api.post("/addTagsToItem", persona=owner, body={"tags": ["a"], **body})
    assert f"'{parameter}'" in assert_envelope(resp, 400).error


@pytest.mark.parametrize("is_public", [False, True])
def test_folders_take_tags_in_either_id_form_and_their_updated_date_moves(api, owner, is_public):
    folder = make_folder(owner, is_public=is_public)
    listing = "/getPublicFolders" if is_public else "/getSelfFolders"
    before = api.get(listing, persona=owner, userID=owner.id).payload[0]
    resp = api.post("/addTagsToItem", persona=owner, folderID=wire_id(folder), tags=["Trip"])
    assert assert_envelope(resp).payload == {"success": True, "modified": ["trip"], "actual": ["trip"]}
    after = api.get(listing, persona=owner, userID=owner.id).payload[0]
    assert after["tags"] == ["trip"] and when(after["updatedDate"]) > when(before["updatedDate"])
    resp = api.post("/setTagsForItem", persona=owner, folderID=wire_id(folder), tags=["a", "b"])
    assert assert_envelope(resp).payload == {"success": True, "actual": ["a", "b"]}
    resp = api.post("/removeTagsFromItem", persona=owner, folderID=wire_id(folder), tags=["a"])
    assert assert_envelope(resp).payload["actual"] == ["b"] == _folder_tags(folder)


def test_folder_id_wins_over_image_id(api, owner):
    folder, item = make_folder(owner), make_item(owner)
    resp = api.post(
        "/addTagsToItem", persona=owner, folderID=str(folder.id), imageID=str(item.id), tags=["f"]
    )
    assert_envelope(resp)
    assert _folder_tags(folder) == ["f"] and _item_tags(item) == []


def test_a_folder_id_of_the_wrong_kind_is_a_404(api, owner):
    private = make_folder(owner)
    resp = api.post("/addTagsToItem", persona=owner, folderID=f"p-{private.id}", tags=["x"])
    assert_envelope(resp, 404)


@pytest.mark.parametrize("op", ["/addTagsToItem", "/removeTagsFromItem", "/setTagsForItem"])
def test_only_the_owner_can_tag_their_item_or_folder(api, owner, other_user, guest, admin, op):
    item = make_item(owner, public=True, folder=make_folder(owner, is_public=True))
    folder = make_folder(owner)
    tag_item(item, "mine")
    for persona in (other_user, guest, admin):
        assert_envelope(api.post(op, persona=persona, imageID=str(item.id), tags=["x"]), 404)
        assert_envelope(api.post(op, persona=persona, folderID=str(folder.id), tags=["x"]), 404)
    assert _item_tags(item) == ["mine"] and _folder_tags(folder) == []


def test_unknown_and_deleted_items_are_a_404(api, owner):
    gone = make_item(owner, deleted_at=timezone.now())
    for image_id in (str(gone.id), str(uuid.uuid4())):
        assert_envelope(api.post("/addTagsToItem", persona=owner, imageID=image_id, tags=["x"]), 404)
    assert_envelope(api.post("/addTagsToItem", persona=owner, folderID=str(uuid.uuid4()), tags=["x"]), 404)


def test_a_tag_name_is_one_row_per_domain_shared_by_its_users(api, owner, other_user):
    mine, theirs = make_item(owner), make_item(other_user)
    api.post("/addTagsToItem", persona=owner, imageID=str(mine.id), tags=["shared"])
    api.post("/addTagsToItem", persona=other_user, imageID=str(theirs.id), tags=["Shared"])
    assert Tag.objects.filter(name="shared").count() == 1
    assert _item_tags(mine) == _item_tags(theirs) == ["shared"]
