"""The owner's folder listing (one prepared query, a hand-written payload) shows exactly what the
declared ``FolderOutput`` shows of the same folders, for many shapes of folder."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test import RequestFactory
from django.utils import timezone

from aimg_site.core.scoping import domain_context
from library.folders.selectors import folder_details
from library.folders.serializers import FolderOutput
from library.items.media import _signing_key, media_name_url_builder, media_url, signed_query
from library.models import ApprovalStatus, FolderTag, FolderThumbnail
from tests.support.assertions import assert_envelope
from tests.support.factories.library import FolderFactory, ItemFactory, TagFactory

pytestmark = pytest.mark.skipif(connection.vendor != "postgresql", reason="the fast path is PostgreSQL's")


def _shapes(owner, *, is_public: bool) -> list:
    """Folders of every shape: empty, tagged, with samples of every state, with thumbnails (one of
    them deleted, one moved out), with more items than samples."""
    now = timezone.now()
    folders = []
    empty = FolderFactory(owner=owner, is_public=is_public, description="")
    folders.append(empty)
    tagged = FolderFactory(owner=owner, is_public=is_public, description="tags, two of them")
    for name in ("zebra", "apple"):
        FolderTag.objects.create(folder=tagged, tag=TagFactory(name=name))
    folders.append(tagged)
    mixed = FolderFactory(owner=owner, is_public=is_public, name="mixed ünïcode / name")
    states = [
        {"is_public": True, "public_approval_status": ApprovalStatus.APPROVED},
        {"is_public": True, "public_approval_status": ApprovalStatus.PENDING},
        {"is_public": False, "public_approval_status": ApprovalStatus.NONE},
        {"is_public": True, "public_approval_status": ApprovalStatus.REJECTED},
        {"is_public": True, "public_approval_status": ApprovalStatus.APPROVED},
        {"is_public": False, "public_approval_status": ApprovalStatus.APPROVED},
    ]
    items = [
        ItemFactory(owner=owner, folder=mixed, folder_added_at=now - dt.timedelta(minutes=n), **state)
        for n, state in enumerate(states)
    ]
    ItemFactory(owner=owner, folder=mixed, deleted=True)
    moved = ItemFactory(owner=owner)
    for position, item in enumerate([items[5], items[0]]):
        FolderThumbnail.objects.create(folder=mixed, item=item, position=position)
    FolderThumbnail.objects.create(folder=mixed, item=ItemFactory(owner=owner, folder=mixed, deleted=True))
    FolderThumbnail.objects.create(folder=mixed, item=moved, position=3)  # not in the folder
    folders.append(mixed)
    return folders


@pytest.mark.parametrize("is_public", [False, True])
def test_the_owners_listing_is_what_folder_output_declares(api, owner, is_public):
    with domain_context(owner.user.domain):
        folders = _shapes(owner.user, is_public=is_public)
    path = "/getSelfFolders" if not is_public else f"/getPublicFolders?userID={owner.user.pk}"
    listed = assert_envelope(api.get(path, persona=owner)).payload
    request = RequestFactory().get("/", HTTP_HOST="api.freejourney.ai")
    request.domain = owner.user.domain
    with domain_context(owner.user.domain):
        declared = [
            dict(FolderOutput(folder_details(folder), context={"request": request}).data)
            for folder in reversed(folders)
        ]
    assert len(listed) == len(declared) == 3
    for fast, slow in zip(listed, declared, strict=True):
        assert list(fast) == list(slow)  # the same keys in the same order
        assert fast == slow
    assert [len(folder["sampleImages"]) for folder in listed] == [4, 0, 0]
    assert listed[1]["tags"] == ["apple", "zebra"]


def test_the_url_builder_signs_as_signed_query_does(settings):
    builder = media_name_url_builder(None)
    for name in ("items/a.png", "items/ü space/b.png", "items/x%y.webp"):
        assert builder(name, True) == media_url(name, public=True)
        assert builder(name, False) == media_url(name, public=False)
        assert builder(name, False).endswith(signed_query(name))
    settings.SECRET_KEY = "another-secret-key-" + "x" * 40
    assert media_name_url_builder(None)("items/a.png", False).endswith(signed_query("items/a.png"))
    assert _signing_key("a") != _signing_key("b")
