"""setPublicApprovalStatus, setProtected and migrateLibrary (Admins only, audited once per call)."""

import datetime as dt
import uuid

import pytest

from aimg_site.core.models import AuditLogEntry
from aimg_site.core.scoping import domain_context
from library.models import Folder, Item
from tests.support.assertions import assert_envelope
from tests.support.factories.accounts import UserFactory
from tests.support.factories.library import FolderFactory, ItemFactory


def refreshed(item):
    item.refresh_from_db()
    return item


def audits(action: str) -> int:
    return AuditLogEntry.objects.filter(action=action).count()


@pytest.mark.parametrize(
    "path, body",
    [
        ("/setPublicApprovalStatus", {"publicApprovalStatus": "approved"}),
        ("/setProtected", {}),
    ],
)
def test_admin_endpoints_refuse_users_and_guests(api, owner, guest, path, body):
    item = ItemFactory(owner=owner.user)
    for persona in (owner, guest):
        assert_envelope(api.post(path, persona=persona, imageIDs=[str(item.id)], **body), 403)
    assert refreshed(item).public_approval_status == "none" and refreshed(item).is_protected is False


def test_approving_makes_a_pending_item_public_and_visible_in_its_public_folder(api, admin, owner, guest):
    folder = FolderFactory(owner=owner.user, is_public=True)
    item = ItemFactory(owner=owner.user, folder=folder, public_approval_status="pending")
    before = audits("setPublicApprovalStatus")
    resp = assert_envelope(
        api.post(
            "/setPublicApprovalStatus", persona=admin, imageIDs=str(item.id), publicApprovalStatus="approved"
        )
    )
    assert resp.payload == [{"id": str(item.id), "success": True}]
    item = refreshed(item)
    assert item.public_approval_status == "approved" and item.is_public is True
    assert [row["id"] for row in assert_envelope(api.get("/getPublicCreations", persona=guest)).payload] == [
        str(item.id)
    ]
    assert audits("setPublicApprovalStatus") == before + 1


def test_rejecting_after_approval_makes_the_item_private_again(api, admin, owner, guest):
    item = ItemFactory(owner=owner.user, public=True)
    assert_envelope(
        api.post(
            "/setPublicApprovalStatus",
            persona=admin,
            imageIDs=[str(item.id)],
            publicApprovalStatus="rejected",
        )
    )
    item = refreshed(item)
    assert item.public_approval_status == "rejected" and item.is_public is False
    assert assert_envelope(api.get("/getPublicCreations", persona=guest)).payload == []
    assert_envelope(api.get("/getItem", persona=guest, imageID=str(item.id)), 404)
    # and the owner cannot undo it
    assert_envelope(api.post("/setItemProperties", persona=owner, imageID=str(item.id), isPublic=True), 409)


def test_approval_of_missing_or_deleted_items_fails_per_item(api, admin, owner):
    gone = ItemFactory(owner=owner.user, deleted_at=dt.datetime(2025, 1, 1, tzinfo=dt.UTC))
    missing = uuid.uuid4()
    resp = assert_envelope(
        api.post(
            "/setPublicApprovalStatus",
            persona=admin,
            imageIDs=[str(gone.id), str(missing)],
            publicApprovalStatus="approved",
        )
    )
    assert resp.payload == [
        {"id": str(gone.id), "success": False, "message": "Item is deleted."},
        {"id": str(missing), "success": False, "message": "Item not found."},
    ]
    assert refreshed(gone).public_approval_status == "none"


@pytest.mark.parametrize("status", ["none", "pending", "maybe", ""])
def test_admins_only_approve_or_reject(api, admin, owner, status):
    item = ItemFactory(owner=owner.user)
    resp = api.post(
        "/setPublicApprovalStatus", persona=admin, imageIDs=[str(item.id)], publicApprovalStatus=status
    )
    assert "publicApprovalStatus" in assert_envelope(resp, 400).error


