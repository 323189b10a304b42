"""The shared factories make real rows and real media."""

from django.core.files.storage import default_storage
from PIL import Image as PILImage

from library.models import ApprovalStatus
from tests.support.factories.accounts import UserFactory, signed_in
from tests.support.factories.library import FolderFactory, ItemFactory, TagFactory


def test_item_factory_writes_a_real_png_through_the_storage():
    item = ItemFactory()
    with default_storage.open(item.media.name) as handle:
        image = PILImage.open(handle)
        assert image.format == "PNG"
        assert image.size == (8, 8)
    assert item.media.name.startswith("items/")
    assert item.is_public is False
    assert item.public_approval_status == ApprovalStatus.NONE


def test_public_trait_makes_a_publicly_visible_item_in_the_owners_public_folder():
    item = ItemFactory(public=True)
    assert item.is_publicly_visible
    assert item.folder.owner_id == item.owner_id


def test_folder_factory_makes_a_private_folder_by_default():
    folder = FolderFactory()
    assert folder.is_public is False
    assert folder.public_id == str(folder.id)


def test_approved_trait_is_public_and_approved_in_no_folder():
    item = ItemFactory(approved=True)
    assert item.is_public is True
    assert item.public_approval_status == ApprovalStatus.APPROVED
    assert item.folder is None


def test_deleted_trait_soft_deletes():
    assert ItemFactory(deleted=True).deleted_at is not None
    assert ItemFactory().deleted_at is None


def test_tag_factory_reuses_a_name():
    assert TagFactory(name="fox").pk == TagFactory(name="fox").pk


def test_user_factory_and_signed_in_make_a_session_the_api_accepts(api):
    persona = signed_in(UserFactory(password="Sunny-Day-42"))
    assert persona.user.check_password("Sunny-Day-42")
    payload = api.get("/getSelfUser", persona=persona).payload
    assert payload["userID"] == persona.id and payload["isAuthenticated"] is True
