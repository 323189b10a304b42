"""setItemProperties: the owner's side of the public approval workflow."""

import pytest

from accounts.models import User
from aimg_site.api.errors import ErrorCode
from library.items import services
from library.models import ApprovalStatus, Item
from tests.support.assertions import assert_envelope
from tests.support.factories.library import FolderFactory, ItemFactory


def set_props(api, persona, item, **body):
    return api.post("/setItemProperties", persona=persona, imageID=str(item.id), **body)


@pytest.fixture
def item(owner):
    return ItemFactory(owner=owner.user)


def status_of(item) -> tuple[str, bool]:
    item.refresh_from_db()
    return item.public_approval_status, item.is_public


def test_a_new_item_is_private_with_no_status(item):
    assert status_of(item) == ("none", False)


def test_the_owner_submits_and_withdraws_an_item(api, owner, item):
    payload = assert_envelope(set_props(api, owner, item, publicApprovalStatus="pending")).payload
    assert payload["id"] == str(item.id) and payload["publicApprovalStatus"] == "pending"
    assert status_of(item) == ("pending", False)
    payload = assert_envelope(set_props(api, owner, item, publicApprovalStatus="none")).payload
    assert payload["publicApprovalStatus"] == "none"


def test_resubmitting_a_pending_item_is_harmless(api, owner, item):
    assert_envelope(set_props(api, owner, item, publicApprovalStatus="pending"))
    assert_envelope(set_props(api, owner, item, publicApprovalStatus="pending"))
    assert status_of(item) == ("pending", False)


@pytest.mark.parametrize("status", ["none", "pending"])
def test_is_public_cannot_be_set_before_approval(api, owner, item, status):
    Item.objects.filter(pk=item.pk).update(public_approval_status=status)
    resp = assert_envelope(set_props(api, owner, item, isPublic=True), 409)
    assert "approved" in resp.error
    assert status_of(item) == (status, False)


def test_is_public_false_is_always_accepted(api, owner, item):
    assert_envelope(set_props(api, owner, item, isPublic=False))
    assert status_of(item) == ("none", False)


@pytest.mark.parametrize("status", ["approved", "rejected"])
def test_the_owner_cannot_approve_or_reject(api, owner, item, status):
    assert_envelope(set_props(api, owner, item, publicApprovalStatus=status), 403)
    assert status_of(item) == ("none", False)


@pytest.mark.parametrize("final", ["approved", "rejected"])
@pytest.mark.parametrize("wanted", ["none", "pending"])
def test_approved_and_rejected_are_final_for_the_owner(api, owner, item, final, wanted):
    Item.objects.filter(pk=item.pk).update(public_approval_status=final, is_public=final == "approved")
    assert_envelope(set_props(api, owner, item, publicApprovalStatus=wanted), 409)
    assert status_of(item) == (final, final == "approved")


def test_once_approved_the_owner_toggles_is_public(api, owner, item):
    folder = FolderFactory(owner=owner.user, is_public=True)
    Item.objects.filter(pk=item.pk).update(public_approval_status="approved", is_public=True, folder=folder)
    payload = assert_envelope(set_props(api, owner, item, isPublic="false")).payload
    assert payload["isPublic"] is False and payload["isPubliclyVisible"] is False
    payload = assert_envelope(set_props(api, owner, item, isPublic=True)).payload
    assert payload["isPublic"] is True and payload["isPubliclyVisible"] is True


def test_a_rejected_item_cannot_be_made_public(api, owner, item):
    Item.objects.filter(pk=item.pk).update(public_approval_status="rejected")
    assert_envelope(set_props(api, owner, item, isPublic=True), 409)


def test_nothing_is_written_when_one_property_fails(api, owner, item):
    assert_envelope(set_props(api, owner, item, publicApprovalStatus="pending", isPublic=True), 409)
    assert status_of(item) == ("none", False)


def test_at_most_fifty_items_pending_per_user(api, owner, other_user):
    ItemFactory.create_batch(
        services.MAX_PENDING_PER_USER, owner=owner.user, public_approval_status="pending"
    )
    extra = ItemFactory(owner=owner.user)
    resp = assert_envelope(set_props(api, owner, extra, publicApprovalStatus="pending"), 409)
    assert "50" in resp.error
    # Its own code: 1001 is the accounts code of an email change refused for an OAuth account.
    assert resp.body["errorCode"] == ErrorCode.LIBRARY_PENDING_APPROVAL_LIMIT == 1201
    assert status_of(extra) == ("none", False)
    # another user's quota is their own
    theirs = ItemFactory(owner=other_user.user)
    assert_envelope(set_props(api, other_user, theirs, publicApprovalStatus="pending"))
    # withdrawing one frees a slot
    first = Item.objects.filter(owner=owner.user, public_approval_status="pending").first()
    assert_envelope(set_props(api, owner, first, publicApprovalStatus="none"))
    assert_envelope(set_props(api, owner, extra, publicApprovalStatus="pending"))


def test_deleted_pending_items_do_not_count_towards_the_cap(api, owner):
    ItemFactory.create_batch(
        services.MAX_PENDING_PER_USER,
        owner=owner.user,
        public_approval_status="pending",
        deleted_at="2025-01-01T00:00Z",
    )
    assert_envelope(set_props(api, owner, ItemFactory(owner=owner.user), publicApprovalStatus="pending"))


def test_another_users_private_item_is_a_404_and_public_item_a_403(api, other_user, owner, item):
    assert_envelope(set_props(api, other_user, item, publicApprovalStatus="pending"), 404)
    public = ItemFactory(owner=owner.user, public=True)
    assert_envelope(set_props(api, other_user, public, isPublic=False), 403)
    assert status_of(public) == ("approved", True)


def test_a_guest_and_a_deleted_item_are_404s(api, guest, owner, item):
    assert_envelope(set_props(api, guest, item, publicApprovalStatus="pending"), 404)
    Item.objects.filter(pk=item.pk).update(deleted_at="2025-01-01T00:00Z")
    assert_envelope(set_props(api, owner, item, publicApprovalStatus="pending"), 404)


@pytest.mark.parametrize(
    "body, name",
    [
        ({}, "isPublic"),
        ({"publicApprovalStatus": "later"}, "publicApprovalStatus"),
        ({"isPublic": "perhaps"}, "isPublic"),
    ],
)
def test_bad_bodies_are_400s_naming_the_parameter(api, owner, item, body, name):
    resp = assert_envelope(set_props(api, owner, item, **body), 400)
    assert name in resp.error


def test_a_missing_or_bad_image_id_is_a_400(api, owner):
    resp = assert_envelope(api.post("/setItemProperties", persona=owner, isPublic=False), 400)
    assert "imageID" in resp.error
    resp = assert_envelope(api.post("/setItemProperties", persona=owner, imageID="1", isPublic=False), 400)
    assert "imageID" in resp.error


def test_the_guest_workflow_works_for_a_guests_own_item(api, guest):
    # a guest's first write makes its user; then it owns items like anyone
    resp = assert_envelope(api.post("/likeItems", persona=guest, imageIDs=[str(ItemFactory(public=True).id)]))
    assert resp.payload[0]["success"]

    guest_user = User.objects.get(is_guest=True)
    mine = ItemFactory(owner=guest_user)
    payload = assert_envelope(
        set_props(api, guest, mine, publicApprovalStatus=ApprovalStatus.PENDING)
    ).payload
    assert payload["publicApprovalStatus"] == "pending"
