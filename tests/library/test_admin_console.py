"""The Django admin console lists items and folders, searchable by id and owner email."""

import pytest
from django.test import Client

from tests.support.factories.library import FolderFactory, ItemFactory


@pytest.fixture
def console(make_user):
    staff = make_user("mod@example.com", is_staff=True, is_superuser=True, roles=["admin"])
    client = Client(HTTP_HOST="api.freejourney.ai")
    client.force_login(staff.user)
    return client


def test_items_are_searchable_by_owner_email_and_filterable_by_status(console, make_user):
    alice = make_user("alice@example.com").user
    pending = ItemFactory(owner=alice, public_approval_status="pending")
    other = ItemFactory(public_approval_status="none")
    page = console.get("/console/library/item/", {"q": "alice@example.com"})
    assert page.status_code == 200
    assert str(pending.id) in page.text and str(other.id) not in page.text
    page = console.get("/console/library/item/", {"public_approval_status__exact": "pending"})
    assert str(pending.id) in page.text and str(other.id) not in page.text
    page = console.get("/console/library/item/", {"q": str(other.id)})
    assert str(other.id) in page.text and str(pending.id) not in page.text
    detail = console.get(f"/console/library/item/{pending.id}/change/")
    assert detail.status_code == 200 and "/media/items/" in detail.text


def test_folders_are_searchable_by_owner_email(console, make_user):
    bob = make_user("bob@example.com").user
    folder = FolderFactory(owner=bob, name="Bobs things")
    FolderFactory(name="Someone else")
    page = console.get("/console/library/folder/", {"q": "bob@example.com"})
    assert page.status_code == 200
    assert "Bobs things" in page.text and "Someone else" not in page.text
    assert str(folder.id) in page.text
