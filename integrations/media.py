"""The real properties of an Item's stored file: format, content type, size, dimensions, duration.

Read from the bytes, never from the file name or the Item's columns: images with Pillow (the
format it recognises, the size in the header), videos with PyAV (FFmpeg: container, first video
stream's dimensions, duration). The container's own signature tells MP4 from QuickTime and WebM
from other Matroska files, which FFmpeg reports under one name each.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from django.core.cache import cache
from django.core.files.storage import default_storage
from PIL import Image, UnidentifiedImageError

IMAGE_TYPES = {"PNG": ("png", "image/png"), "JPEG": ("jpeg", "image/jpeg"), "WEBP": ("webp", "image/webp")}
_HEAD_BYTES = 64


class MediaUnreadable(Exception):
    """The stored file is missing or is not a readable image or video."""


@dataclass(frozen=True)
class MediaFacts:
    kind: str  # "image" | "video"
    format: str  # png, jpeg, webp, gif... / mp4, webm, mov, mkv...
    content_type: str
    size: int
    width: int
    height: int
    duration: float | None = None  # seconds, videos only

    @property
    def extension(self) -> str:
        return {"jpeg": "jpg"}.get(self.format, self.format)


def _video_format(head: bytes) -> tuple[str, str]:
    if head[4:8] == b"ftyp":
        brand = head[8:12]
        if brand == b"qt  ":
            return "mov", "video/quicktime"
        return "mp4", "video/mp4"
    if head[:4] == b"\x1a\x45\xdf\xa3":
        return ("webm", "video/webm") if b"webm" in head[:_HEAD_BYTES] else ("mkv", "video/x-matroska")
    return "", ""


def _probe_video(name: str, head: bytes, size: int) -> MediaFacts:
    import av  # imported here: FFmpeg's libraries load only when a video is probed

    fmt, content_type = _video_format(head)
    if not fmt:
        raise MediaUnreadable("The stored file is neither an image nor a video we can read.")
    try:
        with default_storage.open(name, "rb") as handle, av.open(handle, mode="r") as container:
            streams = [s for s in container.streams if s.type == "video"]
            if not streams:
                raise MediaUnreadable("The stored video has no video stream.")
            stream = streams[0]
            duration = None
            if container.duration is not None:
                duration = container.duration / 1_000_000  # AV_TIME_BASE
            elif stream.duration is not None and stream.time_base is not None:
                duration = float(stream.duration * stream.time_base)
            codec = stream.codec_context
            width, height = int(getattr(codec, "width", 0)), int(getattr(codec, "height", 0))
    except MediaUnreadable:
        raise
    except Exception as exc:  # PyAV raises its own error classes for every kind of bad file
        raise MediaUnreadable("The stored video cannot be read.") from exc
    return MediaFacts(
        kind="video",
        format=fmt,
        content_type=content_type,
        size=size,
        width=width,
        height=height,
        duration=duration,
    )


#: Stored names are random and never change content, so their facts can be kept a while.
FACTS_CACHE_SECONDS = 3600


def media_probe_cached(name: str) -> MediaFacts:
    """``media_probe``, kept in the cache (Civitai fetches a video in many ranges)."""
    key = "aimg:integrations:media-facts:" + hashlib.sha256(name.encode()).hexdigest()
    facts = cache.get(key)
    if isinstance(facts, MediaFacts):
        return facts
    facts = media_probe(name)
    cache.set(key, facts, FACTS_CACHE_SECONDS)
    return facts


def media_probe(name: str) -> MediaFacts:
    """The facts of the stored file ``name`` (``MediaUnreadable`` when it cannot be read)."""
    if not name:
        raise MediaUnreadable("The item has no media file.")
    try:
        size = default_storage.size(name)
        with default_storage.open(name, "rb") as handle:
            head = handle.read(_HEAD_BYTES)
            handle.seek(0)
            try:
                with Image.open(handle) as image:
                    fmt = (image.format or "").upper()
                    width, height = image.size
            except (UnidentifiedImageError, Image.DecompressionBombError):
                fmt = ""
    except OSError as exc:
        raise MediaUnreadable("The item's media file cannot be read.") from exc
    if fmt:
        short, content_type = IMAGE_TYPES.get(fmt, (fmt.lower(), f"image/{fmt.lower()}"))
        return MediaFacts(
            kind="image", format=short, content_type=content_type, size=size, width=width, height=height
        )
    return _probe_video(name, head, size)
