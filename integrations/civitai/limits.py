"""Civitai's media requirements, checked on the stored file's real properties.

Images: png, jpg/jpeg, webp, at most 50 MB. Videos: mp4, webm, at most 500 MB, 120 seconds and
4K (3840 x 2160, either orientation). MB are decimal (10^6 bytes): the stricter reading.
"""

from __future__ import annotations

from integrations.errors import MediaLimitExceeded
from integrations.media import MediaFacts

IMAGE_FORMATS = ("png", "jpeg", "webp")
VIDEO_FORMATS = ("mp4", "webm")
IMAGE_MAX_BYTES = 50 * 1000 * 1000
VIDEO_MAX_BYTES = 500 * 1000 * 1000
VIDEO_MAX_SECONDS = 120
VIDEO_MAX_LONG_SIDE = 3840
VIDEO_MAX_SHORT_SIDE = 2160


def civitai_limits_check(facts: MediaFacts) -> None:
    """Raise ``MediaLimitExceeded`` naming the first limit ``facts`` is outside of."""
    if facts.kind == "image":
        if facts.format not in IMAGE_FORMATS:
            raise MediaLimitExceeded(
                f"Civitai accepts png, jpg, jpeg and webp images; this one is {facts.format or 'unknown'}."
            )
        if facts.size > IMAGE_MAX_BYTES:
            raise MediaLimitExceeded(
                f"Civitai accepts images of at most 50 MB; this one is {facts.size} bytes."
            )
        return
    if facts.format not in VIDEO_FORMATS:
        raise MediaLimitExceeded(
            f"Civitai accepts mp4 and webm videos; this one is {facts.format or 'unknown'}."
        )
    if facts.size > VIDEO_MAX_BYTES:
        raise MediaLimitExceeded(f"Civitai accepts videos of at most 500 MB; this one is {facts.size} bytes.")
    if facts.duration is None:
        raise MediaLimitExceeded(
            "Civitai accepts videos of at most 120 seconds; this one's duration is unknown."
        )
    if facts.duration > VIDEO_MAX_SECONDS:
        raise MediaLimitExceeded(
            f"Civitai accepts videos of at most 120 seconds; this one lasts {facts.duration:.1f} seconds."
        )
    long_side, short_side = max(facts.width, facts.height), min(facts.width, facts.height)
    if long_side > VIDEO_MAX_LONG_SIDE or short_side > VIDEO_MAX_SHORT_SIDE:
        raise MediaLimitExceeded(
            f"Civitai accepts videos of at most 4K (3840x2160); this one is {facts.width}x{facts.height}."
        )
