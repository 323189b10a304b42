"""Writes of the generation engine: accepting a request, claiming and running a job.

``generation_request`` validates against the model's limits, filters the
prompt, and in ONE transaction creates the Item and the ``GenerationJob``
(plus its ``queued`` event); only after commit does the job's id go to Celery.
``job_run`` claims a job with a conditional update (queued → running, with a
lease), renders it, stores the file on the Item and marks it completed; a job
another worker holds, or one already finished, is left alone.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import secrets
import uuid
from dataclasses import dataclass

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from PIL import Image

from accounts.users.abuse import abuse_assert_can_generate
from aimg_site.api.errors import ErrorCode
from aimg_site.api.exceptions import Forbidden, InvalidParameter, NotAuthenticated, RateLimited
from aimg_site.core.models import Domain
from aimg_site.core.scoping import domain_context
from billing.entitlements import user_tier
from library.folders.ids import FolderRef
from library.folders.selectors import folder_get_owned
from library.items.services import item_create
from library.models import Item, MediaKind

from .backends import local
from .models import (
    ACTIVE_STATUSES,
    FilteredWord,
    GenerationEvent,
    GenerationJob,
    GenerationModel,
    JobStatus,
    PriorityClass,
)
from .queues import queue_name

#: The reference's bounds on ``cfgscale``, whatever a model allows.
CFG_SCALE_RANGE = (1.0, 12.0)
MAX_SEED = 2**32 - 1
#: Seconds a 429 for the concurrency limit suggests waiting.
CONCURRENCY_RETRY_AFTER = 10


def _placeholder_png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (1, 1), (128, 128, 128)).save(out, format="PNG")
    return out.getvalue()


PLACEHOLDER_PNG = _placeholder_png()


# ---------------------------------------------------------------- prompt filtering


def prompt_filter(*, prompt: str) -> tuple[str, list[str]]:
    """``prompt`` without the domain's filtered words (whole words, any case) and the words removed.

    Whitespace left behind is collapsed; ``ignored`` lists each filtered word once,
    as it appears in the word list, in the order of the list.
    """
    words = list(FilteredWord.objects.values_list("word", flat=True))
    ignored: list[str] = []
    for word in words:
        pattern = re.compile(rf"(?<!\w){re.escape(word)}(?!\w)", re.IGNORECASE)
        prompt, n = pattern.subn("", prompt)
        if n:
            ignored.append(word)
    if ignored:
        prompt = re.sub(r"\s+", " ", prompt).strip()
        prompt = re.sub(r"\s+([,.;:])", r"\1", prompt)
    return prompt, ignored


# ---------------------------------------------------------------- accepting a request


@dataclass
class ImageRequest:
    """A validated ``generateImage`` body (the serializer's output)."""

    prompt: str
    negprompt: str = ""
    model_name: str = "f222"
    steps: int | None = None
    seed: int | None = None
    subseed: int = 0
    subseed_strength: float = 0.0
    width: int | None = None
    height: int | None = None
    sampler: str | None = None
    cfgscale: float | None = None
    restore_faces: bool = False
    folder: FolderRef | None = None


def _model_get(*, name: str, kind: str) -> GenerationModel:
    model = GenerationModel.objects.filter(name=name, is_active=True).first()
    if model is None:
        raise InvalidParameter("modelName", "names no model of this site")
    if model.kind != kind:
        endpoint = "generateVideo" if model.kind == MediaKind.VIDEO else "generateImage"
        raise InvalidParameter("modelName", f"is a {model.kind} model: use {endpoint}")
    return model


def _assert_access(*, model: GenerationModel, user, signed_in: bool, tier: int) -> None:
    if model.registration_wall and not signed_in:
        raise NotAuthenticated(
            f"Model '{model.name}' needs an account: sign up or sign in to use it.",
            error_code=ErrorCode.GENERATION_REGISTRATION_WALL,
        )
    if tier < model.min_tier:
        raise Forbidden(
            f"Model '{model.name}' needs PRO tier {model.min_tier} or higher.",
            error_code=ErrorCode.GENERATION_TIER_TOO_LOW,
        )


def _parameters(*, model: GenerationModel, req: ImageRequest) -> dict:
    """The generation parameters with the model's defaults, each checked against its limits (400 naming it)."""
    steps = req.steps if req.steps is not None else model.default_steps
    if not model.min_steps <= steps <= model.max_steps:
        raise InvalidParameter(
            "steps", f"must be between {model.min_steps} and {model.max_steps} for this model"
        )
    width = req.width if req.width is not None else model.default_width
    height = req.height if req.height is not None else model.default_height
    if model.allowed_widths and width not in model.allowed_widths:
        raise InvalidParameter("width", f"must be one of {', '.join(map(str, model.allowed_widths))}")
    if model.allowed_heights and height not in model.allowed_heights:
        raise InvalidParameter("height", f"must be one of {', '.join(map(str, model.allowed_heights))}")
    if width * height > model.max_resolution:
        raise InvalidParameter(
            "width", f"x height must be at most {model.max_resolution} pixels (maxResolution) for this model"
        )
    sampler = req.sampler if req.sampler is not None else model.default_sampler
    if model.allowed_samplers and sampler not in model.allowed_samplers:
        raise InvalidParameter("sampler", f"must be one of {', '.join(model.allowed_samplers)}")
    cfgscale = float(req.cfgscale) if req.cfgscale is not None else float(model.default_cfg_scale)
    low = max(CFG_SCALE_RANGE[0], model.min_cfg_scale)
    high = min(CFG_SCALE_RANGE[1], model.max_cfg_scale)
    if not low <= cfgscale <= high:
        raise InvalidParameter("cfgscale", f"must be between {low:g} and {high:g}")
    seed = req.seed if req.seed is not None else secrets.randbelow(MAX_SEED + 1)
    return {
        "steps": steps,
        "width": width,
        "height": height,
        "sampler": sampler,
        "cfgscale": cfgscale,
        "seed": seed,
        "subseed": req.subseed,
        "subseed_strength": req.subseed_strength,
        "restore_faces": req.restore_faces,
    }


def _assert_concurrency(*, model: GenerationModel, user, tier: int) -> None:
    limit = model.concurrent_limit(tier)
    active = GenerationJob.objects.filter(user=user, model=model, status__in=ACTIVE_STATUSES).count()
    if active >= limit:
        raise RateLimited(
            f"You already have {active} generation(s) with '{model.name}' queued or running; "
            f"your tier allows {limit} at a time (tier{min(tier, 2)}Concurrent).",
            retry_after=CONCURRENCY_RETRY_AFTER,
            error_code=ErrorCode.GENERATION_CONCURRENCY_LIMIT,
        )


def _event(job: GenerationJob, status: str, message: str = "") -> None:
    GenerationEvent.objects.create(job=job, status=status, attempt=job.attempt, message=message)


def generation_request(*, owner, signed_in: bool, req: ImageRequest) -> GenerationJob:
    """Validate ``req`` for ``owner`` and queue it: the Item and the job in one transaction.

    ``signed_in`` is False for guests (the registration wall). Raises the
    API's 4xx errors naming the rule. The Celery task is sent only after the
    transaction commits, with the job's id.
    """
    abuse_assert_can_generate(user=owner)
    model = _model_get(name=req.model_name, kind=MediaKind.IMAGE)
    tier = user_tier(user=owner)
    _assert_access(model=model, user=owner, signed_in=signed_in, tier=tier)
    params = _parameters(model=model, req=req)
    folder = folder_get_owned(user=owner, ref=req.folder) if req.folder is not None else None
    prompt, ignored = prompt_filter(prompt=req.prompt)
    negprompt, _ = prompt_filter(prompt=req.negprompt)
    priority = PriorityClass.PRO if tier >= 1 else PriorityClass.FREE
    with transaction.atomic():
        # Serialize one user's requests so two at once cannot both pass the limit.
        type(owner).objects.select_for_update().filter(pk=owner.pk).first()
        _assert_concurrency(model=model, user=owner, tier=tier)
        item = item_create(
            owner=owner,
            content=PLACEHOLDER_PNG,
            filename="queued.png",
            folder=folder,
            batch_id=uuid.uuid4(),
            mtype=MediaKind.IMAGE,
            media_type=model.media_type,
            prompt=prompt,
            negprompt=negprompt,
            model_id=model.name,
            model_name=model.label,
            steps=params["steps"],
            seed=params["seed"],
            subseed=params["subseed"],
            subseed_strength=params["subseed_strength"],
            sampler=params["sampler"],
            cfgscale=params["cfgscale"],
            restore_faces=params["restore_faces"],
            width=params["width"],
            height=params["height"],
        )
        job = GenerationJob.objects.create(
            item=item,
            user=owner,
            model=model,
            queue_name=queue_name(model_name=model.name, priority=priority),
            priority=priority,
            raw_prompt=req.prompt,
            prompt=prompt,
            raw_negprompt=req.negprompt,
            negprompt=negprompt,
            ignored_words=ignored,
            parameters=params,
        )
        job.items.add(item)
        _event(job, JobStatus.QUEUED)
        transaction.on_commit(lambda: _enqueue(job.pk))
    return job


def _enqueue(job_id: uuid.UUID) -> None:
    from .tasks import run_generation

    run_generation.delay(str(job_id))


# ---------------------------------------------------------------- running a job


def _lease_until() -> dt.datetime:
    return timezone.now() + dt.timedelta(seconds=settings.AIMG_GENERATION_LEASE_SECONDS)


def job_claim(*, job_id: uuid.UUID, worker: str) -> bool:
    """Take ``job_id`` (queued → running) with a lease for ``worker``; False when it is not queued.

    One conditional UPDATE: of N workers given the same job, exactly one wins.
    """
    now = timezone.now()
    claimed = GenerationJob.all_domains.filter(pk=job_id, status=JobStatus.QUEUED).update(
        status=JobStatus.RUNNING,
        lease_owner=worker,
        lease_expires_at=_lease_until(),
        started_at=now,
        attempt=F("attempt") + 1,
        progress=0.0,
    )
    return claimed == 1


def job_claim_next(*, model_id: int, worker: str) -> uuid.UUID | None:
    """Claim the model's next queued job in queue order (Pro first, fair turns); ``None`` when none is left.

    The bound domain's queue. Candidates another worker took first are passed over.
    """
    from .selectors import queue_order

    for _ in range(3):
        candidates = list(queue_order(model_id=model_id).values_list("id", flat=True)[:10])
        if not candidates:
            return None
        for candidate in candidates:
            if job_claim(job_id=candidate, worker=worker):
                return candidate
    return None


def job_run(*, job_id: uuid.UUID, worker: str) -> str:
    """Run the next job of ``job_id``'s model queue to its end; returns its final status.

    Every queued job sends one message, and each message runs one job: the
    queue's head under ``queue_order``, which is not always ``job_id`` (a Pro
    job queued later goes first). So the broker's FIFO order never decides
    who starts first; the database does. ``"skipped"`` when nothing is
    queued any more (the job was claimed, finished, or deleted).
    """
    hint = GenerationJob.all_domains.filter(pk=job_id).values("model_id", "domain_id").first()
    if hint is None:
        return "skipped"
    domain = Domain.objects.get(pk=hint["domain_id"])
    with domain_context(domain):
        claimed = job_claim_next(model_id=hint["model_id"], worker=worker)
    if claimed is None:
        return "skipped"
    job_id = claimed
    job = GenerationJob.all_domains.select_related("item", "model", "domain").get(pk=job_id)
    with domain_context(job.domain):
        _event(job, JobStatus.RUNNING, f"worker {worker}")
        if job.workflow_template_id is not None:
            # API2 workflow runs: generation.workflows executes the substituted graph.
            from .workflows.services import workflow_job_execute

            return workflow_job_execute(job=job, worker=worker)
        params = job.parameters

        def on_step(step: int, steps: int) -> None:
            held = GenerationJob.all_domains.filter(
                pk=job_id, status=JobStatus.RUNNING, lease_owner=worker
            ).update(progress=step / steps, lease_expires_at=_lease_until())
            if not held:
                raise JobCancelled()

        try:
            png = local.render_image(
                prompt=job.prompt,
                seed=params["seed"],
                model=job.model.name,
                width=params["width"],
                height=params["height"],
                steps=params["steps"],
                parameters={
                    "prompt": job.prompt,
                    "negprompt": job.negprompt,
                    "model": job.model.name,
                    **params,
                },
                on_step=on_step,
            )
        except JobCancelled:
            return "lost"
        except Exception as exc:  # the local renderer has no transient failures
            return _job_fail(job=job, worker=worker, message=f"The image could not be rendered: {exc}")
        return _job_complete(job=job, worker=worker, png=png)


def _job_complete(*, job: GenerationJob, worker: str, png: bytes) -> str:
    """Store the output on the Item and mark the job completed, only if ``worker`` still holds it."""
    item = job.item
    old_name = item.media.name
    item.media.save("generated.png", ContentFile(png), save=False)
    now = timezone.now()
    with transaction.atomic():
        done = GenerationJob.all_domains.filter(
            pk=job.pk, status=JobStatus.RUNNING, lease_owner=worker
        ).update(status=JobStatus.COMPLETED, finished_at=now, progress=1.0, lease_expires_at=None)
        if not done:
            new_name = item.media.name or ""
            storage = item.media.storage
            transaction.on_commit(lambda: storage.delete(new_name))
            return "lost"
        Item.all_domains.filter(pk=item.pk).update(
            media=item.media.name, completed_at=now, folder_added_at=now
        )
        job.attempt = GenerationJob.all_domains.values_list("attempt", flat=True).get(pk=job.pk)
        _event(job, JobStatus.COMPLETED)
        if old_name:
            old_storage = item.media.storage
            transaction.on_commit(lambda: old_storage.delete(old_name))
    return JobStatus.COMPLETED


def _job_fail(*, job: GenerationJob, worker: str, message: str) -> str:
    """Mark ``worker``'s running job failed with a message the user can read."""
    with transaction.atomic():
        done = GenerationJob.all_domains.filter(
            pk=job.pk, status=JobStatus.RUNNING, lease_owner=worker
        ).update(
            status=JobStatus.FAILED, finished_at=timezone.now(), error_message=message, lease_expires_at=None
        )
        if not done:
            return "lost"
        job.attempt = GenerationJob.all_domains.values_list("attempt", flat=True).get(pk=job.pk)
        _event(job, JobStatus.FAILED, message)
    return JobStatus.FAILED


class JobCancelled(Exception):
    """Raised inside a running render when its job was cancelled (the lease renewal found no row)."""


def job_cancel(*, job: GenerationJob) -> bool:
    """Cancel a queued or running job; False when it had already finished.

    One conditional update: a worker that still runs it finds its lease gone at
    the next step, stops, and writes nothing (its completion is conditional on
    ``status=running``).
    """
    with transaction.atomic():
        done = GenerationJob.objects.filter(pk=job.pk, status__in=ACTIVE_STATUSES).update(
            status=JobStatus.CANCELLED, finished_at=timezone.now(), lease_expires_at=None
        )
        if not done:
            return False
        job.refresh_from_db()
        _event(job, JobStatus.CANCELLED)
    return True
