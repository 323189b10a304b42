"""Writes of API2 workflows: enqueueing a run, and executing a claimed run on a back end.

``workflow_enqueue`` validates the request against the template, substitutes
the values into the workflow, and in ONE transaction creates the ``Batch Size``
Items and one ``GenerationJob`` on the shared engine (the template's model
queue, the user's priority class and concurrency limit), plus its ``queued``
event; the Celery task is sent after commit. Workers claim it like any job
(``generation.services.job_run``), which hands workflow jobs to
``workflow_job_execute``: the back end runs the substituted graph, and each
output file goes to the run's Item of the same rank.
"""

from __future__ import annotations

import io
import logging
import secrets
import uuid
from dataclasses import dataclass, field
from typing import Any

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from PIL import Image

from accounts.users.abuse import abuse_assert_can_generate
from aimg_site.api.exceptions import InvalidParameter
from billing.entitlements import user_tier
from generation import backends, video
from generation import services as engine
from generation.backends import (
    OutputFile,
    PermanentBackendError,
    Progress,
    RunCancelled,
    TransientBackendError,
)
from generation.models import GenerationJob, GenerationModel, JobStatus, PriorityClass, WorkflowTemplate
from generation.queues import queue_name
from library.folders.ids import FolderRef
from library.folders.selectors import folder_get_owned
from library.items.services import item_create
from library.models import GeneratorVersion, Item, MediaKind

from . import local, selectors
from .parameters import (
    BATCH_SIZE,
    Resolved,
    lora_name,
    lora_strength_name,
    markers_of,
    merge,
    resolve,
    substitute,
)

logger = logging.getLogger(__name__)


@dataclass
class WorkflowRequest:
    """A validated ``enqueueWorkflow`` body (the serializer's output)."""

    template_name: str
    parameters: list[dict] = field(default_factory=list)
    #: The explicit body fields that were given (``prompt``, ``seed``, ``lora``...).
    explicit: dict[str, Any] = field(default_factory=dict)
    folder: FolderRef | None = None


def _loras(values: dict[str, Any]) -> tuple[list[str], list[float]]:
    names, strengths = [], []
    index = 1
    while lora_name(index) in values:
        names.append(str(values[lora_name(index)]))
        strengths.append(float(values.get(lora_strength_name(index), 1.0)))
        index += 1
    return names, strengths


def _item_fields(*, template: WorkflowTemplate, model: GenerationModel, values: dict, run_parameters) -> dict:
    loras, strengths = _loras(values)
    return {
        "mtype": template.kind,
        "media_type": template.media_type,
        "model_id": model.name,
        "model_name": model.label,
        "steps": int(values.get("Steps", 0) or 0),
        "seed": int(values.get("Seed", 0) or 0),
        "subseed": int(values.get("Subseed", 0) or 0),
        "subseed_strength": float(values.get("Subseed Strength", 0) or 0),
        "cfgscale": float(values.get("CFG Scale", 0) or 0),
        "sampler": str(values.get("Sampler", "")),
        "width": int(values.get("Width", 0) or 0),
        "height": int(values.get("Height", 0) or 0),
        "lora": loras,
        "lora_strength": strengths,
        "generator_version": GeneratorVersion.WORKFLOWS,
        "workflow_template_name": template.name,
        "workflow_run_parameters": run_parameters,
    }


