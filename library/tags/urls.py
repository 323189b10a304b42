"""Routes of the tag endpoints (see aimg_site.api.views.endpoint)."""

from aimg_site.api.views import endpoint

from .api import TAG_ENDPOINTS

urlpatterns = [endpoint(view) for view in TAG_ENDPOINTS]
