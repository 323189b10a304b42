"""Middleware that must run before any view: request id, body size, domain."""

from __future__ import annotations

import re
import time
import uuid

from django.conf import settings
from django.core.exceptions import DisallowedHost

from aimg_site.core.scoping import bind_domain, unbind_domain
from aimg_site.core.selectors import domain_for_host

from .exceptions import BadRequest, PayloadTooLarge, api_error_for, error_json_response
from .logging import access_log, bind_request_id, unbind_request_id

_REQUEST_ID_RE = re.compile(r"[A-Za-z0-9._:-]{1,64}")


class RequestIDMiddleware:
    """Echo a valid incoming ``X-Request-ID`` (else a new UUID), bind it for logging, and write
    the request's one log line (first in MIDDLEWARE, so the duration covers every layer)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        started = time.perf_counter()
        incoming = request.META.get("HTTP_X_REQUEST_ID", "")
        # fullmatch: with match, "$" would also accept a trailing newline (header splitting, a 500).
        request_id = incoming if _REQUEST_ID_RE.fullmatch(incoming) else str(uuid.uuid4())
        request.request_id = request_id
        token = bind_request_id(request_id)
        try:
            response = self.get_response(request)
            response["X-Request-ID"] = request_id
            access_log(
                method=request.method,
                path=request.path,
                status=response.status_code,
                duration_ms=(time.perf_counter() - started) * 1000,
            )
        finally:
            unbind_request_id(token)
        return response


class RequestSizeLimitMiddleware:
    """Answer 413 before reading a body whose declared length is over the limit.

    JSON bodies are limited by ``AIMG_MAX_JSON_BYTES``, multipart uploads by
    ``AIMG_MAX_UPLOAD_BYTES``. Django's own ``DATA_UPLOAD_MAX_MEMORY_SIZE``
    check answers 413 through ``handlers.bad_request`` as a second line.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            return error_json_response(BadRequest("The Content-Length header is not a number."))
        content_type = request.META.get("CONTENT_TYPE", "")
        limit = (
            settings.AIMG_MAX_UPLOAD_BYTES
            if content_type.startswith("multipart/")
            else settings.AIMG_MAX_JSON_BYTES
        )
        if length > limit:
            return error_json_response(PayloadTooLarge(limit=limit))
        return self.get_response(request)


class DomainMiddleware:
    """Resolve the request's domain from its Host and bind it for scoped queries."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            host = request.get_host()
        except DisallowedHost as exc:
            return error_json_response(api_error_for(exc) or BadRequest())
        # The validated Host, for what builds absolute URLs later (``library.items.media``).
        request.validated_host = host
        request.domain = domain_for_host(host)
        token = bind_domain(request.domain)
        try:
            return self.get_response(request)
        finally:
            unbind_domain(token)