def workflow_enqueue(*, owner, req: WorkflowRequest) -> GenerationJob:
    """Validate ``req`` and queue one run of its template: the Items and the job in one transaction.

    The caller has passed the API2 gate (signed in, PRO tier above 0). Raises
    a 400 naming the parameter for every validation failure, the engine's 429
    at the concurrency limit, 404 for a folder not the caller's.
    """
    abuse_assert_can_generate(user=owner)
    template = selectors.template_get_for_run(name=req.template_name)
    model = GenerationModel.objects.filter(name=template.model_name, is_active=True).first()
    if model is None:
        raise InvalidParameter(
            "workflowTemplateName", f"names template '{template.name}', which cannot run now"
        )
    definitions = list(template.parameters)
    given = merge(parameters=req.parameters, explicit=req.explicit)
    resolved = resolve(
        template_name=template.name,
        definitions=definitions,
        given=given,
        file_groups=selectors.file_groups_map(),
    )
    values = dict(resolved.values)
    raw_prompt = str(values.get("Positive Prompt", ""))
    raw_negprompt = str(values.get("Negative Prompt", ""))
    ignored: list[str] = []
    if "Positive Prompt" in values:
        values["Positive Prompt"], ignored = engine.prompt_filter(prompt=raw_prompt)
    if "Negative Prompt" in values:
        values["Negative Prompt"], _ = engine.prompt_filter(prompt=raw_negprompt)
    resolved = Resolved(values=values)
    batch_size = int(values.get(BATCH_SIZE, 1))
    if not 1 <= batch_size <= template.max_batch_size:
        raise InvalidParameter(
            BATCH_SIZE, f"must be between 1 and {template.max_batch_size} for this template"
        )
    graph = substitute(template.workflow, markers_of(definitions, resolved))
    run_parameters = resolved.run_parameters()
    folder = folder_get_owned(user=owner, ref=req.folder) if req.folder is not None else None
    tier = user_tier(user=owner)
    priority = PriorityClass.PRO if tier >= 1 else PriorityClass.FREE
    fields = _item_fields(template=template, model=model, values=values, run_parameters=run_parameters)
    with transaction.atomic():
        # Serialize one user's requests so two at once cannot both pass the limit.
        type(owner).objects.select_for_update().filter(pk=owner.pk).first()
        engine._assert_concurrency(model=model, user=owner, tier=tier)
        # A workflow run takes its fair-queue turn as generateImage's jobs do (same queues).
        turn = engine.next_turn(model=model, user=owner, priority=priority)
        batch_id = uuid.uuid4()
        items = [
            item_create(
                owner=owner,
                content=engine.PLACEHOLDER_PNG,
                filename="queued.png",
                folder=folder,
                batch_id=batch_id,
                prompt=values.get("Positive Prompt", ""),
                negprompt=values.get("Negative Prompt", ""),
                **fields,
            )
            for _ in range(batch_size)
        ]
        job = GenerationJob.objects.create(
            item=items[0],
            user=owner,
            model=model,
            queue_name=queue_name(model_name=model.name, priority=priority),
            priority=priority,
            turn=turn,
            raw_prompt=raw_prompt,
            prompt=values.get("Positive Prompt", ""),
            raw_negprompt=raw_negprompt,
            negprompt=values.get("Negative Prompt", ""),
            ignored_words=ignored,
            parameters={
                "steps": fields["steps"],
                "seed": fields["seed"],
                "width": fields["width"],
                "height": fields["height"],
                "batch_size": batch_size,
            },
            workflow_template=template,
            workflow_id=uuid.uuid4(),
            workflow_run_parameters=run_parameters,
            workflow_graph=graph,
        )
        job.items.add(*items)
        engine._event(
            job, JobStatus.QUEUED, f"workflow {template.name} v{template.version}, {batch_size} item(s)"
        )
        transaction.on_commit(lambda: engine._enqueue(job.pk))
    return job


# ---------------------------------------------------------------- executing a claimed run


def workflow_job_execute(*, job: GenerationJob, worker: str, progress: Progress) -> str:
    """Run the claimed workflow job ``job`` (held by ``worker``) on its back end; returns its final status.

    Called by ``generation.services.job_run`` inside the job's domain, after the claim and the
    ``running`` event, with the engine's ``progress`` callback (it renews the lease and raises
    ``RunCancelled`` once the job is no longer the worker's). The back end is the template's, else
    its model's, else ``AIMG_GENERATION_BACKEND``: ``comfyui`` submits the substituted graph itself,
    one prompt per run under the job's id (a redelivered job finds its earlier submission); ``local``
    reads it (``generation.workflows.local``). Transient failures go back to the queue with backoff
    (the engine's retry); permanent ones fail the job with a message the user reads.
    """
    graph = job.workflow_graph or {}
    template = job.workflow_template
    try:
        backend = backends.backend_name((template.backend if template else "") or job.model.backend)
        if backend == "comfyui":
            from generation.backends import comfyui

            outputs = comfyui.run_graph(graph, prompt_id=job.pk, progress=progress)
        else:
            outputs = local.execute(graph=graph, model=job.model.name, on_step=lambda s, n: progress(s / n))
    except RunCancelled:
        return "lost"
    except TransientBackendError as exc:
        return engine._job_retry(job=job, worker=worker, message=str(exc))
    except PermanentBackendError as exc:
        return engine._job_fail(job=job, worker=worker, message=str(exc))
    except local.UnrunnableWorkflow as exc:
        return engine._job_fail(
            job=job, worker=worker, message=f"The workflow cannot run on this server: {exc}."
        )
    except Exception as exc:
        logger.exception("workflow job %s failed", job.pk)
        return engine._job_fail(job=job, worker=worker, message=f"The workflow failed: {exc}")
    return workflow_job_complete(job=job, worker=worker, outputs=outputs)


