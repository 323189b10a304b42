"""Colourful demo pictures drawn with Pillow: a gradient, a few shapes and the prompt written in."""

from __future__ import annotations

import io
import random
import textwrap

from PIL import Image, ImageDraw, ImageFont, ImageOps

PALETTES = [
    ((255, 94, 98), (255, 195, 113)),
    ((67, 206, 162), (24, 90, 157)),
    ((142, 45, 226), (74, 0, 224)),
    ((252, 70, 107), (63, 94, 251)),
    ((247, 151, 30), (255, 210, 0)),
    ((0, 180, 219), (0, 131, 176)),
    ((17, 153, 142), (56, 239, 125)),
    ((238, 9, 121), (255, 106, 0)),
]


def _font(size: int):
    try:
        return ImageFont.load_default(size=size)
    except TypeError:  # Pillow without FreeType: the fixed bitmap font
        return ImageFont.load_default()


def demo_png(prompt: str, *, seed: int, size: int = 320) -> bytes:
    """A ``size``-square PNG, the same for the same ``prompt`` and ``seed``."""
    rng = random.Random(seed)
    start, end = PALETTES[seed % len(PALETTES)]
    gradient = Image.linear_gradient("L").rotate(rng.choice([0, 45, 90, 135]), expand=False)
    image = ImageOps.colorize(gradient.resize((size, size)), start, end).convert("RGBA")
    overlay = Image.new("RGBA", image.size, (0, 0, 0, 0))
    draw = ImageDraw.Draw(overlay)
    for _ in range(rng.randint(3, 7)):
        x, y = rng.randint(-40, size), rng.randint(-40, size)
        radius = rng.randint(20, size // 3)
        color = (rng.randint(0, 255), rng.randint(0, 255), rng.randint(0, 255), rng.randint(70, 160))
        box = (x, y, x + radius * 2, y + radius * 2)
        if rng.random() < 0.5:
            draw.ellipse(box, fill=color)
        else:
            draw.rounded_rectangle(box, radius=radius // 4, fill=color)
    image = Image.alpha_composite(image, overlay)
    draw = ImageDraw.Draw(image)
    font = _font(18)
    lines = textwrap.wrap(prompt, width=26)[:4]
    top = size - 16 - 24 * len(lines)
    draw.rectangle((0, top - 10, size, size), fill=(0, 0, 0, 120))
    for number, line in enumerate(lines):
        draw.text((14, top + 24 * number), line, fill=(255, 255, 255, 255), font=font)
    buffer = io.BytesIO()
    image.convert("RGB").save(buffer, format="PNG", optimize=False)
    return buffer.getvalue()
