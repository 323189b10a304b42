"""Hostile input on every library endpoint: a 4xx envelope naming the problem, never a 500.

Each case sends one bad value (wrong JSON type, NUL character, unicode, huge
or garbage ids, 1,001 ids, ids of deleted or other-domain items) to one
parameter, as the owner and as an Admin, and expects a documented 4xx (or a
200 whose per-item outcomes say what failed).
"""

from __future__ import annotations

import datetime as dt
import uuid

import pytest

from aimg_site.core.scoping import domain_context
from tests.support.assertions import assert_envelope
from tests.support.factories.library import FolderFactory, ItemFactory

NUL = "a\x00b"
GARBAGE_IDS = [
    NUL,
    "p-",
    "p-" + "x" * 36,
    "p-\x00" + str(uuid.UUID(int=1))[1:],
    "P-" + "z" * 200,
    "é" * 40,
    "root\x00",
    "💥",
    "-1",
    "0" * 10_000,
]
WRONG_TYPES = [None, 1, 1.5, True, {}, {"a": 1}, [[]], [1, 2], [None], [{}]]

# (method, path, parameter, other valid parameters) for every endpoint taking an id or a list
ITEM_POSTS = [
    ("/likeItems", "imageIDs", {}),
    ("/unlikeItems", "imageIDs", {}),
    ("/dislikeItems", "imageIDs", {}),
    ("/undislikeItems", "imageIDs", {}),
    ("/setProtected", "imageIDs", {}),
    ("/setPublicApprovalStatus", "imageIDs", {"publicApprovalStatus": "approved"}),
    ("/restoreItems", "imageIDs", {}),
    ("/setItemProperties", "imageID", {"isPublic": False}),
    ("/migrateLibrary", "sourceUserID", {"destinationUserID": str(uuid.uuid4())}),
    ("/addTagsToItem", "imageID", {"tags": ["cat"]}),
    ("/addTagsToItem", "folderID", {"tags": ["cat"]}),
    ("/addTagsToItem", "tags", {"imageID": str(uuid.uuid4())}),
    ("/setTagsForItem", "tags", {"imageID": str(uuid.uuid4())}),
    ("/removeTagsFromItem", "tags", {"imageID": str(uuid.uuid4())}),
    ("/moveItemsBetweenFolders", "sourceFolderID", {"destinationFolderID": None, "imageIDs": []}),
    ("/moveItemsBetweenFolders", "imageIDs", {"sourceFolderID": None, "destinationFolderID": None}),
]
for kind, prefix in (("Self", ""), ("Public", "p-")):
    ITEM_POSTS += [
        (f"/create{kind}Folder", "name", {}),
        (f"/create{kind}Folder", "description", {"name": "ok"}),
        (f"/set{kind}FolderProperties", "folderID", {"folderName": "x"}),
        (f"/set{kind}FolderProperties", "folderName", {"folderID": prefix + str(uuid.uuid4())}),
        (f"/addImagesTo{kind}Folder", "folderID", {"imageIDs": [str(uuid.uuid4())]}),
        (f"/addImagesTo{kind}Folder", "imageIDs", {"folderID": prefix + str(uuid.uuid4())}),
        (f"/removeImagesFrom{kind}Folder", "imageIDs", {"folderID": prefix + str(uuid.uuid4())}),
        (f"/addThumbnailImagesFor{kind}Folder", "imageIDs", {"folderID": prefix + str(uuid.uuid4())}),
        (f"/setThumbnailImagesFor{kind}Folder", "folderID", {"imageIDs": []}),
        (f"/removeThumbnailImagesFor{kind}Folder", "imageIDs", {"folderID": prefix + str(uuid.uuid4())}),
    ]

QUERY_PARAMS = [
    ("/getItem", "imageID", {}),
    ("/getItemDetails", "imageID", {}),
    ("/getLastCompletedItem", "mtype", {}),
    ("/getBatchItems", "batchID", {}),
    ("/getSampleItems", "limit", {}),
    ("/getMyCreations", "folderID", {}),
    ("/getMyCreations", "isPublic", {}),
    ("/getMyCreations", "publicApprovalStatus", {}),
    ("/getMyCreations", "paginationIndex", {}),
    ("/getMyCreations", "skipCount", {}),
    ("/getMyCreations", "limit", {}),
    ("/getPublicCreations", "folderID", {}),
    ("/getPublicCreations", "userID", {}),
    ("/getPublicCreations", "paginationIndex", {"reversePagination": "true"}),
    ("/getLatestItems", "paginationIndex", {}),
    ("/getItems", "folderID", {}),
    ("/getItems", "userID", {}),
    ("/getSelfFolders", "folderIDs", {}),
    ("/getSelfFolders", "paginationIndex", {}),
    ("/getPublicFolders", "folderIDs", {}),
    ("/getPublicFolders", "userID", {}),
    ("/getTagsList", "tags", {}),
    ("/getTagsList", "paginationIndex", {}),
    ("/deleteItems", "imageIDs", {}),
    ("/deleteItems", "userID", {}),
    ("/deleteSelfFolder", "folderID", {}),
    ("/deletePublicFolder", "folderID", {}),
]
QUERY_VALUES = [*GARBAGE_IDS, "9" * 60, "99999999999999999999", "-5", "1e3", "", " ", ",,,", "true,false"]


