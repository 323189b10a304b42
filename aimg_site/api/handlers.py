"""JSON envelopes for what Django answers before (or instead of) DRF.

Each view answers through ``exceptions.api_error_for``, the table DRF's
handler and the middleware use too.
"""

from __future__ import annotations

from django.urls import Resolver404, resolve
from django.views.decorators.csrf import csrf_exempt

from .exceptions import (
    ApiError,
    BadRequest,
    Forbidden,
    NotFound,
    ServerError,
    api_error_for,
    error_json_response,
)

DOCS_PATH = "/api/docs/"
CONSOLE_PATH = "/console/"


def _answer(exception: BaseException | None, fallback: ApiError):
    error = api_error_for(exception, request=None) if exception is not None else None
    return error_json_response(error or fallback)


def bad_request(request, exception=None):
    return _answer(exception, BadRequest())


def permission_denied(request, exception=None):
    return _answer(exception, Forbidden())


def _routes_to_a_view(request, path: str) -> bool:
    """Whether ``path`` is served by a real route (not the catch-all 404)."""
    try:
        match = resolve(path, getattr(request, "urlconf", None))
    except Resolver404:
        return False
    return match.func is not unknown_path


def _hint(request, path: str) -> str:
    """Where the caller probably meant to go: the docs, the console, the path without (or with) a slash."""
    if path == "/":
        return f" The endpoints are listed at {DOCS_PATH} (OpenAPI schema: /api/schema/)."
    if path == "/admin" or path.startswith("/admin/"):
        return f" The admin console is at {CONSOLE_PATH}."
    if len(path) > 1 and path.endswith("/") and _routes_to_a_view(request, path.rstrip("/")):
        return f" Did you mean {path.rstrip('/')} (endpoints have no trailing slash)?"
    if not path.endswith("/") and _routes_to_a_view(request, path + "/"):
        return f" Did you mean {path}/?"
    return ""


def not_found(request, exception=None):
    path = request.path
    return error_json_response(NotFound(f"No endpoint at {path}.{_hint(request, path)}"))


def server_error(request):
    # Django has already logged the exception (with the request id) at this point.
    return error_json_response(ServerError())


def csrf_failure(request, reason=""):
    return error_json_response(Forbidden(f"CSRF verification failed: {reason}".strip()))


@csrf_exempt
def unknown_path(request, *args, **kwargs):
    """The catch-all route: a 404 envelope even with DEBUG on."""
    return not_found(request)
