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
import functools
import io
import logging
import mimetypes
import random
import re
import secrets
import uuid
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from PIL import Image

from accounts.users.abuse import abuse_assert_can_generate
from aimg_site.api.errors import ErrorCode
from aimg_site.api.exceptions import Forbidden, InvalidParameter, NotAuthenticated, RateLimited
from aimg_site.core.models import Domain
from aimg_site.core.scoping import domain_context
from aimg_site.core.selectors import domains_by_name
from billing.entitlements import user_tier
from library.folders.ids import FolderRef
from library.folders.selectors import folder_get_owned
from library.items.services import item_create
from library.models import Folder, Item, MediaKind

from . import backends, queues
from .backends import OutputFile, PermanentBackendError, RenderRequest, RunCancelled, TransientBackendError
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

logger = logging.getLogger(__name__)

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


def prompt_filter(*, prompt: str, words: list[str] | None = None) -> tuple[str, list[str]]:
    """``prompt`` without the domain's filtered words (whole words, any case) and the words removed.

    Whitespace left behind is collapsed; ``ignored`` lists each filtered word once,
    as it appears in the word list, in the order of the list. ``words``: the
    domain's list when the caller already read it.
    """
    if words is None:
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
    #: ``image`` (generateImage) or ``video`` (generateVideo): which models the request may name.
    kind: str = MediaKind.IMAGE
    #: generateVideo's ``input`` and ``controlNetPreset`` (the reference leaves them undefined):
    #: stored with the parameters, not used by the renderers.
    extra: dict | None = None


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
    video = {"frames": model.frame_count, "fps": model.fps} if model.kind == MediaKind.VIDEO else {}
    return {
        **video,
        **(req.extra or {}),
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


def next_turn(*, model: GenerationModel, user, priority: int) -> int:
    """The fair-queue turn of a new job: after the user's last active job of the class, never before the head.

    ``max(user's highest queued-or-running turn + 1, the turn of the class's
    first queued job)``: a newcomer joins the current round (behind at most
    one job of each user already in it), a user with many jobs takes one per
    round. The caller holds the user's row lock, so one user's turns never tie.
    """
    mine = (
        GenerationJob.objects.filter(user=user, model=model, priority=priority, status__in=ACTIVE_STATUSES)
        .order_by("-turn")
        .values_list("turn", flat=True)
        .first()
    )
    head = (
        GenerationJob.objects.filter(model=model, priority=priority, status=JobStatus.QUEUED)
        .order_by("turn")
        .values_list("turn", flat=True)
        .first()
    )
    return max((mine or 0) + 1, head or 0)


def _event(job: GenerationJob, status: str, message: str = "") -> None:
    GenerationEvent.objects.create(job=job, status=status, attempt=job.attempt, message=message)


def generation_request(*, owner, signed_in: bool, req: ImageRequest) -> GenerationJob:
    """Validate ``req`` for ``owner`` and queue it: the Item and the job in one transaction.

    The Item exists at once (the library lists it with a placeholder file until
    the job completes); ``req.kind`` says whether image or video models apply.

    ``signed_in`` is False for guests (the registration wall). Raises the
    API's 4xx errors naming the rule. The Celery task is sent only after the
    transaction commits, with the job's id.
    """
    abuse_assert_can_generate(user=owner)
    model = _model_get(name=req.model_name, kind=req.kind)
    tier = user_tier(user=owner)
    _assert_access(model=model, user=owner, signed_in=signed_in, tier=tier)
    params = _parameters(model=model, req=req)
    folder = folder_get_owned(user=owner, ref=req.folder) if req.folder is not None else None
    words = list(FilteredWord.objects.values_list("word", flat=True))
    prompt, ignored = prompt_filter(prompt=req.prompt, words=words)
    negprompt, _ = prompt_filter(prompt=req.negprompt, words=words) if req.negprompt else ("", [])
    priority = PriorityClass.PRO if tier >= 1 else PriorityClass.FREE
    with transaction.atomic():
        # Serialize one user's requests so two at once cannot both pass the limit.
        type(owner).objects.select_for_update().filter(pk=owner.pk).first()
        _assert_concurrency(model=model, user=owner, tier=tier)
        turn = next_turn(model=model, user=owner, priority=priority)
        item = item_create(
            owner=owner,
            content=PLACEHOLDER_PNG,
            filename="queued.png",
            folder=folder,
            batch_id=uuid.uuid4(),
            mtype=model.kind,
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
            turn=turn,
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


def _enqueue(job_id: uuid.UUID, countdown: float | None = None) -> None:
    """Send the job's message (after ``countdown`` seconds for a retry).

    Eager Celery (tests, ``AIMG_CELERY_EAGER``) cannot wait: a delayed message
    is not sent there, and ``jobs_reclaim`` re-sends it once it is overdue.
    """
    from .tasks import run_generation

    # Every (re)queue path ends here after its commit. The message goes first (a worker may start
    # at once), then the queue-order index learns of the job: ``index_sync_jobs`` adds it only
    # while its row is still queued, whichever of the two the worker's claim falls between.
    if countdown:
        if not run_generation.app.conf.task_always_eager:
            run_generation.apply_async((str(job_id),), countdown=countdown)
    else:
        run_generation.delay(str(job_id))
    queues.index_sync_jobs([job_id])


# ---------------------------------------------------------------- running a job


def _lease_until() -> dt.datetime:
    return timezone.now() + dt.timedelta(seconds=settings.AIMG_GENERATION_LEASE_SECONDS)


def job_claim(*, job_id: uuid.UUID, worker: str, entry: queues.QueueEntry | None = None) -> bool:
    """Take ``job_id`` (queued → running) with a lease for ``worker``; False when it is not claimable.

    One conditional UPDATE: of N workers given the same job, exactly one wins.
    A job waiting out a retry backoff (``available_at`` in the future) is not claimable.
    The winner takes the job out of the queue-order index (``entry``: its
    queue-order fields, read again when not given).
    """
    now = timezone.now()
    claimed = (
        GenerationJob.all_domains.filter(pk=job_id, status=JobStatus.QUEUED)
        .filter(Q(available_at__isnull=True) | Q(available_at__lte=now))
        .update(
            status=JobStatus.RUNNING,
            lease_owner=worker,
            lease_expires_at=_lease_until(),
            started_at=now,
            attempt=F("attempt") + 1,
            progress=0.0,
        )
    )
    if claimed != 1:
        return False
    if queues.index_enabled():
        if entry is None:
            row = GenerationJob.all_domains.filter(pk=job_id).values_list(*_ENTRY_FIELDS).first()
            entry = queues.QueueEntry(*row) if row else None
        if entry is not None:
            # At once, not on commit: a member missing for a job that is still queued (the claim rolled
            # back) is seen and repaired by the next reader; a member left behind would not be.
            queues.index_remove([entry])
    return True


_ENTRY_FIELDS = ("pk", "model_id", "priority", "turn", "queued_at")


def job_claim_next(*, model_id: int, worker: str) -> uuid.UUID | None:
    """Claim the model's next queued job in queue order (Pro first, fair turns); ``None`` when none is left.

    The bound domain's queue. Candidates another worker took first are passed over.
    """
    from .selectors import queue_order

    for _ in range(3):
        candidates = list(queue_order(model_id=model_id).values_list(*_ENTRY_FIELDS)[:10])
        if not candidates:
            return None
        for row in candidates:
            if job_claim(job_id=row[0], worker=worker, entry=queues.QueueEntry(*row)):
                return row[0]
    return None


def _reschedule_deferred(*, model_id: int) -> None:
    """A message found nothing to claim while retried jobs wait out their backoff: come back then.

    Every queued job must keep a message on its way; a retry's delayed message
    may be taken by another job first, so the one that finds nothing left
    re-sends itself for the earliest waiting job.
    """
    earliest = (
        GenerationJob.objects.filter(
            model_id=model_id, status=JobStatus.QUEUED, available_at__gt=timezone.now()
        )
        .order_by("available_at")
        .values_list("pk", "available_at")
        .first()
    )
    if earliest is not None:
        wait = max(0.0, (earliest[1] - timezone.now()).total_seconds()) + 0.05
        _enqueue(earliest[0], countdown=wait)


def _render_request(job: GenerationJob) -> RenderRequest:
    params = job.parameters
    return RenderRequest(
        job_id=job.pk,
        kind=job.model.kind,
        model=job.model.name,
        workflow_template=job.model.workflow_template,
        prompt=job.prompt,
        negprompt=job.negprompt,
        seed=params["seed"],
        steps=params["steps"],
        width=params["width"],
        height=params["height"],
        sampler=params["sampler"],
        cfgscale=params["cfgscale"],
        frames=params.get("frames", 0),
        fps=params.get("fps", 0),
        parameters={"prompt": job.prompt, "negprompt": job.negprompt, "model": job.model.name, **params},
    )


def job_run(*, job_id: uuid.UUID, worker: str) -> str:
    """Run the next job of ``job_id``'s model queue to its end; returns its final status.

    Every queued job sends one message, and each message runs one job: the
    queue's head under ``queue_order``, which is not always ``job_id`` (a Pro
    job queued later goes first). So the broker's FIFO order never decides
    who starts first; the database does. ``"skipped"`` when nothing is
    claimable any more (the job was claimed, finished, or deleted); ``"lost"``
    when the worker lost the job while running it (cancelled, or its lease
    reclaimed); ``"retrying"`` after a transient back-end failure.
    """
    hint = GenerationJob.all_domains.filter(pk=job_id).values("model_id", "domain_id").first()
    if hint is None:
        return "skipped"
    domain = next((d for d in domains_by_name().values() if d.pk == hint["domain_id"]), None)
    if domain is None:
        domain = Domain.objects.get(pk=hint["domain_id"])
    with domain_context(domain):
        claimed = job_claim_next(model_id=hint["model_id"], worker=worker)
        if claimed is None:
            _reschedule_deferred(model_id=hint["model_id"])
            return "skipped"
    job = GenerationJob.all_domains.select_related("item", "model", "domain").get(pk=claimed)
    with domain_context(job.domain):
        _event(job, JobStatus.RUNNING, f"worker {worker}")  # (the row was read after the claim: its attempt)

        def progress(fraction: float | None) -> None:
            changes: dict = {"lease_expires_at": _lease_until()}
            if fraction is not None:
                changes["progress"] = max(0.0, min(1.0, fraction))
            held = GenerationJob.all_domains.filter(
                pk=job.pk, status=JobStatus.RUNNING, lease_owner=worker
            ).update(**changes)
            if not held:
                raise RunCancelled()

        if job.workflow_template_id is not None:
            # API2 workflow runs: generation.workflows runs the substituted graph on its back end.
            from .workflows.services import workflow_job_execute

            return workflow_job_execute(job=job, worker=worker, progress=progress)
        try:
            outputs = backends.render(_render_request(job), progress=progress, backend=job.model.backend)
            if not outputs:
                raise PermanentBackendError("The back end produced no output.")
        except RunCancelled:
            return "lost"
        except TransientBackendError as exc:
            return _job_retry(job=job, worker=worker, message=str(exc))
        except PermanentBackendError as exc:
            return _job_fail(job=job, worker=worker, message=str(exc))
        except Exception as exc:
            logger.exception("generation job %s failed", job.pk)
            return _job_fail(job=job, worker=worker, message=f"The generation failed: {exc}")
        return _job_complete(job=job, worker=worker, outputs=outputs)


def retry_delay(attempt: int) -> float:
    """Seconds before attempt ``attempt + 1``: exponential (base x 2^(attempt-1)), capped, with full jitter."""
    base = float(settings.AIMG_GENERATION_RETRY_BASE_SECONDS)
    cap = float(settings.AIMG_GENERATION_RETRY_MAX_SECONDS)
    ceiling = min(cap, base * 2 ** max(0, attempt - 1))
    return ceiling / 2 + random.uniform(0, ceiling / 2)


def _job_retry(*, job: GenerationJob, worker: str, message: str) -> str:
    """Put ``worker``'s job back in the queue after a transient failure, or fail it past the attempt limit."""
    limit = settings.AIMG_GENERATION_MAX_ATTEMPTS
    if job.attempt >= limit:
        return _job_fail(
            job=job,
            worker=worker,
            message=f"The generation back end kept failing ({job.attempt} attempts): {message}",
        )
    delay = retry_delay(job.attempt)
    with transaction.atomic():
        done = GenerationJob.all_domains.filter(
            pk=job.pk, status=JobStatus.RUNNING, lease_owner=worker
        ).update(
            status=JobStatus.QUEUED,
            lease_owner="",
            lease_expires_at=None,
            progress=None,
            available_at=timezone.now() + dt.timedelta(seconds=delay),
        )
        if not done:
            return "lost"
        _event(job, "retrying", f"{message} Next attempt in {delay:.1f} s.")
        transaction.on_commit(lambda: _enqueue(job.pk, countdown=delay))
    return "retrying"


def _output_name(output: OutputFile) -> str:
    """The name an output is saved under (the storage makes it random); its extension says its type."""
    ext = Path(output.filename).suffix.lower() or (mimetypes.guess_extension(output.mime_type) or ".bin")
    return f"generated{ext}"


def _delete_quietly(storage, names: list[str]) -> None:
    for name in names:
        try:
            storage.delete(name)
        except Exception:
            logger.warning("could not delete %s", name, exc_info=True)


def _job_complete(*, job: GenerationJob, worker: str, outputs: list[OutputFile]) -> str:
    """Store the outputs on the Item and mark the job completed, only if ``worker`` still holds it.

    Image jobs keep the first image output. Video jobs keep the first video
    output as the Item's file and every image output (or, when there is none,
    the frames decoded from the video) as ``frames``. Width and height are read
    from the files. Files written for a job that was lost meanwhile, or whose
    completion failed, are deleted again.
    """
    from . import video

    item = job.item
    storage = item.media.storage
    old_name = item.media.name
    if job.model.kind == MediaKind.VIDEO:
        main = next((o for o in outputs if o.mime_type.startswith("video/")), None)
        if main is None:
            return _job_fail(job=job, worker=worker, message="The back end produced no video.")
        frame_pngs = [o.content for o in outputs if o.mime_type.startswith("image/")]
        if not frame_pngs:
            frame_pngs = video.frames_from_mp4(main.content)
    else:
        main = next((o for o in outputs if o.mime_type.startswith("image/")), outputs[0])
        frame_pngs = []
    width, height = _media_size(frame_pngs[0] if frame_pngs else main.content, job)
    written: list[str] = []
    committed = False
    try:
        item.media.save(_output_name(main), ContentFile(main.content), save=False)
        written.append(item.media.name or "")
        frame_names: list[str] = []
        for number, png in enumerate(frame_pngs):
            token = secrets.token_hex(16)
            name = storage.save(f"items/frames/{token[:2]}/{token}-{number}.png", ContentFile(png))
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
            Item.all_domains.filter(pk=item.pk).update(
                media=item.media.name, completed_at=now, folder_added_at=now, width=width, height=height
            )
            _event(job, JobStatus.COMPLETED)
            committed = True
            if old_name:
                transaction.on_commit(lambda: _delete_quietly(storage, [old_name]))
    finally:
        if not committed:
            _delete_quietly(storage, written)
    return JobStatus.COMPLETED


def _media_size(content: bytes, job: GenerationJob) -> tuple[int, int]:
    """Width and height of a stored picture (the request's when the file is not one Pillow reads)."""
    try:
        with Image.open(io.BytesIO(content)) as image:
            return image.size
    except Exception:
        return job.parameters["width"], job.parameters["height"]


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
        job_items_withdraw(job_id=job.pk)
    return JobStatus.FAILED


#: Kept for callers of the first slice: a running render stops with this when its job is gone.
JobCancelled = RunCancelled


def job_cancel(*, job: GenerationJob) -> bool:
    """Cancel a queued or running job; False when it had already finished.

    One conditional update: a worker that still runs it finds its lease gone at
    the next progress report, stops (a ComfyUI prompt is deleted or
    interrupted on its server), and writes nothing (its completion is
    conditional on ``status=running``).
    """
    with transaction.atomic():
        done = GenerationJob.objects.filter(pk=job.pk, status__in=ACTIVE_STATUSES).update(
            status=JobStatus.CANCELLED, finished_at=timezone.now(), lease_expires_at=None
        )
        if not done:
            return False
        job.refresh_from_db()
        _event(job, JobStatus.CANCELLED)
        job_items_withdraw(job_id=job.pk)
        queues.index_remove([queues.QueueEntry(job.pk, job.model_id, job.priority, job.turn, job.queued_at)])
    return True


def job_items_withdraw(*, job_id: uuid.UUID) -> int:
    """Take the Item(s) of a failed or cancelled job out of the owner's listings (soft delete).

    They hold only the 1x1 placeholder and will never get a picture: they are
    marked deleted (out of their folder, as the library deletes) while
    ``getItemStatus`` still answers their ``failed``/``cancelled`` status and
    message (docs/decisions.md). Protected items are left alone. Call inside
    the transaction that finishes the job.
    """
    ids = {
        *GenerationJob.items.through.objects.filter(generationjob_id=job_id).values_list(
            "item_id", flat=True
        ),
        *GenerationJob.all_domains.filter(pk=job_id).values_list("item_id", flat=True),
    }
    rows = list(
        Item.all_domains.filter(pk__in=ids, deleted_at__isnull=True, is_protected=False).values_list(
            "pk", "folder_id"
        )
    )
    if not rows:
        return 0
    now = timezone.now()
    count = Item.all_domains.filter(
        pk__in=[pk for pk, _ in rows], deleted_at__isnull=True, is_protected=False
    ).update(deleted_at=now, folder=None)
    folders = {folder for _, folder in rows if folder is not None}
    if folders:
        Folder.all_domains.filter(pk__in=folders).update(updated_at=now)
    return count


# ---------------------------------------------------------------- lease reclaim


def jobs_reclaim(*, now: dt.datetime | None = None) -> int:
    """Queue again every running job whose lease expired (its worker died); returns how many.

    Each is one conditional update (``status=running AND lease_expires_at < now``),
    so two reclaimers never both take a job, and a worker that comes back
    late finds its lease gone and writes nothing. A job past the attempt limit
    fails instead. Every domain's jobs.
    """
    now = now or timezone.now()
    limit = settings.AIMG_GENERATION_MAX_ATTEMPTS
    count = _overdue_retries_resend(now=now)
    queues.index_resync()
    expired = GenerationJob.all_domains.filter(
        status=JobStatus.RUNNING, lease_expires_at__lt=now
    ).values_list("pk", "lease_owner", "attempt")
    for pk, owner, attempt in list(expired[:1000]):
        stale = GenerationJob.all_domains.filter(
            pk=pk, status=JobStatus.RUNNING, lease_owner=owner, lease_expires_at__lt=now
        )
        with transaction.atomic():
            if attempt >= limit:
                message = f"The worker running it stopped ({attempt} attempts); giving up."
                if stale.update(
                    status=JobStatus.FAILED, finished_at=now, error_message=message, lease_expires_at=None
                ):
                    _event_for(pk, JobStatus.FAILED, attempt, message)
                    job_items_withdraw(job_id=pk)
                continue
            if not stale.update(
                status=JobStatus.QUEUED,
                lease_owner="",
                lease_expires_at=None,
                progress=None,
                available_at=None,
            ):
                continue
            _event_for(pk, "retrying", attempt, f"The lease of {owner} expired; queued again.")
            transaction.on_commit(functools.partial(_enqueue, pk))
            count += 1
    return count


def _event_for(job_id: uuid.UUID, status: str, attempt: int, message: str) -> None:
    GenerationEvent.objects.create(job_id=job_id, status=status, attempt=attempt, message=message)


def _overdue_retries_resend(*, now: dt.datetime) -> int:
    """Send a new message for each retried job still queued a lease period after its backoff ended."""
    overdue = now - dt.timedelta(seconds=settings.AIMG_GENERATION_LEASE_SECONDS)
    count = 0
    for pk, at in list(
        GenerationJob.all_domains.filter(status=JobStatus.QUEUED, available_at__lt=overdue).values_list(
            "pk", "available_at"
        )[:1000]
    ):
        if GenerationJob.all_domains.filter(pk=pk, status=JobStatus.QUEUED, available_at=at).update(
            available_at=None
        ):
            transaction.on_commit(functools.partial(_enqueue, pk))
            count += 1
    return count


# ---------------------------------------------------------------- a guest signs up


def jobs_transfer_user(*, from_user, to_user) -> int:
    """Move ``from_user``'s generation jobs to ``to_user``: a guest's to the account it signs in
    to, or a user's to the destination of ``migrateLibrary``.

    Call inside the sign-in transaction, BEFORE the library moves the live
    items: the guest's row lock taken here waits for a ``generateImage`` of
    the guest still in flight (it holds that lock while it checks the limit
    and writes its Item and job), so its job and Item move too. Queued and
    running jobs then count against the account (concurrency limits, the
    owner ``cancelGeneration`` checks, fair turns); a moved queued job's turn
    is pushed behind the account's own active jobs of its model and class, so
    one user still takes one job per round. The Items of failed and cancelled
    jobs (withdrawn from the listings, see ``job_items_withdraw``) move too, so
    the account still reads their status. Jobs keep their priority class.
    Returns how many jobs moved.
    """
    if from_user.pk == to_user.pk:
        return 0
    type(from_user).all_domains.select_for_update().filter(pk=from_user.pk).first()
    jobs = list(
        GenerationJob.all_domains.filter(user_id=from_user.pk)
        .order_by("turn", "queued_at", "id")
        .values_list("pk", "model_id", "priority", "turn", "status")
    )
    if not jobs:
        return 0
    last_turns: dict[tuple[int, int], int] = {}
    for model_id, priority, turn in GenerationJob.all_domains.filter(
        user_id=to_user.pk, status__in=ACTIVE_STATUSES
    ).values_list("model_id", "priority", "turn"):
        last_turns[(model_id, priority)] = max(turn, last_turns.get((model_id, priority), 0))
    moved_queued, renumbered = [], []
    for pk, model_id, priority, turn, status in jobs:
        if status != JobStatus.QUEUED:
            continue
        new_turn = max(turn, last_turns.get((model_id, priority), 0) + 1)
        last_turns[(model_id, priority)] = new_turn
        if new_turn != turn:
            GenerationJob.all_domains.filter(pk=pk).update(turn=new_turn)
            renumbered.append(pk)
        moved_queued.append(pk)
    if renumbered:
        # Out of the index at once (a missing member is repaired by its next reader), back after commit.
        queues.index_remove(
            [
                queues.QueueEntry(*row)
                for row in GenerationJob.all_domains.filter(pk__in=renumbered).values_list(*_ENTRY_FIELDS)
            ]
        )
    GenerationJob.all_domains.filter(user_id=from_user.pk).update(user_id=to_user.pk)
    finished = [pk for pk, *_, status in jobs if status in (JobStatus.FAILED, JobStatus.CANCELLED)]
    if finished:
        withdrawn = {
            *GenerationJob.items.through.objects.filter(generationjob_id__in=finished).values_list(
                "item_id", flat=True
            ),
            *GenerationJob.all_domains.filter(pk__in=finished).values_list("item_id", flat=True),
        }
        Item.all_domains.filter(pk__in=withdrawn, owner_id=from_user.pk, deleted_at__isnull=False).update(
            owner_id=to_user.pk
        )
    if moved_queued:
        transaction.on_commit(functools.partial(queues.index_sync_jobs, moved_queued))
    return len(jobs)
