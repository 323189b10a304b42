"""Issue 13, item 7: folders' counts of publicly visible items and tags' public usage are kept by
database triggers (``PublicFolderCountEntry``, ``PublicTagUsageEntry``), exact on every path.

Each test changes items or tags in one of the ways the application (or an Admin
in the console, or a bulk statement) does, then compares the ledgers with a
direct count of publicly visible items.
"""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.db.models import Count, Sum
from django.utils import timezone

from library.folders import services as folder_services
from library.folders.ids import FolderRef
from library.items import services
from library.items.counts import public_counts_fold_all
from library.models import (
    ApprovalStatus,
    Folder,
    Item,
    ItemTag,
    PublicFolderCountEntry,
    PublicTagUsageEntry,
    Tag,
)
from library.tags.services import tags_change
from tests.library.factories import FolderFactory, ItemFactory, UserFactory
from tests.support.concurrency import race_calls

postgresql_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="real concurrent transactions need PostgreSQL"
)


def ledger_folders() -> dict:
    rows = PublicFolderCountEntry.objects.values("folder_id").annotate(n=Sum("delta")).order_by()
    return {
        row["folder_id"]: row["n"]
        for row in rows
        if row["n"] and Folder.objects.filter(pk=row["folder_id"]).exists()
    }


def ledger_tags() -> dict:
    rows = PublicTagUsageEntry.objects.values("tag_id").annotate(n=Sum("delta")).order_by()
    return {
        row["tag_id"]: row["n"] for row in rows if row["n"] and Tag.objects.filter(pk=row["tag_id"]).exists()
    }


def counted_folders() -> dict:
    rows = Item.objects.publicly_visible().values("folder_id").annotate(n=Count("pk")).order_by()
    return {row["folder_id"]: row["n"] for row in rows}


def counted_tags() -> dict:
    rows = (
        ItemTag.objects.filter(Item.publicly_visible_q("item__"))
        .values("tag_id")
        .annotate(n=Count("pk"))
        .order_by()
    )
    return {row["tag_id"]: row["n"] for row in rows}


def assert_exact() -> None:
    assert ledger_folders() == counted_folders()
    assert ledger_tags() == counted_tags()


@pytest.fixture
def scene():
    """A user with two public folders and a private one, public items in them, and tags."""
    owner = UserFactory()
    public_a, public_b = (
        FolderFactory(owner=owner, is_public=True),
        FolderFactory(owner=owner, is_public=True),
    )
    private = FolderFactory(owner=owner)
    visible = [ItemFactory(owner=owner, public=True, folder=public_a) for _ in range(3)]
    visible += [ItemFactory(owner=owner, public=True, folder=public_b) for _ in range(2)]
    hidden = [ItemFactory(owner=owner, approved=True, folder=private), ItemFactory(owner=owner)]
    for item in visible + hidden:
        tags_change(owner=owner, image_id=item.pk, folder_ref=None, names=["cat", "dog"], mode="add")
    assert counted_folders() == {public_a.pk: 3, public_b.pk: 2}
    assert_exact()
    return owner, public_a, public_b, private, visible, hidden


def test_tags_added_and_removed_count_only_on_publicly_visible_items(scene):
    owner, *_rest, visible, hidden = scene
    tags_change(owner=owner, image_id=visible[0].pk, folder_ref=None, names=["cat"], mode="remove")
    tags_change(owner=owner, image_id=hidden[0].pk, folder_ref=None, names=["fish"], mode="add")
    tags_change(owner=owner, image_id=visible[1].pk, folder_ref=None, names=["fish", "owl"], mode="set")
    assert_exact()
    assert ledger_tags()[Tag.objects.get(name="fish").pk] == 1  # on the visible item, not the hidden one


def test_rejection_privacy_deletion_and_restore_are_counted(scene):
    owner, *_rest, visible, _hidden = scene
    services.items_set_approval(item_ids=[visible[0].pk], status=ApprovalStatus.REJECTED)
    assert_exact()
    services.item_set_properties(owner=owner, item_id=visible[1].pk, is_public=False)
    assert_exact()
    services.items_delete(actor=owner, item_ids=[visible[2].pk, visible[3].pk])
    assert_exact()
    services.items_restore(item_ids=[visible[2].pk])
    services.items_set_approval(item_ids=[visible[0].pk], status=ApprovalStatus.APPROVED)
    assert_exact()


