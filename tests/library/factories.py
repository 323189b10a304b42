"""factory_boy factories of the library: ``ItemFactory``, ``FolderFactory`` (usable by every test).

Items get a real small PNG made with Pillow and written through the default
storage (the test media root), so their ``url`` can be fetched.
"""

from __future__ import annotations

import io
import uuid

import factory
from django.core.files.base import ContentFile
from django.utils import timezone
from PIL import Image as PILImage

from accounts.models import User
from library.models import ApprovalStatus, Folder, Item


def png_bytes(width: int = 8, height: int = 8, color=(200, 40, 90)) -> bytes:
    buffer = io.BytesIO()
    PILImage.new("RGB", (width, height), color).save(buffer, format="PNG")
    return buffer.getvalue()


class UserFactory(factory.django.DjangoModelFactory):
    """A signed-up user in the bound domain (no session; use the ``make_user`` fixture for one)."""

    class Meta:
        model = User

    email = factory.Sequence(lambda n: f"person{n}-{uuid.uuid4().hex[:6]}@example.com")
    username = factory.Sequence(lambda n: f"person{n}")


class FolderFactory(factory.django.DjangoModelFactory):
    """A private folder (``is_public=True`` for a public one)."""

    class Meta:
        model = Folder

    owner = factory.SubFactory(UserFactory)
    name = factory.Sequence(lambda n: f"Folder {n}")
    description = ""
    is_public = False


class ItemFactory(factory.django.DjangoModelFactory):
    """A private, live image with a real 8x8 PNG. ``ItemFactory(public=True)`` makes it publicly
    visible (approved, public, in a new public folder of the same owner unless ``folder`` is given).
    """

    class Meta:
        model = Item

    class Params:
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
