"""The ``local`` back end for workflows: it executes the substituted ComfyUI graph by reading it.

No GPU and no ComfyUI: the executor finds the graph's latent node
(``EmptyLatentImage``: width, height, batch size; ``EmptyHunyuanLatentVideo``
and kin: length too), its sampler (``KSampler``: seed, steps; the positive
prompt is the text of the node its ``positive`` input links to) and its output
node (``SaveImage``; ``SaveVideo`` with ``CreateVideo``'s fps), and renders with
the local preview renderer from those values, so what a run produces follows
from the substituted workflow itself. A batch of N gives N images (seed,
seed + 1...); a video graph gives one H.264 MP4 whose frames are the latent
batch (or ``length``). A graph without these nodes
is refused with a message saying what is missing.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from PIL import Image, ImageChops

from generation import video
from generation.backends import OutputFile
from generation.backends import local as renderer

LATENT_IMAGE = frozenset({"EmptyLatentImage", "EmptySD3LatentImage"})
LATENT_VIDEO = frozenset({"EmptyHunyuanLatentVideo", "EmptyLTXVLatentVideo", "EmptyMochiLatentVideo"})
SAMPLERS = frozenset({"KSampler", "KSamplerAdvanced"})
IMAGE_OUTPUTS = frozenset({"SaveImage", "PreviewImage"})
VIDEO_OUTPUTS = frozenset({"SaveVideo", "SaveAnimatedWEBP"})


class UnrunnableWorkflow(Exception):
    """The local back end cannot read this workflow (a node it needs is missing)."""


@dataclass(frozen=True)
class Plan:
    prompt: str
    seed: int
    steps: int
    width: int
    height: int
    batch_size: int
    frames: int | None
    fps: float


def _nodes(graph: dict, classes: frozenset[str]) -> list[tuple[str, dict]]:
    return [(node_id, node) for node_id, node in graph.items() if node.get("class_type") in classes]


def _follow_text(graph: dict, link: Any) -> str:
    """The ``text`` of the node a conditioning link points at (``CLIPTextEncode``)."""
    if isinstance(link, list) and link and link[0] in graph:
        text = (graph[link[0]].get("inputs") or {}).get("text")
        if isinstance(text, str):
            return text
    raise UnrunnableWorkflow("the sampler's positive input is not a CLIPTextEncode node with a text")


def plan(graph: dict) -> Plan:
    """What to render, read from the substituted graph."""
    samplers = _nodes(graph, SAMPLERS)
    if not samplers:
        raise UnrunnableWorkflow("the workflow has no KSampler node")
    sampler = samplers[0][1]["inputs"]
    latent_link = sampler.get("latent_image")
    latent = graph.get(latent_link[0]) if isinstance(latent_link, list) and latent_link else None
    if latent is None or latent.get("class_type") not in LATENT_IMAGE | LATENT_VIDEO:
        raise UnrunnableWorkflow("the sampler's latent_image is not an empty latent image or video node")
    latent_inputs = latent["inputs"]
    video_outputs = _nodes(graph, VIDEO_OUTPUTS)
    if not video_outputs and not _nodes(graph, IMAGE_OUTPUTS):
        raise UnrunnableWorkflow("the workflow has no output node the local back end can write")
    frames: int | None = None
    fps = 0.0
    if video_outputs:
        # a video: the latent's length, or (image latents) its batch is the frames
        frames = int(latent_inputs.get("length", latent_inputs.get("batch_size", 1)))
        timing = _nodes(graph, frozenset({"CreateVideo"})) or video_outputs
        fps = float(timing[0][1]["inputs"].get("fps", 8))
    return Plan(
        prompt=_follow_text(graph, sampler.get("positive")),
        seed=int(sampler.get("seed", sampler.get("noise_seed", 0))),
        steps=int(sampler.get("steps", 20)),
        width=int(latent_inputs["width"]),
        height=int(latent_inputs["height"]),
        batch_size=1 if frames is not None else int(latent_inputs.get("batch_size", 1)),
        frames=frames,
        fps=fps or 8.0,
    )


def execute(
    *, graph: dict, model: str, on_step: Callable[[int, int], None] | None = None
) -> list[OutputFile]:
    """Run ``graph`` locally: one file per batch element (one animated WebP for a video)."""
    p = plan(graph)
    total = p.steps * p.batch_size

    def step_of(index: int) -> Callable[[int, int], None] | None:
        if on_step is None:
            return None
        return lambda step, steps: on_step(index * p.steps + step, total)

    files: list[OutputFile] = []
    for index in range(p.batch_size):
        png = renderer.render_image(
            prompt=p.prompt,
            seed=p.seed + index,
            model=model,
            width=p.width,
            height=p.height,
            steps=p.steps,
            parameters={"prompt": p.prompt, "seed": p.seed + index, "steps": p.steps, "model": model},
            on_step=step_of(index),
        )
        if p.frames is None:
            files.append(OutputFile(content=png, filename=f"aimg_{index + 1:05}_.png", mime_type="image/png"))
        else:
            files.append(_clip(png, frames=p.frames, fps=p.fps, width=p.width))
    return files


def _clip(png: bytes, *, frames: int, fps: float, width: int) -> OutputFile:
    """An H.264 MP4 of ``frames`` frames panning across the rendered picture (as ``SaveVideo`` writes)."""
    base = Image.open(io.BytesIO(png)).convert("RGB")
    sequence = [ImageChops.offset(base, (width * i) // max(1, frames), 0) for i in range(frames)]
    content = video.mp4_from_frames(sequence, fps=max(1, round(fps)))
    return OutputFile(content=content, filename="aimg_00001_.mp4", mime_type="video/mp4")
