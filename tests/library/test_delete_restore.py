"""deleteItems (owners, PRO tier > 2 for a whole library, Admins) and restoreItems (Admins)."""

import datetime as dt
import uuid

import pytest

from accounts.models import User
from aimg_site.core.models import AuditLogEntry
from billing import entitlements
from library.items.selectors import user_library_counts
from library.items.services import items_delete
from library.models import Item, ItemTag, Tag
from tests.support.assertions import assert_envelope
from tests.support.factories.library import FolderFactory, ItemFactory


def delete(api, persona, **params):
    return api.delete("/deleteItems", persona=persona, **params)


def refreshed(item) -> Item:
    item.refresh_from_db()
    return item


def test_the_owner_deletes_items_out_of_folders_and_tags(api, owner):
    folder = FolderFactory(owner=owner.user)
    item = ItemFactory(owner=owner.user, folder=folder)
    ItemTag.objects.create(item=item, tag=Tag.objects.create(name="cat"))
    resp = assert_envelope(delete(api, owner, imageIDs=[str(item.id)]))
    assert resp.payload == [{"id": str(item.id), "success": True}]
    item = refreshed(item)
    assert item.deleted_at is not None and item.folder_id is None
    assert not ItemTag.objects.filter(item=item).exists()
    # gone from every listing and count
    assert assert_envelope(api.get("/getMyCreations", persona=owner)).payload == []
    assert user_library_counts(user=owner.user)["itemCount"] == 0
    assert_envelope(api.get("/getItem", persona=owner, imageID=str(item.id)), 404)


def test_a_deleted_public_item_leaves_the_public_listings(api, owner, guest):
    item = ItemFactory(owner=owner.user, public=True)
    assert len(assert_envelope(api.get("/getPublicCreations", persona=guest)).payload) == 1
    assert_envelope(delete(api, owner, imageIDs=str(item.id)))
    assert assert_envelope(api.get("/getPublicCreations", persona=guest)).payload == []
    assert assert_envelope(api.get("/getLatestItems", persona=guest)).payload == []


def test_protected_foreign_missing_and_already_deleted_items_fail_with_messages(api, owner, other_user):
    protected = ItemFactory(owner=owner.user, is_protected=True)
    theirs_private = ItemFactory(owner=other_user.user)
    theirs_public = ItemFactory(owner=other_user.user, public=True)
    gone = ItemFactory(owner=owner.user, deleted_at=dt.datetime(2025, 1, 1, tzinfo=dt.UTC))
    missing = uuid.uuid4()
    ids = [protected.id, theirs_private.id, theirs_public.id, gone.id, missing]
    resp = assert_envelope(delete(api, owner, imageIDs=[str(i) for i in ids]))
    assert resp.payload == [
        {"id": str(protected.id), "success": False, "message": "Item is protected."},
        {"id": str(theirs_private.id), "success": False, "message": "Item not found."},
        {"id": str(theirs_public.id), "success": False, "message": "Item belongs to another user."},
        {"id": str(gone.id), "success": False, "message": "Item is already deleted."},
        {"id": str(missing), "success": False, "message": "Item not found."},
    ]
    assert refreshed(protected).deleted_at is None
    assert refreshed(theirs_private).deleted_at is None and refreshed(theirs_public).deleted_at is None


def folder_updated_at(folder):
    folder.refresh_from_db()
    return folder.updated_at


LONG_AGO = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)


def test_deleting_items_touches_the_updated_date_of_the_folders_they_leave(api, owner):
    left, untouched = (FolderFactory(owner=owner.user, updated_at=LONG_AGO) for _ in range(2))
    item = ItemFactory(owner=owner.user, folder=left)
    ItemFactory(owner=owner.user, folder=untouched)
    assert_envelope(delete(api, owner, imageIDs=[str(item.id)]))
    assert folder_updated_at(left) > LONG_AGO
    assert folder_updated_at(untouched) == LONG_AGO
    row = assert_envelope(api.get("/getSelfFolders", persona=owner, folderIDs=str(left.id))).payload[0]
    assert row["imageCount"] == 0 and not row["updatedDate"].startswith("2024")


