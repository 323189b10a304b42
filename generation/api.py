"""The read endpoints of "Image Generation": getModels, getSamplePrompts, getQueuesLength."""

from __future__ import annotations

from aimg_site.api.envelope import ok
from aimg_site.api.exceptions import Conflict
from aimg_site.api.views import AdminPolicy, ApiView, Caller
from library.items.serializers import ItemIdQuery

from . import selectors, services
from .serializers import (
    GenerateImageInput,
    GenerateVideoInput,
    GenerationStatusOutput,
    ModelIdsQuery,
    ModelOutput,
    PromptOutput,
    QueueLengthOutput,
    SamplePromptsQuery,
)


class _GenerationApi(ApiView):
    tags = ("generation",)


class GetModelsApi(_GenerationApi):
    """The site's AI generation Models, in the order front ends show them."""

    operation_id = "getModels"
    query_serializer = ModelIdsQuery
    output_serializer = ModelOutput
    output_many = True

    def get(self, request):
        data = self.input()
        models = selectors.models_list(names=data.get("modelIDs"))
        return ok(ModelOutput(models, many=True).data)


class GetSamplePromptsApi(_GenerationApi):
    """The site's sample prompts, or one at random (``randomOne``)."""

    operation_id = "getSamplePrompts"
    query_serializer = SamplePromptsQuery
    output_serializer = PromptOutput
    output_many = True

    def get(self, request):
        data = self.input()
        prompts = selectors.sample_prompts_list(random_one=bool(data.get("randomOne")))
        return ok(PromptOutput(prompts, many=True).data)


class GetQueuesLengthApi(_GenerationApi):
    """Every generation queue (one per model and class; Pro queues contain ``-p1-``) and how many jobs wait in it."""

    operation_id = "getQueuesLength"
    query_serializer = ModelIdsQuery
    output_serializer = QueueLengthOutput
    output_many = True

    def get(self, request):
        data = self.input()
        return ok(selectors.queues_lengths(names=data.get("modelIDs")))


class GenerateImageApi(_GenerationApi):
    """Queue a new image: validates the model's limits, filters the prompt, answers its GenerationStatus.

    Anonymous sessions generate as a guest (what they make moves to the account they sign up to).
    """

    operation_id = "generateImage"
    body_serializer = GenerateImageInput
    output_serializer = GenerationStatusOutput
    errors = (401, 403, 404, 429)
    caller = Caller.USER_OR_GUEST  # an anonymous session generates as its guest

    def post(self, request):
        data = self.input()
        req = services.ImageRequest(
            prompt=data["prompt"],
            negprompt=data.get("negprompt", ""),
            model_name=data.get("modelName") or "f222",
            steps=data.get("steps"),
            seed=data.get("seed"),
            subseed=data.get("subseed", 0),
            subseed_strength=data.get("subseed_strength", 0.0),
            width=data.get("width"),
            height=data.get("height"),
            sampler=data.get("sampler"),
            cfgscale=data.get("cfgscale"),
            restore_faces=bool(data.get("restoreFaces")),
            folder=data.get("folderID"),
        )
        job = services.generation_request(
            owner=self.caller_user, signed_in=self.identity.signed_in_user is not None, req=req
        )
        return ok(selectors.generation_status(job=job, request=request))


class GenerateVideoApi(_GenerationApi):
    """Queue a new video (default model ``model3``): the model's limits, prompt filtering, its GenerationStatus.

    A completed video's status lists its frames (VideoFrame).
    """

    operation_id = "generateVideo"
    body_serializer = GenerateVideoInput
    output_serializer = GenerationStatusOutput
    errors = (401, 403, 404, 429)
    caller = Caller.USER_OR_GUEST  # an anonymous session generates as its guest

    def post(self, request):
        data = self.input()
        extra = {
            k: data[w]
            for k, w in (("input", "input"), ("control_net_preset", "controlNetPreset"))
            if data.get(w)
        }
        req = services.ImageRequest(
            prompt=data["prompt"],
            model_name=data.get("modelName") or "model3",
            steps=data.get("steps"),
            seed=data.get("seed"),
            restore_faces=bool(data.get("restoreFaces")),
            folder=data.get("folderID"),
            kind="video",
            extra=extra or None,
        )
        job = services.generation_request(
            owner=self.caller_user, signed_in=self.identity.signed_in_user is not None, req=req
        )
        return ok(selectors.generation_status(job=job, request=request))


class GetItemStatusApi(_GenerationApi):
    """Where the caller's generation stands: status, queue position, and the URL once completed."""

    operation_id = "getItemStatus"
    admin_policy = AdminPolicy.OPTIONAL
    query_serializer = ItemIdQuery
    output_serializer = GenerationStatusOutput
    errors = (404,)

    def get(self, request):
        data = self.input()
        is_admin = self.identity.is_admin
        job = selectors.job_for_item(item_id=data["imageID"], user=self.identity.user, is_admin=is_admin)
        return ok(
            selectors.generation_status(
                job=job, request=request, with_events=is_admin, item_id=data["imageID"]
            )
        )


class CancelGenerationApi(_GenerationApi):
    """Beyond the reference: cancel the caller's own queued or running generation (others' are a 404)."""

    operation_id = "cancelGeneration"
    body_serializer = ItemIdQuery
    output_serializer = GenerationStatusOutput
    errors = (404, 409)

    def post(self, request):
        data = self.input()
        job = selectors.job_for_item(item_id=data["imageID"], user=self.identity.user)
        if not services.job_cancel(job=job):
            raise Conflict(f"The generation has already {job.status}.")
        job.refresh_from_db()
        return ok(selectors.generation_status(job=job, request=request))
