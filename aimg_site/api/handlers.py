"""JSON envelopes for what Django answers before (or instead of) DRF."""

from __future__ import annotations

import logging

from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.http import JsonResponse

from .exceptions import error_body

logger = logging.getLogger("aimg.api")


def bad_request(request, exception=None):
    if isinstance(exception, RequestDataTooBig):
        return JsonResponse(error_body("The request body is too large."), status=413)
    if isinstance(exception, TooManyFieldsSent | TooManyFilesSent):
        return JsonResponse(error_body("The request has too many fields or files."), status=413)
    return JsonResponse(error_body("The request is invalid."), status=400)


def permission_denied(request, exception=None):
    return JsonResponse(error_body("You are not allowed to do this."), status=403)


def not_found(request, exception=None):
    return JsonResponse(error_body(f"No endpoint at {request.path}."), status=404)


def server_error(request):
    # Django has already logged the exception (with the request id) at this point.
    return JsonResponse(error_body("We had a problem with our server. Try again later."), status=500)


def csrf_failure(request, reason=""):
    return JsonResponse(error_body(f"CSRF verification failed: {reason}".strip()), status=403)


def unknown_path(request, *args, **kwargs):
    """The catch-all route: a 404 envelope even with DEBUG on."""
    return not_found(request)
