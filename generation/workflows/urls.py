"""Routes of API2 "Workflows" (under ``/2/``)."""

from aimg_site.api.views import endpoint

from . import api

urlpatterns: list = [
    endpoint(api.GetAggregatedWorkflowTemplatesApi),
    endpoint(api.GetFileGroupItemsApi),
    endpoint(api.GetWorkflowStatusApi),
    endpoint(api.EnqueueWorkflowApi),
]
