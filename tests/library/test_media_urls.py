"""Media URLs handed to clients: never built from a Host header the caller chose (issue 13)."""

from __future__ import annotations

import pytest

from tests.conftest import ApiClient, assert_envelope
from tests.library.factories import ItemFactory


@pytest.fixture
def public_item(owner):
    return ItemFactory(owner=owner.user, public=True)


def test_a_forged_host_does_not_become_the_media_url(settings, owner, public_item):
    settings.AIMG_PUBLIC_BASE_URL = ""
    settings.ALLOWED_HOSTS = ["*"]
    api = ApiClient(host="evil.example")
    payload = assert_envelope(api.get("/getItem", persona=owner, imageID=str(public_item.id))).payload
    assert "evil.example" not in payload["url"]
    assert payload["url"].startswith("https://api.freejourney.ai/media/items/")


def test_the_sites_own_api_host_is_kept(settings, owner, public_item):
    settings.AIMG_PUBLIC_BASE_URL = ""
    payload = assert_envelope(
        ApiClient(host="api.freejourney.ai").get("/getItem", persona=owner, imageID=str(public_item.id))
    ).payload
    assert payload["url"].startswith("http://api.freejourney.ai/media/items/")


def test_the_configured_public_base_wins(settings, owner, public_item):
    settings.AIMG_PUBLIC_BASE_URL = "https://cdn.example.test"
    settings.ALLOWED_HOSTS = ["*"]
    payload = assert_envelope(
        ApiClient(host="evil.example").get("/getItem", persona=owner, imageID=str(public_item.id))
    ).payload
    assert payload["url"].startswith("https://cdn.example.test/media/items/")
