"""How getFile answers with a file's bytes: conditional requests, byte ranges, checksum checks.

Every answer has ``Content-Disposition: inline``, the sniffed ``Content-Type``, a strong
``ETag``, ``Last-Modified``, ``Accept-Ranges: bytes`` and CORS for any origin (front ends show
these files from their own origin). ``If-None-Match``/``If-Modified-Since`` give a 304; one
``Range`` gives a 206 (416 when no byte of the file is in it; several ranges, or an ``If-Range``
that no longer matches, give the whole file). A sandboxing ``Content-Security-Policy`` keeps an
uploaded HTML or SVG file from running scripts on the API's origin.

Checksum: unless skipped, no byte leaves before the file is known whole, except for files larger
than ``AIMG_FILE_PREVERIFY_BYTES`` sent whole, which stream while hashed and whose last chunk is
held back until the sha256 matches: a damaged file then ends short of its ``Content-Length``,
which every client reads as a failed transfer, never as the file.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterator
from datetime import datetime
from urllib.parse import quote

from django.conf import settings
from django.http import HttpResponse, StreamingHttpResponse
from django.utils.http import http_date, parse_http_date_safe

from aimg_site.api.errors import ErrorCode
from aimg_site.api.exceptions import ApiError, ServerError, error_json_response
from aimg_site.core.ranges import UNSATISFIABLE, parse_single_range

from . import store

logger = logging.getLogger("aimg.technical.files")

CACHE_CONTROL = "public, max-age=86400"
SANDBOX_CSP = "default-src 'none'; img-src 'self' data:; media-src 'self'; style-src 'unsafe-inline'; sandbox"
EXPOSED = "Content-Length, Content-Range, Content-Disposition, ETag, Last-Modified, Accept-Ranges"


class FileCorrupted(ServerError):
    default_message = "The stored file is damaged (its checksum does not match); it is not served."
    error_code = ErrorCode.TECHNICAL_FILE_CORRUPTED


class RangeNotSatisfiable(ApiError):
    status = 416
    default_message = "The requested range is not satisfiable."


def _etag_matches(header: str, etag: str) -> bool:
    if header.strip() == "*":
        return True
    tags = [tag.strip().removeprefix("W/") for tag in header.split(",")]
    return etag in tags


def not_modified(request, *, etag: str, last_modified: datetime) -> bool:
    inm = request.META.get("HTTP_IF_NONE_MATCH")
    if inm is not None:
        return _etag_matches(inm, etag)
    ims = parse_http_date_safe(request.META.get("HTTP_IF_MODIFIED_SINCE", ""))
    return ims is not None and int(last_modified.timestamp()) <= ims


def _headers(response, *, content_type: str, file_name: str, etag: str, last_modified: datetime) -> None:
    response["Content-Type"] = content_type
    ascii_name = file_name.encode("ascii", "ignore").decode().replace('"', "").replace("\\", "") or "file"
    response["Content-Disposition"] = (
        f"inline; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(file_name)}"
    )
    response["ETag"] = etag
    response["Last-Modified"] = http_date(last_modified.timestamp())
    response["Accept-Ranges"] = "bytes"
    response["Cache-Control"] = CACHE_CONTROL
    response["Content-Security-Policy"] = SANDBOX_CSP
    response["X-Content-Type-Options"] = "nosniff"
    response["Access-Control-Allow-Origin"] = "*"
    response["Access-Control-Expose-Headers"] = EXPOSED
    response["Cross-Origin-Resource-Policy"] = "cross-origin"


def _verify_stream(chunks: Iterator[bytes], *, checksum: str, storage_name: str) -> Iterator[bytes]:
    """Pass ``chunks`` on, holding back the last one until the whole file hashed to ``checksum``."""
    hasher = hashlib.sha256()
    held: bytes | None = None
    for chunk in chunks:
        hasher.update(chunk)
        if held is not None:
            yield held
        held = chunk
    if hasher.hexdigest() != checksum:
        logger.error("stored file %s failed its checksum check while streaming", storage_name)
        raise FileCorrupted()
    if held is not None:
        yield held


def _is_whole(storage_name: str, checksum: str) -> bool:
    hasher = hashlib.sha256()
    for chunk in store.read_chunks(storage_name):
        hasher.update(chunk)
    return hasher.hexdigest() == checksum


def serve(
    request,
    *,
    storage_name: str,
    size: int,
    content_type: str,
    file_name: str,
    etag: str,
    last_modified: datetime,
    checksum: str | None,
):
    """The response for a stored object; ``checksum`` (sha256 hex) set means: check it first."""
    if not_modified(request, etag=etag, last_modified=last_modified):
        response: HttpResponse | StreamingHttpResponse = HttpResponse(status=304)
        _headers(
            response, content_type=content_type, file_name=file_name, etag=etag, last_modified=last_modified
        )
        del response["Content-Type"]
        return response
    span = None
    if_range = request.META.get("HTTP_IF_RANGE")
    if if_range is None or if_range.strip() == etag:
        span = parse_single_range(request.META.get("HTTP_RANGE", ""), size)
    if span == UNSATISFIABLE:
        error = error_json_response(RangeNotSatisfiable())
        error["Content-Range"] = f"bytes */{size}"
        error["Access-Control-Allow-Origin"] = "*"
        return error
    if span is not None:
        if checksum is not None and not _is_whole(storage_name, checksum):
            logger.error("stored file %s failed its checksum check", storage_name)
            raise FileCorrupted()
        first, last = span
        response = StreamingHttpResponse(store.read_chunks(storage_name, first=first, last=last), status=206)
        response["Content-Range"] = f"bytes {first}-{last}/{size}"
        response["Content-Length"] = str(last - first + 1)
    elif checksum is not None and size <= settings.AIMG_FILE_PREVERIFY_BYTES:
        data = store.read_all(storage_name)
        if hashlib.sha256(data).hexdigest() != checksum:
            logger.error("stored file %s failed its checksum check", storage_name)
            raise FileCorrupted()
        response = HttpResponse(data)
    else:
        chunks = store.read_chunks(storage_name)
        if checksum is not None:
            chunks = _verify_stream(chunks, checksum=checksum, storage_name=storage_name)
        response = StreamingHttpResponse(chunks)
        response["Content-Length"] = str(size)
    _headers(response, content_type=content_type, file_name=file_name, etag=etag, last_modified=last_modified)
    return response


def serve_bytes(
    request, *, data: bytes, content_type: str, file_name: str, etag: str, last_modified: datetime
):
    """A response for bytes at hand (a legacy file), with the same headers, ranges and 304s."""
    if not_modified(request, etag=etag, last_modified=last_modified):
        response = HttpResponse(status=304)
        _headers(
            response, content_type=content_type, file_name=file_name, etag=etag, last_modified=last_modified
        )
        del response["Content-Type"]
        return response
    span = parse_single_range(request.META.get("HTTP_RANGE", ""), len(data))
    if span == UNSATISFIABLE:
        error = error_json_response(RangeNotSatisfiable())
        error["Content-Range"] = f"bytes */{len(data)}"
        return error
    if span is not None:
        first, last = span
        response = HttpResponse(data[first : last + 1], status=206)
        response["Content-Range"] = f"bytes {first}-{last}/{len(data)}"
    else:
        response = HttpResponse(data)
    _headers(response, content_type=content_type, file_name=file_name, etag=etag, last_modified=last_modified)
    return response
