"""The response envelope and the JSON-only renderer.

Views return ``ok(payload, metadata=...)``; errors are rendered by
``exceptions.envelope_exception_handler``. Whatever a view returns is wrapped
if it is not already an envelope, so a bare ``Response(data)`` is still safe.
"""

from __future__ import annotations

from typing import Any

import orjson
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.utils.encoders import JSONEncoder

#: What orjson leaves to Python: datetimes (DRF writes them its own way), Decimals, lazy strings...
_ORJSON_DEFAULT = JSONEncoder().default
_ORJSON_OPTIONS = orjson.OPT_NON_STR_KEYS | orjson.OPT_PASSTHROUGH_DATETIME

ENVELOPE_KEYS = frozenset({"hasError", "payload"})


class Envelope(dict):
    """A dict already shaped as the envelope (so the renderer leaves it alone)."""


def ok(payload: Any = None, *, metadata: dict | None = None, status: int = 200, headers=None) -> Response:
    body = Envelope(hasError=False, payload=payload)
    if metadata is not None:
        body["metadata"] = metadata
    return Response(body, status=status, headers=headers)


class EnvelopeJSONRenderer(JSONRenderer):
    """Renders JSON, wrapping any non-envelope data as ``{"hasError": false, "payload": data}``."""

    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        response = (renderer_context or {}).get("response")
        if not isinstance(data, Envelope) and not (isinstance(data, dict) and data.keys() >= ENVELOPE_KEYS):
            if response is not None and response.status_code >= 400:
                message = data.get("detail") if isinstance(data, dict) else None
                data = {"hasError": True, "payload": None, "errorMessage": str(message or "Request failed.")}
            else:
                data = {"hasError": False, "payload": data}
        if data is not None and self.get_indent(accepted_media_type or "", renderer_context or {}) is None:
            # The bytes DRF's renderer writes (compact, UTF-8, U+2028/U+2029 escaped), several
            # times faster; anything orjson refuses (an integer beyond 64 bits) goes to DRF.
            try:
                rendered = orjson.dumps(data, default=_ORJSON_DEFAULT, option=_ORJSON_OPTIONS)
            except (orjson.JSONEncodeError, ValueError):
                pass
            else:
                if b"\xe2\x80\xa8" in rendered or b"\xe2\x80\xa9" in rendered:
                    rendered = rendered.replace(b"\xe2\x80\xa8", b"\\u2028").replace(
                        b"\xe2\x80\xa9", b"\\u2029"
                    )
                return rendered
        return super().render(data, accepted_media_type, renderer_context)


class JSONOnlyNegotiation(DefaultContentNegotiation):
    """Always answer JSON, whatever the Accept header says (front ends send */* or nothing)."""

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type
