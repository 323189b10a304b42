"""The file server: uploadFile, getFile, getFileMetadata, removeFile, on local files and on a real
S3 server (moto's server mode on loopback)."""

from __future__ import annotations

import hashlib
import io

import pytest
from django.core.files.storage import storages
from django.utils.http import http_date
from PIL import Image

from aimg_site.technical.files import store
from aimg_site.technical.models import FileRendition, StoredFile
from tests.support.assertions import assert_envelope
from tests.support.client import ApiClient

from .conftest import body_of, get_file, image_bytes, upload

PNG = image_bytes("PNG", (64, 48))


def _overwrite(name: str, data: bytes) -> None:
    """Replace stored bytes behind the server's back (local file or S3 object)."""
    storage = storages["default"]
    if hasattr(storage, "bucket_name"):
        storage.connection.meta.client.put_object(Bucket=storage.bucket_name, Key=name, Body=data)
    else:
        with open(storage.path(name), "wb") as handle:
            handle.write(data)


def _stored(name: str) -> bool:
    return store.exists(name)


# --- uploadFile -------------------------------------------------------------------------------------


def test_an_admin_uploads_a_file_and_its_public_url_serves_it(any_storage, admin):
    response = upload(admin, PNG, name="wrong-extension.txt", customMetadata='{"album": "x"}')
    assert_envelope(response, 200)
    meta = response.payload
    assert meta["contentType"] == "image/png"  # sniffed from the bytes, not the name
    assert meta["fileName"] == "wrong-extension.txt"
    assert meta["fileSize"] == len(PNG)
    assert meta["checksum"] == hashlib.sha256(PNG).hexdigest() and meta["checksumAlgorithm"] == "sha256"
    assert meta["ownerId"] == admin.id
    assert meta["customMetadata"] == {"album": "x"}
    assert meta["publicUrl"].startswith("http://api.freejourney.ai/getFile?id=")
    served = get_file(id=meta["id"])
    assert served.status_code == 200 and body_of(served) == PNG
    row = StoredFile.objects.get(pk=meta["id"])
    assert meta["id"] not in row.storage_name and _stored(row.storage_name)


def test_the_client_id_is_kept_and_a_taken_one_is_a_409(any_storage, admin):
    assert upload(admin, PNG, id="hero-banner.v2").payload["id"] == "hero-banner.v2"
    again = upload(admin, b"other bytes", id="hero-banner.v2")
    assert_envelope(again, 409)
    assert again.body["errorCode"] == 1701 and "hero-banner.v2" in again.error
    assert StoredFile.objects.count() == 1


@pytest.mark.parametrize("bad_id", ["../../etc/passwd", "a/b", ".hidden", "x" * 129, "a b", "a\x00b", "é"])
def test_a_malformed_client_id_is_a_400(admin, bad_id):
    response = upload(admin, PNG, id=bad_id)
    assert_envelope(response, 400)
    assert "'id'" in response.error
    assert StoredFile.objects.count() == 0


@pytest.mark.parametrize("metadata", ["not json", "[1, 2]", '"text"', "{" * 5000, "1"])
def test_custom_metadata_must_be_a_json_object(admin, metadata):
    response = upload(admin, PNG, customMetadata=metadata)
    assert_envelope(response, 400)
    assert "customMetadata" in response.error


def test_custom_metadata_is_bounded(admin):
    response = upload(admin, PNG, customMetadata='{"a": "' + "x" * 20000 + '"}')
    assert_envelope(response, 400)
    assert "customMetadata" in response.error


def test_a_file_over_the_limit_is_a_413_and_nothing_is_kept(any_storage, admin, settings):
    settings.AIMG_MAX_FILE_BYTES = 1000
    response = upload(admin, b"x" * 5000)
    assert_envelope(response, 413)
    assert "1000 bytes" in response.error
    assert StoredFile.objects.count() == 0


def test_a_request_without_a_file_is_a_400(admin):
    client_response = ApiClient().post("/uploadFile", persona=admin, body={"id": "x"})
    assert client_response.status in (400, 415)
    response = upload(admin, b"", name="")  # an empty part with no filename is no file
    assert_envelope(response, 400)


def test_two_files_in_one_request_are_a_400(admin):
    from django.test import Client

    first, second = io.BytesIO(b"one"), io.BytesIO(b"two")
    first.name, second.name = "a.txt", "b.txt"
    response = Client(HTTP_HOST="api.freejourney.ai").post(
        "/uploadFile",
        {"file": [first, second]},
        headers={"X-Session-ID": admin.session_id, "X-Administration-Key": admin.admin_key},
    )
    assert response.status_code == 400
    assert StoredFile.objects.count() == 0


