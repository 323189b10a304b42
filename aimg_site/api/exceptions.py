"""Typed domain errors, the one table from exception to status and message, and the handler.

Services raise ``ApiError`` subclasses; views never build error bodies. Every
error becomes the envelope
``{"hasError": true, "payload": null, "errorMessage": ..., "errorCode"?: ...}``
with the HTTP status of "Annex: Errors". ``api_error_for`` is the one table
that says what any other exception (DRF's, Django's) means on the wire; DRF's
``EXCEPTION_HANDLER`` (``envelope_exception_handler``), Django's error views
(``handlers.py``) and the middleware all answer through it, so one exception
gets one status and one message whichever path met it first.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

from django.core.exceptions import (
    DisallowedHost,
    RequestDataTooBig,
    SuspiciousOperation,
    TooManyFieldsSent,
    TooManyFilesSent,
)
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404, JsonResponse
from rest_framework import exceptions as drf_exceptions
from rest_framework.response import Response

from .errors import ErrorCode

logger = logging.getLogger("aimg.api")

# Messages that more than one path answers, written once.
BODY_TOO_LARGE = "The request body is too large."
TOO_MANY_PARAMETERS = "The request has too many parameters."
HOST_NOT_ALLOWED = "The Host header is not allowed."
SERVER_ERROR = "We had a problem with our server. Try again later."
SEND_JSON = "Send the body as JSON, with the header Content-Type: application/json."


class ApiError(Exception):
    """Base of every error an endpoint answers on purpose.

    ``status`` is the HTTP status; ``error_code`` an optional member of
    ``ErrorCode`` a front end may switch on (any other number is refused
    here, at the raise site); ``headers`` extra response headers.
    """

    status = 400
    default_message = "The request is invalid."
    error_code: ErrorCode | None = None

    def __init__(
        self,
        message: str | None = None,
        *,
        error_code: ErrorCode | None = None,
        headers: dict[str, str] | None = None,
    ):
        self.message = message or self.default_message
        if error_code is not None:
            self.error_code = ErrorCode(error_code)
        self.headers = dict(headers or {})
        super().__init__(self.message)


class BadRequest(ApiError):
    status = 400


class InvalidParameter(BadRequest):
    """A parameter is missing or malformed; the message names it."""

    def __init__(self, name: str, problem: str = "is invalid", **kwargs):
        self.parameter = name
        super().__init__(f"Parameter '{name}' {problem}.", **kwargs)


class TooManyParameters(BadRequest):
    """More query or form parameters (or files) than ``DATA_UPLOAD_MAX_NUMBER_FIELDS``/``_FILES``.

    A 400, not a 413: the count is the problem, not the size (a GET has no body at all).
    """

    default_message = TOO_MANY_PARAMETERS


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
    """405, naming the methods the endpoint does take (``Use POST.``)."""

    status = 405
    default_message = "Method not allowed."

    def __init__(self, method: str | None = None, *, allowed: Iterable[str] = (), **kwargs):
        message = None
        if method:
            message = f"Method {method} is not allowed here."
            usable = [m for m in allowed if m not in ("HEAD", "OPTIONS")]
            if usable:
                message += f" Use {' or '.join(usable)}."
        super().__init__(message, **kwargs)


class Conflict(ApiError):
    status = 409
    default_message = "The resource already exists."


class PayloadTooLarge(ApiError):
    status = 413
    default_message = BODY_TOO_LARGE

    def __init__(self, message: str | None = None, *, limit: int | None = None, **kwargs):
        if message is None and limit is not None:
            message = f"{BODY_TOO_LARGE} At most {limit} bytes are accepted."
        super().__init__(message, **kwargs)


class UnsupportedMediaType(ApiError):
    status = 415
    default_message = f"The body's Content-Type is not accepted. {SEND_JSON}"


def _wait_words(seconds: int) -> str:
    """``42 seconds``, ``15 minutes``, ``20 hours``: rounded up, so retrying then succeeds."""
    if seconds < 120:
        return f"{seconds} second{'s' if seconds != 1 else ''}"
    if seconds < 2 * 3600:
        return f"{-(-seconds // 60)} minutes"
    return f"{-(-seconds // 3600)} hours"


class RateLimited(ApiError):
    """429: the message says when to retry ("Try again in 42 seconds."), as ``Retry-After`` does."""

    status = 429
    default_message = "Too many requests. Slow down."

    def __init__(self, message: str | None = None, *, retry_after: int, **kwargs):
        self.retry_after = max(1, int(retry_after))
        headers = {"Retry-After": str(self.retry_after), **kwargs.pop("headers", {})}
        text = (message or self.default_message).rstrip()
        super().__init__(f"{text} Try again in {_wait_words(self.retry_after)}.", headers=headers, **kwargs)


class ServiceUnavailable(ApiError):
    status = 503
    default_message = "The service is temporarily unavailable. Try again later."


class ServerError(ApiError):
    status = 500
    default_message = SERVER_ERROR


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


def _with_status(status: int, message: str) -> ApiError:
    error = ApiError(message)
    error.status = status
    return error


def api_error_for(exc: BaseException, *, request=None, view=None) -> ApiError | None:
    """The one table: what ``exc`` answers (status, message, errorCode, headers).

    ``None`` for an exception nobody meant to raise: the caller logs it and
    answers a 500 (``ServerError``). ``view`` (a DRF view) lets a 405 name the
    methods it takes.
    """
    if isinstance(exc, ApiError):
        return exc
    if isinstance(exc, drf_exceptions.APIException):
        if isinstance(exc, drf_exceptions.MethodNotAllowed):
            method = getattr(request, "method", None)
            return MethodNotAllowed(method, allowed=getattr(view, "allowed_methods", ()))
        if isinstance(exc, drf_exceptions.NotAuthenticated | drf_exceptions.AuthenticationFailed):
            return NotAuthenticated(_drf_message(exc))
        if isinstance(exc, drf_exceptions.UnsupportedMediaType):
            return UnsupportedMediaType(f"{_drf_message(exc)} {SEND_JSON}")
        if isinstance(exc, drf_exceptions.ParseError):
            return BadRequest(f"The request body is not valid: {_drf_message(exc)}")
        if isinstance(exc, drf_exceptions.Throttled):
            return RateLimited(retry_after=int(getattr(exc, "wait", None) or 1))
        if isinstance(exc, drf_exceptions.NotFound):
            return NotFound()
        if isinstance(exc, drf_exceptions.PermissionDenied):
            return Forbidden()
        return _with_status(exc.status_code, _drf_message(exc))
    if isinstance(exc, Http404):
        return NotFound()
    if isinstance(exc, RequestDataTooBig):
        return PayloadTooLarge()
    if isinstance(exc, TooManyFieldsSent | TooManyFilesSent):
        return TooManyParameters()
    if isinstance(exc, DisallowedHost):
        return BadRequest(HOST_NOT_ALLOWED)
    if isinstance(exc, DjangoPermissionDenied):
        return Forbidden()
    if isinstance(exc, SuspiciousOperation):
        return BadRequest()
    return None


def error_body(message: str, error_code: int | None = None) -> dict:
    body: dict = {"hasError": True, "payload": None, "errorMessage": message}
    if error_code is not None:
        body["errorCode"] = int(error_code)
    return body


def error_json_response(error: ApiError) -> JsonResponse:
    """``error`` as a Django ``JsonResponse`` (for code that runs outside DRF)."""
    response = JsonResponse(
        error_body(error.message, error.error_code),
        status=error.status,
        json_dumps_params={"separators": (",", ":")},
    )
    for name, value in error.headers.items():
        response[name] = value
    return response


def error_response(message: str, status: int) -> JsonResponse:
    """An error envelope with ``message`` and ``status`` (for code that runs outside DRF)."""
    return error_json_response(_with_status(status, message))


def envelope_exception_handler(exc, context):
    """DRF's EXCEPTION_HANDLER: every exception becomes an envelope, never a stack trace."""
    from rest_framework.views import set_rollback  # rest_framework.views imports the auth classes

    request = context.get("request")
    error = api_error_for(exc, request=request, view=context.get("view"))
    logged = False
    if error is None:
        logger.exception(
            "Unhandled error in %s %s",
            getattr(request, "method", "?"),
            getattr(request, "path", "?"),
        )
        error, logged = ServerError(), True
    set_rollback()
    response = Response(error_body(error.message, error.error_code), status=error.status)
    for name, value in error.headers.items():
        response[name] = value
    if logged:
        # The traceback is logged above; Django's ``django.request`` need not add a second line.
        response._has_been_logged = True  # type: ignore[attr-defined]
    return response
