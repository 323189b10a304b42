"""Real media files for the tests: videos encoded with PyAV, images with Pillow."""

from __future__ import annotations

import io
import tempfile
from pathlib import Path

import av
from django.core.files.base import ContentFile
from PIL import Image

CODECS = {
    "mp4": ("mp4", "mpeg4"),
    "webm": ("webm", "libvpx"),
    "mov": ("mov", "mpeg4"),
    "mkv": ("matroska", "mpeg4"),
}


def video_bytes(
    fmt: str = "mp4", *, width: int = 32, height: int = 32, seconds: float = 1, fps: int = 2
) -> bytes:
    """A real video of ``seconds`` at ``fps`` (blank frames), in container ``fmt``."""
    container_format, codec = CODECS[fmt]
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"video.{fmt}"
        with av.open(str(path), mode="w", format=container_format) as container:
            stream = container.add_stream(codec, rate=fps)
            stream.width, stream.height = width, height  # type: ignore[attr-defined]
            stream.pix_fmt = "yuv420p"  # type: ignore[attr-defined]
            for index in range(max(1, int(seconds * fps))):
                frame = av.VideoFrame(width, height, "yuv420p")
                frame.pts = index
                for packet in stream.encode(frame):  # type: ignore[attr-defined]
                    container.mux(packet)
            for packet in stream.encode():  # type: ignore[attr-defined]
                container.mux(packet)
        return path.read_bytes()


def image_bytes(fmt: str = "PNG", size=(16, 12)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, (10, 200, 30)).save(buffer, format=fmt)
    return buffer.getvalue()


def media_file(data: bytes, name: str) -> ContentFile:
    return ContentFile(data, name=name)
