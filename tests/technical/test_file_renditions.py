"""Renditions kept in storage: their own checksums (a damaged one is made again, never served), the
legacy file server's resized images (``fs=true``: kept, expiring, bounded), and more hostile input
(traversal ids in every spelling, decompression bombs of every resizable type)."""

from __future__ import annotations

import hashlib
import io
from datetime import timedelta

import pytest
from django.utils import timezone
from PIL import Image

from aimg_site.technical.files import renditions, store
from aimg_site.technical.files.services import legacy_renditions_prune
from aimg_site.technical.models import FileRendition, LegacyRendition
from tests.support.client import ApiClient

from .conftest import body_of, get_file, image_bytes, upload
from .test_files import _overwrite


def _size(response) -> tuple[int, int]:
    return Image.open(io.BytesIO(body_of(response))).size


def _forget_notes(file_id: str, width: int, height: int = 0, mode: str = "fit") -> None:
    """As in another process: no note of the rendition, so the request goes to the database."""
    renditions.forget([renditions.cache_key(file_id, width, height, mode)])


# --- renditions keep their own checksum --------------------------------------------------------------


def test_a_rendition_is_stored_with_the_checksum_of_its_bytes(any_storage, admin):
    meta = upload(admin, image_bytes("PNG", (300, 200))).payload
    body = body_of(get_file(id=meta["id"], width=30))
    rendition = FileRendition.objects.get()
    assert rendition.checksum == hashlib.sha256(body).hexdigest() and rendition.size == len(body)
    assert store.read_all(rendition.storage_name) == body


@pytest.mark.parametrize("noted", [True, False], ids=["noted-in-cache", "from-the-database"])
def test_a_damaged_rendition_is_made_again_not_served(any_storage, admin, noted):
    meta = upload(admin, image_bytes("JPEG", (300, 200))).payload
    first = get_file(id=meta["id"], width=30)
    good = body_of(first)
    damaged = FileRendition.objects.get()
    _overwrite(damaged.storage_name, good[:-20] + b"\x00" * 20)
    if not noted:
        _forget_notes(meta["id"], 30)
    again = get_file(id=meta["id"], width=30)
    assert again.status_code == 200 and body_of(again) != good[:-20] + b"\x00" * 20
    assert _size(again) == (30, 20)
    remade = FileRendition.objects.get()
    assert remade.storage_name != damaged.storage_name and not store.exists(damaged.storage_name)
    assert remade.checksum == hashlib.sha256(body_of(again)).hexdigest()
    # and the new one is what later requests get
    assert body_of(get_file(id=meta["id"], width=30)) == body_of(again)


def test_skip_checksum_serves_a_rendition_unchecked(admin):
    meta = upload(admin, image_bytes("PNG", (300, 200))).payload
    good = body_of(get_file(id=meta["id"], width=30))
    name = FileRendition.objects.get().storage_name
    _overwrite(name, good[:-4] + b"XXXX")
    assert body_of(get_file(id=meta["id"], width=30, skipChecksum="true")) == good[:-4] + b"XXXX"
    assert FileRendition.objects.get().storage_name == name  # kept: nothing was checked


def test_a_vanished_rendition_is_made_again(any_storage, admin):
    meta = upload(admin, image_bytes("PNG", (300, 200))).payload
    good = body_of(get_file(id=meta["id"], width=30))
    gone = FileRendition.objects.get().storage_name
    store.delete(gone)
    _forget_notes(meta["id"], 30)
    again = get_file(id=meta["id"], width=30)
    assert again.status_code == 200 and body_of(again) == good
    assert FileRendition.objects.get().storage_name != gone


def test_resizing_does_not_check_the_source_checksum(admin):
    """The reference: "When resizing, the checksum check will not be performed"."""
    source = image_bytes("PNG", (300, 200))
    meta = upload(admin, source).payload
    from aimg_site.technical.models import StoredFile

    stored = StoredFile.objects.get(pk=meta["id"])
    # Other bytes that still decode (a different picture): the whole file is refused, a resize is not.
    _overwrite(stored.storage_name, image_bytes("PNG", (300, 200), color=(0, 0, 255)))
    assert get_file(id=meta["id"]).status_code == 500
    resized = get_file(id=meta["id"], width=30)
    assert resized.status_code == 200 and _size(resized) == (30, 20)


# --- the legacy file server's resized images --------------------------------------------------------


