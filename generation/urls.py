"""Routes of this app's documented endpoints (see aimg_site.api.views.endpoint)."""

from aimg_site.api.views import endpoint

from . import api

urlpatterns: list = [
    endpoint(api.GetModelsApi),
    endpoint(api.GetSamplePromptsApi),
    endpoint(api.GetQueuesLengthApi),
    endpoint(api.GenerateImageApi),
    endpoint(api.GenerateVideoApi),
    endpoint(api.GetItemStatusApi),
    endpoint(api.CancelGenerationApi),
]
