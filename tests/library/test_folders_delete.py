"""deleteSelfFolder / deletePublicFolder."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from django.utils import timezone

from library.models import Folder, FolderTag, FolderThumbnail, Item
from tests.library.conftest_folders import KINDS, make_folder, make_item, tag_folder, wire_id
from tests.support.assertions import assert_envelope

DELETE = "delete{kind}Folder"


@pytest.mark.parametrize("kind", KINDS, ids=str)
def test_deleting_moves_every_item_to_the_root_as_just_added(api, owner, kind):
    folder = make_folder(owner, is_public=kind.is_public)
    long_ago = timezone.now() - dt.timedelta(days=30)
    items = [make_item(owner, public=True, folder=folder, folder_added_at=long_ago) for _ in range(3)]
    elsewhere = make_item(owner, folder=make_folder(owner), folder_added_at=long_ago)
    started = timezone.now()

    resp = assert_envelope(api.delete(kind.op(DELETE), persona=owner, folderID=wire_id(folder)))

    assert resp.payload == {"success": True}
    assert not Folder.objects.filter(pk=folder.pk).exists()
    for item in items:
        item.refresh_from_db()
        assert item.folder_id is None and item.folder_added_at >= started
        assert item.is_public  # still marked public, just not visible outside a public folder
    elsewhere.refresh_from_db()
    assert elsewhere.folder_id is not None and elsewhere.folder_added_at == long_ago


def test_deleting_drops_the_folders_thumbnails_and_tags_but_not_the_items(api, owner):
    folder = make_folder(owner)
    item = make_item(owner, folder=folder)
    FolderThumbnail.objects.create(folder=folder, item=item, position=0)
    tag_folder(folder, "trip")
    assert_envelope(api.delete("/deleteSelfFolder", persona=owner, folderID=str(folder.id)))
    assert not FolderThumbnail.objects.exists() and not FolderTag.objects.exists()
    assert Item.objects.filter(pk=item.pk, deleted_at__isnull=True).exists()


def test_deleted_items_of_the_folder_leave_it_too(api, owner):
    folder = make_folder(owner)
    gone = make_item(owner, folder=folder, deleted_at=timezone.now())
    assert_envelope(api.delete("/deleteSelfFolder", persona=owner, folderID=str(folder.id)))
    gone.refresh_from_db()
    assert gone.folder_id is None and gone.deleted_at is not None


@pytest.mark.parametrize("kind", KINDS, ids=str)
def test_only_the_owner_can_delete_a_folder(api, owner, other_user, guest, admin, kind):
    folder = make_folder(owner, is_public=kind.is_public)
    item = make_item(owner, public=True, folder=folder)
    for persona in (other_user, guest, admin):
        assert_envelope(api.delete(kind.op(DELETE), persona=persona, folderID=wire_id(folder)), 404)
    item.refresh_from_db()
    assert Folder.objects.filter(pk=folder.pk).exists() and item.folder_id == folder.id


@pytest.mark.parametrize("kind", KINDS, ids=str)
def test_a_deleted_or_unknown_folder_is_a_404(api, owner, kind):
    folder = make_folder(owner, is_public=kind.is_public)
    assert_envelope(api.delete(kind.op(DELETE), persona=owner, folderID=wire_id(folder)))
    assert_envelope(api.delete(kind.op(DELETE), persona=owner, folderID=wire_id(folder)), 404)
    unknown = f"p-{uuid.uuid4()}" if kind.is_public else str(uuid.uuid4())
    assert_envelope(api.delete(kind.op(DELETE), persona=owner, folderID=unknown), 404)


def test_the_other_kinds_id_is_a_400_and_the_folder_stays(api, owner):
    private, public = make_folder(owner), make_folder(owner, is_public=True)
    assert (
        "'folderID'"
        in assert_envelope(
            api.delete("/deletePublicFolder", persona=owner, folderID=str(public.id)), 400
        ).error
    )
    assert (
        "'folderID'"
        in assert_envelope(
            api.delete("/deleteSelfFolder", persona=owner, folderID=f"p-{private.id}"), 400
        ).error
    )
    assert Folder.objects.count() == 2


def test_folder_id_is_required_and_post_is_not_allowed(api, owner):
    assert "'folderID'" in assert_envelope(api.delete("/deleteSelfFolder", persona=owner), 400).error
    folder = make_folder(owner)
    assert_envelope(api.post("/deleteSelfFolder", persona=owner, folderID=str(folder.id)), 405)
    assert Folder.objects.filter(pk=folder.pk).exists()
