"""The generation engine's tables: the model catalog, sample prompts, filtered words, jobs and their events.

The database is the source of truth for a generation: a ``GenerationJob`` row
is written together with its Item(s) in one transaction, Celery only carries
the job's id, and status, queue position and history are read from these rows.
Catalog rows (``GenerationModel``, ``SamplePrompt``) are loaded per domain by
``python manage.py load_catalog`` from the files in ``generation/catalog/`` and
are editable afterwards in the Django admin.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from aimg_site.core.scoping import DomainScopedModel
from library.models import MediaKind, MediaType


class GenerationModel(DomainScopedModel):
    """An AI generation Model as ``getModels`` shows it (the reference's Model type), one row per domain.

    ``name`` is the wire ``modelID`` (``f222``), ``label`` the human-readable
    ``name``. ``kind`` says whether ``generateImage`` or ``generateVideo``
    accepts it. ``ordering`` is the order ``getModels`` returns (front ends
    show models in that order). ``workflow_template`` names the ComfyUI
    API-format workflow the ``comfyui`` back end submits.
    """

    name = models.CharField(max_length=100, help_text="The wire modelID, e.g. f222.")
    label = models.CharField(max_length=200, help_text="The human-readable name.")
    description = models.TextField(blank=True, default="")
    kind = models.CharField(max_length=10, choices=MediaKind.choices, default=MediaKind.IMAGE)
    media_type = models.CharField(max_length=20, choices=MediaType.choices, default=MediaType.STATIC_IMAGE)
    min_tier = models.PositiveSmallIntegerField(default=0)
    registration_wall = models.BooleanField(default=False)
    tier0_concurrent = models.PositiveSmallIntegerField(default=1)
    tier1_concurrent = models.PositiveSmallIntegerField(default=2)
    tier2_concurrent = models.PositiveSmallIntegerField(default=4)
    positive_tokens = models.JSONField(default=list, blank=True)
    negative_tokens = models.JSONField(default=list, blank=True)
    sample_images = models.JSONField(default=list, blank=True, help_text='[{"imageID": ..., "url": ...}]')
    min_steps = models.PositiveSmallIntegerField(default=1)
    max_steps = models.PositiveSmallIntegerField(default=50)
    default_steps = models.PositiveSmallIntegerField(default=20)
    allowed_widths = models.JSONField(default=list)
    allowed_heights = models.JSONField(default=list)
    max_resolution = models.PositiveIntegerField(default=1024 * 1024)
    default_width = models.PositiveIntegerField(default=512)
    default_height = models.PositiveIntegerField(default=512)
    allowed_samplers = models.JSONField(default=list)
    default_sampler = models.CharField(max_length=100, default="DPM++ 2M Karras")
    min_cfg_scale = models.FloatField(default=1)
    max_cfg_scale = models.FloatField(default=12)
    default_cfg_scale = models.FloatField(default=7)
    supports_variations = models.BooleanField(default=False)
    default_face_fix = models.BooleanField(default=False)
    wiki_url = models.URLField(blank=True, default="")
    workflow_template = models.CharField(max_length=200, blank=True, default="")
    backend = models.CharField(
        max_length=20,
        blank=True,
        default="",
        choices=[("local", "local"), ("comfyui", "comfyui")],
        help_text="The back end that renders this model; blank: the AIMG_GENERATION_BACKEND setting.",
    )
    frame_count = models.PositiveSmallIntegerField(default=16, help_text="Frames of a video model's clips.")
    fps = models.PositiveSmallIntegerField(default=8, help_text="Frames per second of a video model's clips.")
    ordering = models.IntegerField(default=0)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["ordering", "name"]
        constraints = [
            models.UniqueConstraint(fields=["domain", "name"], name="generation_model_name_unique"),
        ]

    def __str__(self) -> str:
        return self.name

    def concurrent_limit(self, tier: int) -> int:
        """How many queued or running jobs a user of PRO ``tier`` may have with this model."""
        if tier >= 2:
            return self.tier2_concurrent
        if tier == 1:
            return self.tier1_concurrent
        return self.tier0_concurrent


class SamplePrompt(DomainScopedModel):
    """A sample prompt ``getSamplePrompts`` offers (the reference's Prompt type).

    ``key`` identifies a catalog row across ``load_catalog`` runs; ``user`` is
    the author when a user wrote it (``userID`` on the wire).
    """

    key = models.CharField(max_length=100)
    positive_prompt = models.TextField()
    negative_prompt = models.TextField(blank=True, default="")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    ordering = models.IntegerField(default=0)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["ordering", "id"]
        constraints = [
            models.UniqueConstraint(fields=["domain", "key"], name="generation_sampleprompt_key_unique"),
        ]

    def __str__(self) -> str:
        return self.positive_prompt[:60]


class FilteredWord(DomainScopedModel):
    """A word removed from prompts of this domain before generating (returned in ``ignoredWords``).

    Managed by staff in the Django admin; matched case-insensitively as a whole word.
    """

    word = models.CharField(max_length=100)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["word"]
        constraints = [
            models.UniqueConstraint(fields=["domain", "word"], name="generation_filteredword_unique"),
        ]

    def __str__(self) -> str:
        return self.word


class JobStatus(models.TextChoices):
    """``status`` of GenerationStatus: a job's life is queued → running → completed | failed | cancelled."""

    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    COMPLETED = "completed", "Completed"
    FAILED = "failed", "Failed"
    CANCELLED = "cancelled", "Cancelled"


ACTIVE_STATUSES = (JobStatus.QUEUED, JobStatus.RUNNING)


class PriorityClass(models.IntegerChoices):
    """Pro jobs (``p1``) start before free ones (``p0``) queued earlier."""

    FREE = 0, "Free"
    PRO = 1, "Pro"


class GenerationJob(DomainScopedModel):
    """One generation request: its Item(s), parameters, and where it stands.

    Written in the same transaction as its Item(s); a worker claims it with a
    conditional update (``queued`` → ``running``) that sets ``lease_owner``
    and ``lease_expires_at``, renews the lease while working, and a job whose
    lease expired is taken up again. ``queue_name`` is the reference's queue
    (``<model>-p0-...`` / ``<model>-p1-...``); ``raw_prompt`` is what the user
    sent, ``prompt`` what was generated after filtering (moderation reads both).
    ``parameters`` holds the validated generation parameters.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    item = models.OneToOneField(
        "library.Item", on_delete=models.CASCADE, related_name="generation_job", help_text="The first item."
    )
    items = models.ManyToManyField("library.Item", related_name="+", blank=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    model = models.ForeignKey(GenerationModel, on_delete=models.PROTECT, related_name="jobs")
    queue_name = models.CharField(max_length=150)
    priority = models.PositiveSmallIntegerField(choices=PriorityClass.choices, default=PriorityClass.FREE)
    turn = models.PositiveIntegerField(
        default=0, help_text="Fair-queue round: jobs start by (priority desc, turn, queued_at)."
    )
    status = models.CharField(max_length=10, choices=JobStatus.choices, default=JobStatus.QUEUED)
    attempt = models.PositiveSmallIntegerField(default=0)
    lease_owner = models.CharField(max_length=200, blank=True, default="")
    lease_expires_at = models.DateTimeField(null=True, blank=True)
    progress = models.FloatField(null=True, blank=True)
    queued_at = models.DateTimeField(default=timezone.now)
    available_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="A retried job waits until then (backoff) before a worker may claim it.",
    )
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    error_message = models.TextField(blank=True, default="")
    raw_prompt = models.TextField(blank=True, default="")
    prompt = models.TextField(blank=True, default="")
    raw_negprompt = models.TextField(blank=True, default="")
    negprompt = models.TextField(blank=True, default="")
    ignored_words = models.JSONField(default=list, blank=True)
    parameters = models.JSONField(default=dict, blank=True)
    # API2 workflow jobs only (null for generateImage/generateVideo jobs): see WorkflowTemplate.
    workflow_template = models.ForeignKey(
        "generation.WorkflowTemplate", null=True, blank=True, on_delete=models.PROTECT, related_name="jobs"
    )
    workflow_id = models.UUIDField(
        null=True, blank=True, unique=True, editable=False, help_text="The wire workflowId (publicId)."
    )
    workflow_run_parameters = models.JSONField(
        null=True, blank=True, help_text='Every parameter the run used: [{"name": ..., "value": "..."}].'
    )
    workflow_graph = models.JSONField(
        null=True, blank=True, help_text="The substituted ComfyUI API-format workflow the run executes."
    )
    frames = models.JSONField(
        default=list, blank=True, help_text="A video's frame images: storage names, frame 0 first."
    )

    class Meta:
        indexes = [
            # queue order (the claim takes the head) and queuePosition (a range count)
            models.Index(
                fields=["model", "priority", "turn", "queued_at", "id"],
                condition=Q(status="queued"),
                name="generation_job_queue_idx",
            ),
            # queue order and lengths: the active jobs of a model by class and age
            models.Index(
                fields=["model", "priority", "queued_at"],
                condition=Q(status__in=["queued", "running"]),
                name="generation_job_active_idx",
            ),
            # the concurrency limit: a user's active jobs
            models.Index(
                fields=["user", "model"],
                condition=Q(status__in=["queued", "running"]),
                name="generation_job_user_active_idx",
            ),
            # the ETA: a model's most recent completed runs (getItemStatus of every queued job reads them)
            models.Index(
                F("model"),
                F("finished_at").desc(),
                condition=Q(status="completed"),
                name="generation_job_recent_done_idx",
            ),
            # lease reclaim: running jobs by lease expiry
            models.Index(
                fields=["lease_expires_at"], condition=Q(status="running"), name="generation_job_lease_idx"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.model_id} job {self.id} ({self.status})"


class GenerationEvent(models.Model):
    """One state change of a job (the audit trail Admins see as ``events``); reached through its job."""

    job = models.ForeignKey(GenerationJob, on_delete=models.CASCADE, related_name="events")
    status = models.CharField(max_length=10)
    attempt = models.PositiveSmallIntegerField(default=0)
    message = models.TextField(blank=True, default="")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.status} of {self.job_id} at {self.created_at:%Y-%m-%d %H:%M:%S}"


class WorkflowTemplate(DomainScopedModel):
    """An API2 Workflow Template: a ComfyUI API-format workflow and the parameters it takes.

    Loaded per domain from ``generation/catalog/workflow_templates/*.json`` by
    ``load_catalog`` (one file per template, ``version`` bumped on change).
    ``parameters`` are the reference's WorkflowTemplateParameter objects, wire
    names as they are (``replaceFromString`` is the marker a value replaces in
    ``workflow``, as a typed JSON value). ``model_name`` is the GenerationModel
    whose queue, priority classes and concurrency limits the runs share;
    ``deployments`` (``a2stage``, ``a2prod``) say in which environments it is listed.
    ``max_batch_size`` bounds ``Batch Size`` (the number of Items a run makes).
    """

    name = models.CharField(max_length=200)
    version = models.PositiveIntegerField(default=1)
    description = models.TextField(blank=True, default="")
    kind = models.CharField(max_length=10, choices=MediaKind.choices, default=MediaKind.IMAGE)
    media_type = models.CharField(max_length=20, choices=MediaType.choices, default=MediaType.STATIC_IMAGE)
    model_name = models.CharField(max_length=100, help_text="The GenerationModel whose queue runs it.")
    deployments = models.JSONField(default=list, blank=True)
    parameters = models.JSONField(default=list, blank=True)
    workflow = models.JSONField(default=dict, help_text="ComfyUI API-format workflow with markers.")
    max_batch_size = models.PositiveSmallIntegerField(default=1)
    backend = models.CharField(
        max_length=20,
        blank=True,
        default="",
        choices=[("local", "local"), ("comfyui", "comfyui")],
        help_text="The back end that runs it; blank: its model's back end, else AIMG_GENERATION_BACKEND.",
    )
    ordering = models.IntegerField(default=0)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["ordering", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["domain", "name"], name="generation_workflowtemplate_name_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} v{self.version}"


class FileGroup(DomainScopedModel):
    """A named list of model files the workflows may use (``getFileGroupItems``): LoRAs, checkpoints.

    A ``filesGroup`` parameter of a template names its group in ``fileGroup``;
    its value must be one of ``file_names``. ``support_file_type`` is the
    WorkflowTemplateFile ``supportFileType`` (``lora``, ``checkpoint``...).
    """

    name = models.CharField(max_length=100)
    description = models.TextField(blank=True, default="")
    support_file_type = models.CharField(max_length=50, default="")
    file_names = models.JSONField(default=list, blank=True)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["domain", "name"], name="generation_filegroup_name_unique"),
        ]

    def __str__(self) -> str:
        return self.name
