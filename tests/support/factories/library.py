"""Factories of the library app: ``ItemFactory``, ``FolderFactory``, ``TagFactory``.

Items get a real small PNG made with Pillow and written through the default
storage (the test media root), so their ``url`` can be fetched.
"""

from __future__ import annotations

import io

import factory
from django.core.files.base import ContentFile
from django.utils import timezone
from PIL import Image as PILImage

from library.models import ApprovalStatus, Folder, Item, Tag
from tests.support.factories.accounts import UserFactory


def png_bytes(width: int = 8, height: int = 8, color=(200, 40, 90)) -> bytes:
    buffer = io.BytesIO()
    PILImage.new("RGB", (width, height), color).save(buffer, format="PNG")
    return buffer.getvalue()


class FolderFactory(factory.django.DjangoModelFactory):
    """A private folder (``is_public=True`` for a public one)."""

    class Meta:
        model = Folder

    owner = factory.SubFactory(UserFactory)
    name = factory.Sequence(lambda n: f"Folder {n}")
    description = ""
    is_public = False


class ItemFactory(factory.django.DjangoModelFactory):
    """A private, live image with a real 8x8 PNG, in no folder (``folder=`` puts it in one).

    Traits: ``approved=True`` marks it public and approved (no folder made); ``public=True`` does
    that and puts it in a new public folder of the same owner unless ``folder`` is given;
    ``deleted=True`` soft-deletes it (``deleted_at`` now).
    """

    class Meta:
        model = Item

    class Params:
        approved = factory.Trait(is_public=True, public_approval_status=ApprovalStatus.APPROVED)
        deleted = factory.Trait(deleted_at=factory.LazyFunction(timezone.now))
        public = factory.Trait(
            is_public=True,
            public_approval_status=ApprovalStatus.APPROVED,
            folder=factory.SubFactory(FolderFactory, owner=factory.SelfAttribute("..owner"), is_public=True),
        )

    owner = factory.SubFactory(UserFactory)
    folder_added_at = factory.LazyFunction(timezone.now)
    # Listings page by completion time; a test that places an item in time with
    # folder_added_at places its completion there too unless it says otherwise.
    completed_at = factory.LazyAttribute(lambda item: item.folder_added_at)
    media = factory.LazyFunction(lambda: ContentFile(png_bytes(), name="image.png"))
    mtype = "image"
    media_type = "StaticImage"
    width = 8
    height = 8
    prompt = factory.Sequence(lambda n: f"a red fox number {n}")
    model_id = "f222"
    model_name = "F222"
    sampler = "DPM++ 2M Karras"


class TagFactory(factory.django.DjangoModelFactory):
    """A tag (names are unique: an existing one is reused)."""

    class Meta:
        model = Tag
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"tag{n}")
