"""``/api/schema/`` (the OpenAPI document) and ``/api/docs/`` (Swagger UI), served offline.

Swagger UI's files come from the ``drf-spectacular-sidecar`` package (pinned in
pyproject.toml), not from a CDN: the page works without a network, and its
version changes only when the pin does. ``make run`` (DEBUG) serves them as
static files; otherwise ``sidecar_asset`` does, so the page works under
gunicorn without a separate static file server (one in front, at
``STATIC_URL``, takes over after ``collectstatic``).
"""

from __future__ import annotations

from pathlib import Path

import drf_spectacular_sidecar
from django.http import Http404
from django.views.decorators.http import require_safe
from django.views.static import serve
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from rest_framework.negotiation import DefaultContentNegotiation

from .authentication import SessionPolicy

SIDECAR_STATIC = (
    Path(drf_spectacular_sidecar.__file__).resolve().parent / "static" / "drf_spectacular_sidecar"
)
#: The route of the sidecar's files under STATIC_URL (what ``{% static %}`` makes of them).
SIDECAR_ROUTE = r"^static/drf_spectacular_sidecar/(?P<path>.+)$"


class SchemaNegotiation(DefaultContentNegotiation):
    """Accept header or ``?format=json`` / ``?format=yaml`` (the API's own views ignore ``format``)."""

    def select_renderer(self, request, renderers, format_suffix=None):
        return super().select_renderer(
            request, renderers, format_suffix or request.query_params.get("format")
        )


class SchemaView(SpectacularAPIView):
    content_negotiation_class = SchemaNegotiation
    session_policy = SessionPolicy.NONE


class DocsView(SpectacularSwaggerView):
    session_policy = SessionPolicy.NONE


@require_safe
def sidecar_asset(request, path: str):
    """One of Swagger UI's files; nothing outside the package's folder (a 404, not a logged 400)."""
    if any(part in ("", ".", "..") for part in path.split("/")):
        raise Http404
    response = serve(request, path, document_root=str(SIDECAR_STATIC))
    response["Cache-Control"] = "public, max-age=86400"
    return response