def test_deleting_a_whole_library_touches_the_updated_date_of_its_folders(api, admin, owner):
    folder = FolderFactory(owner=owner.user, updated_at=LONG_AGO)
    ItemFactory(owner=owner.user, folder=folder)
    assert_envelope(delete(api, admin, userID=str(owner.user.id)))
    assert folder_updated_at(folder) > LONG_AGO


def test_a_guest_deletes_nothing(api, guest):
    item = ItemFactory()
    resp = assert_envelope(delete(api, guest, imageIDs=[str(item.id)]))
    assert resp.payload[0]["success"] is False
    assert refreshed(item).deleted_at is None


def give_tier(monkeypatch, tier: int) -> None:
    """Every user gets PRO ``tier``.

    ``billing.entitlements`` has no way to grant a tier yet (every user is on
    the free tier until the billing app lands), so the test replaces its
    ``user_entitlement`` boundary, which ``user_tier`` asks, not our own code.
    """

    monkeypatch.setattr(entitlements, "user_entitlement", lambda *, user: entitlements.Entitlement(tier=tier))


def test_deleting_a_whole_library_needs_pro_tier_above_two(api, owner, monkeypatch):
    item = ItemFactory(owner=owner.user)
    give_tier(monkeypatch, 2)
    assert_envelope(delete(api, owner, userID=str(owner.user.id)), 403)
    assert refreshed(item).deleted_at is None
    give_tier(monkeypatch, 3)
    kept = ItemFactory(owner=owner.user, is_protected=True)
    resp = assert_envelope(delete(api, owner, userID=str(owner.user.id), imageIDs=[str(uuid.uuid4())]))
    assert {row["id"]: row["success"] for row in resp.payload} == {str(item.id): True, str(kept.id): False}
    assert refreshed(item).deleted_at is not None and refreshed(kept).deleted_at is None


def test_a_user_cannot_delete_another_users_library(api, owner, other_user, monkeypatch):
    give_tier(monkeypatch, 5)
    item = ItemFactory(owner=other_user.user)
    assert_envelope(delete(api, owner, userID=str(other_user.user.id)), 403)
    assert refreshed(item).deleted_at is None


def test_the_free_tier_cannot_delete_a_whole_library(api, owner):
    ItemFactory(owner=owner.user)
    assert_envelope(delete(api, owner, userID=str(owner.user.id)), 403)


def test_an_admin_deletes_anyones_items_and_libraries_with_one_audit_row_each(api, admin, owner, other_user):
    mine = ItemFactory(owner=owner.user)
    theirs = ItemFactory.create_batch(2, owner=other_user.user)
    before = AuditLogEntry.objects.filter(action="deleteItems").count()
    resp = assert_envelope(delete(api, admin, imageIDs=[str(mine.id)]))
    assert resp.payload[0]["success"] is True
    resp = assert_envelope(delete(api, admin, userID=str(other_user.user.id)))
    assert len(resp.payload) == 2 and all(row["success"] for row in resp.payload)
    assert all(refreshed(item).deleted_at for item in theirs)
    assert AuditLogEntry.objects.filter(action="deleteItems").count() == before + 2
    assert_envelope(delete(api, admin, userID=str(uuid.uuid4())), 404)


def test_an_invalid_admin_key_is_a_403(api, owner):
    item = ItemFactory(owner=owner.user)
    resp = api.delete(
        "/deleteItems", persona=owner, headers={"X-Administration-Key": "wrong"}, imageIDs=str(item.id)
    )
    assert_envelope(resp, 403)
    assert refreshed(item).deleted_at is None


@pytest.mark.parametrize(
    "params, name",
    [({}, "imageIDs"), ({"imageIDs": "abc"}, "imageIDs"), ({"userID": "abc"}, "userID")],
)
def test_bad_delete_parameters_are_400s(api, owner, params, name):
    resp = assert_envelope(delete(api, owner, **params), 400)
    assert name in resp.error


def test_more_than_a_thousand_ids_is_a_400(api, owner):
    resp = assert_envelope(delete(api, owner, imageIDs=",".join(str(uuid.uuid4()) for _ in range(1001))), 400)
    assert "imageIDs" in resp.error


# ---------------------------------------------------------------- restoreItems