def test_upload_needs_an_admin_key(owner, other_user, guest):
    for persona in (owner, other_user, guest, None):
        response = upload(persona, PNG)
        assert_envelope(response, 403)
    assert_envelope(upload(owner, PNG, headers={"X-Administration-Key": "nope"}), 403)
    assert StoredFile.objects.count() == 0


def test_an_upload_is_audited(admin):
    from aimg_site.core.models import AuditLogEntry

    meta = upload(admin, PNG).payload
    entry = AuditLogEntry.objects.get(action="uploadFile")
    assert entry.target_id == meta["id"] and entry.actor_id == admin.user.pk


# --- getFile ------------------------------------------------------------------------------------------


def test_get_file_headers_conditional_requests_and_ranges(any_storage, admin, owner, guest):
    data = bytes(range(256)) * 40
    meta = upload(admin, data, name="clip.bin").payload
    response = get_file(id=meta["id"], headers={"Origin": "https://example.org"})
    assert response.status_code == 200 and body_of(response) == data
    assert response["Content-Disposition"].startswith("inline")
    assert response["Content-Type"] == "application/octet-stream"
    assert response["ETag"] == f'"{meta["checksum"]}"'
    assert response["Access-Control-Allow-Origin"] == "*"
    assert response["Accept-Ranges"] == "bytes"
    assert "sandbox" in response["Content-Security-Policy"]
    etag, modified = response["ETag"], response["Last-Modified"]

    assert get_file(id=meta["id"], headers={"If-None-Match": etag}).status_code == 304
    assert get_file(id=meta["id"], headers={"If-None-Match": '"other", ' + etag}).status_code == 304
    assert get_file(id=meta["id"], headers={"If-Modified-Since": modified}).status_code == 304
    assert get_file(id=meta["id"], headers={"If-Modified-Since": http_date(0)}).status_code == 200
    assert get_file(id=meta["id"], headers={"If-None-Match": '"other"'}).status_code == 200

    part = get_file(id=meta["id"], headers={"Range": "bytes=10-19"})
    assert part.status_code == 206 and body_of(part) == data[10:20]
    assert part["Content-Range"] == f"bytes 10-19/{len(data)}" and part["Content-Length"] == "10"
    tail = get_file(id=meta["id"], headers={"Range": "bytes=-5"})
    assert tail.status_code == 206 and body_of(tail) == data[-5:]
    beyond = get_file(id=meta["id"], headers={"Range": f"bytes={len(data)}-"})
    assert beyond.status_code == 416 and beyond["Content-Range"] == f"bytes */{len(data)}"
    several = get_file(id=meta["id"], headers={"Range": "bytes=0-1,5-6"})
    assert several.status_code == 200 and body_of(several) == data
    stale = get_file(id=meta["id"], headers={"Range": "bytes=0-1", "If-Range": '"old"'})
    assert stale.status_code == 200

    for persona in (owner, guest, admin):  # anyone may fetch, with or without headers
        headers = {"X-Session-ID": persona.session_id}
        assert get_file(id=meta["id"], headers=headers).status_code == 200


def test_an_unknown_file_is_a_404():
    response = get_file(id="no-such-file")
    assert response.status_code == 404 and response.json()["hasError"] is True


def test_a_file_corrupted_in_storage_is_never_served_as_whole(any_storage, admin):
    data = b"precious bytes " * 100
    meta = upload(admin, data, name="a.txt").payload
    name = StoredFile.objects.get(pk=meta["id"]).storage_name
    _overwrite(name, b"precious bytez " + data[15:])
    response = get_file(id=meta["id"])
    assert response.status_code == 500
    assert response.json()["errorCode"] == 1702
    ranged = get_file(id=meta["id"], headers={"Range": "bytes=0-3"})
    assert ranged.status_code == 500
    skipped = get_file(id=meta["id"], skipChecksum="true")
    assert skipped.status_code == 200 and body_of(skipped).startswith(b"precious bytez")


def test_a_large_corrupted_file_streams_short_of_its_length(any_storage, admin, settings):
    from aimg_site.technical.files.serving import FileCorrupted

    settings.AIMG_FILE_PREVERIFY_BYTES = 1000
    data = b"0123456789" * 100_000
    meta = upload(admin, data, name="big.bin").payload
    assert body_of(get_file(id=meta["id"])) == data  # whole files stream whole
    name = StoredFile.objects.get(pk=meta["id"]).storage_name
    _overwrite(name, b"X" + data[1:])
    response = get_file(id=meta["id"])
    assert response.status_code == 200 and int(response["Content-Length"]) == len(data)
    received = b""
    with pytest.raises(FileCorrupted):
        for chunk in response.streaming_content:
            received += chunk
    assert len(received) < len(data)


def test_a_truncated_file_is_refused(admin):
    meta = upload(admin, b"abcdef" * 10, name="a.txt").payload
    _overwrite(StoredFile.objects.get(pk=meta["id"]).storage_name, b"abc")
    assert get_file(id=meta["id"]).status_code == 500


