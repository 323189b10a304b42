"""Folder counts, thumbnails and tags under real concurrency (PostgreSQL; SQLite serializes writers).

Every request runs on its own thread and connection, released together by a
barrier. Afterwards each folder's ``imageCount`` (as the API shows it) must
equal a ``COUNT`` query, and no request may have failed.
"""

from __future__ import annotations

import pytest
from django.db import connection

from library.models import Folder, FolderThumbnail, Item, ItemTag, Tag
from tests.library.conftest_folders import live_count, make_folder, make_item, race, thumbnail_ids, wire_id
from tests.support.assertions import assert_envelope
from tests.support.client import ApiClient

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="real concurrency needs PostgreSQL (SQLite locks the file)"
    ),
]


def _post(persona, path, **body):
    return ApiClient().post(path, persona=persona, body=body)


def _counts_match(owner):
    """Every folder's imageCount in the API equals a COUNT of its live items; returns them by id."""
    shown = {}
    for op in ("/getSelfFolders", "/getPublicFolders"):
        for folder in ApiClient().get(op, persona=owner, userID=owner.id, limit=1000).payload:
            shown[folder["id"]] = folder["imageCount"]
    for folder in Folder.objects.filter(owner=owner.user):
        assert shown[wire_id(folder)] == live_count(folder), folder
    return shown


def test_two_moves_of_the_same_items_to_different_folders_move_each_item_once(owner):
    source, left, right = make_folder(owner), make_folder(owner), make_folder(owner, is_public=True)
    items = [str(make_item(owner, public=True, folder=source).id) for _ in range(40)]
    targets = [left, right] * 4

    results = race(
        len(targets),
        lambda i: _post(
            owner,
            "/moveItemsBetweenFolders",
            sourceFolderID=wire_id(source),
            destinationFolderID=wire_id(targets[i]),
            imageIDs=items,
        ),
    )

    wins: dict[str, int] = {}
    for resp in results:
        for outcome in assert_envelope(resp).payload:
            wins[outcome["id"]] = wins.get(outcome["id"], 0) + outcome["success"]
    assert wins == dict.fromkeys(items, 1)
    assert live_count(source) == 0 and live_count(left) + live_count(right) == 40
    _counts_match(owner)


def test_crossing_moves_and_adds_between_two_folders_neither_deadlock_nor_lose_items(owner):
    a, b = make_folder(owner), make_folder(owner)
    in_a = [str(make_item(owner, folder=a).id) for _ in range(30)]
    in_b = [str(make_item(owner, folder=b).id) for _ in range(30)]

    def move(source, destination, ids):
        body = {"sourceFolderID": str(source.id), "destinationFolderID": str(destination.id), "imageIDs": ids}
        return lambda: _post(owner, "/moveItemsBetweenFolders", **body)

    calls = [
        move(a, b, in_a),
        move(b, a, in_b),
        lambda: _post(owner, "/addImagesToSelfFolder", folderID=str(a.id), imageIDs=in_b[::-1]),
        lambda: _post(owner, "/addImagesToSelfFolder", folderID=str(b.id), imageIDs=in_a[::-1]),
        lambda: _post(owner, "/removeImagesFromSelfFolder", folderID=str(a.id), imageIDs=in_a[:10]),
        lambda: _post(owner, "/addImagesToSelfFolder", folderID=str(b.id), imageIDs=in_b),
    ] * 2

    results = race(len(calls), lambda i: calls[i]())

    for resp in results:
        assert_envelope(resp)
    total = live_count(a) + live_count(b) + Item.objects.filter(folder__isnull=True).count()
    assert total == 60
    _counts_match(owner)


def test_concurrent_adds_to_one_folder_keep_its_count_exact(owner):
    target = make_folder(owner, is_public=True)
    sources = [make_folder(owner) for _ in range(8)]
    batches = [[str(make_item(owner, public=True, folder=s).id) for _ in range(10)] for s in sources]

    results = race(
        8, lambda i: _post(owner, "/addImagesToPublicFolder", folderID=wire_id(target), imageIDs=batches[i])
    )

    assert all(assert_envelope(resp).payload == {"success": True} for resp in results)
    shown = _counts_match(owner)
    assert shown[wire_id(target)] == 80 and all(shown[str(s.id)] == 0 for s in sources)


