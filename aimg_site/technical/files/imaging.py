"""Resizing for getFile: png, jpeg and gif, ``fit`` (inside the box) or ``fill`` (cover and crop).

Images are never enlarged. JPEGs are decoded in Pillow's draft mode (the decoder scales by 1/2,
1/4 or 1/8 while reading, far cheaper than decoding at full size). Decompression bombs (more
pixels than ``AIMG_FILE_MAX_SOURCE_PIXELS``) and undecodable images raise ``ImageRejected``,
answered as a 400.
"""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass

from django.conf import settings
from PIL import Image, ImageOps

_FORMATS = {"image/png": "PNG", "image/jpeg": "JPEG", "image/gif": "GIF"}


class ImageRejected(Exception):
    """The stored bytes cannot be resized (a bomb, or not a decodable image)."""


@dataclass(frozen=True)
class Box:
    width: int | None
    height: int | None
    mode: str  # "fit" or "fill"


def target_size(source: tuple[int, int], box: Box) -> tuple[int, int]:
    """The output size for ``source`` in ``box`` (aspect kept for ``fit``; never larger than the source)."""
    sw, sh = source
    w, h = box.width, box.height
    if box.mode == "fill" and w and h:
        return min(w, sw), min(h, sh)  # cropped to this aspect, then scaled down
    scales = [1.0]
    if w:
        scales.append(w / sw)
    if h:
        scales.append(h / sh)
    scale = min(scales)
    return max(1, round(sw * scale)), max(1, round(sh * scale))


def resize(data: bytes, content_type: str, box: Box) -> bytes:
    """The resized image, in the source's format."""
    fmt = _FORMATS[content_type]
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data), formats=[fmt])
            if image.width * image.height > settings.AIMG_FILE_MAX_SOURCE_PIXELS:
                raise ImageRejected(
                    f"The image has more than {settings.AIMG_FILE_MAX_SOURCE_PIXELS} pixels: it is not resized."
                )
            source_size = image.size
            size = target_size(source_size, box)
            if fmt == "JPEG":
                image.draft("RGB" if image.mode not in ("L", "CMYK") else image.mode, size)
            image.load()
            if fmt == "GIF":  # the first frame
                image.seek(0)
            oriented: Image.Image = image
            if fmt == "JPEG":
                # Draft mode decoded at 1/2, 1/4 or 1/8 (still at least the target); an EXIF rotation
                # may swap the sides: the target is taken again from what was decoded.
                orientation = image.getexif().get(0x0112, 1)
                if orientation != 1:  # an EXIF orientation to apply
                    oriented = ImageOps.exif_transpose(image)
                    if orientation in (5, 6, 7, 8):  # a quarter turn: the sides swap
                        size = target_size((source_size[1], source_size[0]), box)
            if box.mode == "fill" and box.width and box.height:
                out = ImageOps.fit(oriented, size, Image.Resampling.LANCZOS)
            else:
                out = oriented.resize(size, Image.Resampling.LANCZOS, reducing_gap=2.0)
            buffer = io.BytesIO()
            if fmt == "JPEG":
                if out.mode not in ("RGB", "L", "CMYK"):
                    out = out.convert("RGB")
                out.save(buffer, "JPEG", quality=85, optimize=False)
            elif fmt == "GIF":
                out.save(buffer, "GIF")
            else:
                out.save(buffer, "PNG", compress_level=6)
            return buffer.getvalue()
    except ImageRejected:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise ImageRejected("The image has too many pixels to decode (a decompression bomb?).") from exc
    except (OSError, SyntaxError, ValueError, EOFError, Image.UnidentifiedImageError) as exc:
        raise ImageRejected("The file is not an image that can be resized (it does not decode).") from exc
