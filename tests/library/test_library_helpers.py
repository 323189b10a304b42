"""The helpers other apps use: counts, transfer, delete-all, item_url."""

from pathlib import Path

import pytest
from django.core.files.storage import FileSystemStorage, default_storage
from django.db import IntegrityError

from aimg_site.core.scoping import domain_context
from library.items.media import item_url, media_url, storage_is_local
from library.items.selectors import user_library_counts
from library.items.services import item_create, items_delete_all_for_user, library_transfer_user_items
from library.models import ApprovalStatus, Item, ItemTag, Tag
from tests.support.factories.accounts import UserFactory
from tests.support.factories.library import FolderFactory, ItemFactory, png_bytes


def test_user_library_counts_are_exact_and_skip_deleted_items():
    user = UserFactory()
    folder = FolderFactory(owner=user)
    ItemFactory.create_batch(3, owner=user)
    ItemFactory(owner=user, folder=folder)
    ItemFactory(owner=user, public=True)
    gone = ItemFactory(owner=user)
    Item.objects.filter(pk=gone.pk).update(deleted_at="2024-01-01T00:00:00Z")
    ItemFactory()  # someone else's
    assert user_library_counts(user=user) == {"itemCount": 5, "rootFolderItemCount": 3, "publicItemCount": 1}


def test_public_item_count_needs_approval_public_flag_and_public_folder():
    user = UserFactory()
    public_folder = FolderFactory(owner=user, is_public=True)
    ItemFactory(
        owner=user, folder=public_folder, is_public=True, public_approval_status=ApprovalStatus.PENDING
    )
    ItemFactory(
        owner=user, folder=public_folder, is_public=False, public_approval_status=ApprovalStatus.APPROVED
    )
    ItemFactory(
        owner=user, folder=FolderFactory(owner=user), is_public=True, public_approval_status="approved"
    )
    assert user_library_counts(user=user)["publicItemCount"] == 0


def test_delete_all_spares_protected_items_and_clears_folders_and_tags():
    user = UserFactory()
    folder = FolderFactory(owner=user)
    kept = ItemFactory(owner=user, is_protected=True, folder=folder)
    doomed = ItemFactory(owner=user, folder=folder)
    ItemTag.objects.create(item=doomed, tag=Tag.objects.create(name="fox"))
    other = ItemFactory()
    assert items_delete_all_for_user(user=user) == 1
    doomed.refresh_from_db()
    kept.refresh_from_db()
    other.refresh_from_db()
    assert doomed.deleted_at is not None and doomed.folder_id is None
    assert not ItemTag.objects.filter(item=doomed).exists()
    assert kept.deleted_at is None and kept.folder_id == folder.id
    assert other.deleted_at is None
    assert items_delete_all_for_user(user=user) == 0


def test_transfer_moves_live_items_and_folders_but_not_deleted_items():
    source, target = UserFactory(), UserFactory()
    folder = FolderFactory(owner=source)
    live = ItemFactory(owner=source, folder=folder)
    deleted = ItemFactory(owner=source)
    Item.objects.filter(pk=deleted.pk).update(deleted_at="2024-01-01T00:00:00Z")
    assert library_transfer_user_items(from_user=source, to_user=target) == {"items": 1, "folders": 1}
    live.refresh_from_db()
    deleted.refresh_from_db()
    folder.refresh_from_db()
    assert live.owner_id == target.id and folder.owner_id == target.id
    assert deleted.owner_id == source.id


def test_transfer_refuses_to_cross_domains(other_domain):
    source = UserFactory()
    with domain_context(other_domain):
        target = UserFactory()
    with pytest.raises(ValueError):
        library_transfer_user_items(from_user=source, to_user=target)


def test_item_url_is_absolute_and_serves_the_png_with_cors_and_cache(client, settings):
    settings.AIMG_PUBLIC_BASE_URL = ""
    item = ItemFactory(public=True)
    url = item_url(item)
    assert url.startswith("http://") and url.endswith(".png")
    path = url.split("://", 1)[1].split("/", 1)[1]
    response = client.get("/" + path, HTTP_HOST="api.freejourney.ai")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert response["Access-Control-Allow-Origin"] == "*"
    assert response["Cache-Control"] == f"public, max-age={settings.AIMG_MEDIA_PUBLIC_MAX_AGE}"
    assert b"".join(response.streaming_content).startswith(b"\x89PNG")


def test_item_url_uses_the_configured_public_base(settings):
    settings.AIMG_PUBLIC_BASE_URL = "https://cdn.example.test/"
    item = ItemFactory()
    assert item_url(item).startswith("https://cdn.example.test/media/items/")


def test_media_route_refuses_paths_outside_the_items_area(client):
    assert client.get("/media/../manage.py", HTTP_HOST="api.freejourney.ai").status_code == 404
    assert client.get("/media/items/nope.png", HTTP_HOST="api.freejourney.ai").status_code == 404


def test_item_create_stores_the_media_under_a_random_name_and_starts_private():
    user = UserFactory()
    first = item_create(owner=user, content=png_bytes(), filename="x.png", prompt="p", is_public=True)
    second = item_create(owner=user, content=png_bytes(), filename="x.png", prompt="p")
    assert first.media.name != second.media.name
    assert first.media.name.startswith("items/") and first.media.name.endswith(".png")
    assert first.is_public is False and first.public_approval_status == ApprovalStatus.NONE
    with pytest.raises(ValueError):
        item_create(owner=user, content=png_bytes(), filename="x.png", folder=FolderFactory())


def test_item_create_leaves_no_orphan_file_when_its_row_cannot_be_saved(settings):
    def stored_files() -> set[str]:
        root = Path(settings.MEDIA_ROOT) / "items"
        return {str(p) for p in root.rglob("*") if p.is_file()} if root.exists() else set()

    assert isinstance(default_storage, FileSystemStorage)
    user = UserFactory()
    before = stored_files()
    with pytest.raises(IntegrityError):  # a negative step count breaks the column's CHECK
        item_create(owner=user, content=png_bytes(), filename="x.png", steps=-1)
    assert stored_files() == before
    assert not Item.objects.filter(owner=user).exists()


def test_with_s3_storage_the_url_is_the_object_stores_own(settings):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                "bucket_name": "aimg",
                "endpoint_url": "http://127.0.0.1:8333",
                "access_key": "test",
                "secret_key": "test",
                "region_name": "us-east-1",
                "querystring_auth": False,
            },
        },
    }

    assert not storage_is_local()
    name = "items/ab/abcdef.png"
    assert media_url(name, public=True) == "http://127.0.0.1:8333/aimg/items/ab/abcdef.png"
    # without querystring auth for public media, other media are still signed
    assert "Signature=" in media_url(name) or "X-Amz-Signature=" in media_url(name)


def test_with_s3_storage_the_local_media_route_is_a_404(client, settings):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                "bucket_name": "aimg",
                "endpoint_url": "http://127.0.0.1:8333",
                "access_key": "t",
                "secret_key": "t",
            },
        },
    }
    assert client.get("/media/items/ab/abcdef.png", HTTP_HOST="api.freejourney.ai").status_code == 404