def test_adding_from_a_folder_while_it_is_deleted_leaves_every_item_somewhere_exact(owner):
    doomed, target = make_folder(owner), make_folder(owner)
    items = [str(make_item(owner, folder=doomed).id) for _ in range(30)]
    calls = [
        lambda: _post(owner, "/addImagesToSelfFolder", folderID=str(target.id), imageIDs=items),
        lambda: ApiClient().delete("/deleteSelfFolder", persona=owner, folderID=str(doomed.id)),
    ] * 3

    results = race(len(calls), lambda i: calls[i]())

    assert all(resp.status in (200, 404) for resp in results), results
    assert sum(resp.status == 200 for resp in results[1::2]) == 1  # one delete wins
    assert not Folder.objects.filter(pk=doomed.pk).exists()
    assert live_count(target) + Item.objects.filter(folder__isnull=True).count() == 30
    _counts_match(owner)


def test_concurrent_thumbnail_adds_never_exceed_four(owner):
    folder = make_folder(owner)
    items = [str(make_item(owner, folder=folder).id) for _ in range(8)]

    results = race(
        8,
        lambda i: _post(
            owner, "/addThumbnailImagesForSelfFolder", folderID=str(folder.id), imageIDs=[items[i]]
        ),
    )

    payloads = [assert_envelope(resp).payload for resp in results]
    assert sum(p["success"] for p in payloads) == 4
    assert len(thumbnail_ids(folder)) == 4 == FolderThumbnail.objects.filter(folder=folder).count()


def test_concurrent_tag_adds_never_exceed_ten_and_a_new_name_gets_one_row(owner):
    item = make_item(owner)
    results = race(8, lambda i: _post(owner, "/addTagsToItem", imageID=str(item.id), tags=[f"a{i}", f"b{i}"]))
    added = sum(len(assert_envelope(resp).payload["modified"]) for resp in results)
    assert added == 10 == ItemTag.objects.filter(item=item).count()

    others = [str(make_item(owner).id) for _ in range(8)]
    results = race(8, lambda i: _post(owner, "/addTagsToItem", imageID=others[i], tags=["brand-new"]))
    assert all(assert_envelope(resp).payload["success"] for resp in results)
    assert Tag.objects.filter(name="brand-new").count() == 1
    assert ItemTag.objects.filter(tag__name="brand-new").count() == 8


def test_deleting_items_while_they_are_added_and_moved_neither_deadlocks_nor_miscounts(owner):
    a, b = make_folder(owner), make_folder(owner)
    in_a = [str(make_item(owner, folder=a).id) for _ in range(30)]
    in_b = [str(make_item(owner, folder=b).id) for _ in range(30)]
    doomed = in_a[::3] + in_b[::3]

    def delete(ids):
        return lambda: ApiClient().delete("/deleteItems", persona=owner, imageIDs=ids)

    calls = [
        delete(doomed),
        lambda: _post(owner, "/addImagesToSelfFolder", folderID=str(a.id), imageIDs=in_b[::-1]),
        lambda: _post(
            owner,
            "/moveItemsBetweenFolders",
            sourceFolderID=str(a.id),
            destinationFolderID=str(b.id),
            imageIDs=in_a,
        ),
        delete(doomed[::-1]),
    ] * 2
    is_delete = [i % 4 in (0, 3) for i in range(len(calls))]

    results = race(len(calls), lambda i: calls[i]())

    for resp in results:
        assert_envelope(resp)
    deletions = [
        row for resp, d in zip(results, is_delete, strict=True) if d for row in resp.payload if row["success"]
    ]
    assert sorted(row["id"] for row in deletions) == sorted(doomed)  # each deleted exactly once
    assert Item.objects.filter(deleted_at__isnull=False).count() == len(doomed)
    assert not Item.objects.filter(deleted_at__isnull=False, folder__isnull=False).exists()
    total = (
        live_count(a)
        + live_count(b)
        + Item.objects.filter(folder__isnull=True, deleted_at__isnull=True).count()
    )
    assert total == 60 - len(doomed)
    _counts_match(owner)
