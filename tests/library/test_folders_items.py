"""addImagesTo…Folder / removeImagesFrom…Folder (private and public)."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from django.utils import timezone

from accounts.models import User
from library.models import ApprovalStatus, FolderThumbnail, Item
from tests.library.conftest_folders import (
    KINDS,
    folder_item_ids,
    make_folder,
    make_item,
    stamped_since,
    when,
    wire_id,
)
from tests.support.assertions import assert_envelope

ADD = "addImagesTo{kind}Folder"
REMOVE = "removeImagesFrom{kind}Folder"
LONG_AGO = dt.timedelta(days=10)


def _folder_payload(api, persona, folder):
    op = "/getPublicFolders" if folder.is_public else "/getSelfFolders"
    rows = api.get(op, persona=persona, userID=persona.id, folderIDs=wire_id(folder)).payload
    return rows[0]


@pytest.mark.parametrize("kind", KINDS, ids=str)
def test_adding_puts_the_items_in_the_folder_stamped_now(api, owner, kind):
    folder = make_folder(owner, is_public=kind.is_public)
    items = [make_item(owner, public=True, folder_added_at=timezone.now() - LONG_AGO) for _ in range(3)]
    before = _folder_payload(api, owner, folder)
    started = timezone.now()

    resp = api.post(
        kind.op(ADD), persona=owner, folderID=wire_id(folder), imageIDs=[str(i.id) for i in items]
    )

    assert assert_envelope(resp).payload == {"success": True}
    assert folder_item_ids(folder) == {i.id for i in items}
    assert all(
        stamped_since(t, started)
        for t in Item.objects.filter(folder=folder).values_list("folder_added_at", flat=True)
    )
    after = _folder_payload(api, owner, folder)
    assert after["imageCount"] == 3
    assert when(after["updatedDate"]) > when(before["updatedDate"])


def test_image_ids_may_be_a_comma_separated_string(api, owner):
    folder = make_folder(owner)
    a, b = make_item(owner), make_item(owner)
    resp = api.post(
        "/addImagesToSelfFolder", persona=owner, folderID=str(folder.id), imageIDs=f"{a.id}, {b.id}"
    )
    assert assert_envelope(resp).payload["success"] is True
    assert folder_item_ids(folder) == {a.id, b.id}


@pytest.mark.parametrize("kind", KINDS, ids=str)
def test_other_users_unknown_and_deleted_items_are_skipped(api, owner, other_user, kind):
    folder = make_folder(owner, is_public=kind.is_public)
    theirs = make_item(other_user, public=True)
    gone = make_item(owner, public=True, deleted_at=timezone.now())
    ids = [str(theirs.id), str(gone.id), str(uuid.uuid4())]
    resp = api.post(kind.op(ADD), persona=owner, folderID=wire_id(folder), imageIDs=ids)
    assert assert_envelope(resp).payload == {"success": False}
    assert folder_item_ids(folder) == set()
    mine = make_item(owner, public=True)
    resp = api.post(kind.op(ADD), persona=owner, folderID=wire_id(folder), imageIDs=[*ids, str(mine.id)])
    assert resp.payload == {"success": True}
    assert folder_item_ids(folder) == {mine.id}
    theirs.refresh_from_db()
    assert theirs.folder_id is None


@pytest.mark.parametrize(
    "fields",
    [
        {"is_public": False, "public_approval_status": ApprovalStatus.APPROVED},
        {"is_public": True, "public_approval_status": ApprovalStatus.PENDING},
        {"is_public": False, "public_approval_status": ApprovalStatus.NONE},
        {"is_public": False, "public_approval_status": ApprovalStatus.REJECTED},
    ],
)
def test_a_public_folder_refuses_items_that_are_not_approved_and_public(api, owner, fields):
    folder = make_folder(owner, is_public=True)
    refused = make_item(owner, **fields)
    accepted = make_item(owner, public=True)
    resp = api.post(
        "/addImagesToPublicFolder", persona=owner, folderID=wire_id(folder), imageIDs=[str(refused.id)]
    )
    assert assert_envelope(resp).payload == {"success": False}
    resp = api.post(
        "/addImagesToPublicFolder",
        persona=owner,
        folderID=wire_id(folder),
        imageIDs=[str(refused.id), str(accepted.id)],
    )
    assert resp.payload == {"success": True}
    assert folder_item_ids(folder) == {accepted.id}


def test_a_private_folder_takes_any_of_the_owners_items(api, owner):
    folder = make_folder(owner)
    item = make_item(owner, public_approval_status=ApprovalStatus.REJECTED)
    resp = api.post("/addImagesToSelfFolder", persona=owner, folderID=str(folder.id), imageIDs=[str(item.id)])
    assert assert_envelope(resp).payload == {"success": True}


def test_adding_takes_items_out_of_their_previous_folder(api, owner):
    old, new = make_folder(owner), make_folder(owner)
    item = make_item(owner, folder=old)
    FolderThumbnail.objects.create(folder=old, item=item, position=0)
    old_before = _folder_payload(api, owner, old)
    assert old_before["thumbnails"] != []
    assert_envelope(
        api.post("/addImagesToSelfFolder", persona=owner, folderID=str(new.id), imageIDs=[str(item.id)])
    )
    item.refresh_from_db()
    assert item.folder_id == new.id
    old_after = _folder_payload(api, owner, old)
    assert old_after["imageCount"] == 0 and old_after["thumbnails"] == []
    assert not FolderThumbnail.objects.filter(folder=old).exists()
    assert when(old_after["updatedDate"]) > when(old_before["updatedDate"])


def test_an_item_already_in_the_folder_counts_as_added_but_keeps_its_timestamp(api, owner):
    folder = make_folder(owner)
    stamp = timezone.now() - LONG_AGO
    item = make_item(owner, folder=folder, folder_added_at=stamp)
    resp = api.post("/addImagesToSelfFolder", persona=owner, folderID=str(folder.id), imageIDs=[str(item.id)])
    assert assert_envelope(resp).payload == {"success": True}
    item.refresh_from_db()
    assert item.folder_added_at == stamp


@pytest.mark.parametrize("op", [ADD, REMOVE])
@pytest.mark.parametrize("kind", KINDS, ids=str)
def test_more_than_1000_ids_is_a_400_and_1000_is_fine(api, owner, kind, op):
    folder = make_folder(owner, is_public=kind.is_public)
    ids = [str(uuid.uuid4()) for _ in range(1001)]
    resp = assert_envelope(api.post(kind.op(op), persona=owner, folderID=wire_id(folder), imageIDs=ids), 400)
    assert "'imageIDs'" in resp.error
    assert_envelope(api.post(kind.op(op), persona=owner, folderID=wire_id(folder), imageIDs=ids[:1000]))


@pytest.mark.parametrize("image_ids", [["not-a-uuid"], "x,y", 42, None, [{"id": 1}]])
def test_malformed_image_ids_are_a_400(api, owner, image_ids):
    folder = make_folder(owner)
    body = {"folderID": str(folder.id), "imageIDs": image_ids}
    resp = assert_envelope(api.post("/addImagesToSelfFolder", persona=owner, body=body), 400)
    assert "'imageIDs'" in resp.error


def test_image_ids_are_required(api, owner):
    folder = make_folder(owner)
    resp = assert_envelope(
        api.post("/removeImagesFromSelfFolder", persona=owner, folderID=str(folder.id)), 400
    )
    assert "'imageIDs'" in resp.error


@pytest.mark.parametrize("op", [ADD, REMOVE])
@pytest.mark.parametrize("kind", KINDS, ids=str)
def test_only_the_owner_can_fill_or_empty_a_folder(api, owner, other_user, guest, admin, kind, op):
    folder = make_folder(owner, is_public=kind.is_public)
    inside = make_item(owner, public=True, folder=folder)
    outside = make_item(owner, public=True)
    for persona in (other_user, guest, admin):
        resp = api.post(
            kind.op(op), persona=persona, folderID=wire_id(folder), imageIDs=[str(inside.id), str(outside.id)]
        )
        assert_envelope(resp, 404)
    assert folder_item_ids(folder) == {inside.id}


def test_a_user_cannot_put_their_items_in_someone_elses_folder(api, owner, other_user):
    folder = make_folder(other_user)
    item = make_item(owner)
    resp = api.post("/addImagesToSelfFolder", persona=owner, folderID=str(folder.id), imageIDs=[str(item.id)])
    assert_envelope(resp, 404)
    item.refresh_from_db()
    assert item.folder_id is None


@pytest.mark.parametrize("kind", KINDS, ids=str)
def test_removing_moves_items_to_the_root_stamped_now(api, owner, kind):
    folder = make_folder(owner, is_public=kind.is_public)
    stamp = timezone.now() - LONG_AGO
    leaving = make_item(owner, public=True, folder=folder, folder_added_at=stamp)
    staying = make_item(owner, public=True, folder=folder, folder_added_at=stamp)
    FolderThumbnail.objects.create(folder=folder, item=leaving, position=0)
    before = _folder_payload(api, owner, folder)
    started = timezone.now()

    resp = api.post(kind.op(REMOVE), persona=owner, folderID=wire_id(folder), imageIDs=[str(leaving.id)])

    assert assert_envelope(resp).payload == {"success": True}
    leaving.refresh_from_db()
    staying.refresh_from_db()
    assert leaving.folder_id is None and stamped_since(leaving.folder_added_at, started)
    assert staying.folder_id == folder.id and staying.folder_added_at == stamp
    after = _folder_payload(api, owner, folder)
    assert after["imageCount"] == 1 and after["thumbnails"] == []
    assert when(after["updatedDate"]) > when(before["updatedDate"])


def test_removing_items_that_are_not_in_the_folder_succeeds_for_none(api, owner, other_user):
    folder, other = make_folder(owner), make_folder(owner)
    elsewhere = make_item(owner, folder=other)
    root = make_item(owner)
    theirs = make_item(other_user)
    ids = [str(elsewhere.id), str(root.id), str(theirs.id), str(uuid.uuid4())]
    resp = api.post("/removeImagesFromSelfFolder", persona=owner, folderID=str(folder.id), imageIDs=ids)
    assert assert_envelope(resp).payload == {"success": False}
    elsewhere.refresh_from_db()
    assert elsewhere.folder_id == other.id


def test_a_guest_fills_and_empties_the_folder_it_created(api, guest):
    folder_id = assert_envelope(api.post("/createSelfFolder", persona=guest, name="g")).payload["id"]
    guest_user = User.objects.get(id=api.get("/getSelfFolders", persona=guest).payload[0]["userID"])
    assert guest_user.is_guest
    item = make_item(guest_user)
    resp = api.post("/addImagesToSelfFolder", persona=guest, folderID=folder_id, imageIDs=[str(item.id)])
    assert assert_envelope(resp).payload == {"success": True}
    assert api.get("/getSelfFolders", persona=guest).payload[0]["imageCount"] == 1
    resp = api.post("/removeImagesFromSelfFolder", persona=guest, folderID=folder_id, imageIDs=[str(item.id)])
    assert assert_envelope(resp).payload == {"success": True}
    item.refresh_from_db()
    assert item.folder_id is None