def test_approval_needs_image_ids(api, admin):
    resp = api.post("/setPublicApprovalStatus", persona=admin, publicApprovalStatus="approved")
    assert "imageIDs" in assert_envelope(resp, 400).error


def test_set_protected_toggles_and_reports_the_new_state(api, admin, owner):
    item = ItemFactory(owner=owner.user)
    missing = uuid.uuid4()
    before = audits("setProtected")
    resp = assert_envelope(api.post("/setProtected", persona=admin, imageIDs=[str(item.id), str(missing)]))
    assert resp.payload == [
        {"id": str(item.id), "success": True, "message": "true"},
        {"id": str(missing), "success": False, "message": "Item not found."},
    ]
    assert refreshed(item).is_protected is True
    # a protected item survives its owner's delete
    resp = assert_envelope(api.delete("/deleteItems", persona=owner, imageIDs=str(item.id)))
    assert resp.payload[0]["success"] is False
    resp = assert_envelope(api.post("/setProtected", persona=admin, imageIDs=[str(item.id)]))
    assert resp.payload[0]["message"] == "false"
    assert refreshed(item).is_protected is False
    assert audits("setProtected") == before + 2


# ---------------------------------------------------------------- migrateLibrary


def migrate(api, persona, source, destination):
    return api.post(
        "/migrateLibrary", persona=persona, sourceUserID=str(source), destinationUserID=str(destination)
    )


def test_migrate_moves_live_items_and_folders_and_reports_counts(api, admin, owner, other_user):
    folder = FolderFactory(owner=owner.user)
    in_folder = ItemFactory(owner=owner.user, folder=folder)
    root = ItemFactory(owner=owner.user)
    gone = ItemFactory(owner=owner.user, deleted_at=dt.datetime(2025, 1, 1, tzinfo=dt.UTC))
    before = audits("migrateLibrary")
    resp = assert_envelope(migrate(api, admin, owner.user.id, other_user.user.id))
    assert resp.payload == {"success": True, "message": "Moved 2 items and 1 folders."}
    assert refreshed(in_folder).owner_id == other_user.user.id and refreshed(in_folder).folder_id == folder.id
    assert refreshed(root).owner_id == other_user.user.id
    assert refreshed(gone).owner_id == owner.user.id
    assert Folder.objects.get(pk=folder.pk).owner_id == other_user.user.id
    assert audits("migrateLibrary") == before + 1
    listing = assert_envelope(api.get("/getMyCreations", persona=other_user)).payload
    assert {row["id"] for row in listing} == {str(in_folder.id), str(root.id)}


def test_migrate_from_a_disabled_user_works_but_not_to_one(api, admin):
    source = UserFactory(is_disabled=True)
    destination = UserFactory()
    ItemFactory(owner=source)
    assert assert_envelope(migrate(api, admin, source.id, destination.id)).payload["success"] is True
    disabled = UserFactory(is_disabled=True)
    assert_envelope(migrate(api, admin, destination.id, disabled.id), 409)
    assert Item.objects.filter(owner=destination).count() == 1


def test_migrate_errors(api, admin, owner, other_user):
    assert_envelope(migrate(api, admin, uuid.uuid4(), owner.user.id), 404)
    assert_envelope(migrate(api, admin, owner.user.id, uuid.uuid4()), 404)
    assert (
        "destinationUserID" in assert_envelope(migrate(api, admin, owner.user.id, owner.user.id), 400).error
    )
    assert (
        "sourceUserID"
        in assert_envelope(
            api.post(
                "/migrateLibrary", persona=admin, sourceUserID="x", destinationUserID=str(owner.user.id)
            ),
            400,
        ).error
    )
    assert_envelope(migrate(api, owner, owner.user.id, other_user.user.id), 403)


def test_migrate_does_not_reach_another_domain(api, admin, owner, other_domain):
    with domain_context(other_domain):
        foreign = UserFactory()
    assert_envelope(migrate(api, admin, owner.user.id, foreign.id), 404)
