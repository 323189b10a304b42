"""Generation back ends: what renders a job, behind one small interface.

Two back ends exist: ``local`` (a deterministic Pillow preview renderer,
:mod:`generation.backends.local`) and ``comfyui`` (a client for ComfyUI's HTTP
API, :mod:`generation.backends.comfyui`). A model's ``backend`` field picks one;
blank means the setting ``AIMG_GENERATION_BACKEND`` (default ``local``).

The engine calls :func:`render` with a :class:`RenderRequest` and a
``progress`` callback; it gets back the output files, in order::

    outputs = render(request, progress=report)   # list[OutputFile]

``progress(fraction)`` is called with a fraction in [0, 1] when the back end
knows how far it is, or ``None`` when it only knows it is still working; the
engine uses each call to renew its lease, and the callback raises
:class:`RunCancelled` when the job is no longer the worker's (cancelled, or its
lease lost), which makes the back end stop its work (a ComfyUI prompt is
deleted or interrupted) and re-raise.

Failures are :class:`BackendError` subclasses: :class:`TransientBackendError`
(connection refused, 5xx, timeouts: the engine retries with backoff) and
:class:`PermanentBackendError` (a refused workflow, an execution error: the job
fails at once with ``str(error)`` as the message the user reads).

Workflows (API2) call the ComfyUI client directly with their own graph:
:func:`generation.backends.comfyui.run_graph`.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field

from django.conf import settings

#: The back ends a model or the setting may name.
BACKENDS = ("local", "comfyui")

#: ``progress(fraction or None)``; raises RunCancelled when the job must stop.
Progress = Callable[[float | None], None]


@dataclass(frozen=True)
class OutputFile:
    """One output of a back end: the file's bytes, a file name and its MIME type."""

    content: bytes
    filename: str
    mime_type: str


class RunCancelled(Exception):
    """The job was cancelled or its worker lost it: stop and write nothing."""


class BackendError(Exception):
    """A back end could not produce the outputs; ``str(error)`` is readable by the user."""

    transient = False


class TransientBackendError(BackendError):
    """A failure worth retrying: the back end was unreachable, answered 5xx, or timed out."""

    transient = True


class PermanentBackendError(BackendError):
    """A failure retrying cannot cure: a refused workflow, an execution error, a missing output."""


@dataclass
class RenderRequest:
    """What to render for one job: the model, its workflow template and the generation parameters.

    ``kind`` is ``image`` or ``video``; ``frames`` and ``fps`` apply to videos.
    ``parameters`` is everything that goes in the file's metadata.
    """

    job_id: uuid.UUID
    kind: str
    model: str
    workflow_template: str
    prompt: str
    negprompt: str
    seed: int
    steps: int
    width: int
    height: int
    sampler: str
    cfgscale: float
    frames: int = 0
    fps: int = 0
    parameters: dict = field(default_factory=dict)


def backend_name(model_backend: str = "") -> str:
    """The back end for a model whose ``backend`` field is ``model_backend`` (blank: the setting)."""
    name = model_backend or settings.AIMG_GENERATION_BACKEND
    if name not in BACKENDS:
        raise PermanentBackendError(f"Unknown generation back end {name!r}.")
    return name


def render(request: RenderRequest, *, progress: Progress, backend: str = "") -> list[OutputFile]:
    """Render ``request`` on ``backend`` (blank: the setting) and return its output files in order."""
    name = backend_name(backend)
    if name == "comfyui":
        from . import comfyui

        return comfyui.render(request, progress=progress)
    from . import local

    return local.render(request, progress=progress)
