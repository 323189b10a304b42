"""moveItemsBetweenFolders: source and destination (or the root), public rules, per-item outcomes."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from django.utils import timezone

from library.models import ApprovalStatus, FolderThumbnail, Item
from tests.library.conftest_folders import (
    folder_item_ids,
    make_folder,
    make_item,
    stamped_since,
    when,
    wire_id,
)
from tests.support.assertions import assert_envelope

LONG_AGO = timezone.now() - dt.timedelta(days=3)


def _move(api, persona, source, destination, items, **extra):
    body = {
        "sourceFolderID": wire_id(source) if hasattr(source, "is_public") else source,
        "destinationFolderID": wire_id(destination) if hasattr(destination, "is_public") else destination,
        "imageIDs": [str(getattr(i, "id", i)) for i in items],
        **extra,
    }
    return api.post("/moveItemsBetweenFolders", persona=persona, body=body)


@pytest.mark.parametrize(
    "source_public, destination_public",
    [
        (None, False),
        (None, True),
        (False, True),
        (True, False),
        (False, False),
        (True, True),
        (False, None),
        (True, None),
    ],
)
def test_items_move_between_any_two_places_and_are_stamped_now(api, owner, source_public, destination_public):
    source = None if source_public is None else make_folder(owner, is_public=source_public)
    destination = None if destination_public is None else make_folder(owner, is_public=destination_public)
    items = [make_item(owner, public=True, folder=source, folder_added_at=LONG_AGO) for _ in range(2)]
    started = timezone.now()

    resp = assert_envelope(_move(api, owner, source, destination, items))

    assert resp.payload == [{"id": str(i.id), "success": True} for i in items]
    for item in items:
        item.refresh_from_db()
        assert item.folder_id == (destination.id if destination else None)
        assert stamped_since(item.folder_added_at, started)


def test_the_root_may_also_be_named_root(api, owner):
    folder = make_folder(owner)
    item = make_item(owner)
    assert_envelope(_move(api, owner, "root", folder, [item]))
    assert folder_item_ids(folder) == {item.id}


def test_each_item_gets_its_own_outcome_in_request_order(api, owner, other_user):
    source, destination = make_folder(owner), make_folder(owner, is_public=True)
    ok = make_item(owner, public=True, folder=source)
    pending = make_item(owner, folder=source, is_public=True, public_approval_status=ApprovalStatus.PENDING)
    private = make_item(owner, folder=source, public_approval_status=ApprovalStatus.APPROVED)
    elsewhere = make_item(owner, public=True)
    theirs = make_item(other_user, public=True, folder=make_folder(other_user))
    gone = make_item(owner, public=True, folder=source, deleted_at=timezone.now())
    unknown = uuid.uuid4()

    order = [pending, ok, unknown, private, elsewhere, theirs, gone]
    payload = assert_envelope(_move(api, owner, source, destination, order)).payload

    assert [o["id"] for o in payload] == [str(getattr(i, "id", i)) for i in order]
    assert [o["success"] for o in payload] == [False, True, False, False, False, False, False]
    assert all("message" not in o for o in payload if o["success"])
    messages = {o["id"]: o.get("message", "") for o in payload}
    assert "public" in messages[str(pending.id)] and "public" in messages[str(private.id)]
    assert "source" in messages[str(elsewhere.id)]
    assert messages[str(unknown)] == messages[str(theirs.id)] == messages[str(gone.id)] == "Item not found."
    assert folder_item_ids(destination) == {ok.id}
    theirs.refresh_from_db()
    assert theirs.folder.owner_id == other_user.user.id


def test_moving_updates_both_folders_and_drops_thumbnails_of_the_source(api, owner):
    source, destination = make_folder(owner), make_folder(owner)
    item = make_item(owner, folder=source)
    FolderThumbnail.objects.create(folder=source, item=item, position=0)
    before = {f["id"]: f for f in api.get("/getSelfFolders", persona=owner).payload}
    assert_envelope(_move(api, owner, source, destination, [item]))
    after = {f["id"]: f for f in api.get("/getSelfFolders", persona=owner).payload}
    for folder in (source, destination):
        assert when(after[str(folder.id)]["updatedDate"]) > when(before[str(folder.id)]["updatedDate"])
    assert after[str(source.id)]["imageCount"] == 0 and after[str(destination.id)]["imageCount"] == 1
    assert not FolderThumbnail.objects.exists()


def test_a_failed_move_changes_nothing(api, owner):
    source, destination = make_folder(owner), make_folder(owner)
    item = make_item(owner, folder_added_at=LONG_AGO)
    payload = assert_envelope(_move(api, owner, source, destination, [item])).payload
    assert payload[0]["success"] is False
    item.refresh_from_db()
    assert item.folder_id is None and item.folder_added_at == LONG_AGO


@pytest.mark.parametrize("side", ["sourceFolderID", "destinationFolderID"])
def test_another_users_folder_on_either_side_is_a_404(api, owner, other_user, side):
    mine, theirs = make_folder(owner), make_folder(other_user)
    item = make_item(owner, folder=mine if side == "destinationFolderID" else None)
    source, destination = (theirs, mine) if side == "sourceFolderID" else (mine, theirs)
    if side == "sourceFolderID":
        item = make_item(other_user, folder=theirs)
    assert_envelope(_move(api, owner, source, destination, [item]), 404)
    assert folder_item_ids(theirs) == ({item.id} if side == "sourceFolderID" else set())


def test_a_guest_admin_or_stranger_cannot_move_the_owners_items(api, owner, other_user, guest, admin):
    folder = make_folder(owner)
    item = make_item(owner, folder=folder)
    for persona in (other_user, guest, admin):
        assert_envelope(_move(api, persona, folder, None, [item]), 404)
        their_folder = api.post("/createSelfFolder", persona=persona, name="theirs").payload["id"]
        payload = assert_envelope(_move(api, persona, None, their_folder, [item])).payload
        assert payload == [{"id": str(item.id), "success": False, "message": "Item not found."}]
    assert folder_item_ids(folder) == {item.id}


def test_a_folder_id_whose_form_names_the_other_kind_is_a_404(api, owner):
    private, public = make_folder(owner), make_folder(owner, is_public=True)
    item = make_item(owner, public=True, folder=private)
    assert_envelope(_move(api, owner, f"p-{private.id}", public, [item]), 404)
    assert_envelope(_move(api, owner, private, str(public.id), [item]), 404)
    assert folder_item_ids(private) == {item.id}


def test_the_same_folder_on_both_sides_is_a_400(api, owner):
    folder = make_folder(owner)
    item = make_item(owner, folder=folder)
    assert "'destinationFolderID'" in assert_envelope(_move(api, owner, folder, folder, [item]), 400).error
    assert "'destinationFolderID'" in assert_envelope(_move(api, owner, None, "root", [item]), 400).error


@pytest.mark.parametrize("missing", ["sourceFolderID", "destinationFolderID", "imageIDs"])
def test_every_parameter_is_mandatory(api, owner, missing):
    body = {"sourceFolderID": None, "destinationFolderID": str(make_folder(owner).id), "imageIDs": []}
    del body[missing]
    resp = assert_envelope(api.post("/moveItemsBetweenFolders", persona=owner, body=body), 400)
    assert f"'{missing}'" in resp.error


@pytest.mark.parametrize("value", ["nope", "", 5, "p-", "ROOT"])
def test_a_malformed_folder_id_is_a_400(api, owner, value):
    resp = assert_envelope(_move(api, owner, value, None, [make_item(owner)]), 400)
    assert "'sourceFolderID'" in resp.error


def test_at_most_1000_ids_and_a_comma_separated_string_is_accepted(api, owner):
    folder = make_folder(owner)
    ids = [str(uuid.uuid4()) for _ in range(1001)]
    assert "'imageIDs'" in assert_envelope(_move(api, owner, None, folder, ids), 400).error
    assert len(assert_envelope(_move(api, owner, None, folder, ids[:1000])).payload) == 1000
    a, b = make_item(owner), make_item(owner)
    resp = api.post(
        "/moveItemsBetweenFolders",
        persona=owner,
        body={"sourceFolderID": None, "destinationFolderID": str(folder.id), "imageIDs": f"{a.id},{b.id}"},
    )
    assert [o["success"] for o in assert_envelope(resp).payload] == [True, True]


def test_duplicate_ids_get_one_outcome(api, owner):
    folder = make_folder(owner)
    item = make_item(owner)
    payload = assert_envelope(_move(api, owner, None, folder, [item, item])).payload
    assert payload == [{"id": str(item.id), "success": True}]
    assert Item.objects.get(pk=item.pk).folder_id == folder.id
