"""setSelfUserProfilePicture: accepted formats, limits, decompression bombs, normalization, removal, bans."""

from __future__ import annotations

import base64
import io
import struct
import zlib

import pytest
from PIL import Image

from accounts.models import ProfilePicture, User
from tests.support.assertions import assert_envelope

from .conftest import decode_data_uri, image_data_uri


def _set(api, persona, picture):
    return api.post("/setSelfUserProfilePicture", persona=persona, profilePicture=picture)


@pytest.mark.parametrize(
    ("fmt", "mime"),
    [
        ("PNG", "image/png"),
        ("JPEG", "image/jpeg"),
        ("JPEG", "image/jpg"),
        ("TIFF", "image/tiff"),
        ("WEBP", "image/webp"),
    ],
)
def test_each_listed_type_is_normalized_to_a_128px_webp(api, owner, fmt, mime):
    response = assert_envelope(_set(api, owner, image_data_uri(fmt, size=(300, 200), mime=mime)), 200)
    image = decode_data_uri(response.payload["profilePicture"])
    assert image.format == "WEBP" and image.size == (128, 128)
    stored = bytes(ProfilePicture.objects.get(user=owner.user).webp)
    assert response.payload["profilePicture"] == "data:image/webp;base64," + base64.b64encode(stored).decode()


def test_the_picture_is_shown_by_get_self_user_and_get_user(api, owner, other_user):
    picture = _set(api, owner, image_data_uri()).payload["profilePicture"]
    assert api.get("/getSelfUser", persona=owner, profilePicture=True).payload["profilePicture"] == picture
    assert (
        api.get("/getUser", persona=other_user, userID=str(owner.user.id)).payload["profilePicture"]
        == picture
    )


def test_an_empty_string_removes_the_picture(api, owner):
    _set(api, owner, image_data_uri())
    response = assert_envelope(_set(api, owner, ""), 200)
    assert response.payload["profilePicture"] == ""
    assert not ProfilePicture.objects.filter(user=owner.user).exists()


def test_a_gif_is_refused_even_when_declared_as_png(api, owner):
    buffer = io.BytesIO()
    Image.new("RGB", (10, 10)).save(buffer, format="GIF")
    uri = "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()
    response = assert_envelope(_set(api, owner, uri), 400)
    assert "GIF" in response.error
    assert not ProfilePicture.objects.exists()


def test_a_declared_type_outside_the_list_is_refused(api, owner):
    response = assert_envelope(_set(api, owner, image_data_uri("PNG", mime="image/gif")), 400)
    assert "image/gif" in response.error


def test_the_type_is_read_from_the_bytes_not_the_declaration(api, owner):
    assert_envelope(_set(api, owner, image_data_uri("JPEG", mime="image/png")), 200)


def test_bytes_that_are_not_an_image_are_refused(api, owner):
    uri = "data:image/png;base64," + base64.b64encode(b"<?php echo 1; ?>" * 10).decode()
    assert "readable image" in assert_envelope(_set(api, owner, uri), 400).error


def test_something_that_is_not_a_data_uri_is_refused(api, owner):
    assert "data URI" in assert_envelope(_set(api, owner, "https://example.com/me.png"), 400).error


def test_invalid_base64_is_refused(api, owner):
    assert "base64" in assert_envelope(_set(api, owner, "data:image/png;base64,@@@@"), 400).error


def test_more_than_1024_pixels_on_a_side_is_refused(api, owner):
    response = assert_envelope(_set(api, owner, image_data_uri("PNG", size=(1025, 10))), 400)
    assert "1025x10" in response.error and "1024x1024" in response.error


def test_exactly_1024_by_1024_is_accepted(api, owner):
    assert_envelope(_set(api, owner, image_data_uri("PNG", size=(1024, 1024))), 200)


def test_more_than_1_mb_is_a_413(api, owner):
    big = "data:image/png;base64," + base64.b64encode(b"\x89PNG" + bytes(1024 * 1024 + 10)).decode()
    response = assert_envelope(_set(api, owner, big), 413)
    assert "1 MB" in response.error


def _png_declaring(width: int, height: int) -> bytes:
    """A tiny, valid-looking PNG whose header declares ``width`` x ``height`` pixels."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data))
            + kind
            + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
        )

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", ihdr)
        + chunk(b"IDAT", zlib.compress(b"\x00" * 64))
        + chunk(b"IEND", b"")
    )


@pytest.mark.parametrize(
    ("width", "height", "reason"),
    [
        (100_000, 100_000, "far too many pixels"),  # Pillow's DecompressionBombError at open
        (50_000, 2_000, "far too many pixels"),  # Pillow's DecompressionBombWarning, made an error
        (4_000, 4_000, "4000x4000"),  # our own check of the declared size, before load()
    ],
)
def test_a_tiny_png_declaring_a_huge_size_is_refused_without_decoding(api, owner, width, height, reason):
    raw = _png_declaring(width, height)
    assert len(raw) < 200
    response = assert_envelope(
        _set(api, owner, "data:image/png;base64," + base64.b64encode(raw).decode()), 400
    )
    assert "profilePicture" in response.error and reason in response.error
    assert not ProfilePicture.objects.exists()


def test_a_truncated_image_is_refused(api, owner):
    uri = image_data_uri("PNG", size=(200, 200))
    header, encoded = uri.split(",", 1)
    raw = base64.b64decode(encoded)[:60]
    assert_envelope(_set(api, owner, header + "," + base64.b64encode(raw).decode()), 400)


def test_a_banned_user_cannot_set_a_picture(api, owner):
    User.objects.filter(pk=owner.user.pk).update(profile_picture_banned=True)
    response = assert_envelope(_set(api, owner, image_data_uri()), 403)
    assert not ProfilePicture.objects.exists()
    assert "not allowed" in response.error


def test_guests_get_a_401(api, guest):
    assert_envelope(_set(api, guest, image_data_uri()), 401)


def test_the_parameter_is_mandatory(api, owner):
    assert (
        "profilePicture" in assert_envelope(api.post("/setSelfUserProfilePicture", persona=owner), 400).error
    )


def test_transparency_survives_normalization(api, owner):
    uri = image_data_uri("PNG", size=(50, 50), color=(255, 0, 0, 0))
    image = decode_data_uri(_set(api, owner, uri).payload["profilePicture"])
    assert image.mode == "RGBA" and image.getpixel((64, 64))[3] == 0
