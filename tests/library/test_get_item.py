"""getItem, getItemDetails and getLastCompletedItem: who sees what."""

import datetime as dt
import ipaddress

import pytest

from accounts.models import ProfilePicture, User
from library.models import ApprovalStatus, Item, ItemReaction, ItemTag, Tag
from tests.support.assertions import assert_envelope
from tests.support.client import ApiClient
from tests.support.factories.library import FolderFactory, ItemFactory


@pytest.fixture
def private_item(owner):
    return ItemFactory(owner=owner.user, prompt="a private fox")


def test_owner_gets_their_private_item_with_its_approval_status(api, owner, private_item):
    resp = assert_envelope(api.get("/getItem", persona=owner, imageID=str(private_item.id)))
    payload = resp.payload
    assert payload["id"] == str(private_item.id)
    assert payload["userID"] == str(owner.user.id)
    assert payload["isPublic"] is False
    assert payload["isPubliclyVisible"] is False
    assert payload["publicApprovalStatus"] == "none"
    assert payload["mtype"] == "image" and payload["mediaType"] == "StaticImage"
    assert payload["url"].startswith("http://") and payload["url"].split("?")[0].endswith(".png")
    assert "signature=" in payload["url"]  # a private item's media URL is signed
    assert payload["tags"] == [] and payload["isLiked"] is False and payload["isDisliked"] is False
    assert payload["completedDate"] == int(private_item.completed_at.timestamp() * 1000)
    assert payload["completedTimestamp"].endswith("Z")
    assert "folderID" not in payload and "batchID" not in payload


def test_another_users_private_item_is_a_404(api, other_user, private_item):
    assert_envelope(api.get("/getItem", persona=other_user, imageID=str(private_item.id)), 404)
    assert_envelope(api.get("/getItemDetails", persona=other_user, imageID=str(private_item.id)), 404)


def test_a_guest_cannot_see_a_private_item(api, guest, private_item):
    assert_envelope(api.get("/getItem", persona=guest, imageID=str(private_item.id)), 404)


def test_a_guest_sees_a_public_item_without_its_approval_status(api, guest, public_item):
    payload = assert_envelope(api.get("/getItem", persona=guest, imageID=str(public_item.id))).payload
    assert payload["isPubliclyVisible"] is True
    assert payload["folderID"] == f"p-{public_item.folder_id}"
    assert "publicApprovalStatus" not in payload
    details = assert_envelope(api.get("/getItemDetails", persona=guest, imageID=str(public_item.id))).payload
    assert "publicApprovalStatus" not in details
    assert details["prompt"] == public_item.prompt


def test_another_user_sees_a_public_item_but_not_its_status(api, other_user, public_item):
    payload = assert_envelope(api.get("/getItem", persona=other_user, imageID=str(public_item.id))).payload
    assert "publicApprovalStatus" not in payload


@pytest.mark.parametrize(
    "changes",
    [
        {"is_public": False},
        {"public_approval_status": ApprovalStatus.PENDING},
        {"deleted_at": dt.datetime(2024, 1, 1, tzinfo=dt.UTC)},
    ],
)
def test_an_item_that_is_not_fully_public_stays_hidden_from_others(api, other_user, public_item, changes):
    Item.objects.filter(pk=public_item.pk).update(**changes)
    assert_envelope(api.get("/getItem", persona=other_user, imageID=str(public_item.id)), 404)


def test_an_approved_public_item_in_a_private_folder_is_not_visible_to_others(api, owner, other_user):
    item = ItemFactory(
        owner=owner.user,
        folder=FolderFactory(owner=owner.user),
        is_public=True,
        public_approval_status=ApprovalStatus.APPROVED,
    )
    assert_envelope(api.get("/getItem", persona=other_user, imageID=str(item.id)), 404)
    payload = assert_envelope(api.get("/getItem", persona=owner, imageID=str(item.id))).payload
    assert payload["isPublic"] is True and payload["isPubliclyVisible"] is False
    assert payload["folderID"] == str(item.folder_id)


def test_the_owner_does_not_see_a_deleted_item(api, owner, private_item):
    Item.objects.filter(pk=private_item.pk).update(deleted_at=dt.datetime(2024, 1, 1, tzinfo=dt.UTC))
    assert_envelope(api.get("/getItem", persona=owner, imageID=str(private_item.id)), 404)


def test_an_item_of_another_domain_is_a_404(owner, private_item):
    resp = ApiClient("api.sexy.ai").get("/getItem", persona=owner, imageID=str(private_item.id))
    assert resp.status in (400, 404)
    assert resp.payload is None


def test_an_invalid_image_id_is_a_400_naming_it(api, owner):
    resp = assert_envelope(api.get("/getItem", persona=owner, imageID="not-a-uuid"), 400)
    assert "imageID" in resp.error
    resp = assert_envelope(api.get("/getItem", persona=owner), 400)
    assert "imageID" in resp.error


def test_tags_and_the_viewers_reaction_are_shown(api, owner, other_user, public_item):
    ItemTag.objects.create(item=public_item, tag=Tag.objects.create(name="zebra"))
    ItemTag.objects.create(item=public_item, tag=Tag.objects.create(name="apple"))
    ItemReaction.objects.create(item=public_item, user=other_user.user, kind="like")
    mine = assert_envelope(api.get("/getItem", persona=owner, imageID=str(public_item.id))).payload
    theirs = assert_envelope(api.get("/getItem", persona=other_user, imageID=str(public_item.id))).payload
    assert mine["tags"] == ["apple", "zebra"]
    assert mine["isLiked"] is False
    assert theirs["isLiked"] is True and theirs["isDisliked"] is False


