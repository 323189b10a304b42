"""The local media route answers single byte ranges (206, 416), so players can seek in videos."""

from __future__ import annotations

import pytest
from django.core.files.base import ContentFile
from django.test import Client

from aimg_site.core.ranges import UNSATISFIABLE, parse_single_range
from library.items.media import item_url
from tests.support.factories.library import ItemFactory

CONTENT = bytes(range(256)) * 40  # 10,240 bytes


@pytest.fixture
def video_path(settings):
    settings.AIMG_PUBLIC_BASE_URL = ""
    item = ItemFactory(mtype="video", media_type="Video", media=ContentFile(CONTENT, name="clip.mp4"))
    return "/" + item_url(item).split("://", 1)[1].split("/", 1)[1]


def fetch(client, path, range_header=None):
    headers = {"HTTP_HOST": "api.freejourney.ai"}
    if range_header is not None:
        headers["HTTP_RANGE"] = range_header
    return client.get(path, **headers)


def body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def test_without_a_range_the_whole_file_comes_with_accept_ranges(client, video_path):
    response = fetch(client, video_path)
    assert response.status_code == 200
    assert response["Content-Type"] == "video/mp4"
    assert response["Accept-Ranges"] == "bytes"
    assert body(response) == CONTENT


@pytest.mark.parametrize(
    "header, first, last",
    [
        ("bytes=0-99", 0, 99),
        ("bytes=100-", 100, len(CONTENT) - 1),
        ("bytes=-500", len(CONTENT) - 500, len(CONTENT) - 1),
        ("bytes=10000-99999", 10000, len(CONTENT) - 1),
        ("bytes=-99999", 0, len(CONTENT) - 1),
    ],
)
def test_a_single_range_is_a_206_with_exactly_those_bytes(client, video_path, header, first, last):
    response = fetch(client, video_path, header)
    assert response.status_code == 206
    assert response["Content-Range"] == f"bytes {first}-{last}/{len(CONTENT)}"
    assert response["Content-Length"] == str(last - first + 1)
    assert response["Content-Type"] == "video/mp4"
    assert response["Access-Control-Allow-Origin"] == "*"
    assert "Content-Range" in response["Access-Control-Expose-Headers"]
    assert body(response) == CONTENT[first : last + 1]


@pytest.mark.parametrize("header", ["bytes=10240-", "bytes=99999-100000", "bytes=-0"])
def test_a_range_past_the_end_is_a_416_naming_the_size(client, video_path, header):
    response = fetch(client, video_path, header)
    assert response.status_code == 416
    assert response["Content-Range"] == f"bytes */{len(CONTENT)}"


@pytest.mark.parametrize("header", ["items=0-5", "bytes=5-2", "bytes=0-1,4-5", "bytes=x-y", "bytes=-"])
def test_a_malformed_or_multiple_range_is_ignored_and_the_whole_file_sent(client, video_path, header):
    response = fetch(client, video_path, header)
    assert response.status_code == 200
    assert body(response) == CONTENT


def test_parse_single_range_edges():
    assert parse_single_range("", 10) is None
    assert parse_single_range("bytes=0-0", 10) == (0, 0)
    assert parse_single_range("bytes=9-", 10) == (9, 9)
    assert parse_single_range("bytes=0-", 0) is UNSATISFIABLE
    assert parse_single_range("bytes=-1", 0) is UNSATISFIABLE


@pytest.mark.parametrize("name", ["items/a%00b.png", "items/%00", "items/ab/%00..%2F..%2Fsettings.py"])
def test_a_media_name_with_a_nul_byte_is_a_404_not_a_500(db, name):
    response = Client(HTTP_HOST="api.freejourney.ai", raise_request_exception=False).get(f"/media/{name}")
    assert response.status_code == 404


HUGE = "9" * 4301  # past Python's int-from-string digit limit


@pytest.mark.parametrize(
    "header, status",
    [
        (f"bytes={HUGE}-", 416),  # starts past any file
        (f"bytes=0-{HUGE}", 206),  # clipped to the file, like any long last byte
        (f"bytes=-{HUGE}", 206),  # the whole file as a suffix range
        (f"bytes={HUGE}-{HUGE}", 416),
    ],
)
def test_a_range_with_thousands_of_digits_is_answered_not_a_500(client, video_path, header, status):
    response = fetch(client, video_path, header)
    assert response.status_code == status
    if status == 206:
        assert body(response) == CONTENT
    else:
        assert response["Content-Range"] == f"bytes */{len(CONTENT)}"