def test_a_resized_legacy_image_is_kept_and_served_from_storage(any_storage, legacy):
    legacy.files["old-photo"] = image_bytes("PNG", (200, 100))
    first = get_file(id="old-photo", fs="true", width=50)
    assert first.status_code == 200 and _size(first) == (50, 25)
    assert legacy.seen == ["/legacy/old-photo"]
    kept = LegacyRendition.objects.get()
    assert (kept.legacy_id, kept.width, kept.height, kept.mode) == ("old-photo", 50, 0, "fit")
    assert "old-photo" not in kept.storage_name and kept.storage_name.startswith("legacy/")
    assert kept.checksum == hashlib.sha256(body_of(first)).hexdigest()
    assert kept.expires_at > timezone.now() + timedelta(days=6)
    again = get_file(id="old-photo", fs="true", width=50)
    assert again.status_code == 200 and body_of(again) == body_of(first)
    assert again["ETag"] == first["ETag"] and again["Content-Type"] == "image/png"
    assert again["Content-Disposition"].startswith("inline")
    assert legacy.seen == ["/legacy/old-photo"]  # not asked again
    assert (
        get_file(id="old-photo", fs="true", width=50, headers={"If-None-Match": first["ETag"]}).status_code
        == 304
    )
    ranged = get_file(id="old-photo", fs="true", width=50, headers={"Range": "bytes=0-3"})
    assert ranged.status_code == 206 and body_of(ranged) == body_of(first)[:4]
    # Each size and mode is its own copy; without fs nothing is looked up at all.
    assert _size(get_file(id="old-photo", fs="true", width=40, height=40, mode="fill")) == (40, 40)
    assert _size(get_file(id="old-photo", fs="true", height=10)) == (20, 10)
    assert LegacyRendition.objects.count() == 3 and len(legacy.seen) == 3
    assert get_file(id="old-photo", width=50).status_code == 404


