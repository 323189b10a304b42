"""The hand-written fast paths of the listing serializers agree with their declared fields."""

import uuid

import pytest
from django.test import RequestFactory

from library.items.selectors import items_decorate
from library.items.serializers import ImageOutput, SampleImageOutput, _ItemOutputBase
from tests.support.factories.library import FolderFactory, ItemFactory


def generic(serializer_class, item, context):
    """What DRF would produce from the declared fields."""
    serializer = serializer_class(item, context=context)
    return _ItemOutputBase.to_representation(serializer, item)


@pytest.mark.parametrize("serializer_class", [ImageOutput, SampleImageOutput])
@pytest.mark.parametrize("as_owner", [True, False])
def test_fast_and_declared_representations_match(serializer_class, as_owner):
    folder_item = ItemFactory(public=True, batch_id=uuid.uuid4())
    root_item = ItemFactory(owner=folder_item.owner)
    private_folder_item = ItemFactory(owner=folder_item.owner, folder=FolderFactory(owner=folder_item.owner))
    items = items_decorate([folder_item, root_item, private_folder_item], viewer=folder_item.owner)
    request = RequestFactory().get("/", HTTP_HOST="api.freejourney.ai")
    context = {"request": request, "viewer_id": folder_item.owner_id if as_owner else None, "is_admin": False}
    for item in items:
        fast = serializer_class(item, context=dict(context)).data
        slow = generic(serializer_class, item, dict(context))
        assert dict(fast) == dict(slow)
