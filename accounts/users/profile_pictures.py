"""Profile pictures: checking an uploaded data URI and normalizing it to a 128x128 WebP.

The declared MIME type of the data URI must be one of the reference's, and
the bytes themselves must be one of those formats as Pillow reads them (the
declared type is not trusted). At most 1 MB and 1024x1024 pixels.

Decompression bombs: the declared size is read by ``Image.open`` (header
only) and checked against 1024x1024 *before* ``load()`` decodes any pixel
data, and Pillow's own ``DecompressionBombWarning`` is turned into an error
while decoding. ``Image.MAX_IMAGE_PIXELS`` is a process-wide global: lowering
it here would change the limit for every other thread of the server that
opens images (the library's thumbnails), so the explicit size check stands
in for it; Pillow's ``DecompressionBombError`` (past twice its default) is
caught as well.
"""

from __future__ import annotations

import base64
import binascii
import io
import re
import warnings

from PIL import Image, ImageOps, UnidentifiedImageError

from aimg_site.api.exceptions import InvalidParameter, PayloadTooLarge

PARAMETER = "profilePicture"
ALLOWED_MIME_TYPES = frozenset({"image/jpeg", "image/jpg", "image/png", "image/tiff", "image/webp"})
#: Pillow format names of the allowed MIME types.
ALLOWED_FORMATS = frozenset({"JPEG", "PNG", "TIFF", "WEBP"})
MAX_BYTES = 1024 * 1024
MAX_SIDE = 1024
OUTPUT_SIDE = 128
OUTPUT_QUALITY = 82

_DATA_URI = re.compile(r"^data:(?P<mime>[\w.+-]+/[\w.+-]+)(?:;[\w.+-]+=[\w.+-]+)*;base64,", re.IGNORECASE)


def _decode_data_uri(data_uri: str) -> bytes:
    match = _DATA_URI.match(data_uri[:200])
    if match is None:
        raise InvalidParameter(PARAMETER, "must be a base64 data URI (data:image/png;base64,...)")
    mime = match.group("mime").lower()
    if mime not in ALLOWED_MIME_TYPES:
        raise InvalidParameter(
            PARAMETER, f"must be one of {', '.join(sorted(ALLOWED_MIME_TYPES))}, not {mime}"
        )
    encoded = data_uri[match.end() :].strip()
    # Base64 carries 3 bytes in 4 characters: refuse oversized payloads before decoding them.
    if len(encoded) > (MAX_BYTES + 2) // 3 * 4 + 4:
        raise PayloadTooLarge("The profile picture must be at most 1 MB.")
    try:
        raw = base64.b64decode(encoded, validate=True)
    except (binascii.Error, ValueError):
        raise InvalidParameter(PARAMETER, "is not valid base64") from None
    if len(raw) > MAX_BYTES:
        raise PayloadTooLarge("The profile picture must be at most 1 MB.")
    if not raw:
        raise InvalidParameter(PARAMETER, "is empty")
    return raw


def _open_checked(raw: bytes) -> Image.Image:
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            image = Image.open(io.BytesIO(raw))
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise InvalidParameter(PARAMETER, "declares far too many pixels") from None
        except (UnidentifiedImageError, OSError, ValueError, SyntaxError):
            raise InvalidParameter(PARAMETER, "is not a readable image") from None
        if image.format not in ALLOWED_FORMATS:
            raise InvalidParameter(
                PARAMETER,
                f"is a {image.format or 'unknown'} image; only JPEG, PNG, TIFF and WebP are accepted",
            )
        width, height = image.size
        if width > MAX_SIDE or height > MAX_SIDE:
            raise InvalidParameter(
                PARAMETER, f"is {width}x{height}; at most {MAX_SIDE}x{MAX_SIDE} is accepted"
            )
        if width < 1 or height < 1:
            raise InvalidParameter(PARAMETER, "has no pixels")
        try:
            image.load()
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise InvalidParameter(PARAMETER, "declares far too many pixels") from None
        except (OSError, ValueError, SyntaxError, EOFError):
            raise InvalidParameter(PARAMETER, "is not a readable image (truncated or corrupt)") from None
    return image


def profile_picture_normalize(data_uri: str) -> bytes:
    """Check ``data_uri`` and return the picture as a 128x128 WebP (centre-cropped, EXIF-rotated).

    Raises ``InvalidParameter`` (400) for a malformed URI, a type or format
    not accepted, a size above 1024x1024 or a decompression bomb, and
    ``PayloadTooLarge`` (413) above 1 MB.
    """
    image = _open_checked(_decode_data_uri(data_uri))
    image = ImageOps.exif_transpose(image)
    has_alpha = image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info)
    image = image.convert("RGBA" if has_alpha else "RGB")
    image = ImageOps.fit(image, (OUTPUT_SIDE, OUTPUT_SIDE), method=Image.Resampling.LANCZOS)
    out = io.BytesIO()
    image.save(out, format="WEBP", quality=OUTPUT_QUALITY, method=4)
    return out.getvalue()


def webp_data_uri(webp: bytes) -> str:
    return "data:image/webp;base64," + base64.b64encode(webp).decode()
