"""likeItems, unlikeItems, dislikeItems, undislikeItems: exclusive, idempotent, exact counters."""

import uuid

import pytest

from accounts.models import User
from library.models import Item, ItemReaction
from tests.support.assertions import assert_envelope
from tests.support.factories.library import ItemFactory


def counts(item) -> tuple[int, int]:
    item.refresh_from_db()
    return item.like_count, item.dislike_count


def test_liking_is_idempotent_and_counts_once(api, other_user, public_item):
    for _ in range(2):
        resp = assert_envelope(api.post("/likeItems", persona=other_user, imageIDs=[str(public_item.id)]))
        assert resp.payload == [{"id": str(public_item.id), "success": True}]
    assert counts(public_item) == (1, 0)
    got = assert_envelope(api.get("/getItem", persona=other_user, imageID=str(public_item.id))).payload
    assert got["isLiked"] is True and got["likeCount"] == 1


def test_a_dislike_replaces_a_like_and_back(api, other_user, public_item):
    api.post("/likeItems", persona=other_user, imageIDs=[str(public_item.id)])
    assert_envelope(api.post("/dislikeItems", persona=other_user, imageIDs=[str(public_item.id)]))
    assert counts(public_item) == (0, 1)
    got = assert_envelope(api.get("/getItem", persona=other_user, imageID=str(public_item.id))).payload
    assert got["isLiked"] is False and got["isDisliked"] is True
    assert_envelope(api.post("/likeItems", persona=other_user, imageIDs=[str(public_item.id)]))
    assert counts(public_item) == (1, 0)
    assert ItemReaction.objects.filter(item=public_item).count() == 1


def test_unlike_and_undislike_remove_only_their_own_kind(api, other_user, owner, public_item):
    api.post("/likeItems", persona=other_user, imageIDs=[str(public_item.id)])
    api.post("/dislikeItems", persona=owner, imageIDs=[str(public_item.id)])
    assert counts(public_item) == (1, 1)
    # undislike by the liker changes nothing
    resp = assert_envelope(api.post("/undislikeItems", persona=other_user, imageIDs=[str(public_item.id)]))
    assert resp.payload[0]["success"] is True
    assert counts(public_item) == (1, 1)
    assert_envelope(api.post("/unlikeItems", persona=other_user, imageIDs=[str(public_item.id)]))
    assert_envelope(api.post("/unlikeItems", persona=other_user, imageIDs=[str(public_item.id)]))
    assert counts(public_item) == (0, 1)
    assert_envelope(api.post("/undislikeItems", persona=owner, imageIDs=[str(public_item.id)]))
    assert counts(public_item) == (0, 0)


def test_items_the_caller_cannot_see_fail_with_a_message(api, other_user, owner, public_item):
    private = ItemFactory(owner=owner.user)
    missing = uuid.uuid4()
    resp = assert_envelope(
        api.post(
            "/likeItems", persona=other_user, imageIDs=[str(private.id), str(public_item.id), str(missing)]
        )
    )
    assert resp.payload == [
        {"id": str(private.id), "success": False, "message": "Item not found."},
        {"id": str(public_item.id), "success": True},
        {"id": str(missing), "success": False, "message": "Item not found."},
    ]
    assert counts(private) == (0, 0)


def test_owners_can_like_their_own_private_items(api, owner):
    private = ItemFactory(owner=owner.user)
    assert_envelope(api.post("/likeItems", persona=owner, imageIDs=[str(private.id)]))
    assert counts(private) == (1, 0)


def test_a_guest_can_like_a_public_item_and_gets_a_guest_library(api, guest, public_item):
    resp = assert_envelope(api.post("/likeItems", persona=guest, imageIDs=[str(public_item.id)]))
    assert resp.payload[0]["success"] is True
    assert counts(public_item) == (1, 0)
    got = assert_envelope(api.get("/getItem", persona=guest, imageID=str(public_item.id))).payload
    assert got["isLiked"] is True


def test_a_guest_without_a_user_unlikes_idempotently_and_makes_no_user(api, guest, owner, public_item):
    private = ItemFactory(owner=owner.user)
    resp = assert_envelope(
        api.post("/unlikeItems", persona=guest, imageIDs=[str(public_item.id), str(private.id)])
    )
    assert resp.payload == [
        {"id": str(public_item.id), "success": True},
        {"id": str(private.id), "success": False, "message": "Item not found."},
    ]
    assert not User.objects.filter(is_guest=True).exists()
    assert counts(public_item) == (0, 0)


def test_deleted_items_cannot_be_liked(api, other_user, public_item):
    Item.objects.filter(pk=public_item.pk).update(deleted_at="2025-01-01T00:00:00Z")
    resp = assert_envelope(api.post("/likeItems", persona=other_user, imageIDs=[str(public_item.id)]))
    assert resp.payload[0]["success"] is False


def test_image_ids_may_be_a_comma_separated_string(api, other_user, owner):
    a = ItemFactory(owner=owner.user, public=True)
    b = ItemFactory(owner=owner.user, public=True)
    resp = assert_envelope(api.post("/likeItems", persona=other_user, imageIDs=f"{a.id}, {b.id}"))
    assert [row["success"] for row in resp.payload] == [True, True]
    assert counts(a) == (1, 0) and counts(b) == (1, 0)


@pytest.mark.parametrize("endpoint", ["/likeItems", "/unlikeItems", "/dislikeItems", "/undislikeItems"])
@pytest.mark.parametrize(
    "image_ids",
    [["not-a-uuid"], [], "", None, [str(uuid.uuid4()) for _ in range(1001)]],
)
def test_bad_image_ids_are_400s_naming_the_parameter(api, other_user, endpoint, image_ids):
    body = {} if image_ids is None else {"imageIDs": image_ids}
    resp = assert_envelope(api.post(endpoint, persona=other_user, body=body), 400)
    assert "imageIDs" in resp.error


def test_a_thousand_ids_are_accepted(api, other_user, public_item):
    many = [str(public_item.id)] + [str(uuid.uuid4()) for _ in range(999)]
    resp = assert_envelope(api.post("/likeItems", persona=other_user, imageIDs=many))
    assert len(resp.payload) == 1000
    assert counts(public_item) == (1, 0)


def test_throwaway_sessions_from_one_address_cannot_inflate_likes(api, public_item):
    from library.items.services import REACTIONS_PER_ADDRESS

    statuses = []
    for _ in range(REACTIONS_PER_ADDRESS + 10):
        fresh = {"X-Session-ID": str(uuid.uuid4())}
        statuses.append(api.post("/likeItems", headers=fresh, imageIDs=[str(public_item.id)]).status)
    assert statuses.count(200) == REACTIONS_PER_ADDRESS and statuses[-1] == 429
    assert counts(public_item) == (REACTIONS_PER_ADDRESS, 0)
