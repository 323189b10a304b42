"""The maintained library counts (sums of ``LibraryCountEntry`` rows, written by database triggers)
always equal a count of the items: through every service that adds, deletes, restores or moves
items, through plain ORM writes and cascades, across folds, under racing threads (PostgreSQL, with
folds racing too), and after the migration's backfill."""

from __future__ import annotations

import uuid

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from accounts.models import User
from accounts.sessions import cache as session_cache
from accounts.signin.services import user_sign_in
from library.folders import services as folder_services
from library.folders.ids import FolderRef
from library.items import selectors, services
from library.items.counts import library_counts_fold, library_counts_fold_all
from library.items.selectors import user_item_counts, user_item_counts_counted
from library.models import Item, LibraryCountEntry
from library.tasks import fold_library_counts
from tests.concurrency import race_calls
from tests.conftest import assert_envelope
from tests.library.factories import FolderFactory, ItemFactory, UserFactory, png_bytes

postgresql_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="real concurrent transactions need PostgreSQL"
)


def assert_exact(*users) -> None:
    for user in users:
        assert user_item_counts(user=user) == user_item_counts_counted(user_id=user.pk), user


def counts(user) -> tuple[int, int]:
    value = user_item_counts(user=user)
    return value["itemCount"], value["rootFolderItemCount"]


def test_a_new_user_has_no_entries_and_counts_zero():
    user = UserFactory()
    assert not LibraryCountEntry.objects.filter(user_id=user.pk).exists()
    assert counts(user) == (0, 0)


def test_services_keep_the_counts_exact():
    owner, other = UserFactory(), UserFactory()
    folder = FolderFactory(owner=owner)
    created = [services.item_create(owner=owner, content=png_bytes(), filename="a.png") for _ in range(4)]
    services.item_create(owner=owner, content=png_bytes(), filename="b.png", folder=folder)
    assert counts(owner) == (5, 4)
    folder_services.items_move(
        owner=owner, source=None, destination=FolderRef(folder.pk, False), item_ids=[created[0].pk]
    )
    assert counts(owner) == (5, 3)
    services.items_delete(actor=owner, item_ids=[created[0].pk, created[1].pk])
    assert counts(owner) == (3, 2)
    services.items_delete(actor=owner, item_ids=[created[0].pk])  # already deleted: no change
    assert counts(owner) == (3, 2)
    services.items_restore(item_ids=[created[0].pk])  # into the root folder
    assert counts(owner) == (4, 3)
    folder_services.folder_delete(owner=owner, ref=FolderRef(folder.pk, False))  # its items go to the root
    assert counts(owner) == (4, 4)
    services.library_migrate(source_id=owner.pk, destination_id=other.pk)
    assert counts(owner) == (0, 0) and counts(other) == (4, 4)
    services.items_delete_all_for_user(user=other)
    assert counts(other) == (0, 0)
    services.items_restore_for_user(user=other)
    assert_exact(owner, other)


def test_a_guests_items_follow_it_into_the_account(api, guest):
    assert_envelope(api.post("/createSelfFolder", persona=guest, name="mine"), 200)
    guest_user = User.objects.get(sessions__key_digest__isnull=False, is_guest=True)
    ItemFactory.create_batch(3, owner=guest_user)
    account = UserFactory()
    user_sign_in(user=account, old_session_key=uuid.UUID(guest.session_id), login_provider="OTP")
    assert counts(account) == (3, 3) and counts(guest_user) == (0, 0)
    assert_exact(account, guest_user)


def test_plain_orm_writes_and_cascades_keep_them_exact():
    owner, heir = UserFactory(), UserFactory()
    folder = FolderFactory(owner=owner)
    items = ItemFactory.create_batch(3, owner=owner) + ItemFactory.create_batch(2, owner=owner, folder=folder)
    Item.objects.bulk_create(
        [
            Item(owner=owner, media=f"items/x/{n}.png", deleted_at=timezone.now() if n else None)
            for n in range(3)
        ]
    )
    assert counts(owner) == (6, 4)
    Item.objects.filter(pk=items[0].pk).update(deleted_at=timezone.now())
    Item.objects.filter(pk=items[1].pk).update(folder=folder)
    Item.objects.filter(pk=items[3].pk).update(view_count=5)  # no change in counts
    assert_exact(owner)
    Item.objects.filter(owner=owner).update(owner=heir)
    assert_exact(owner, heir)
    folder.delete()  # SET_NULL: its items move to the root
    items[2].refresh_from_db()
    items[2].delete()
    assert_exact(heir)
    heir_id = heir.pk
    heir.delete()  # its items go too; entries written during the cascade are orphans
    fold_library_counts()
    assert not LibraryCountEntry.objects.filter(user_id=heir_id).exists()


