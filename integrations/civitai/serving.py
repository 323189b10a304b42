"""Serving an item's stored file to Civitai: real content type, CORS, single byte ranges.

Works on any storage (read through ``default_storage``), so the signed link is the same on local
files and on S3. Ranges follow ``library.items.media.parse_single_range`` (RFC 9110: 206, 416).
"""

from __future__ import annotations

from collections.abc import Iterator

from django.core.files.storage import default_storage
from django.http import HttpResponseBase, StreamingHttpResponse

from aimg_site.api.exceptions import error_response
from integrations.media import MediaFacts
from library.items.media import UNSATISFIABLE, parse_single_range

CHUNK = 64 * 1024
#: Caches may keep a copy briefly; the link itself expires (no ``public`` caching past that).
CACHE_CONTROL = "private, max-age=300"


def _span(name: str, start: int, length: int) -> Iterator[bytes]:
    handle = default_storage.open(name, "rb")
    try:
        handle.seek(start)
        while length > 0:
            chunk = handle.read(min(CHUNK, length))
            if not chunk:
                break
            length -= len(chunk)
            yield chunk
    finally:
        handle.close()


def media_response(
    *, name: str, facts: MediaFacts, range_header: str, head: bool = False
) -> HttpResponseBase:
    size = facts.size
    byte_range = parse_single_range(range_header, size)
    response: HttpResponseBase
    if byte_range is UNSATISFIABLE:
        response = error_response("The range is outside the file.", 416)
        response["Content-Range"] = f"bytes */{size}"
    else:
        start, end = (0, size - 1) if byte_range is None else byte_range
        length = max(0, end - start + 1)
        body: Iterator[bytes] = iter(()) if head else _span(name, start, length)
        response = StreamingHttpResponse(
            body, status=200 if byte_range is None else 206, content_type=facts.content_type
        )
        response["Content-Length"] = str(length)
        if byte_range is not None:
            response["Content-Range"] = f"bytes {start}-{end}/{size}"
        response["Content-Disposition"] = f'inline; filename="item.{facts.extension}"'
    response["Accept-Ranges"] = "bytes"
    response["Access-Control-Allow-Origin"] = "*"
    response["Access-Control-Expose-Headers"] = "Accept-Ranges, Content-Length, Content-Range"
    response["Cache-Control"] = CACHE_CONTROL
    response["X-Content-Type-Options"] = "nosniff"
    return response
