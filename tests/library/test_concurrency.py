"""Concurrent likes and deletes on PostgreSQL: exact counters, no lost updates, no double counts."""

import uuid

import pytest
from django.db import connection

from library.items import services
from library.models import Item, ItemReaction, ItemView
from tests.support.client import ApiClient
from tests.support.concurrency import race_calls as run_together
from tests.support.factories.accounts import UserFactory, signed_in
from tests.support.factories.library import ItemFactory
from tests.support.personas import Persona

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="needs PostgreSQL row locks and real concurrent transactions",
    ),
]


def test_two_simultaneous_likes_by_one_user_count_once(public_item):
    fan = signed_in(UserFactory())
    for _ in range(3):
        results = run_together(
            [
                lambda: ApiClient().post("/likeItems", persona=fan, imageIDs=[str(public_item.id)])
                for _ in range(6)
            ]
        )
        assert all(r.status == 200 and r.payload[0]["success"] for r in results)
    public_item.refresh_from_db()
    assert public_item.like_count == 1
    assert ItemReaction.objects.filter(item=public_item).count() == 1


def test_many_users_liking_at_once_are_all_counted(public_item):
    fans = [signed_in(UserFactory()) for _ in range(16)]
    other = ItemFactory(owner=public_item.owner, public=True)
    ids = [str(public_item.id), str(other.id)]
    results = run_together(
        [
            (lambda p=p, i=i: ApiClient().post("/likeItems", persona=p, imageIDs=ids if i % 2 else ids[::-1]))
            for i, p in enumerate(fans)
        ]
    )
    assert all(r.status == 200 for r in results), results
    public_item.refresh_from_db()
    other.refresh_from_db()
    assert public_item.like_count == 16 and other.like_count == 16


def test_likes_and_dislikes_racing_keep_counters_equal_to_rows(public_item):
    fans = [signed_in(UserFactory()) for _ in range(8)]
    calls = []
    for p in fans:
        for endpoint in ("/likeItems", "/dislikeItems", "/unlikeItems", "/likeItems"):
            calls.append(
                lambda p=p, e=endpoint: ApiClient().post(e, persona=p, imageIDs=[str(public_item.id)])
            )
    results = run_together(calls)
    assert all(r.status == 200 for r in results), results
    public_item.refresh_from_db()
    likes = ItemReaction.objects.filter(item=public_item, kind="like").count()
    dislikes = ItemReaction.objects.filter(item=public_item, kind="dislike").count()
    assert (public_item.like_count, public_item.dislike_count) == (likes, dislikes)
    assert likes + dislikes <= 8


def test_concurrent_deletes_delete_once_and_report_consistently():
    owner_user = UserFactory()
    owner = signed_in(owner_user)
    items = [ItemFactory(owner=owner_user) for _ in range(5)]
    ids = [str(item.id) for item in items]
    results = run_together(
        [lambda: ApiClient().delete("/deleteItems", persona=owner, imageIDs=ids) for _ in range(6)]
    )
    assert all(r.status == 200 for r in results), results
    # each item was deleted by exactly one call; the others saw it already deleted
    for position, item_id in enumerate(ids):
        successes = [r.payload[position]["success"] for r in results]
        assert successes.count(True) == 1, (item_id, successes)
    assert Item.objects.filter(owner=owner_user, deleted_at__isnull=True).count() == 0


def test_concurrent_views_by_one_session_count_once(public_item):
    viewer = Persona(session_id=str(uuid.uuid4()))
    results = run_together(
        [
            lambda: ApiClient().get("/getItemDetails", persona=viewer, imageID=str(public_item.id))
            for _ in range(8)
        ]
    )
    assert all(r.status == 200 for r in results), results
    public_item.refresh_from_db()
    assert public_item.view_count == 1
    assert ItemView.objects.filter(item=public_item).count() == 1


def test_the_pending_cap_holds_under_concurrent_submissions(settings):
    owner_user = UserFactory()
    owner = signed_in(owner_user)
    ItemFactory.create_batch(
        services.MAX_PENDING_PER_USER - 2, owner=owner_user, public_approval_status="pending"
    )
    candidates = ItemFactory.create_batch(6, owner=owner_user)
    results = run_together(
        [
            (
                lambda item=item: ApiClient().post(
                    "/setItemProperties", persona=owner, imageID=str(item.id), publicApprovalStatus="pending"
                )
            )
            for item in candidates
        ]
    )
    assert sorted(r.status for r in results) == [200, 200, 409, 409, 409, 409]
    assert Item.objects.filter(owner=owner_user, public_approval_status="pending").count() == 50
