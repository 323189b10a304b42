"""URL routes. Documented endpoints sit at the root with no trailing slash;
each app lists its own in ``<app>/urls.py`` with ``aimg_site.api.views.endpoint``."""

from django.contrib import admin
from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from rest_framework.negotiation import DefaultContentNegotiation

from aimg_site.api.handlers import unknown_path
from aimg_site.api.health import HealthApi
from aimg_site.api.views import SessionPolicy, endpoint


class SchemaView(SpectacularAPIView):
    content_negotiation_class = DefaultContentNegotiation
    session_policy = SessionPolicy.NONE


class DocsView(SpectacularSwaggerView):
    session_policy = SessionPolicy.NONE


urlpatterns = [
    endpoint(HealthApi),
    path("api/schema/", SchemaView.as_view(), name="schema"),
    path("api/docs/", DocsView.as_view(url_name="schema"), name="swagger-ui"),
    path("console/", admin.site.urls),
    path("", include("accounts.urls")),
    path("", include("accounts.oauth_urls")),
    path("", include("library.urls")),
    path("", include("moderation.urls")),
    path("", include("billing.urls")),
    path("", include("generation.urls")),
    path("", include("integrations.urls")),
    # Last: anything else is a 404 envelope, with DEBUG on too.
    re_path(r"^.*$", unknown_path),
]

handler400 = "aimg_site.api.handlers.bad_request"
handler403 = "aimg_site.api.handlers.permission_denied"
handler404 = "aimg_site.api.handlers.not_found"
handler500 = "aimg_site.api.handlers.server_error"