def test_an_expired_legacy_rendition_is_fetched_again_and_replaced(any_storage, legacy, settings):
    legacy.files["changing"] = image_bytes("PNG", (100, 100), color=(255, 0, 0))
    get_file(id="changing", fs="true", width=10)
    old = LegacyRendition.objects.get()
    LegacyRendition.objects.filter(pk=old.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    legacy.files["changing"] = image_bytes("PNG", (100, 100), color=(0, 255, 0))
    fresh = get_file(id="changing", fs="true", width=10)
    assert Image.open(io.BytesIO(body_of(fresh))).convert("RGB").getpixel((5, 5))[1] > 200  # the new picture
    assert len(legacy.seen) == 2
    new = LegacyRendition.objects.get()
    assert new.pk != old.pk and not store.exists(old.storage_name) and store.exists(new.storage_name)


def test_legacy_renditions_are_bounded_oldest_first(any_storage, legacy, settings):
    settings.AIMG_LEGACY_RENDITION_MAX = 2
    legacy.files["a"] = image_bytes("PNG", (100, 100))
    names = {}
    for width in (10, 20, 30):
        assert get_file(id="a", fs="true", width=width).status_code == 200
        names[width] = LegacyRendition.objects.get(width=width).storage_name
    kept = list(LegacyRendition.objects.order_by("width").values_list("width", flat=True))
    assert kept == [20, 30]
    assert not store.exists(names[10]) and store.exists(names[20]) and store.exists(names[30])


def test_pruning_removes_expired_legacy_renditions_and_their_bytes(legacy):
    legacy.files["a"] = image_bytes("PNG", (100, 100))
    get_file(id="a", fs="true", width=10)
    get_file(id="a", fs="true", width=20)
    expired = LegacyRendition.objects.get(width=10)
    LegacyRendition.objects.filter(pk=expired.pk).update(expires_at=timezone.now())
    assert legacy_renditions_prune() == 1
    assert list(LegacyRendition.objects.values_list("width", flat=True)) == [20]
    assert not store.exists(expired.storage_name)
    assert legacy_renditions_prune() == 0


def test_a_damaged_legacy_rendition_is_made_again(any_storage, legacy):
    legacy.files["a"] = image_bytes("PNG", (100, 100))
    good = body_of(get_file(id="a", fs="true", width=10))
    damaged = LegacyRendition.objects.get()
    _overwrite(damaged.storage_name, b"not the rendition")
    again = get_file(id="a", fs="true", width=10)
    assert again.status_code == 200 and body_of(again) == good and len(legacy.seen) == 2
    assert LegacyRendition.objects.get().storage_name != damaged.storage_name


def test_a_file_here_wins_over_a_legacy_one_of_the_same_id(admin, legacy):
    meta = upload(admin, image_bytes("PNG", (80, 80), color=(0, 0, 255)), id="shared-id").payload
    legacy.files["shared-id"] = image_bytes("PNG", (80, 80), color=(255, 0, 0))
    response = get_file(id=meta["id"], fs="true", width=8)
    assert Image.open(io.BytesIO(body_of(response))).convert("RGB").getpixel((4, 4))[2] > 200
    assert legacy.seen == [] and LegacyRendition.objects.count() == 0


def test_a_legacy_image_that_does_not_resize_is_a_400_and_nothing_is_kept(legacy, settings):
    legacy.files["text"] = b"plain words, not a picture"
    response = get_file(id="text", fs="true", width=10)
    assert response.status_code == 400 and "text/plain" in response.json()["errorMessage"]
    buffer = io.BytesIO()
    Image.new("1", (20000, 20000)).save(buffer, "PNG")
    legacy.files["bomb"] = buffer.getvalue()
    response = get_file(id="bomb", fs="true", width=10)
    assert response.status_code == 400 and "pixels" in response.json()["errorMessage"]
    assert LegacyRendition.objects.count() == 0


@pytest.mark.parametrize("params", [{}, {"width": 10}])
def test_legacy_failures_are_a_503_or_404_and_nothing_is_kept(legacy, settings, params):
    assert get_file(id="broken", fs="true", **params).status_code == 503
    assert get_file(id="missing", fs="true", **params).status_code == 404
    settings.AIMG_LEGACY_FILE_MAX_BYTES = 10_000
    assert get_file(id="chunked", fs="true", **params).status_code == 503  # past the cap, undeclared
    settings.AIMG_LEGACY_FILE_SERVER_URL = "http://127.0.0.1:18599/legacy"  # nothing listens there
    response = get_file(id="anything", fs="true", **params)
    assert response.status_code == 503 and response.json()["hasError"] is True
    assert LegacyRendition.objects.count() == 0


# --- hostile input ------------------------------------------------------------------------------------

MORE_TRAVERSALS = [
    "%252e%252e%252fetc%252fpasswd",  # encoded twice
    "..%c0%af..%c0%afetc%c0%afpasswd",  # overlong UTF-8 slash
    "....//....//etc/passwd",
    "%2e%2e%5c%2e%2e%5cwindows",
    "files/../../etc/passwd",
    ".hidden",
    "a/b",
    "a\\b",
    "\u2025/etc/passwd",  # two-dot leader
    "a" * 129,
    "id\r\nX-Injected: 1",
    "a%0d%0ab",
    "a\x00",
    "%00",
    " ",
]


@pytest.mark.parametrize("bad_id", MORE_TRAVERSALS)
def test_more_traversal_ids_read_nothing(admin, legacy, bad_id):
    legacy.files["passwd"] = b"root:x:0:0"
    for params in ({}, {"fs": "true"}, {"width": 10}, {"fs": "true", "width": 10, "mode": "fit"}):
        response = get_file(id=bad_id, **params)
        assert response.status_code in (400, 404), (bad_id, params, response.status_code)
        assert b"root:" not in body_of(response)
        assert "X-Injected" not in response
    api = ApiClient()
    assert api.get("/getFileMetadata", persona=admin, id=bad_id).status in (400, 404)
    assert api.delete("/removeFile", persona=admin, id=bad_id).status in (400, 404)
    assert legacy.seen == [] and LegacyRendition.objects.count() == 0


def test_a_client_id_cannot_name_a_path_on_upload(admin):
    for bad_id in ("../../etc/passwd", "a/b", "a\x00b", ".."):
        response = upload(admin, image_bytes(), id=bad_id)
        assert response.status == 400 and "'id'" in response.error


@pytest.mark.parametrize("fmt", ["PNG", "JPEG", "GIF"])
def test_decompression_bombs_of_every_resizable_type_are_a_400(admin, settings, fmt):
    settings.AIMG_FILE_MAX_SOURCE_PIXELS = 100 * 100
    meta = upload(admin, image_bytes(fmt, (200, 200)), name=f"b.{fmt.lower()}").payload
    response = get_file(id=meta["id"], width=10)
    assert response.status_code == 400 and "pixels" in response.json()["errorMessage"]
    assert FileRendition.objects.count() == 0


def test_a_jpeg_declaring_a_huge_size_is_a_400_not_a_500(admin):
    """A few bytes of header claiming 65,000 x 65,000 pixels: refused before anything is decoded."""
    source = bytearray(image_bytes("JPEG", (16, 16)))
    marker = source.index(b"\xff\xc0")  # baseline start of frame: length(2) precision(1) height(2) width(2)
    source[marker + 5 : marker + 9] = (65000).to_bytes(2, "big") + (65000).to_bytes(2, "big")
    meta = upload(admin, bytes(source), name="huge.jpg").payload
    response = get_file(id=meta["id"], width=10)
    assert response.status_code == 400 and response.json()["hasError"] is True