def test_moves_between_folders_and_folder_deletion_are_counted(scene):
    owner, public_a, public_b, private, visible, _hidden = scene
    folder_services.items_move(
        owner=owner,
        source=FolderRef(id=public_a.pk, is_public=True),
        destination=FolderRef(id=public_b.pk, is_public=True),
        item_ids=[visible[0].pk],
    )
    assert_exact()
    Item.objects.filter(pk=visible[1].pk).update(folder=private)  # a bulk statement, as the console may
    assert_exact()
    folder_services.folder_delete(owner=owner, ref=FolderRef(id=public_b.pk, is_public=True))
    assert_exact()
    assert public_b.pk not in counted_folders()


def test_bulk_statements_hard_deletes_and_tag_deletion_are_counted(scene):
    owner, public_a, *_rest = scene
    Item.objects.filter(folder=public_a).update(
        public_approval_status=ApprovalStatus.PENDING, is_public=False
    )
    assert_exact()
    Item.objects.filter(folder=public_a).update(
        public_approval_status=ApprovalStatus.APPROVED, is_public=True
    )
    assert_exact()
    Item.objects.filter(folder=public_a).first().delete()
    assert_exact()
    Tag.objects.filter(name="dog").delete()
    assert_exact()
    services.items_delete_all_for_user(user=owner)
    assert_exact()
    ItemFactory.create_batch(3, owner=owner, public=True)
    assert_exact()


def test_folding_keeps_the_sums_and_drops_entries_of_deleted_rows(scene):
    _owner, public_a, *_rest = scene
    Item.objects.filter(folder=public_a).update(deleted_at=timezone.now())
    Item.objects.filter(folder=public_a).update(deleted_at=None)
    Tag.objects.filter(name="dog").delete()
    public_counts_fold_all()
    assert_exact()
    per_folder = PublicFolderCountEntry.objects.values("folder_id").annotate(n=Count("pk"))
    assert all(row["n"] == 1 for row in per_folder)
    assert not PublicTagUsageEntry.objects.exclude(tag_id__in=Tag.objects.values("pk")).exists()
    public_counts_fold_all()
    assert_exact()


def test_the_public_count_triggers_are_installed():
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT tgname FROM pg_trigger WHERE tgname LIKE 'library_public_counts_%%'")
        else:
            cursor.execute(
                "SELECT name FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'library_public_counts_%'"
            )
        names = {row[0] for row in cursor.fetchall()}
    expected = {"insert", "update", "delete", "link_insert", "link_delete"}
    if connection.vendor == "postgresql":
        expected.add("link_update")
    assert names == {f"library_public_counts_{name}" for name in expected}


@pytest.mark.django_db(transaction=True)
def test_the_migration_backfills_folders_and_tags():
    owner = UserFactory()
    folder = FolderFactory(owner=owner, is_public=True)
    items = ItemFactory.create_batch(3, owner=owner, public=True, folder=folder)
    tags_change(owner=owner, image_id=items[0].pk, folder_ref=None, names=["sun"], mode="add")
    executor = MigrationExecutor(connection)
    executor.migrate([("library", "0005_item_media_index")])
    later = ItemFactory(owner=owner, public=True, folder=folder)  # written while no trigger counts it
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())
    assert counted_folders() == {folder.pk: 4} and later.pk
    assert_exact()


@postgresql_only
@pytest.mark.django_db(transaction=True)
def test_racing_approvals_rejections_tags_and_deletes_stay_exact():
    owner = UserFactory()
    folders = [FolderFactory(owner=owner, is_public=True) for _ in range(2)]
    items = [ItemFactory(owner=owner, public=True, folder=folders[n % 2]) for n in range(24)]
    ids = [item.pk for item in items]

    def judge(chunk, status):
        return lambda: services.items_set_approval(item_ids=chunk, status=status)

    def tag(item_id, names):
        return lambda: tags_change(owner=owner, image_id=item_id, folder_ref=None, names=names, mode="set")

    calls = [judge(ids[n : n + 4], ApprovalStatus.REJECTED) for n in range(0, 12, 4)]
    calls += [judge(ids[n : n + 4], ApprovalStatus.APPROVED) for n in range(2, 14, 4)]
    calls += [tag(item_id, ["a", "b"] if n % 2 else ["b", "c"]) for n, item_id in enumerate(ids[:12])]
    calls += [lambda: services.items_delete(actor=owner, item_ids=ids[12:18])]
    calls += [lambda: public_counts_fold_all()]
    race_calls(calls)
    assert_exact()


def test_the_console_cannot_turn_a_folder_public_or_private():
    from django.contrib import admin as django_admin

    model_admin = django_admin.site._registry[Folder]
    folder = FolderFactory(owner=UserFactory(), is_public=True)
    assert "is_public" in model_admin.get_readonly_fields(None, folder)
    assert "is_public" not in model_admin.get_readonly_fields(None, None)