# --- resizing ------------------------------------------------------------------------------------------


def _image(response) -> Image.Image:
    return Image.open(io.BytesIO(body_of(response)))


@pytest.mark.parametrize("fmt,mime", [("PNG", "image/png"), ("JPEG", "image/jpeg"), ("GIF", "image/gif")])
def test_images_are_resized_and_renditions_cached(any_storage, admin, fmt, mime):
    meta = upload(admin, image_bytes(fmt, (400, 300)), name=f"p.{fmt.lower()}").payload
    assert meta["contentType"] == mime
    fit = get_file(id=meta["id"], width=200)
    assert fit.status_code == 200 and fit["Content-Type"] == mime
    fit_body = body_of(fit)
    fit_image = Image.open(io.BytesIO(fit_body))
    assert fit_image.size == (200, 150) and fit_image.format == fmt
    boxed = get_file(id=meta["id"], width=100, height=100, mode="fit")
    assert _image(boxed).size == (100, 75)
    fill = get_file(id=meta["id"], width=100, height=100, mode="fill")
    assert _image(fill).size == (100, 100)
    tall = get_file(id=meta["id"], height=30)
    assert _image(tall).size == (40, 30)
    assert FileRendition.objects.count() == 4
    again = get_file(id=meta["id"], width=200)
    assert body_of(again) == fit_body and FileRendition.objects.count() == 4
    assert get_file(id=meta["id"], width=200, headers={"If-None-Match": fit["ETag"]}).status_code == 304
    assert fit["ETag"] != boxed["ETag"]


def test_images_are_never_enlarged(admin):
    meta = upload(admin, image_bytes("PNG", (40, 30))).payload
    assert _image(get_file(id=meta["id"], width=400)).size == (40, 30)
    assert _image(get_file(id=meta["id"], width=400, height=100, mode="fill")).size == (40, 30)


@pytest.mark.parametrize(
    "params,named",
    [
        ({"width": 0}, "width"),
        ({"width": 5000}, "width"),
        ({"width": "abc"}, "width"),
        ({"height": -3}, "height"),
        ({"width": 10, "mode": "zoom"}, "mode"),
        ({"mode": "fit"}, "mode"),
        ({"skipChecksum": "maybe"}, "skipChecksum"),
    ],
)
def test_bad_resize_values_are_a_400(admin, params, named):
    meta = upload(admin, PNG).payload
    response = get_file(id=meta["id"], **params)
    assert response.status_code == 400, response.content
    assert named in response.json()["errorMessage"]


def test_other_types_are_not_resized(admin):
    meta = upload(admin, b"%PDF-1.4 not an image", name="doc.pdf").payload
    assert meta["contentType"] == "application/pdf"
    response = get_file(id=meta["id"], width=10)
    assert response.status_code == 400 and "application/pdf" in response.json()["errorMessage"]


def test_malformed_images_are_a_400(admin):
    meta = upload(admin, PNG[:40] + b"\x00garbage" * 20).payload
    assert meta["contentType"] == "image/png"
    response = get_file(id=meta["id"], width=10)
    assert response.status_code == 400 and response.json()["hasError"] is True
    assert FileRendition.objects.count() == 0


def test_decompression_bombs_are_a_400(admin):
    buffer = io.BytesIO()
    Image.new("1", (20000, 20000)).save(buffer, "PNG")  # 400 million pixels in a few kilobytes
    meta = upload(admin, buffer.getvalue()).payload
    response = get_file(id=meta["id"], width=10)
    assert response.status_code == 400 and "pixels" in response.json()["errorMessage"]


def test_jpeg_resizing_uses_draft_mode(admin, monkeypatch):
    calls = []
    from PIL.JpegImagePlugin import JpegImageFile

    original = JpegImageFile.draft

    def spy(self, mode, size):
        calls.append(size)
        return original(self, mode, size)

    monkeypatch.setattr(JpegImageFile, "draft", spy)
    meta = upload(admin, image_bytes("JPEG", (2048, 2048))).payload
    assert _image(get_file(id=meta["id"], width=256)).size == (256, 256)
    assert calls == [(256, 256)]


# --- path traversal --------------------------------------------------------------------------------------

TRAVERSALS = [
    "../../etc/passwd",
    "..%2F..%2Fetc%2Fpasswd",
    "%2e%2e/%2e%2e/etc/passwd",
    "/etc/passwd",
    "..",
    "a\x00b",
    "a%00b",
    "..\\..\\x",
]


@pytest.mark.parametrize("bad_id", TRAVERSALS)
def test_path_traversal_ids_read_nothing(admin, legacy, bad_id):
    legacy.files["passwd"] = b"root:x:0:0"
    for params in ({}, {"fs": "true"}, {"width": 10}):
        response = get_file(id=bad_id, **params)
        assert response.status_code in (400, 404), (bad_id, params)
        assert b"root:" not in body_of(response)
    api = ApiClient()
    assert api.get("/getFileMetadata", persona=admin, id=bad_id).status in (400, 404)
    assert api.delete("/removeFile", persona=admin, id=bad_id).status in (400, 404)
    assert legacy.seen == []