def test_item_details_carry_the_generation_parameters(api, owner):
    item = ItemFactory(
        owner=owner.user,
        negprompt="blurry",
        steps=31,
        seed=42,
        subseed=7,
        subseed_strength=0.5,
        lora=["detail"],
        lora_strength=[0.8],
        cfgscale=9.5,
        restore_faces=True,
        batch_id="00000000-0000-4000-8000-000000000001",
    )
    payload = assert_envelope(api.get("/getItemDetails", persona=owner, imageID=str(item.id))).payload
    assert payload["negprompt"] == "blurry"
    assert payload["steps"] == 31 and payload["seed"] == 42 and payload["subseed"] == 7
    assert payload["subseed_strength"] == 0.5
    assert payload["lora"] == ["detail"] and payload["lora_strength"] == [0.8]
    assert payload["cfgscale"] == 9.5 and payload["restoreFaces"] is True
    assert payload["modelID"] == "f222" and payload["modelName"] == "F222"
    assert payload["generatorVersion"] == "1"
    assert payload["batchID"] == "00000000-0000-4000-8000-000000000001"
    assert payload["username"] == "owner"
    assert payload["width"] == 8 and payload["height"] == 8
    assert "workflowTemplateName" not in payload and "workflowRunParameters" not in payload


def test_item_details_of_a_workflow_item_carry_its_template_and_parameters(api, owner):
    item = ItemFactory(
        owner=owner.user,
        generator_version="2",
        workflow_template_name="Portrait",
        workflow_run_parameters=[
            {"name": "Positive Prompt", "value": "a cat"},
            {"name": "Steps", "value": 20},
        ],
    )
    payload = assert_envelope(api.get("/getItemDetails", persona=owner, imageID=str(item.id))).payload
    assert payload["generatorVersion"] == "2"
    assert payload["workflowTemplateName"] == "Portrait"
    assert payload["workflowRunParameters"] == [
        {"name": "Positive Prompt", "value": "a cat"},
        {"name": "Steps", "value": "20"},
    ]


def test_view_count_grows_once_per_session(api, owner, other_user, guest, public_item, settings):
    # Each persona calls from its own address (a view counts once per address too).
    settings.AIMG_TRUSTED_PROXIES = [ipaddress.ip_network("127.0.0.1/32")]
    addresses = {
        other_user.session_id: "198.51.100.1",
        guest.session_id: "198.51.100.2",
        owner.session_id: "198.51.100.3",
    }

    def details(persona):
        headers = {"X-Forwarded-For": addresses[persona.session_id]}
        return assert_envelope(
            api.get("/getItemDetails", persona=persona, headers=headers, imageID=str(public_item.id))
        ).payload

    assert details(other_user)["viewCount"] == 1
    assert details(other_user)["viewCount"] == 1
    assert details(guest)["viewCount"] == 2
    assert details(guest)["viewCount"] == 2
    assert details(owner)["viewCount"] == 3
    public_item.refresh_from_db()
    assert public_item.view_count == 3
    # getItem does not count views
    assert_envelope(api.get("/getItem", persona=other_user, imageID=str(public_item.id)))
    public_item.refresh_from_db()
    assert public_item.view_count == 3


def test_last_completed_item_is_the_callers_newest_live_item(api, owner, other_user):
    now = dt.datetime(2025, 1, 1, tzinfo=dt.UTC)
    ItemFactory(owner=owner.user, completed_at=now - dt.timedelta(hours=2))
    video = ItemFactory(
        owner=owner.user, completed_at=now - dt.timedelta(hours=1), mtype="video", media_type="Video"
    )
    newest = ItemFactory(owner=owner.user, completed_at=now)
    ItemFactory(owner=other_user.user, completed_at=now + dt.timedelta(hours=1))
    deleted = ItemFactory(owner=owner.user, completed_at=now + dt.timedelta(hours=2))
    Item.objects.filter(pk=deleted.pk).update(deleted_at=now)

    payload = assert_envelope(api.get("/getLastCompletedItem", persona=owner)).payload
    assert payload["id"] == str(newest.id)
    payload = assert_envelope(api.get("/getLastCompletedItem", persona=owner, mtype="video")).payload
    assert payload["id"] == str(video.id)


def test_last_completed_item_is_a_404_without_items(api, owner, guest):
    assert_envelope(api.get("/getLastCompletedItem", persona=owner), 404)
    assert_envelope(api.get("/getLastCompletedItem", persona=guest), 404)
    assert_envelope(api.get("/getLastCompletedItem", persona=owner, mtype="audio"), 400)


def test_the_item_url_is_fetchable(api, owner, private_item, client):
    url = assert_envelope(api.get("/getItem", persona=owner, imageID=str(private_item.id))).payload["url"]
    path = "/" + url.split("://", 1)[1].split("/", 1)[1]
    response = client.get(path, HTTP_HOST="api.freejourney.ai")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert url.startswith("http://api.freejourney.ai/media/items/")


def test_item_details_carry_the_owners_profile_picture_unless_banned(api, other_user, public_item):
    ProfilePicture.objects.create(user=public_item.owner, webp=b"RIFF0000WEBP")
    payload = assert_envelope(
        api.get("/getItemDetails", persona=other_user, imageID=str(public_item.id))
    ).payload
    assert payload["profilePicture"].startswith("data:image/webp;base64,")
    User.objects.filter(pk=public_item.owner_id).update(profile_picture_banned=True)
    payload = assert_envelope(
        api.get("/getItemDetails", persona=other_user, imageID=str(public_item.id))
    ).payload
    assert "profilePicture" not in payload