@pytest.fixture
def deleted_item(owner):
    folder = FolderFactory(owner=owner.user, is_public=True)
    item = ItemFactory(
        owner=owner.user,
        folder=folder,
        is_public=True,
        public_approval_status="approved",
        folder_added_at=dt.datetime(2020, 1, 1, tzinfo=dt.UTC),
    )

    items_delete(actor=owner.user, item_ids=[item.id])
    return refreshed(item)


def test_restore_needs_an_admin_key(api, owner, deleted_item):
    assert_envelope(api.post("/restoreItems", persona=owner, imageIDs=[str(deleted_item.id)]), 403)
    assert refreshed(deleted_item).deleted_at is not None


def test_restore_puts_the_item_back_in_the_root_as_just_added_private_untagged(
    api, admin, owner, deleted_item
):
    newer = ItemFactory(owner=owner.user)
    before = AuditLogEntry.objects.filter(action="restoreItems").count()
    resp = assert_envelope(api.post("/restoreItems", persona=admin, imageIDs=[str(deleted_item.id)]))
    assert resp.payload == [{"id": str(deleted_item.id), "success": True}]
    item = refreshed(deleted_item)
    assert item.deleted_at is None and item.folder_id is None
    assert item.is_public is False and item.public_approval_status == "approved"
    assert item.folder_added_at > newer.folder_added_at
    listing = assert_envelope(api.get("/getMyCreations", persona=owner, folderID="root")).payload
    assert listing[0]["id"] == str(item.id) and listing[0]["tags"] == []
    assert AuditLogEntry.objects.filter(action="restoreItems").count() == before + 1


def test_restoring_a_live_or_unknown_item_fails_with_a_message(api, admin, owner):
    live = ItemFactory(owner=owner.user)
    missing = uuid.uuid4()
    resp = assert_envelope(api.post("/restoreItems", persona=admin, imageIDs=[str(live.id), str(missing)]))
    assert resp.payload == [
        {"id": str(live.id), "success": False, "message": "Item is not deleted."},
        {"id": str(missing), "success": False, "message": "Item not found."},
    ]


def test_restore_by_user_restores_every_deleted_item_of_that_user(
    api, admin, owner, other_user, deleted_item
):
    another = ItemFactory(owner=owner.user, deleted_at=dt.datetime(2025, 1, 1, tzinfo=dt.UTC))
    theirs = ItemFactory(owner=other_user.user, deleted_at=dt.datetime(2025, 1, 1, tzinfo=dt.UTC))
    resp = assert_envelope(api.post("/restoreItems", persona=admin, userID=str(owner.user.id)))
    assert {row["id"] for row in resp.payload} == {str(deleted_item.id), str(another.id)}
    assert refreshed(another).deleted_at is None and refreshed(theirs).deleted_at is not None
    assert_envelope(api.post("/restoreItems", persona=admin, userID=str(uuid.uuid4())), 404)
    resp = assert_envelope(api.post("/restoreItems", persona=admin), 400)
    assert "imageIDs" in resp.error


def test_a_guest_with_a_library_reads_lists_and_deletes_its_own_items(api, guest, other_user):
    assert_envelope(api.post("/createSelfFolder", persona=guest, name="mine"))
    guest_user = User.objects.get(id=api.get("/getSelfFolders", persona=guest).payload[0]["userID"])
    assert guest_user.is_guest
    item = ItemFactory(owner=guest_user)
    theirs = ItemFactory(owner=other_user.user)
    assert assert_envelope(api.get("/getItem", persona=guest, imageID=str(item.id))).payload["id"] == str(
        item.id
    )
    assert [row["id"] for row in assert_envelope(api.get("/getMyCreations", persona=guest)).payload] == [
        str(item.id)
    ]
    resp = assert_envelope(delete(api, guest, imageIDs=[str(item.id), str(theirs.id)]))
    assert resp.payload == [
        {"id": str(item.id), "success": True},
        {"id": str(theirs.id), "success": False, "message": "Item not found."},
    ]
    assert refreshed(item).deleted_at is not None and refreshed(theirs).deleted_at is None
    # a whole library needs a PRO tier, which a guest never has
    assert_envelope(delete(api, guest, userID=str(guest_user.id)), 403)
