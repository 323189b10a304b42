"""JSON envelopes for what Django answers before (or instead of) DRF."""

from __future__ import annotations

import logging

from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.views.decorators.csrf import csrf_exempt

from .exceptions import error_response

logger = logging.getLogger("aimg.api")


def bad_request(request, exception=None):
    if isinstance(exception, RequestDataTooBig):
        return error_response("The request body is too large.", 413)
    if isinstance(exception, TooManyFieldsSent | TooManyFilesSent):
        return error_response("The request has too many fields or files.", 413)
    return error_response("The request is invalid.", 400)


def permission_denied(request, exception=None):
    return error_response("You are not allowed to do this.", 403)


def not_found(request, exception=None):
    return error_response(f"No endpoint at {request.path}.", 404)


def server_error(request):
    # Django has already logged the exception (with the request id) at this point.
    return error_response("We had a problem with our server. Try again later.", 500)


def csrf_failure(request, reason=""):
    return error_response(f"CSRF verification failed: {reason}".strip(), 403)


@csrf_exempt
def unknown_path(request, *args, **kwargs):
    """The catch-all route: a 404 envelope even with DEBUG on."""
    return not_found(request)
