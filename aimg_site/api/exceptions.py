"""Typed domain errors and the single exception handler.

Services raise these; views never build error bodies. Every error becomes the
envelope ``{"hasError": true, "payload": null, "errorMessage": ..., "errorCode"?: ...}``
with the HTTP status of "Annex: Errors".
"""

from __future__ import annotations

import logging

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.http import Http404
from rest_framework import exceptions as drf_exceptions
from rest_framework.response import Response

logger = logging.getLogger("aimg.api")


class ApiError(Exception):
    """Base of every error an endpoint answers on purpose.

    ``status`` is the HTTP status; ``error_code`` an optional stable number a
    front end may switch on; ``headers`` extra response headers.
    """

    status = 400
    default_message = "The request is invalid."
    error_code: int | None = None

    def __init__(self, message: str | None = None, *, error_code: int | None = None, headers=None):
        self.message = message or self.default_message
        if error_code is not None:
            self.error_code = error_code
        self.headers = dict(headers or {})
        super().__init__(self.message)


class BadRequest(ApiError):
    status = 400


class InvalidParameter(BadRequest):
    """A parameter is missing or malformed; the message names it."""

    def __init__(self, name: str, problem: str = "is invalid", **kwargs):
        self.parameter = name
        super().__init__(f"Parameter '{name}' {problem}.", **kwargs)


class NotAuthenticated(ApiError):
    status = 401
    default_message = "You are not signed in."


class Forbidden(ApiError):
    status = 403
    default_message = "You are not allowed to do this."


class AdminRequired(Forbidden):
    default_message = "This endpoint needs a valid X-Administration-Key."


class NotFound(ApiError):
    status = 404
    default_message = "The resource was not found."


class MethodNotAllowed(ApiError):
    status = 405
    default_message = "Method not allowed."


class Conflict(ApiError):
    status = 409
    default_message = "The resource already exists."


class PayloadTooLarge(ApiError):
    status = 413
    default_message = "The request body is too large."


class RateLimited(ApiError):
    status = 429
    default_message = "Too many requests. Slow down."

    def __init__(self, message: str | None = None, *, retry_after: int, **kwargs):
        self.retry_after = max(1, int(retry_after))
        headers = {"Retry-After": str(self.retry_after), **kwargs.pop("headers", {})}
        super().__init__(message, headers=headers, **kwargs)


class ServiceUnavailable(ApiError):
    status = 503
    default_message = "The service is temporarily unavailable. Try again later."


def error_response(message: str, status: int):
    """A Django ``JsonResponse`` with the error envelope (for code that runs outside DRF)."""
    from django.http import JsonResponse

    return JsonResponse(error_body(message), status=status, json_dumps_params={"separators": (",", ":")})


def error_body(message: str, error_code: int | None = None) -> dict:
    body: dict = {"hasError": True, "payload": None, "errorMessage": message}
    if error_code is not None:
        body["errorCode"] = error_code
    return body


def _drf_message(exc: drf_exceptions.APIException) -> str:
    detail = exc.detail
    if isinstance(exc, drf_exceptions.ValidationError):
        return _validation_message(detail)
    if isinstance(detail, list | tuple):
        return " ".join(str(d) for d in detail)
    if isinstance(detail, dict):
        return _validation_message(detail)
    return str(detail)


def _validation_message(detail, prefix: str = "") -> str:
    """Flatten a serializer error tree into one sentence naming each parameter."""
    if isinstance(detail, dict):
        parts = []
        for key, value in detail.items():
            name = f"{prefix}.{key}" if prefix else str(key)
            if key == "non_field_errors":
                parts.append(_validation_message(value, prefix))
            else:
                parts.append(f"Parameter '{name}': {_validation_message(value)}")
        return " ".join(parts)
    if isinstance(detail, list | tuple):
        if detail and all(isinstance(d, dict) for d in detail):
            return " ".join(_validation_message(d, f"{prefix}[{i}]") for i, d in enumerate(detail) if d)
        return " ".join(_validation_message(d, prefix) for d in detail)
    return str(detail).rstrip(".") + "."


def envelope_exception_handler(exc, context):
    """DRF's EXCEPTION_HANDLER: every exception becomes an envelope, never a stack trace."""
    from rest_framework.views import set_rollback  # rest_framework.views imports the auth classes

    request = context.get("request")
    headers: dict[str, str] = {}
    if isinstance(exc, ApiError):
        status, message, code, headers = exc.status, exc.message, exc.error_code, exc.headers
    elif isinstance(exc, drf_exceptions.MethodNotAllowed):
        status, message, code = 405, str(exc.detail), None
    elif isinstance(exc, drf_exceptions.NotAuthenticated | drf_exceptions.AuthenticationFailed):
        status, message, code = 401, _drf_message(exc), None
    elif isinstance(exc, drf_exceptions.UnsupportedMediaType):
        status, message, code = 415, _drf_message(exc), None
    elif isinstance(exc, drf_exceptions.ParseError):
        status, message, code = 400, f"The request body is not valid: {_drf_message(exc)}", None
    elif isinstance(exc, drf_exceptions.Throttled):
        status, message, code = 429, _drf_message(exc), None
        if exc.wait:
            headers["Retry-After"] = str(int(exc.wait) or 1)
    elif isinstance(exc, drf_exceptions.APIException):
        status, message, code = exc.status_code, _drf_message(exc), None
    elif isinstance(exc, Http404):
        status, message, code = 404, "The resource was not found.", None
    elif isinstance(exc, RequestDataTooBig):
        status, message, code = 413, "The request body is too large.", None
    elif isinstance(exc, TooManyFieldsSent | TooManyFilesSent):
        # Django refuses to parse more than DATA_UPLOAD_MAX_NUMBER_FIELDS query or form parameters.
        status, message, code = 400, "The request has too many parameters.", None
    elif isinstance(exc, DjangoPermissionDenied):
        status, message, code = 403, "You are not allowed to do this.", None
    else:
        logger.exception(
            "Unhandled error in %s %s",
            getattr(request, "method", "?"),
            getattr(request, "path", "?"),
        )
        status, message, code = 500, "We had a problem with our server. Try again later.", None
    set_rollback()
    response = Response(error_body(message, code), status=status)
    for name, value in headers.items():
        response[name] = value
    return response
