"""MP4 encoding and decoding for video generations, with PyAV (FFmpeg's libraries, shipped in its wheels).

``mp4_from_frames`` encodes Pillow images as H.264 in an MP4 (yuv420p, so
every browser plays it; even width and height, as that pixel format needs);
``frames_from_mp4`` decodes a video back into PNG frames (a ComfyUI back end
returns only the video; the API's VideoFrame entries need one image per frame).
"""

from __future__ import annotations

import io
from collections.abc import Iterable

import av
from PIL import Image

#: Frames decoded from a back end's video at most (a VideoFrame entry each).
MAX_FRAMES = 240


def mp4_from_frames(
    frames: Iterable[Image.Image], *, fps: int, metadata: dict[str, str] | None = None
) -> bytes:
    """H.264 MP4 bytes of ``frames`` at ``fps`` frames per second."""
    out = io.BytesIO()
    with av.open(out, mode="w", format="mp4") as container:
        for key, value in (metadata or {}).items():
            container.metadata[key] = value
        stream = None
        for frame in frames:
            if stream is None:
                stream = container.add_stream("libx264", rate=fps)
                stream.width, stream.height = frame.width - frame.width % 2, frame.height - frame.height % 2
                stream.pix_fmt = "yuv420p"
                stream.options = {"preset": "veryfast"}
            if frame.size != (stream.width, stream.height):
                frame = frame.crop((0, 0, stream.width, stream.height))
            for packet in stream.encode(av.VideoFrame.from_image(frame.convert("RGB"))):
                container.mux(packet)
        if stream is None:
            raise ValueError("a video needs at least one frame")
        for packet in stream.encode():
            container.mux(packet)
    return out.getvalue()


def frames_from_mp4(content: bytes, *, limit: int = MAX_FRAMES) -> list[bytes]:
    """The PNG bytes of each frame of a video (at most ``limit``)."""
    frames: list[bytes] = []
    with av.open(io.BytesIO(content), mode="r") as container:
        for frame in container.decode(video=0):
            png = io.BytesIO()
            frame.to_image().save(png, format="PNG")
            frames.append(png.getvalue())
            if len(frames) >= limit:
                break
    return frames


def video_facts(content: bytes) -> tuple[int, int, int]:
    """(width, height, frame count) of a video."""
    with av.open(io.BytesIO(content), mode="r") as container:
        stream = container.streams.video[0]
        count = sum(1 for _ in container.decode(stream))
        return stream.codec_context.width, stream.codec_context.height, count