def test_an_encoded_id_is_one_path_segment_on_the_legacy_server(legacy):
    legacy.files["a.b_c-d"] = b"legacy bytes"
    response = get_file(id="a.b_c-d", fs="true")
    assert response.status_code == 200 and body_of(response) == b"legacy bytes"
    assert legacy.seen == ["/legacy/a.b_c-d"]


# --- the legacy file server -----------------------------------------------------------------------------


def test_fs_true_falls_back_to_the_legacy_server(legacy):
    legacy.files["old-photo"] = image_bytes("PNG", (50, 50))
    assert get_file(id="old-photo").status_code == 404  # not looked for without fs
    assert legacy.seen == []
    response = get_file(id="old-photo", fs="true")
    assert response.status_code == 200 and response["Content-Type"] == "image/png"
    assert response["Content-Disposition"].startswith("inline")
    resized = get_file(id="old-photo", fs="true", width=10)
    assert _image(resized).size == (10, 10)
    assert get_file(id="not-there", fs="true").status_code == 404


def test_the_legacy_server_is_capped_in_size_and_time_and_redirects_are_not_followed(legacy, settings):
    legacy.files["big"] = b"x" * 5000
    settings.AIMG_LEGACY_FILE_MAX_BYTES = 1000
    assert get_file(id="big", fs="true").status_code == 503
    settings.AIMG_LEGACY_FILE_SECONDS = 1.0
    assert get_file(id="slow", fs="true").status_code == 503
    assert get_file(id="redirect", fs="true").status_code == 503


def test_without_a_legacy_server_fs_finds_nothing(settings):
    settings.AIMG_LEGACY_FILE_SERVER_URL = ""
    assert get_file(id="anything", fs="true").status_code == 404


# --- getFileMetadata, removeFile ---------------------------------------------------------------------------


def test_get_file_metadata(admin, owner, guest):
    meta = upload(admin, PNG).payload
    api = ApiClient()
    response = api.get("/getFileMetadata", persona=admin, id=meta["id"])
    assert_envelope(response, 200)
    assert response.payload == meta
    assert_envelope(api.get("/getFileMetadata", persona=admin, id="unknown"), 404)
    for persona in (owner, guest):
        assert_envelope(api.get("/getFileMetadata", persona=persona, id=meta["id"]), 403)


def test_remove_file_deletes_the_file_and_its_renditions(any_storage, admin, owner, guest):
    meta = upload(admin, image_bytes("PNG", (200, 200))).payload
    get_file(id=meta["id"], width=50)
    get_file(id=meta["id"], width=60, height=20, mode="fill")
    names = [
        StoredFile.objects.get(pk=meta["id"]).storage_name,
        *FileRendition.objects.values_list("storage_name", flat=True),
    ]
    assert len(names) == 3 and all(_stored(n) for n in names)
    api = ApiClient()
    for persona in (owner, guest):
        assert_envelope(api.delete("/removeFile", persona=persona, id=meta["id"]), 403)
    response = api.delete("/removeFile", persona=admin, id=meta["id"])
    assert_envelope(response, 200)
    assert response.payload == {"success": True}
    assert not any(_stored(n) for n in names)
    assert FileRendition.objects.count() == 0
    assert get_file(id=meta["id"]).status_code == 404
    assert_envelope(api.delete("/removeFile", persona=admin, id=meta["id"]), 404)
    # the id is free again
    assert upload(admin, PNG, id=meta["id"]).status == 200


def test_a_rendition_note_that_outlived_its_file_is_not_served(any_storage, admin):
    """Another process removed the file: this process's note of the rendition fails to open."""
    meta = upload(admin, image_bytes("PNG", (200, 200))).payload
    assert get_file(id=meta["id"], width=50).status_code == 200  # noted here and in the cache
    names = [
        StoredFile.objects.get(pk=meta["id"]).storage_name,
        *FileRendition.objects.values_list("storage_name", flat=True),
    ]
    FileRendition.objects.all().delete()
    StoredFile.objects.all().delete()
    for name in names:
        store.delete(name)
    response = get_file(id=meta["id"], width=50)
    assert response.status_code == 404 and response.json()["hasError"] is True


@pytest.mark.parametrize("query", ["", "id=", "id=a&id=b", "width=10"])
def test_get_file_query_rules(query):
    from django.test import Client

    response = Client(HTTP_HOST="api.freejourney.ai").get(f"/getFile?{query}")
    assert response.status_code == 400
    assert "'id'" in response.json()["errorMessage"]
