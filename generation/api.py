"""The read endpoints of "Image Generation": getModels, getSamplePrompts, getQueuesLength."""

from __future__ import annotations

from aimg_site.api.envelope import ok
from aimg_site.api.views import ApiView

from . import selectors
from .serializers import (
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
