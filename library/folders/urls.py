"""Routes of the folder endpoints (see aimg_site.api.views.endpoint)."""

from aimg_site.api.views import endpoint

from .api import FOLDER_ENDPOINTS, MoveItemsBetweenFoldersApi

urlpatterns = [endpoint(view) for view in (*FOLDER_ENDPOINTS, MoveItemsBetweenFoldersApi)]
