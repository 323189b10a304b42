"""URL routes. Documented endpoints sit at the root with no trailing slash;
each app lists its own in ``<app>/urls.py`` with ``aimg_site.api.views.endpoint``."""

from django.contrib import admin
from django.urls import include, path, re_path

from aimg_site.api.docs import SIDECAR_ROUTE, DocsView, SchemaView, sidecar_asset
from aimg_site.api.handlers import unknown_path
from aimg_site.api.health import HealthApi
from aimg_site.api.views import endpoint

urlpatterns = [
    endpoint(HealthApi),
    path("api/schema/", SchemaView.as_view(), name="schema"),
    path("api/docs/", DocsView.as_view(url_name="schema"), name="swagger-ui"),
    re_path(SIDECAR_ROUTE, sidecar_asset, name="swagger-ui-asset"),
    path("console/", admin.site.urls),
    # First of the apps: getFile is the hottest route (an <img> per file), resolved in list order.
    path("", include("aimg_site.technical.urls")),
    path("", include("accounts.urls")),
    path("", include("library.urls")),
    path("", include("moderation.urls")),
    path("", include("billing.urls")),
    path("", include("generation.urls")),
    path("", include("generation.workflows.urls")),
    path("", include("integrations.urls")),
    # The studio page at / and its files (a 404 envelope unless DEBUG or AIMG_STUDIO).
    path("", include("aimg_site.studio.urls")),
    # Last: anything else is a 404 envelope, with DEBUG on too.
    re_path(r"^.*$", unknown_path),
]

handler400 = "aimg_site.api.handlers.bad_request"
handler403 = "aimg_site.api.handlers.permission_denied"
handler404 = "aimg_site.api.handlers.not_found"
handler500 = "aimg_site.api.handlers.server_error"