def test_folding_keeps_the_sums_and_leaves_one_entry():
    owner, other = UserFactory(), UserFactory()
    items = ItemFactory.create_batch(5, owner=owner)
    ItemFactory.create_batch(2, owner=other)
    services.items_delete(actor=owner, item_ids=[items[0].pk])
    library_counts_fold(user_id=owner.pk)
    assert LibraryCountEntry.objects.filter(user_id=owner.pk).count() == 1
    assert counts(owner) == (4, 4)
    library_counts_fold_all()
    assert LibraryCountEntry.objects.filter(user_id=other.pk).count() == 1
    services.items_delete(actor=owner, item_ids=[item.pk for item in items[1:]])
    library_counts_fold(user_id=owner.pk)  # a zero sum leaves no entry
    assert not LibraryCountEntry.objects.filter(user_id=owner.pk).exists()
    assert_exact(owner, other)


def test_a_read_that_finds_many_entries_folds_them(monkeypatch):
    owner = UserFactory()
    monkeypatch.setattr(selectors, "FOLD_AFTER_ENTRIES", 3)
    ItemFactory.create_batch(4, owner=owner)  # SQLite: an entry per item; PostgreSQL: per statement
    Item.objects.filter(owner=owner).update(deleted_at=timezone.now())
    ItemFactory.create_batch(3, owner=owner)
    assert counts(owner) == (3, 3)
    assert LibraryCountEntry.objects.filter(user_id=owner.pk).count() == 1
    assert counts(owner) == (3, 3)


def test_get_self_user_shows_them_with_one_read(api, owner, django_assert_max_num_queries):
    """One read of the counts; the other query of the request is the entitlement's (billing)."""
    ItemFactory.create_batch(3, owner=owner.user)
    ItemFactory(owner=owner.user, folder=FolderFactory(owner=owner.user))
    session_cache.version += 1  # the session just made is not cached while its tombstone lasts
    api.get("/getSelfUser", persona=owner)
    with django_assert_max_num_queries(2):
        payload = assert_envelope(api.get("/getSelfUser", persona=owner), 200).payload
    assert (payload["itemCount"], payload["rootFolderItemCount"]) == (4, 3)


def test_the_triggers_are_installed():
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT tgname FROM pg_trigger WHERE tgname LIKE 'library_counts_%%'")
        else:
            cursor.execute(
                "SELECT name FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'library_counts_%'"
            )
        names = {row[0] for row in cursor.fetchall()}
    # A later migration that rebuilds library_item on SQLite (ALTER of a column) drops them: recreate them.
    assert names == {"library_counts_insert", "library_counts_update", "library_counts_delete"}


@pytest.mark.django_db(transaction=True)
def test_the_migration_backfills_every_user():
    owner, empty = UserFactory(), UserFactory()
    folder = FolderFactory(owner=owner)
    ItemFactory.create_batch(3, owner=owner)
    ItemFactory.create_batch(2, owner=owner, folder=folder)
    ItemFactory(owner=owner, deleted_at=timezone.now())
    executor = MigrationExecutor(connection)
    executor.migrate([("library", "0003_listings_by_completion_time")])
    ItemFactory(owner=owner)  # written while no trigger counts it
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())
    assert counts(owner) == (6, 4) and counts(empty) == (0, 0)
    assert_exact(owner, empty)


@postgresql_only
@pytest.mark.django_db(transaction=True)
def test_racing_adds_deletes_restores_and_moves_stay_exact():
    owner = UserFactory()
    folders = [FolderFactory(owner=owner) for _ in range(2)]
    seed = ItemFactory.create_batch(24, owner=owner)
    ids = [item.pk for item in seed]

    def add(n: int):
        return lambda: [
            services.item_create(
                owner=owner, content=png_bytes(), filename="r.png", folder=folders[n % 2] if n % 3 else None
            )
            for _ in range(4)
        ]

    def delete(chunk):
        return lambda: services.items_delete(actor=owner, item_ids=chunk)

    def move(chunk, n):
        return lambda: folder_services.items_move(
            owner=owner, source=None, destination=FolderRef(folders[n].pk, False), item_ids=chunk
        )

    calls = [add(n) for n in range(4)]
    # Overlapping chunks: the same item deleted, moved and deleted again by different threads.
    calls += [delete(ids[0:8]), delete(ids[4:12]), delete(ids[8:16])]
    calls += [move(ids[12:20], 0), move(ids[16:24], 1)]
    calls += [lambda: services.items_restore(item_ids=ids[0:4])]
    # Folds racing the writers and each other.
    calls += [lambda: library_counts_fold(user_id=owner.pk), library_counts_fold_all]
    for _ in range(3):
        race_calls(calls)
        assert_exact(owner)
    assert counts(owner)[0] == Item.objects.filter(owner=owner, deleted_at__isnull=True).count()


@postgresql_only
@pytest.mark.django_db(transaction=True)
def test_racing_transfers_into_one_account_stay_exact():
    account = UserFactory()
    guests = [User.objects.create_user(is_guest=True) for _ in range(6)]
    for guest in guests:
        ItemFactory.create_batch(5, owner=guest)
    race_calls(
        [
            (lambda g=guest: services.library_transfer_user_items(from_user=g, to_user=account))
            for guest in guests
        ]
        + [
            lambda: [
                services.item_create(owner=account, content=png_bytes(), filename="x.png") for _ in range(5)
            ]
        ]
    )
    assert counts(account) == (35, 35)
    assert_exact(account, *guests)