def _main_outputs(job: GenerationJob, outputs: list[OutputFile]) -> list[OutputFile]:
    """The files that become the run's Items: its videos for a video template, else its images."""
    kind = "video/" if job.workflow_template and job.workflow_template.kind == MediaKind.VIDEO else "image/"
    return [output for output in outputs if output.mime_type.startswith(kind)]


def _size(output: OutputFile) -> tuple[int, int]:
    if output.mime_type.startswith("video/"):
        width, height, _ = video.video_facts(output.content)
        return width, height
    with Image.open(io.BytesIO(output.content)) as image:
        return image.size


def _delete_files(storage, names: list[str | None]) -> None:
    for name in names:
        if name:
            try:
                storage.delete(name)
            except Exception:
                logger.warning("could not delete %s", name, exc_info=True)


def workflow_job_complete(*, job: GenerationJob, worker: str, outputs: list[OutputFile]) -> str:
    """Store main output ``i`` on the run's ``i``-th Item and mark the job completed, if ``worker`` still
    holds it. A run with fewer main outputs than Items fails (nothing is half-stored); files written for
    a run that was lost meanwhile are deleted again."""
    items = list(job.items.order_by("created_at", "id"))
    items = [i for i in items if i.pk == job.item_id] + [i for i in items if i.pk != job.item_id]
    mains = _main_outputs(job, outputs)
    if len(mains) < len(items):
        return engine._job_fail(
            job=job,
            worker=worker,
            message=f"The workflow produced {len(mains)} file(s) for {len(items)} item(s).",
        )
    try:
        sizes = [_size(output) for output in mains[: len(items)]]
    except Exception as exc:
        return engine._job_fail(
            job=job, worker=worker, message=f"The workflow's output is not readable: {exc}"
        )
    storage = items[0].media.storage
    old_names = [item.media.name for item in items]
    written: list[str | None] = []
    committed = False
    try:
        for item, output in zip(items, mains, strict=False):
            item.media.save(engine._output_name(output), ContentFile(output.content), save=False)
            written.append(item.media.name)
        frame_names: list[str] = []
        if mains[0].mime_type.startswith("video/"):
            # the first clip's frames, as generateVideo's (GenerationStatus ``frames``)
            pngs = [o.content for o in outputs if o.mime_type.startswith("image/")] or video.frames_from_mp4(
                mains[0].content
            )
            for number, png in enumerate(pngs):
                name = storage.save(f"frames/{secrets.token_hex(16)}-{number}.png", ContentFile(png))
                written.append(name)
                frame_names.append(name)
        now = timezone.now()
        with transaction.atomic():
            done = GenerationJob.all_domains.filter(
                pk=job.pk, status=JobStatus.RUNNING, lease_owner=worker
            ).update(
                status=JobStatus.COMPLETED,
                finished_at=now,
                progress=1.0,
                lease_expires_at=None,
                frames=frame_names,
            )
            if not done:
                return "lost"
            for item, (width, height) in zip(items, sizes, strict=True):
                Item.all_domains.filter(pk=item.pk).update(
                    media=item.media.name, width=width, height=height, completed_at=now, folder_added_at=now
                )
            engine._event(job, JobStatus.COMPLETED, f"{len(items)} output file(s)")
            committed = True
            transaction.on_commit(lambda: _delete_files(storage, old_names))
    finally:
        if not committed:
            _delete_files(storage, written)
    return JobStatus.COMPLETED
