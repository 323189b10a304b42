"""Issue 13, item 6: media of items that are not publicly visible cannot be read by URL.

Publicly visible items' media have plain URLs, cacheable by anyone for a short
while; every other item's have signed, expiring URLs with ``private`` caching.
Locally the media route checks the item's state on every plain request, so an
Admin's rejection, the owner's delete and making an item private take the plain
URL down at once. The same rule on S3 goes through presigned URLs: tested
against a real (moto) S3 server with files stored through django-storages.
"""

from __future__ import annotations

import contextlib
import socket
import urllib.error
import urllib.request
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core.files.storage import default_storage

from library.items import media
from library.items.media import item_url, media_url
from library.items.services import item_create
from library.models import Item
from tests.support.assertions import assert_envelope
from tests.support.factories.library import FolderFactory, ItemFactory, png_bytes

HOST = "api.freejourney.ai"


@pytest.fixture(autouse=True)
def _local_urls(settings):
    settings.AIMG_PUBLIC_BASE_URL = ""


def fetch(client, url: str):
    parts = urlsplit(url)
    return client.get(parts.path + (f"?{parts.query}" if parts.query else ""), HTTP_HOST=HOST)


def plain(url: str) -> str:
    return url.split("?", 1)[0]


def body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def test_a_private_items_url_is_signed_and_the_plain_one_refused(client, owner):
    item = ItemFactory(owner=owner.user)
    url = item_url(item)
    assert "signature=" in url and "expires=" in url
    signed = fetch(client, url)
    assert signed.status_code == 200
    assert signed["Cache-Control"].startswith("private, max-age=")
    assert 0 < int(signed["Cache-Control"].rsplit("=", 1)[1]) <= media.signed_url_seconds()
    assert body(signed).startswith(b"\x89PNG")
    refused = fetch(client, plain(url))
    assert refused.status_code == 404 and refused["Cache-Control"] == "no-store"
    assert refused.json()["hasError"] is True


def test_a_forged_or_borrowed_signature_is_refused(client, owner):
    first, second = ItemFactory(owner=owner.user), ItemFactory(owner=owner.user)
    query = urlsplit(item_url(first)).query
    assert fetch(client, plain(item_url(second)) + "?" + query).status_code == 404
    expires = parse_qs(query)["expires"][0]
    assert (
        fetch(
            client,
            plain(item_url(first))
            + f"?expires={int(expires) + 1}&signature="
            + parse_qs(query)["signature"][0],
        ).status_code
        == 404
    )
    assert (
        fetch(client, plain(item_url(first)) + "?expires=" + "9" * 5000 + "&signature=x").status_code == 404
    )


def test_an_expired_signature_is_a_403_saying_so(client, owner):
    item = ItemFactory(owner=owner.user)
    name = item.media.name
    url = media_url(name, public=True) + media.signed_query(name, expires=1_000_000)
    response = fetch(client, url)
    assert response.status_code == 403 and "expired" in response.json()["errorMessage"]


def test_a_publicly_visible_items_url_is_plain_and_publicly_cacheable(client, settings, public_item):
    url = item_url(public_item)
    assert "?" not in url
    response = fetch(client, url)
    assert response.status_code == 200
    assert response["Cache-Control"] == f"public, max-age={settings.AIMG_MEDIA_PUBLIC_MAX_AGE}"
    assert "immutable" not in response["Cache-Control"]


def test_rejection_after_approval_takes_the_public_url_down(api, client, admin, public_item):
    url = item_url(public_item)
    assert fetch(client, url).status_code == 200
    assert_envelope(
        api.post(
            "/setPublicApprovalStatus",
            persona=admin,
            imageIDs=str(public_item.id),
            publicApprovalStatus="rejected",
        )
    )
    assert fetch(client, url).status_code == 404
    public_item.refresh_from_db()
    # the owner still sees their rejected item, through a signed URL
    assert fetch(client, item_url(public_item)).status_code == 200


def test_deleting_takes_the_public_url_down(api, client, owner, public_item):
    url = item_url(public_item)
    assert fetch(client, url).status_code == 200
    assert_envelope(api.delete("/deleteItems", persona=owner, imageIDs=str(public_item.id)))
    assert fetch(client, url).status_code == 404


def test_making_an_item_private_takes_the_public_url_down(api, client, owner, public_item):
    url = item_url(public_item)
    assert fetch(client, url).status_code == 200
    assert_envelope(
        api.post("/setItemProperties", persona=owner, imageID=str(public_item.id), isPublic=False)
    )
    assert fetch(client, url).status_code == 404


def test_an_approved_public_item_in_a_private_folder_is_not_public_media(client, owner):
    item = ItemFactory(owner=owner.user, approved=True, folder=FolderFactory(owner=owner.user))
    assert "signature=" in item_url(item)
    assert fetch(client, plain(item_url(item))).status_code == 404


