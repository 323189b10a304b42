"""Routes of the item endpoints (see aimg_site.api.views.endpoint) and of locally stored media."""

from django.urls import path

from aimg_site.api.views import endpoint

from . import api
from .media import media_serve

urlpatterns: list = [
    endpoint(api.GetItemApi),
    endpoint(api.GetItemDetailsApi),
    endpoint(api.GetLastCompletedItemApi),
    endpoint(api.GetMyCreationsApi),
    endpoint(api.GetPublicCreationsApi),
    endpoint(api.GetBatchItemsApi),
    endpoint(api.DeleteItemsApi),
    endpoint(api.RestoreItemsApi),
    endpoint(api.LikeItemsApi),
    endpoint(api.UnlikeItemsApi),
    endpoint(api.DislikeItemsApi),
    endpoint(api.UndislikeItemsApi),
    endpoint(api.SetItemPropertiesApi),
    endpoint(api.GetSampleItemsApi),
    endpoint(api.GetLatestItemsApi),
    endpoint(api.GetItemsApi),
    endpoint(api.SetPublicApprovalStatusApi),
    endpoint(api.SetProtectedApi),
    endpoint(api.MigrateLibraryApi),
    path("media/<path:name>", media_serve, name="library-media"),
]
