"""The ``local`` back end: an honest preview renderer, not an AI model.

It draws a deterministic picture of the requested size from (prompt, seed,
model): the same three give the same bytes. The generation parameters go in
the PNG's ``parameters`` text chunk (AUTOMATIC1111's convention).
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
    for _ in range(8):
        x0, y0 = rng.randrange(width), rng.randrange(height)
        r = rng.randrange(8, max(9, min(width, height) // 3))
        color = tuple(rng.randrange(256) for _ in range(3))
        draw.ellipse([x0 - r, y0 - r, x0 + r, y0 + r], fill=color)
    info = PngInfo()
    info.add_text("parameters", json.dumps(parameters, sort_keys=True))
    info.add_text("Software", "aimg local preview renderer")
    out = io.BytesIO()
    image.save(out, format="PNG", pnginfo=info)
    return out.getvalue()


def render(request: RenderRequest, *, progress: Progress) -> list[OutputFile]:
    """The back-end interface: one PNG for an image request."""
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
