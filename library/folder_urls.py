"""Routes of the folder and tag endpoints (see aimg_site.api.views.endpoint)."""

from aimg_site.api.views import endpoint

from .folders_api import FOLDER_ENDPOINTS, MoveItemsBetweenFoldersApi
from .tags_api import TAG_ENDPOINTS

urlpatterns = [endpoint(view) for view in (*FOLDER_ENDPOINTS, MoveItemsBetweenFoldersApi, *TAG_ENDPOINTS)]