ADMIN_PATHS = {"/getItems", "/setProtected", "/setPublicApprovalStatus", "/restoreItems", "/migrateLibrary"}


def personas(path, owner, admin):
    """The Admin for Admin endpoints (anyone else gets the 403 before reading input), else the owner."""
    return (admin,) if path in ADMIN_PATHS else (owner,)


def check(resp, *, allowed=(200, 400, 403, 404, 409)):
    assert resp.status in allowed, (resp.status, resp.body)
    assert_envelope(resp, resp.status)
    if resp.status == 400:
        assert resp.error  # names the problem
    return resp


@pytest.mark.parametrize("path, param, rest", ITEM_POSTS, ids=lambda v: v if isinstance(v, str) else "")
def test_post_bodies_with_bad_values_are_4xx_envelopes(api, owner, admin, path, param, rest):
    for value in [*GARBAGE_IDS, *WRONG_TYPES, [NUL], ["x" * 5000], ["ÄÖÜ"], ["tag\x00"]]:
        for persona in personas(path, owner, admin):
            check(api.post(path, persona=persona, body={**rest, param: value}))


@pytest.mark.parametrize("body", ["", "{", "null", "[]", "[1]", '"text"', "1", '{"imageIDs": "\\u0000"}'])
@pytest.mark.parametrize("path", sorted({path for path, _, _ in ITEM_POSTS}))
def test_bodies_that_are_not_json_objects_are_400s(api, owner, admin, path, body):
    for persona in personas(path, owner, admin):
        check(api.post(path, persona=persona, body=body), allowed=(400,))


@pytest.mark.parametrize("path, param, rest", QUERY_PARAMS, ids=lambda v: v if isinstance(v, str) else "")
def test_query_strings_with_bad_values_are_4xx_envelopes(api, owner, admin, path, param, rest):
    method = api.delete if path.startswith("/delete") else api.get
    for value in QUERY_VALUES:
        for persona in personas(path, owner, admin):
            check(method(path, persona=persona, **{**rest, param: value}))


def test_1001_ids_are_a_400_naming_the_parameter_everywhere(api, owner, admin):
    ids = [str(uuid.uuid4()) for _ in range(1001)]
    folder_ok = str(uuid.uuid4())
    cases = [(path, param, rest) for path, param, rest in ITEM_POSTS if param == "imageIDs"]
    for path, param, rest in cases:
        rest = {k: (folder_ok if k == "folderID" and "Self" in path else v) for k, v in rest.items()}
        resp = check(api.post(path, persona=admin, body={**rest, param: ids}), allowed=(400,))
        assert param in resp.error
    resp = check(api.delete("/deleteItems", persona=owner, imageIDs=ids), allowed=(400,))
    assert "imageIDs" in resp.error


def test_duplicate_deleted_and_other_domain_ids_get_one_outcome_each(api, owner, admin, other_domain):
    live = ItemFactory(owner=owner.user, public=True)
    gone = ItemFactory(owner=owner.user, deleted_at=dt.datetime(2025, 1, 1, tzinfo=dt.UTC))
    with domain_context(other_domain):
        there = ItemFactory(public=True)
    ids = [str(live.id), str(live.id), str(gone.id), str(live.id).upper(), str(there.id)]
    resp = check(api.post("/likeItems", persona=owner, imageIDs=ids))
    assert resp.payload == [
        {"id": str(live.id), "success": True},
        {"id": str(gone.id), "success": False, "message": "Item not found."},
        {"id": str(there.id), "success": False, "message": "Item not found."},
    ]
    live.refresh_from_db()
    assert live.like_count == 1
    for path in ("/setProtected", "/restoreItems"):
        resp = check(api.post(path, persona=admin, imageIDs=ids))
        assert [row["id"] for row in resp.payload] == [str(live.id), str(gone.id), str(there.id)]
        assert resp.payload[2] == {"id": str(there.id), "success": False, "message": "Item not found."}
    resp = check(api.delete("/deleteItems", persona=owner, imageIDs=ids))
    assert [row["id"] for row in resp.payload] == [str(live.id), str(gone.id), str(there.id)]
    there.refresh_from_db()
    assert there.deleted_at is None and there.is_protected is False


def test_a_folder_name_with_a_nul_character_is_a_400_not_a_database_error(api, owner):
    for kind in ("Self", "Public"):
        resp = check(api.post(f"/create{kind}Folder", persona=owner, name="a\x00b"), allowed=(400,))
        assert "name" in resp.error
    folder = FolderFactory(owner=owner.user)
    resp = check(
        api.post(
            "/setSelfFolderProperties", persona=owner, folderID=str(folder.id), folderDescription="\x00"
        ),
        allowed=(400,),
    )
    assert "folderDescription" in resp.error