def test_listings_give_plain_urls_for_public_items_and_signed_ones_for_the_rest(
    api, client, owner, guest, public_item
):
    private = ItemFactory(owner=owner.user)
    listed = assert_envelope(api.get("/getPublicCreations", persona=guest)).payload
    assert [urlsplit(row["url"]).path for row in listed] == [urlsplit(item_url(public_item)).path]
    assert "?" not in listed[0]["url"]
    mine = {
        row["id"]: row["url"] for row in assert_envelope(api.get("/getMyCreations", persona=owner)).payload
    }
    assert "?" not in mine[str(public_item.id)] and "signature=" in mine[str(private.id)]
    assert all(fetch(client, url).status_code == 200 for url in mine.values())


def test_signed_urls_stay_the_same_for_a_while_so_they_can_be_cached(owner):
    item = ItemFactory(owner=owner.user)
    step = media.signed_url_seconds() // 4
    start = media.signed_expiry(now=10 * step)  # a boundary
    assert media.signed_expiry(now=10 * step + 1) == start + step
    assert media.signed_expiry(now=10 * step + step - 1) == start + step
    assert item_url(item) == item_url(item)


# ---------------------------------------------------------------- S3 through django-storages


def _free_port() -> int:
    for port in range(18800, 18900):
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    pytest.skip("no free port in 18800-18899")


@pytest.fixture(scope="module")
def s3_server():
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=_free_port(), verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture
def s3(settings, s3_server):
    import boto3

    bucket = "aimg-media-test"
    client = boto3.client(
        "s3",
        endpoint_url=s3_server,
        aws_access_key_id="k",
        aws_secret_access_key="s",
        region_name="us-east-1",
    )
    with contextlib.suppress(client.exceptions.BucketAlreadyOwnedByYou):
        client.create_bucket(Bucket=bucket)
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                "bucket_name": bucket,
                "endpoint_url": s3_server,
                "access_key": "k",
                "secret_key": "s",
                "region_name": "us-east-1",
                "default_acl": None,
                "querystring_auth": True,
                "signature_version": "s3v4",
                "file_overwrite": False,
            },
        },
    }
    assert not media.storage_is_local()
    return s3_server


def _get(url: str):
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def _expires_in(url: str) -> int:
    query = parse_qs(urlsplit(url).query)
    if "X-Amz-Expires" in query:
        return int(query["X-Amz-Expires"][0])
    import time

    return int(query["Expires"][0]) - int(time.time())


def test_s3_private_media_get_short_signed_urls_with_private_caching(s3, owner):
    content = png_bytes(16, 16)
    item = item_create(owner=owner.user, content=content, filename="x.png", prompt="p")
    assert default_storage.exists(item.media.name)
    url = item_url(item)
    assert url.startswith(s3) and ("Signature=" in url or "X-Amz-Signature=" in url)
    assert _expires_in(url) <= media.signed_url_seconds()
    status, headers, data = _get(url)
    assert status == 200 and data == content
    assert headers["Cache-Control"] == f"private, max-age={media.signed_url_seconds()}"


def test_s3_public_media_get_longer_urls_with_public_caching(s3, owner):
    content = png_bytes(12, 12)
    folder = FolderFactory(owner=owner.user, is_public=True)
    item = item_create(owner=owner.user, content=content, filename="x.png", prompt="p")
    Item.objects.filter(pk=item.pk).update(is_public=True, public_approval_status="approved", folder=folder)
    item = Item.objects.select_related("folder").get(pk=item.pk)
    url = item_url(item)
    assert media.signed_url_seconds() < _expires_in(url) <= media.public_url_seconds()
    status, headers, data = _get(url)
    assert status == 200 and data == content
    assert headers["Cache-Control"] == f"public, max-age={media.public_max_age()}"
    # Rejected: its next URL is a short private one.
    Item.objects.filter(pk=item.pk).update(public_approval_status="rejected", is_public=False)
    item = Item.objects.select_related("folder").get(pk=item.pk)
    status, headers, _ = _get(item_url(item))
    assert status == 200 and headers["Cache-Control"].startswith("private")


def test_s3_a_custom_domain_does_not_unsign_private_media(s3, settings, owner):
    default = settings.STORAGES["default"]
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {**default, "OPTIONS": {**default["OPTIONS"], "custom_domain": "media.example.test"}},
    }
    item = Item(owner=owner.user, media="items/ab/abcdef.png")
    assert item_url(item).startswith(s3) and "ignature=" in item_url(item)
    public = media_url("items/ab/abcdef.png", public=True)
    assert public == "https://media.example.test/items/ab/abcdef.png"
