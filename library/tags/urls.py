"""Routes of the tag endpoints (see aimg_site.api.views.endpoint)."""

from aimg_site.api.views import endpoint

from . import api

urlpatterns = [
    endpoint(api.GetTagsListApi),
    endpoint(api.AddTagsToItemApi),
    endpoint(api.RemoveTagsFromItemApi),
    endpoint(api.SetTagsForItemApi),
]
