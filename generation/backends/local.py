"""The ``local`` back end: an honest preview renderer, not an AI model.

It draws a deterministic picture of the requested size from (prompt, seed,
model): the same three give the same bytes. The generation parameters go in
the PNG's ``parameters`` text chunk (AUTOMATIC1111's convention). A video is
``frames`` such pictures whose shapes drift from frame to frame, encoded as an
H.264 MP4 (:mod:`generation.video`, parameters in the MP4's ``comment``), and
returned with each frame's PNG (the API's VideoFrame entries).
``AIMG_LOCAL_SECONDS_PER_STEP`` sleeps that long per step, so queueing and
ETAs behave as on a GPU; ``on_step(step, steps)`` is called after each step.
"""

from __future__ import annotations

import hashlib
import io
import json
import random
import time
from collections.abc import Callable

from django.conf import settings
from PIL import Image, ImageDraw
from PIL.PngImagePlugin import PngInfo

from . import OutputFile, Progress, RenderRequest


def _rng(*, prompt: str, seed: int, model: str) -> random.Random:
    digest = hashlib.sha256(json.dumps([prompt, seed, model]).encode()).digest()
    return random.Random(int.from_bytes(digest[:8], "big"))


def render_image(
    *,
    prompt: str,
    seed: int,
    model: str,
    width: int,
    height: int,
    steps: int,
    parameters: dict,
    on_step: Callable[[int, int], None] | None = None,
) -> bytes:
    """PNG bytes of a ``width`` x ``height`` picture for (prompt, seed, model), parameters in its metadata."""
    delay = float(settings.AIMG_LOCAL_SECONDS_PER_STEP)
    for step in range(1, steps + 1):
        if delay:
            time.sleep(delay)
        if on_step is not None:
            on_step(step, steps)
    image = _picture(prompt=prompt, seed=seed, model=model, width=width, height=height)
    return _png(image, parameters)


def _png(image: Image.Image, parameters: dict) -> bytes:
    info = PngInfo()
    info.add_text("parameters", json.dumps(parameters, sort_keys=True))
    info.add_text("Software", "aimg local preview renderer")
    out = io.BytesIO()
    image.save(out, format="PNG", pnginfo=info)
    return out.getvalue()


def _picture(
    *, prompt: str, seed: int, model: str, width: int, height: int, frame: int = 0, frames: int = 1
) -> Image.Image:
    """The picture for (prompt, seed, model); in a video, frame ``frame`` of ``frames`` (shapes drift)."""
    rng = _rng(prompt=prompt, seed=seed, model=model)
    top = tuple(rng.randrange(256) for _ in range(3))
    bottom = tuple(rng.randrange(256) for _ in range(3))
    image = Image.new("RGB", (width, height), top)
    draw = ImageDraw.Draw(image)
    for y in range(height):
        t = y / max(1, height - 1)
        draw.line(
            [(0, y), (width, y)], fill=tuple(int(a + (b - a) * t) for a, b in zip(top, bottom, strict=True))
        )
    phase = frame / max(1, frames)
    for _ in range(8):
        x0, y0 = rng.randrange(width), rng.randrange(height)
        r = rng.randrange(8, max(9, min(width, height) // 3))
        color = tuple(rng.randrange(256) for _ in range(3))
        dx, dy = rng.uniform(-0.5, 0.5) * width, rng.uniform(-0.5, 0.5) * height
        x, y = int(x0 + dx * phase), int(y0 + dy * phase)
        draw.ellipse([x - r, y - r, x + r, y + r], fill=color)
    return image


def render_video(
    *,
    prompt: str,
    seed: int,
    model: str,
    width: int,
    height: int,
    steps: int,
    frames: int,
    fps: int,
    parameters: dict,
    on_step: Callable[[int, int], None] | None = None,
) -> tuple[bytes, list[bytes]]:
    """(MP4 bytes, PNG bytes of each frame) of a ``frames``-frame clip at ``fps``."""
    from generation import video

    delay = float(settings.AIMG_LOCAL_SECONDS_PER_STEP)
    for step in range(1, steps + 1):
        if delay:
            time.sleep(delay)
        if on_step is not None:
            on_step(step, steps)
    pictures = [
        _picture(prompt=prompt, seed=seed, model=model, width=width, height=height, frame=n, frames=frames)
        for n in range(frames)
    ]
    mp4 = video.mp4_from_frames(
        pictures, fps=fps, metadata={"comment": json.dumps(parameters, sort_keys=True)}
    )
    return mp4, [_png(picture, {**parameters, "frame": n}) for n, picture in enumerate(pictures)]


def render(request: RenderRequest, *, progress: Progress) -> list[OutputFile]:
    """The back-end interface: one PNG for an image request; the MP4, then each frame's PNG, for a video."""
    if request.kind == "video":
        mp4, pngs = render_video(
            prompt=request.prompt,
            seed=request.seed,
            model=request.model,
            width=request.width,
            height=request.height,
            steps=request.steps,
            frames=max(1, request.frames),
            fps=max(1, request.fps),
            parameters=request.parameters,
            on_step=lambda step, steps: progress(step / steps),
        )
        return [
            OutputFile(content=mp4, filename="generated.mp4", mime_type="video/mp4"),
            *(
                OutputFile(content=p, filename=f"frame-{n:04}.png", mime_type="image/png")
                for n, p in enumerate(pngs)
            ),
        ]
    png = render_image(
        prompt=request.prompt,
        seed=request.seed,
        model=request.model,
        width=request.width,
        height=request.height,
        steps=request.steps,
        parameters=request.parameters,
        on_step=lambda step, steps: progress(step / steps),
    )
    return [OutputFile(content=png, filename="generated.png", mime_type="image/png")]
