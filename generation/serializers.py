"""Wire shapes of the generation endpoints (the reference's Model, Prompt and queue rows)."""

from __future__ import annotations

import re

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from aimg_site.api.fields import BoolParam, CommaListField
from library.folders.ids import ANY_PATTERN
from library.folders.serializers import FolderIdField

from .models import GenerationModel, JobStatus, SamplePrompt

_MODEL_ID = re.compile("[A-Za-z0-9._-]+")


class ModelIdListField(CommaListField):
    """Model ids (``f222``, ``model3``): letters, digits, ``.``, ``_`` and ``-``."""

    item_pattern = "[A-Za-z0-9._-]+"
    item_max_length = 100

    def to_internal_value(self, data):
        items = super().to_internal_value(data)
        for item in items:
            if len(item) > self.item_max_length or not _MODEL_ID.fullmatch(item):
                raise serializers.ValidationError(
                    "must hold model ids (letters, digits, '.', '_' and '-', at most 100 characters)"
                )
        return items


class ModelIdsQuery(serializers.Serializer):
    """getModels / getQueuesLength query."""

    modelIDs = ModelIdListField(
        required=False, max_items=100, help_text="Comma-separated model ids: only these models."
    )


class SamplePromptsQuery(serializers.Serializer):
    """getSamplePrompts query."""

    randomOne = BoolParam(required=False, help_text="Return a single random sample prompt. Default false.")


class ImageThumbnailOutput(serializers.Serializer):
    imageID = serializers.CharField()
    url = serializers.CharField()


class ModelOutput(serializers.Serializer):
    """The reference's Model type."""

    modelID = serializers.CharField(source="name")
    name = serializers.CharField(source="label")
    description = serializers.CharField()
    mediaType = serializers.CharField(source="media_type")
    minTier = serializers.IntegerField(source="min_tier")
    tier0Concurrent = serializers.IntegerField(source="tier0_concurrent")
    tier1Concurrent = serializers.IntegerField(source="tier1_concurrent")
    tier2Concurrent = serializers.IntegerField(source="tier2_concurrent")
    positiveTokens = serializers.ListField(child=serializers.CharField(), source="positive_tokens")
    negativeTokens = serializers.ListField(child=serializers.CharField(), source="negative_tokens")
    sampleImages = ImageThumbnailOutput(many=True, source="sample_images")
    minSteps = serializers.IntegerField(source="min_steps")
    maxSteps = serializers.IntegerField(source="max_steps")
    allowedWidths = serializers.ListField(child=serializers.IntegerField(), source="allowed_widths")
    allowedHeights = serializers.ListField(child=serializers.IntegerField(), source="allowed_heights")
    maxResolution = serializers.IntegerField(source="max_resolution")
    defaultResolution = serializers.SerializerMethodField(help_text="[width, height]")
    allowedSamplers = serializers.ListField(child=serializers.CharField(), source="allowed_samplers")
    defaultSampler = serializers.CharField(source="default_sampler")
    minCfgScale = serializers.FloatField(source="min_cfg_scale")
    maxCfgScale = serializers.FloatField(source="max_cfg_scale")
    supportsVariations = serializers.BooleanField(source="supports_variations")
    registrationWall = serializers.BooleanField(source="registration_wall")
    defaultFaceFix = serializers.BooleanField(source="default_face_fix")
    wikiURL = serializers.SerializerMethodField()

    def get_defaultResolution(self, obj: GenerationModel) -> list[int]:
        return [obj.default_width, obj.default_height]

    def get_wikiURL(self, obj: GenerationModel) -> str | None:
        return obj.wiki_url or None

    def to_representation(self, instance):
        data = super().to_representation(instance)
        if data.get("wikiURL") is None:
            data.pop("wikiURL", None)
        return data


class PromptOutput(serializers.Serializer):
    """The reference's Prompt type."""

    positivePrompt = serializers.CharField(source="positive_prompt")
    negativePrompt = serializers.CharField(source="negative_prompt", required=False)
    userID = serializers.UUIDField(source="user_id", required=False)

    def to_representation(self, instance: SamplePrompt):
        data = super().to_representation(instance)
        if not instance.negative_prompt:
            data.pop("negativePrompt", None)
        if instance.user_id is None:
            data.pop("userID", None)
        return data


class QueueLengthOutput(serializers.Serializer):
    modelID = serializers.CharField()
    queueID = serializers.CharField(
        help_text="Queues with -p1- in their name are Pro users' priority queues."
    )
    queueLength = serializers.IntegerField(help_text="How many jobs wait in the queue.")


@extend_schema_field(
    {
        "type": "string",
        "pattern": f"^{ANY_PATTERN}$",
        "description": "A private folder id (UUID) or a public one (p-UUID).",
    }
)
class AnyFolderIdField(FolderIdField):
    """A folder id of either kind."""


class GenerateImageInput(serializers.Serializer):
    """generateImage body. Limits that depend on the model are checked by the service (400 naming the parameter)."""

    prompt = serializers.CharField(max_length=4000, help_text="The prompt to generate from.")
    negprompt = serializers.CharField(max_length=4000, required=False, allow_blank=True, default="")
    modelName = serializers.CharField(max_length=100, required=False, default="f222")
    steps = serializers.IntegerField(required=False, min_value=1, max_value=1000, help_text="Default 20.")
    seed = serializers.IntegerField(required=False, min_value=0, max_value=2**32 - 1)
    subseed = serializers.IntegerField(required=False, min_value=0, max_value=2**32 - 1, default=0)
    subseed_strength = serializers.FloatField(required=False, min_value=0, max_value=1, default=0)
    height = serializers.IntegerField(required=False, min_value=1, max_value=16384)
    width = serializers.IntegerField(required=False, min_value=1, max_value=16384)
    sampler = serializers.CharField(max_length=100, required=False, help_text="Default DPM++ 2M Karras.")
    cfgscale = serializers.FloatField(
        required=False, min_value=1, max_value=12, help_text="[1, 12], default 7."
    )
    restoreFaces = BoolParam(required=False, default=False)
    folderID = AnyFolderIdField(required=False, help_text="One of the caller's folders (404 otherwise).")


class GenerateVideoInput(serializers.Serializer):
    """generateVideo body. Width, height, sampler and cfg scale are the model's defaults."""

    prompt = serializers.CharField(max_length=4000, help_text="The prompt to generate from.")
    modelName = serializers.CharField(max_length=100, required=False, default="model3")
    steps = serializers.IntegerField(required=False, min_value=1, max_value=1000, help_text="Default 20.")
    seed = serializers.IntegerField(required=False, min_value=0, max_value=2**32 - 1)
    restoreFaces = BoolParam(required=False, default=False)
    input = serializers.CharField(
        max_length=2000,
        required=False,
        allow_blank=True,
        help_text="Undefined by the reference: stored, unused.",
    )
    controlNetPreset = serializers.CharField(
        max_length=200,
        required=False,
        allow_blank=True,
        help_text="Undefined by the reference: stored, unused.",
    )
    folderID = AnyFolderIdField(required=False, help_text="One of the caller's folders (404 otherwise).")


class VideoFrameOutput(serializers.Serializer):
    """The reference's VideoFrame."""

    frameCount = serializers.IntegerField(help_text="The total number of frames in the video.")
    frameNumber = serializers.IntegerField(help_text="0 for the first frame, frameCount - 1 for the last.")
    frameUrl = serializers.CharField(help_text="The URL of the frame's image.")


class GenerationEventOutput(serializers.Serializer):
    status = serializers.CharField(help_text="queued, running, retrying, completed, failed or cancelled.")
    attempt = serializers.IntegerField()
    message = serializers.CharField()
    time = serializers.DateTimeField()


class GenerationStatusOutput(serializers.Serializer):
    """The reference's GenerationStatus (``status``: queued, running, completed, failed, cancelled)."""

    imageID = serializers.UUIDField()
    folderID = serializers.CharField(required=False)
    status = serializers.ChoiceField(choices=JobStatus.values)
    ignoredWords = serializers.CharField(help_text="The filtered words, comma-separated ('' when none).")
    mtype = serializers.CharField(help_text="image or video.")
    url = serializers.CharField(required=False)
    queuePosition = serializers.IntegerField(required=False, help_text="1 = next to start.")
    estimatedStartTime = serializers.DateTimeField(
        required=False, help_text="Beyond the reference: when a queued job should start (ISO 8601)."
    )
    progress = serializers.FloatField(required=False, help_text="Beyond the reference: 0 to 1 while running.")
    frames = VideoFrameOutput(many=True, required=False, help_text="A completed video's frames.")
    errorMessage = serializers.CharField(required=False, help_text="Why a failed job failed.")
    events = GenerationEventOutput(many=True, required=False, help_text="Admins only: every state change.")
